"""Small programs for tools that run code: which language a tool takes, and programs computing the world's figures.

A tool runs code when one required parameter takes source code (the `code` kind: a parameter named like code, source,
script, snippet or program whose description says so) and every other required parameter names the language. The
language is read from the schema: an enum or default member naming it ("python3", "javascript"), else a mention in
the parameter's or the tool's description ("Execute Python code"). Python is preferred, then JavaScript; a tool that
offers neither is left alone. Programs are generated from a `Measure` (sum, count or mean of a record column, with
an optional condition) and print one number, so the answer is read from the output like any other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from mcpbench.catalog import ToolEntry
from task_synth.kinds import KINDS, param_kind
from task_synth.topics import Measure


@dataclass(frozen=True)
class Language:
    """How to write the few programs we need in one language ({i}: a column index, {v}: a JSON value)."""

    name: str
    members: str
    """Regex fullmatched (case-insensitive) against an enum member or default that names the language."""
    mentioned: str
    """Regex searched (case-insensitive) in descriptions that name the language."""
    rows: str
    keep: str
    conditions: dict[str, str]
    ops: dict[str, str]
    calc: str
    """Print `{expr}` (arithmetic over numbers), rounded to cents."""


PYTHON = Language(
    name="Python", members=r"python ?3?(\.\d+)?|py3?|cpython", mentioned=r"\bpython\b",
    rows="rows = {data}", keep="rows = [r for r in rows if {cond}]",
    conditions={"<": "r[{i}] < {v}", ">=": "r[{i}] >= {v}", "in": "r[{i}] in {v}"},
    ops={"sum": "print(round(sum(r[{i}] for r in rows), 2))", "count": "print(len(rows))",
         "mean": "print(round(sum(r[{i}] for r in rows) / len(rows), 2))"},
    calc="print(round({expr}, 2))")
JAVASCRIPT = Language(
    name="JavaScript", members=r"javascript|js|node(js)?|node\.js", mentioned=r"\bjavascript\b|\bnode(\.?js)?\b",
    rows="let rows = {data};", keep="rows = rows.filter((r) => {cond});",
    conditions={"<": "r[{i}] < {v}", ">=": "r[{i}] >= {v}", "in": "{v}.includes(r[{i}])"},
    ops={"sum": "console.log(Math.round(rows.reduce((a, r) => a + r[{i}], 0) * 100) / 100);",
         "count": "console.log(rows.length);",
         "mean": "console.log(Math.round(rows.reduce((a, r) => a + r[{i}], 0) / rows.length * 100) / 100);"},
    calc="console.log(Math.round(({expr}) * 100) / 100);")
LANGUAGES = (PYTHON, JAVASCRIPT)
"""In order of preference."""

_LANGUAGE_PARAM = re.compile(r"(code_?)?lang(uage)?([_-]?(id|name))?|runtime|interpreter|kernel", re.IGNORECASE)
_RUNS_CODE = re.compile(r"\b(run|runs|execut\w*|evaluat\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CodeTool:
    """A tool that runs code, and the arguments that pick the language."""

    entry: ToolEntry
    param: str
    language: Language
    arguments: dict[str, Any]

    def program(self, rows: list[list[Any]], measure: Measure) -> str:
        """A program printing `measure` over `rows` (only the columns it reads are written into it)."""
        lang, width = self.language, len(rows[0])
        figure = measure.column % width
        cols = sorted(({figure} if measure.op != "count" else set())
                      | ({measure.where.column % width} if measure.where else set()))
        at = {c: i for i, c in enumerate(cols)}
        lines = [lang.rows.format(data=json.dumps([[r[c] for c in cols] for r in rows]))]
        if measure.where is not None:
            w = measure.where
            lines.append(lang.keep.format(cond=lang.conditions[w.op].format(i=at[w.column % width],
                                                                           v=json.dumps(w.value))))
        lines.append(lang.ops[measure.op].format(i=at.get(figure, 0)))
        return "\n".join(lines) + "\n"

    def calculation(self, expr: str) -> str:
        """A program printing an arithmetic expression's value."""
        return self.language.calc.format(expr=expr) + "\n"


def code_param(entry: ToolEntry) -> str | None:
    """The required parameter taking source code, when there is exactly one."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    found = [p for p in schema.get("required") or [] if param_kind(p, props.get(p) or {}) == "code"
             or (re.fullmatch(KINDS["code"].params, p, re.IGNORECASE) and _RUNS_CODE.search(entry.description)
                 and (props.get(p) or {}).get("type") in ("string", None))]
    return found[0] if len(found) == 1 else None


def _named(values: list[Any]) -> tuple[Language, str] | None:
    for lang in LANGUAGES:
        for v in values:
            if isinstance(v, str) and re.fullmatch(lang.members, v.strip(), re.IGNORECASE):
                return lang, v
    return None


def _mentioned(text: str) -> Language | None:
    return next((lang for lang in LANGUAGES if re.search(lang.mentioned, text, re.IGNORECASE)), None)


def code_tool(entry: ToolEntry) -> CodeTool | None:
    """The tool as a code runner in Python or JavaScript, or None (no code parameter, another required parameter we
    cannot fill, or no language we write)."""
    param = code_param(entry)
    if param is None:
        return None
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    required = [p for p in schema.get("required") or [] if p != param]
    lang_param = next((p for p in sorted(props, key=lambda p: (p not in required, p))
                       if p != param and _LANGUAGE_PARAM.fullmatch(p)), None)
    if any(p != lang_param for p in required):
        return None
    described = f"{entry.description} {(props.get(param) or {}).get('description', '')}"
    if lang_param is not None:
        ps = props.get(lang_param) or {}
        members = list(ps.get("enum") or []) + ([ps["default"]] if isinstance(ps.get("default"), str) else [])
        named = _named(members)
        if named is not None:
            return CodeTool(entry, param, named[0], {lang_param: named[1]})
        if ps.get("enum"):
            return None  # the tool lists its languages, and none is one we write
        lang = _mentioned(f"{ps.get('description', '')} {described}")
        if lang is not None:
            return CodeTool(entry, param, lang, {lang_param: lang.name.lower()})
        if lang_param in required:
            return None
    lang = _mentioned(described)
    return CodeTool(entry, param, lang, {}) if lang is not None else None


__all__ = ["JAVASCRIPT", "LANGUAGES", "PYTHON", "CodeTool", "Language", "code_param", "code_tool"]
