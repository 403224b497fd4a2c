"""Example values a tool's description documents for its parameters.

Many servers document parameters in the tool's description rather than the schema (a docstring's `Args:` section:
`date: ISO 8601 date string (YYYY-MM-DD), e.g. "2026-04-21".`, `year: Four-digit year (e.g. 2026).`). The examples
given on a parameter's own line are candidates like the schema's (graph.seed_pools checks them against the kind).

Allowed values given only in words ("one of: draft, review, final, or archived", "Type (memo|report|letter)",
"Allowed values: a, b, c", "either 'x' or 'y'") make a plain string parameter an enum (`with_documented_choices`,
applied to the selected tools' schemas before synthesis), so a creator whose type is documented this way is filled
with one of them instead of being unfillable.
"""

from __future__ import annotations

import re
from typing import Any

from mcpbench.catalog import ToolEntry

_EG = re.compile(r"""\b(?:e\.g\.|eg\.|for example|example:|such as)\s*[:,]?\s*(?:"([^"\n]{1,60})"|'([^'\n]{1,60})'|"""
                 r"""`([^`\n]{1,60})`|([\w./:+-]{2,40}))""", re.IGNORECASE)


def documented_examples(description: str, param: str) -> list[Any]:
    """Examples on `param`'s own line of a description's argument list ('param: ... e.g. "X"'), in order."""
    out: list[Any] = []
    for m in re.finditer(rf"(?m)^\s*[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*:(.*)$", description or ""):
        for e in _EG.finditer(m.group(1)):
            v = next(g for g in e.groups() if g is not None).rstrip(".,;)")
            if v and v not in out:
                out.append(int(v) if v.isdigit() else v)
    return out


_TOKEN = r"""(?:"[^"\n]{1,60}"|'[^'\n]{1,60}'|`[^`\n]{1,60}`|[A-Za-z0-9][\w./:+#@-]{0,39})"""
_SERIES_OF = rf"({_TOKEN}(?:\s*(?:,\s*(?:or|and)\s+|,\s*|\s+(?:or|and)\s+){_TOKEN}){{0,9}})"
_GIVEN_LEAD = re.compile(r"\b(?:e\.g\.|eg\.|for example|for instance|such as|examples?\s*:)\s*[:,]?\s*" + _SERIES_OF,
                         re.IGNORECASE)
_TRY_LEAD = re.compile(r"\btry\s+" + _SERIES_OF, re.IGNORECASE)
_HEADED_LEAD = re.compile(r"\bexamples?\b([\w ]{0,40}?)\s*:\s*" + _SERIES_OF, re.IGNORECASE)
_NOT_VALUES = frozenset({"the", "a", "an", "this", "that", "any", "your", "its", "their", "one", "some", "it", "again",
                         "to", "with", "of", "in", "on"})
"""Words a lead such as 'such as' or 'try' may be followed by that are no example ('such as the one …')."""
_PLACEHOLDER = re.compile(r"X{3,}|\.\.\.|<[^>]*>|\{[^}]*\}")


def _series(text: str, followed: str = "") -> list[str]:
    """The values of a series ('a, b, or c'; one value alone), quotes taken off, trailing punctuation dropped;
    none that is a function word, a placeholder ('RCP-XXXX'), a name assigned to ('tray_id=…') or a label."""
    if followed.lstrip()[:1] in ("=", ":") or text.rstrip().endswith(":"):  # 'ply=…', '4-ply: Red, …': no value
        return []
    out: list[str] = []
    for part in re.split(r"\s*(?:,\s*(?:or|and)\s+|,\s*|\s+(?:or|and)\s+)", text):
        v = part.strip().strip("\"'`").rstrip(".,;:)")
        if v and v.lower() not in _NOT_VALUES and not _PLACEHOLDER.search(v) and v not in out:
            out.append(v)
    return out


def described_examples(text: str) -> list[str]:
    """The example values a parameter's own description gives, in order: after 'e.g.', 'for example', 'such as',
    'Example:' ('Catalogue code, e.g. PLT-201' -> PLT-201), or a series of two or more after 'Try' ('Try fern, maple
    or orchid' -> fern, maple, orchid); [] when it gives none."""
    out: list[str] = []
    for m in _GIVEN_LEAD.finditer(text or ""):
        out += [v for v in _series(m.group(1), text[m.end():]) if v not in out]
    for m in _TRY_LEAD.finditer(text or ""):
        found = _series(m.group(1), text[m.end():])
        out += [v for v in found if v not in out] if len(found) >= 2 else []
    return out


def tool_examples(description: str, param: str, words: list[str], sole: bool) -> list[str]:
    """The example values a tool's description gives for `param`, in order: assigned to it ('param=tray-1'); a
    series under an 'Example(s) …:' lead whose words name it (`words`: its name's forms, 'queries' for `query`:
    "Example queries that find plants: fern, maple, orchid"); and, when `param` is the one parameter of the tool that
    has no value (`sole`), any other example the description gives ('Example: PLT-201 (…)', 'Example sold out:
    PLT-205', 'for example PLT-201'); [] when it gives none."""
    text = description or ""
    out = [v for m in re.finditer(rf"(?<![\w-]){re.escape(param)}\s*=\s*({_TOKEN})", text)
           for v in _series(m.group(1))]
    if out:
        return list(dict.fromkeys(out))
    for m in _HEADED_LEAD.finditer(text):
        lead = {w.lower() for w in m.group(1).split()}
        if lead & set(words) or sole:
            out += [v for v in _series(m.group(2), text[m.end():]) if v not in out]
    if sole:
        out += [v for v in described_examples(text) if v not in out]
        out += [v for v in quoted_series(text) if v not in out]
    return out


_QUOTED_SERIES = re.compile(r"\(\s*((?:\"[^\"\n()]{1,40}\"\s*,\s*)+\"[^\"\n()]{1,40}\")\s*\)")


def quoted_series(text: str) -> list[str]:
    """The values of a parenthesised series of two or more quoted words ('described in plain words ("fern",
    "maple", "orchid")'): examples a description gives without saying so."""
    return [v for m in _QUOTED_SERIES.finditer(text or "") for v in re.findall(r"\"([^\"]+)\"", m.group(1))]


_WORD = r"[A-Za-z_][\w.-]{0,30}"
_Q = r"[\"'`]?"
_LEAD = re.compile(r"\b(?:(?:must be |should be |is )?one of|(?:allowed|valid|possible|accepted|supported|permitted)"
                   r" (?:values?|options?|types?)|options?|choices?|values?)\s*(?:are|is|include)?\s*[:=]?\s*"
                   r"[(\[]?\s*(" + _Q + _WORD + _Q + r"(?:\s*(?:,\s*or\b|,\s*and\b|,|/|\||\bor\b|\band\b)\s*"
                   + _Q + _WORD + _Q + r")+)", re.IGNORECASE)
_PIPES = re.compile(r"[(\[]\s*(" + _Q + _WORD + _Q + r"(?:\s*\|\s*" + _Q + _WORD + _Q + r")+)\s*[)\]]")
_EITHER = re.compile(r"\beither\s+(" + _Q + _WORD + _Q + r"\s+or\s+" + _Q + _WORD + _Q + r")(?![\w-])",
                     re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,\s*or\b|,\s*and\b|,|/|\||\bor\b|\band\b)\s*", re.IGNORECASE)


def documented_choices(text: str) -> list[str]:
    """The allowed values a parameter's description lists in words, in order; [] when it lists none (at least two
    single-word values: 'one of: a, b, or c', '(a|b|c)', 'allowed values: a, b', "either 'a' or 'b'")."""
    for rx in (_PIPES, _EITHER, _LEAD):
        m = rx.search(text or "")
        if m is None:
            continue
        vals: list[str] = []
        for part in _SPLIT.split(m.group(1)):
            v = part.strip().strip("\"'`").rstrip(".")
            if v and v not in vals:
                vals.append(v)
        if len(vals) >= 2:
            return vals
    return []


def _param_line(description: str, param: str) -> str:
    """What the tool's description says of `param` on its own line ('style: snake, camel'), or in a sentence of its
    own that starts with it ('Convert case. style: snake, camel, upper')."""
    m = re.search(rf"(?m)(?:^|(?<=[.;!?])[ \t]+)[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*:(.*)$",
                  description or "")
    return m.group(1) if m else ""


_BARE = re.compile(r"^\s*(" + _Q + _WORD + _Q + r"(?:\s*(?:,\s*or\b|,\s*and\b|,)\s*" + _Q + _WORD + _Q
                   + r"){2,})\s*(?:[.;]|$)")


def bare_choices(line: str) -> list[str]:
    """The values a parameter's line in the tool's description is nothing but a list of ('snake, camel, pascal,
    upper'; 'line, word, or char'): three or more single words; [] otherwise."""
    m = _BARE.match(line or "")
    if m is None:
        return []
    vals = [v.strip().strip("\"'`").rstrip(".") for v in _SPLIT.split(m.group(1)) if v.strip()]
    vals = list(dict.fromkeys(v for v in vals if v))
    return vals if len(vals) >= 3 else []


_SENTENCE_OF = (r"(?:^|(?<=[.;!?])\s+|\n\s*)[-*]?\s*[\"'`]?{p}[\"'`]?\s+((?:is|are|must be|should be|can be|may be|"
                r"takes?|accepts?)\b[^\n]*?)(?:(?<=[.;!?])(?=\s)|$)")


def sentence_about(description: str, param: str) -> str:
    """The rest of the sentence of the tool's description that starts with the parameter's name, quoted or not,
    and says what it is ("`type` is one of: fact, decision, note." -> "is one of: fact, decision, note."); ''
    when no sentence does."""
    rx = _SENTENCE_OF.format(p=re.escape(param))
    # a sentence wrapped over lines ("`type` is one\n    of: …") is read whole; else a line of a list
    m = re.search(rx, " ".join((description or "").split())) or re.search(rx, description or "", re.MULTILINE)
    return m.group(1) if m else ""


_QSERIES = re.compile(r"([\"'`])([A-Za-z_][\w-]{0,30})\1((?:\s*,\s*([\"'`])[A-Za-z_][\w-]{0,30}\4)*\s*,?\s*"
                      r"(?:or|and)\s+([\"'`])[A-Za-z_][\w-]{0,30}\5)")
_QUOTED_WORD = re.compile(r"[\"'`]([A-Za-z_][\w-]{0,30})[\"'`]")
_CHOICE_PARAM = re.compile(r"(^|_)(status|state|type|kind|mode|category|priority|level|stage|severity)$|"
                           r"[a-z](Status|State|Type|Kind|Mode|Category|Priority|Level|Stage|Severity)$")


def quoted_choices(description: str) -> list[str]:
    """The quoted single words of the first sentence of a description that quotes two or more joined by 'or'/'and'
    ("Mark a task as 'done' or 'dropped' (or reopen with 'open')" -> done, dropped, open); [] when none does."""
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join((description or "").split())):
        if _QSERIES.search(sentence):
            vals = list(dict.fromkeys(_QUOTED_WORD.findall(sentence)))
            if len(vals) >= 2:
                return vals
    return []


_TYPE_PARAM = re.compile(r"(^|_)(type|kind|category)$|[a-z](Type|Kind|Category)$", re.IGNORECASE)
_SERIES = re.compile(r"\b([A-Za-z][\w-]{1,30}(?:,\s+[A-Za-z][\w-]{1,30}){1,8},?\s+(?:or|and)\s+[A-Za-z][\w-]{1,30})\b")


def enumerated_kinds(description: str) -> list[str]:
    """The words of the first series of three or more single words the tool's description enumerates ('Create a new
    memo, report, minute, or letter for the team' -> memo … letter): what a type parameter of a creator takes when
    nothing else documents it."""
    m = _SERIES.search(first_sentence(description))
    if m is None:
        return []
    vals = [v.strip() for v in _SPLIT.split(m.group(1)) if v.strip()]
    return list(dict.fromkeys(vals)) if len(vals) >= 3 else []


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", " ".join((text or "").split()), maxsplit=1)[0]


def with_documented_choices(entry: ToolEntry) -> ToolEntry:
    """`entry` with every plain string parameter (no enum, no format) whose own description, or its line in the
    tool's description, lists allowed values given an `enum` of them — and a required type parameter ('item_type',
    'kind') with no such list the kinds the tool's first sentence enumerates. A parameter's choices may also be said in
    a sentence that starts with its name ("`type` is one of: fact, decision, note"), and the one required choice-like
    parameter (`status`, `type`, `mode`, …) that has no description and that the tool's description never names
    takes the words that description quotes as alternatives ("Mark a task as 'done' or 'dropped'"). The same entry
    when none of this applies."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    new: dict[str, Any] = {}
    for name, ps in props.items():
        if not isinstance(ps, dict) or "enum" in ps or ps.get("type") != "string" or "format" in ps:
            continue
        line = _param_line(entry.description, name)
        choices = documented_choices(str(ps.get("description") or "")) or documented_choices(line) \
            or bare_choices(line) or documented_choices(sentence_about(entry.description, name))
        if not choices and _TYPE_PARAM.search(name) and name in (schema.get("required") or []):
            choices = enumerated_kinds(entry.description)
        if choices:
            new[name] = {**ps, "enum": choices}
    unnamed = [n for n in schema.get("required") or [] if n not in new and _CHOICE_PARAM.search(str(n))
               and isinstance(props.get(n), dict) and props[n].get("type") == "string"
               and not {"enum", "format", "description"} & set(props[n])
               and not re.search(rf"(?<![\w-]){re.escape(str(n))}(?![\w-])", entry.description or "")]
    if len(unnamed) == 1:  # the one choice the tool takes, which its description quotes without naming it
        choices = quoted_choices(entry.description)
        if choices:
            new[unnamed[0]] = {**props[unnamed[0]], "enum": choices}
    if not new:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": {**props, **new}}})


_FUNCTION_NAME = re.compile(r"(?:^|_)(?:func|function|fn|f|g|h|expr|expression|formula|equation|eq)"
                            r"(?:_?(?:str|string|expr))?$", re.IGNORECASE)
_CALL = re.compile(r"(?<![\w'])[fgh]\s*\(\s*[a-z]\s*(?:,\s*[a-z]\s*){0,3}\)")


def with_documented_expressions(entry: ToolEntry) -> ToolEntry:
    """`entry` with every string parameter that has no description of its own, but whose line in the tool's
    description says it is an expression in a variable ('func_str: Math expression in x.'), described by that line;
    and one named like a function ('func_str', 'g_str') that has no line either, described by the function the
    tool's description writes ('the double integral of f(x, y)' -> 'Expression f(x, y)'). So the kind inference
    (kinds.expression_variable) gives it an expression in that variable, not prose or a constant. The same entry
    when none applies."""
    from task_synth.kinds import expression_variable

    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    new: dict[str, Any] = {}
    for name, ps in props.items():
        if not isinstance(ps, dict) or ps.get("description") or ps.get("type") not in ("string", None) \
                or {"enum", "format"} & set(ps):
            continue
        line = _param_line(entry.description, name).strip()
        if line and expression_variable(line):
            new[name] = {**ps, "description": line}
        elif not line and _FUNCTION_NAME.search(name) and (m := _CALL.search(entry.description or "")):
            new[name] = {**ps, "description": f"Expression {m.group(0)}"}
    if not new:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": {**props, **new}}})


_NUM = r"(-?\d+(?:\.\d+)?)"
_RANGES = (re.compile(rf"\(\s*{_NUM}\s*(?:-|–|to|\.\.)\s*{_NUM}\s*(?:%|[A-Za-z]{{1,8}})?\s*(?:[,;)]|$)"),
           re.compile(rf"\bbetween\s+{_NUM}\s*%?\s+and\s+{_NUM}\b", re.IGNORECASE),
           re.compile(rf"\b(?:range|from)\s*:?\s*{_NUM}\s*%?\s*(?:-|–|to)\s*{_NUM}\b", re.IGNORECASE))


def documented_range(text: str) -> tuple[float, float] | None:
    """(low, high) a numeric parameter's description gives in words ('Cyan (0-100)', 'between 1 and 10', 'range
    0.0–1.0'); None when it gives none."""
    for rx in _RANGES:
        m = rx.search(text or "")
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo < hi:
                return lo, hi
    return None


def with_documented_ranges(entry: ToolEntry) -> ToolEntry:
    """`entry` with every numeric parameter that has no bounds but whose description, or its line in the tool's
    description, gives a range in words ('Cyan (0-100)') bounded by it (`minimum`/`maximum`), so generated values
    fall inside it (bounds.py); the same entry when none does."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    new: dict[str, Any] = {}
    for name, ps in props.items():
        if not isinstance(ps, dict) or ps.get("type") not in ("number", "integer") or {"minimum", "maximum",
                                                                                       "exclusiveMinimum",
                                                                                       "exclusiveMaximum"} & set(ps):
            continue
        found = documented_range(str(ps.get("description") or "")) or documented_range(
            _param_line(entry.description, name))
        if found:
            lo, hi = found
            integral = ps.get("type") == "integer"
            new[name] = {**ps, "minimum": int(lo) if integral or lo.is_integer() else lo,
                         "maximum": int(hi) if integral or hi.is_integer() else hi}
    if not new:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": {**props, **new}}})


_FIELD_LINE = re.compile(r"(?m)^\s*[-*•]\s*`?([A-Za-z_][\w]{0,40})`?\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_PAREN_LIST = re.compile(r"\(\s*(" + _Q + _WORD + _Q + r"(?:\s*,\s*" + _Q + _WORD + _Q + r")+)\s*\)")
_OPTIONAL = re.compile(r"\boptional\b", re.IGNORECASE)
_NUMERIC = re.compile(r"\b(?:integer|number|int|float|count)\b", re.IGNORECASE)


def documented_fields(text: str) -> tuple[dict[str, Any], list[str]]:
    """(properties, required) of the object fields a bulleted list in `text` documents ("each containing:\n- id:
    Unique identifier\n- status: Current status (pending, in_progress, completed)\n- metadata: Optional data"): a
    string per field (a number when its line or type says integer/number), an enum when the line lists two or more
    single words ("(a, b, c)", "one of a|b"), all required; fields the line calls optional are left out (the item
    stays open to them); ({}, []) for fewer than two."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for m in _FIELD_LINE.finditer(text or ""):
        name, typ, line = m.group(1), m.group(2) or "", m.group(3)
        if name in props:
            continue
        if _OPTIONAL.search(line) or _OPTIONAL.search(typ):
            continue
        if _NUMERIC.search(typ) or re.match(r"\s*(?:integer|number)\b", line, re.IGNORECASE):
            props[name] = {"type": "number", "description": line}
        else:
            pm = _PAREN_LIST.search(line)
            choices = ([v.strip().strip("\"'`") for v in pm.group(1).split(",")] if pm
                       else documented_choices(line))
            props[name] = {"type": "string", "description": line, **({"enum": choices} if choices else {})}
        required.append(name)
    return (props, required) if len(props) >= 2 else ({}, [])


def with_documented_items(entry: ToolEntry) -> ToolEntry:
    """`entry` with every array parameter whose items are objects the schema leaves open (no `properties`) given the
    item fields the parameter's own description lists (documented_fields), so items are filled with the fields the
    server checks instead of whatever a record has; the same entry when none does. (The tool's description is not
    read: its bulleted lines are usually the tool's own parameters.)"""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    new: dict[str, Any] = {}
    for name, ps in props.items():
        items = ps.get("items") if isinstance(ps, dict) else None
        if not isinstance(ps, dict) or ps.get("type") != "array" or not isinstance(items, dict) \
                or items.get("type") not in ("object", None) or items.get("properties") or "$ref" in items:
            continue
        fields, required = documented_fields(str(ps.get("description") or ""))
        if fields:
            new[name] = {**ps, "items": {**items, "type": "object", "properties": fields, "required": required}}
    if not new:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": {**props, **new}}})


__all__ = ["described_examples", "documented_choices", "documented_examples", "documented_fields", "documented_range",
           "enumerated_kinds", "quoted_choices", "sentence_about", "tool_examples", "with_documented_choices",
           "with_documented_expressions", "with_documented_items", "with_documented_ranges"]
