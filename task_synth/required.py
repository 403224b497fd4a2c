"""Parameters required only in words: a schema that marks nothing required, and an error that says otherwise.

When a call fails with an error naming one of the tool's optional parameters as required ("'name' is required",
"missing required parameter name", "name must be provided", "'name' must be a non-empty string"), that parameter is
required for that tool from then on:
the selected entry's schema lists it (so fill, probes and walks fill it), its graph node takes it, and the evidence
(the error) is kept in graph.learnt_required. The caller retries once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mcpbench.catalog import ToolEntry
from task_synth.fill import json_types
from task_synth.kinds import param_kind

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

_Q = r"[\"'`]?"
_SAYS_REQUIRED = (
    re.compile(rf"{_Q}(\w+){_Q}\s+(?:is|are)\s+(?:a\s+)?required", re.IGNORECASE),
    re.compile(rf"missing\s+(?:required\s+)?(?:parameter|argument|field|property|key)s?\s*[:=]?\s*{_Q}(\w+)",
               re.IGNORECASE),
    re.compile(rf"required\s+(?:parameter|argument|field|property|key)s?\s*[:=]?\s*{_Q}(\w+)", re.IGNORECASE),
    re.compile(rf"{_Q}(\w+){_Q}\s+(?:must|should)\s+be\s+(?:provided|given|specified|set|supplied)", re.IGNORECASE),
    re.compile(rf"{_Q}(\w+){_Q}\s+(?:must|should)\s+(?:be\s+an?\s+non-?empty|not\s+be\s+empty)", re.IGNORECASE),
    re.compile(rf"{_Q}(\w+){_Q}\s+(?:cannot|can't|may\s+not)\s+be\s+empty", re.IGNORECASE),
)


_ALTERNATIVES = re.compile(
    rf"\b(?:provide|give|specify|pass|supply|set|use|requires?)\s+(?:either|(?:exactly\s+|at\s+least\s+)?one\s+of)"
    rf"\s*:?\s+((?:(?:a|an|the)\s+)?{_Q}\w+{_Q}(?:\s+\w+)?(?:\s*(?:,|\bor\b|/)\s*(?:(?:a|an|the|all\s+\w+)\s+)?"
    rf"{_Q}\w+{_Q}(?:\s+\w+)?)+)", re.IGNORECASE)
"""Optional parameters one of which must be given ("Provide either hex_color OR all four CMYK values", "Provide
exactly one of dot_gain_percent or substrate", "requires one of: id, name")."""
_EITHER = re.compile(
    rf"\beither\s+((?:(?:a|an|the)\s+)?{_Q}\w+{_Q}(?:\s*(?:,|\bor\b|/)\s*(?:(?:a|an|the)\s+)?{_Q}\w+{_Q})+)\s+"
    rf"(?:(?:is|are|must|should)\s+(?:be\s+)?)?(?:required|provided|given|specified|supplied|set|needed)\b",
    re.IGNORECASE)
"""The same said the other way round: "Either 'name' or 'names' must be provided"."""


def one_of_required(text: str, schema: dict[str, Any]) -> str | None:
    """The optional parameter to give when `text` says one of several must be: the first alternative it names that
    is a parameter with a known kind, else the first that is a parameter; None when it names none, or when one of
    them is required already."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    for named in _alternatives(text, props):
        if required & set(named):
            continue
        known = [w for w in named if param_kind(w, props[w] or {}) is not None]
        scalar = [w for w in named if json_types(props[w] or {}) - {"array", "object"}]  # 'name' before 'names'
        return ([w for w in known if w in scalar] or known or scalar or named)[0]
    return None


def _alternatives(text: str | None, props: dict[str, Any]) -> list[list[str]]:
    """Each group of the tool's parameters that TEXT says one of must be given, in order."""
    found = sorted((m.start(), m.group(1)) for rx in (_ALTERNATIVES, _EITHER) for m in rx.finditer(text or ""))
    groups = []
    for _, words in found:
        names = [w.strip("\"'`") for w in re.findall(r"[\"'`]?\w+[\"'`]?", words)]
        named = [w for w in dict.fromkeys(names) if w in props]
        if named:
            groups.append(named)
    return groups



def named_required(error: str, schema: dict[str, Any]) -> list[str]:
    """The tool's parameters that `error` names as required, in order of appearance (of alternatives one of which
    must be given, the one one_of_required picks)."""
    props = schema.get("properties") or {}
    found: list[tuple[int, str]] = []
    for rx in _SAYS_REQUIRED:
        for m in rx.finditer(error or ""):
            p = m.group(1)
            if p in props and all(p != q for _, q in found):
                found.append((m.start(1), p))
    pick = one_of_required(error, schema)
    others = {w for group in _alternatives(error, props) if pick in group for w in group if w != pick}
    found = [(i, q) for i, q in found if q not in others]  # "either 'name' or 'names' must be": only the pick
    if pick is not None and all(pick != q for _, q in found):
        found.append(((error or "").find(pick), pick))
    return [p for _, p in sorted(found)]


def with_described_alternatives(entry: ToolEntry) -> ToolEntry:
    """`entry` with the optional parameter its description says must be given one way or another ("Provide either
    hex_color OR all four CMYK values") required (one_of_required); the same entry when it says none."""
    schema = entry.input_schema or {}
    pick = one_of_required(" ".join((entry.description or "").split()), schema)
    if pick is None:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "required": [*(schema.get("required") or []), pick]}})


def learn_required(state: SynthState, server: str, tool: str, error: str) -> list[str]:
    """Make the optional parameters `error` names required for SERVER/TOOL (entry schema and graph node); returns
    them, or those learnt earlier that it names ([] when the error names none: the caller should not retry)."""
    for i, e in enumerate(state.entries):
        if e.server != server or e.name != tool:
            continue
        schema = dict(e.input_schema or {})
        named = named_required(error, schema)
        required = list(schema.get("required") or [])
        learnt = [q.split(":", 1)[0] for q in state.graph.learnt_required.get(f"{server}/{tool}", [])]
        names = [p for p in named if p not in required]
        if not names:  # learnt already (by a call running alongside): the caller may still retry
            return [p for p in named if p in learnt]
        schema["required"] = [*required, *names]
        state.entries[i] = e.model_copy(update={"input_schema": schema})
        props = schema.get("properties") or {}
        node = state.graph.node(f"{server}/{tool}")
        if node is not None:
            for p in names:
                node.params[p] = param_kind(p, props.get(p) or {})
                node.optional = [q for q in node.optional if q != p]
        state.graph.learnt_required.setdefault(f"{server}/{tool}", []).extend(
            f"{p}: {error.strip()[:160]}" for p in names)
        state.notes.append(f"required: {server}/{tool} takes {', '.join(names)} (its error says so)")
        return names
    return []


_BRACKETED = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")
"""An interval as errors write it ('must be in [0, 1]'); the forms descriptions use: documented.documented_range."""


def said_ranges(error: str, schema: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Numeric parameters of SCHEMA the error bounds, in the words right after the parameter's name ("my_share must
    be in [0, 1], got 12.0", "'rate' must be between 0 and 1"): name -> (low, high)."""
    from task_synth.documented import documented_range

    out: dict[str, tuple[float, float]] = {}
    for name, ps in ((schema.get("properties") or {}).items()):
        if not isinstance(ps, dict) or not json_types(ps) & {"number", "integer"}:
            continue
        for m in re.finditer(rf"(?<![\w.]){re.escape(str(name))}(?![\w])[^\n]{{0,40}}", error or ""):
            b = _BRACKETED.search(m.group(0))
            found = ((float(b.group(1)), float(b.group(2))) if b else None) or documented_range(m.group(0))
            if found and found[0] < found[1]:
                out[str(name)] = found
                break
    return out


def learn_range(state: SynthState, server: str, tool: str, error: str) -> list[str]:
    """Bound the numeric parameters `error` gives a range for (said_ranges) in SERVER/TOOL's entry schema, so values
    drawn from then on fall inside it (graph.literal_values conforms to bounds); returns them ([] when the error
    bounds none it did not already bound: the caller should not retry)."""
    for i, e in enumerate(state.entries):
        if e.server != server or e.name != tool:
            continue
        schema = dict(e.input_schema or {})
        props = dict(schema.get("properties") or {})
        learnt = []
        for name, (lo, hi) in said_ranges(error, schema).items():
            ps = props[name]
            if ps.get("minimum") == lo and ps.get("maximum") == hi:
                continue
            integral = "integer" in json_types(ps)
            props[name] = {**ps, "minimum": int(lo) if integral or lo.is_integer() else lo,
                           "maximum": int(hi) if integral or hi.is_integer() else hi}
            learnt.append(name)
        if learnt:
            state.entries[i] = e.model_copy(update={"input_schema": {**schema, "properties": props}})
            state.notes.append(f"range: {server}/{tool} bounds {', '.join(learnt)} (its error says so)")
        return learnt
    return []


__all__ = ["learn_range", "learn_required", "named_required", "one_of_required", "said_ranges",
           "with_described_alternatives"]
