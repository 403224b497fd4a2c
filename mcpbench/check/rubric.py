"""Description quality without a model: a rule-based rubric over tool and parameter descriptions.

The per-tool components follow "MCP Tool Descriptions Are Smelly!" (arXiv 2602.14878): purpose, usage guidelines,
limitations, parameter explanation, examples, length/completeness. The server-level part follows Glama's per-server
scores: naming consistency, disambiguation (no confusable pairs) and tool count. Every rule is a plain function of the
listed definitions, and every finding names the tool (and parameter) and says how to fix it. The score formula is in
docs/check.md ("Description quality score") and pinned by tests on hand-scored examples.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry
from mcpbench.search import tokenize

WEIGHTS: dict[str, float] = {"purpose": 30, "usage": 10, "limitations": 10, "parameters": 25, "examples": 10,
                             "completeness": 15}
"""Points per component of a tool's score (they sum to 100)."""
SERVER_WEIGHTS: dict[str, float] = {"naming": 40, "disambiguation": 40, "count": 20}
"""Points per component of the server-level score (they sum to 100)."""
TOOL_SHARE = 0.8
"""score = TOOL_SHARE × mean(tool scores) + (1 − TOOL_SHARE) × server score."""
PASS_SCORE = 60
"""The check warns below this score, or when any single tool scores below `TOOL_FLOOR`."""
TOOL_FLOOR = 40
MIN_CHARS, MAX_CHARS = 40, 1024
"""A description shorter than MIN_CHARS says too little; longer than MAX_CHARS costs context on every request."""
MAX_TOOLS = 40
"""Above this many tools, models pick the wrong tool more often (Glama's tool-count signal)."""

USAGE = re.compile(
    r"\b(use (this|it|when|to|for|if|only|before|after|instead)|useful (for|when|to)|when (you|the user|a user)|"
    r"call (this|it)|instead of|rather than|prefer(red)?|typically|intended for|designed for|suitable for|"
    r"good for|helpful (for|when))\b", re.IGNORECASE)
LIMITS = re.compile(
    r"\b(only|cannot|can't|can not|does not|doesn't|do not|don't|won't|will not|not (supported|allowed|available|"
    r"included)|must|requires?|required|at most|up to|maximum|max|minimum|limit(ed|s)?|fails?|unless|no more than|"
    r"read-only|caveats?|beware|note that|restricted|truncat\w*|paginat\w*)\b", re.IGNORECASE)
EXAMPLE = re.compile(r"\b(e\.g\.|eg\.|for example|for instance|example|such as|like ['\"`])|"
                     r"['\"`][^'\"`\s][^'\"`]{0,40}['\"`]", re.IGNORECASE)
RESULT = re.compile(r"\b(returns?|returning|result|results|output|outputs|responds?|response|gives|yields|produces?|"
                    r"lists?|shows?|reports?)\b", re.IGNORECASE)
SCHEMA_EXAMPLE_KEYS = ("examples", "example", "enum", "const", "default", "pattern", "format")

RULES: dict[str, tuple[str, str]] = {
    "purpose.missing": ("purpose", ("has no description → say what it does, with which input, and what it returns")),
    "purpose.restates_name": ("purpose", ("the first sentence only restates the name → open with what it does "
                                         "beyond the name: its input, its effect, its result")),
    "usage.missing": ("usage", ("no usage guidance → say when to use it (and when another tool fits better), "
                               "e.g. 'Use this when …'")),
    "limits.missing": ("limitations", ("no limitations → state what it cannot do or requires (size limits, "
                                      "permissions, side effects, failure cases)")),
    "params.undescribed": ("parameters", ("parameter {param!r} has no description → say what it is, its format or "
                                         "unit, and an example value")),
    "params.restates_name": ("parameters", ("parameter {param!r} is described only by its name → give its meaning, "
                                           "format or unit, and an example value")),
    "examples.missing": ("examples", ("no example → add one example value or call (e.g. 'city: \"Paris\"'), or "
                                     "'examples'/'enum' in the schema")),
    "length.too_short": ("completeness", ("the description is {chars} characters → write at least a full sentence "
                                         f"({MIN_CHARS}+ characters) on what it does and returns")),
    "length.too_long": ("completeness", ("the description is {chars} characters → keep it under "
                                        f"{MAX_CHARS} characters; move long documentation to a resource")),
    "returns.missing": ("completeness", ("does not say what it returns → describe the result (shape, units, "
                                        "what an empty result means)")),
    "naming.mixed_case": ("naming", ("tool names mix styles ({styles}) → name every tool in one style, e.g. "
                                    "snake_case verb_noun")),
    "disambiguation.confusable": ("disambiguation", ("{a} is easily confused with {b} → say in each "
                                                    "description when to use it rather than the other")),
    "count.too_many": ("count", ("{n} tools → models choose worse among more than "
                                f"{MAX_TOOLS}; merge near-duplicates or split the server")),
}
"""rule id → (component, message template with its fix after the arrow)."""


class Finding(BaseModel):
    """One rubric finding: which rule, on which tool (and parameter), and how to fix it."""

    rule: str
    tool: str | None = None
    """None for server-level findings."""
    param: str | None = None
    message: str

    def line(self) -> str:
        where = self.tool + (f".{self.param}" if self.param else "") if self.tool else "server"
        return f"{where}: {self.message} [{self.rule}]"


class ToolGrade(BaseModel):
    """A tool's rubric points per component and its 0–100 score."""

    tool: str
    points: dict[str, float]
    score: float
    findings: list[Finding] = Field(default_factory=list)


class Grade(BaseModel):
    """A server's description-quality grade."""

    score: int
    """0–100, see docs/check.md."""
    tool_mean: float
    server_score: float
    server_points: dict[str, float]
    tools: list[ToolGrade]
    findings: list[Finding]
    """Server-level findings (per-tool ones are in `tools`)."""

    def all_findings(self) -> list[Finding]:
        return [f for t in sorted(self.tools, key=lambda t: t.score) for f in t.findings] + self.findings


def unique_tools(tools: list[ToolEntry]) -> list[ToolEntry]:
    """The first tool of each name, in listing order."""
    out: dict[str, ToolEntry] = {}
    for t in tools:
        out.setdefault(t.name, t)
    return list(out.values())


def _finding(rule: str, tool: str | None, param: str | None = None, **kw: Any) -> Finding:
    msg = RULES[rule][1].format(param=param, **kw)
    return Finding(rule=rule, tool=tool, param=param, message=msg)


def _words(text: str) -> set[str]:
    return set(tokenize(text))


def _restates(description: str, name: str) -> bool:
    """A text whose content words are all (or all but one) the name's own words says nothing more."""
    words = _words(description)
    return not words or len(words - _words(name)) < 2


def first_sentence(text: str) -> str:
    """Up to the first '. ', '.\n' or newline: where a model looks for the tool's purpose."""
    return re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]


def params_of(tool: ToolEntry) -> dict[str, Any]:
    props = tool.input_schema.get("properties") if isinstance(tool.input_schema, dict) else None
    return props if isinstance(props, dict) else {}


def _has_schema_example(prop: Any) -> bool:
    if not isinstance(prop, dict):
        return False
    if any(k in prop for k in SCHEMA_EXAMPLE_KEYS):
        return True
    desc = prop.get("description")
    return isinstance(desc, str) and bool(EXAMPLE.search(desc))


def grade_tool(tool: ToolEntry) -> ToolGrade:
    """Score one tool on the six components; every lost point comes with a finding."""
    desc = tool.description.strip()
    name = tool.name
    pts: dict[str, float] = {}
    out: list[Finding] = []
    if not desc:
        pts["purpose"] = 0
        out.append(_finding("purpose.missing", name))
    elif _restates(first_sentence(desc), name):
        pts["purpose"] = WEIGHTS["purpose"] / 3
        out.append(_finding("purpose.restates_name", name))
    else:
        pts["purpose"] = WEIGHTS["purpose"]
    for comp, rx, rule in (("usage", USAGE, "usage.missing"), ("limitations", LIMITS, "limits.missing")):
        hit = bool(desc) and bool(rx.search(desc))
        pts[comp] = WEIGHTS[comp] if hit else 0
        if not hit and desc:
            out.append(_finding(rule, name))
    props = params_of(tool)
    good = 0
    for pname, prop in props.items():
        pdesc = str(prop.get("description", "")).strip() if isinstance(prop, dict) else ""
        if not pdesc:
            out.append(_finding("params.undescribed", name, pname))
        elif _restates(pdesc, pname) and len(pdesc.split()) < 3:
            out.append(_finding("params.restates_name", name, pname))
        else:
            good += 1
    pts["parameters"] = WEIGHTS["parameters"] * (good / len(props) if props else 1.0)
    example = bool(EXAMPLE.search(desc)) or any(_has_schema_example(p) for p in props.values())
    pts["examples"] = WEIGHTS["examples"] if example or not props else 0
    if not pts["examples"]:
        out.append(_finding("examples.missing", name))
    half = WEIGHTS["completeness"] / 2
    length_ok = MIN_CHARS <= len(desc) <= MAX_CHARS
    if desc and not length_ok:
        out.append(_finding("length.too_short" if len(desc) < MIN_CHARS else "length.too_long", name,
                            chars=len(desc)))
    says_result = bool(RESULT.search(desc)) or tool.output_schema is not None
    if desc and not says_result:
        out.append(_finding("returns.missing", name))
    pts["completeness"] = half * length_ok + half * (bool(desc) and says_result)
    return ToolGrade(tool=name, points={k: round(v, 2) for k, v in pts.items()},
                     score=round(sum(pts.values()), 2), findings=out)


def name_style(name: str) -> str | None:
    """'snake', 'kebab', 'camel', 'pascal', 'dotted', 'upper' — or None for one lowercase word (fits any style)."""
    if "." in name:
        return "dotted"
    if "_" in name and "-" in name:
        return "mixed"
    if "_" in name:
        return "upper" if name.isupper() else "snake"
    if "-" in name:
        return "kebab"
    if name.isupper() and len(name) > 1:
        return "upper"
    if re.search(r"[a-z][A-Z]", name):
        return "pascal" if name[:1].isupper() else "camel"
    if name[:1].isupper():
        return "pascal"
    return None


def naming_consistency(names: list[str]) -> tuple[float, dict[str, int]]:
    """Share of multi-word names in the majority style (1.0 when all agree or there is nothing to compare)."""
    styles = Counter(s for s in (name_style(n) for n in names) if s is not None)
    if len(styles) <= 1:
        return 1.0, dict(styles)
    return styles.most_common(1)[0][1] / sum(styles.values()), dict(styles)


def grade(tools: list[ToolEntry], confusable: list[tuple[str, str]] | None = None) -> Grade:
    """Grade a server's tools. `confusable` are the pairs `schemas.confusable_tools` flags (the disambiguation
    component); tools are de-duplicated by name (first wins)."""
    unique = unique_tools(tools)
    grades = [grade_tool(t) for t in unique]
    findings: list[Finding] = []
    n = len(unique)
    consistency, styles = naming_consistency([t.name for t in unique])
    if consistency < 1.0:
        findings.append(_finding("naming.mixed_case", None, styles=", ".join(f"{k} × {v}" for k, v in
                                                                              sorted(styles.items()))))
    pairs = confusable or []
    mixed = {x for p in pairs for x in p}
    for a, b in pairs:
        findings.append(_finding("disambiguation.confusable", None, a=a, b=b))
    if n > MAX_TOOLS:
        findings.append(_finding("count.too_many", None, n=n))
    server_points = {
        "naming": SERVER_WEIGHTS["naming"] * consistency,
        "disambiguation": SERVER_WEIGHTS["disambiguation"] * (1 - len(mixed) / n if n else 1.0),
        "count": SERVER_WEIGHTS["count"] * (min(1.0, MAX_TOOLS / n) if n else 1.0),
    }
    server_score = sum(server_points.values())
    tool_mean = sum(g.score for g in grades) / n if n else 0.0
    score = round(TOOL_SHARE * tool_mean + (1 - TOOL_SHARE) * server_score) if n else 0
    return Grade(score=score, tool_mean=round(tool_mean, 2), server_score=round(server_score, 2),
                 server_points={k: round(v, 2) for k, v in server_points.items()}, tools=grades, findings=findings)


__all__ = ["MAX_TOOLS", "PASS_SCORE", "RULES", "SERVER_WEIGHTS", "TOOL_FLOOR", "TOOL_SHARE", "WEIGHTS", "Finding",
           "Grade", "ToolGrade", "first_sentence", "grade", "grade_tool", "name_style", "naming_consistency",
           "params_of", "unique_tools"]
