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


def named_required(error: str, schema: dict[str, Any]) -> list[str]:
    """The tool's parameters that `error` names as required, in order of appearance."""
    props = schema.get("properties") or {}
    found: list[tuple[int, str]] = []
    for rx in _SAYS_REQUIRED:
        for m in rx.finditer(error or ""):
            p = m.group(1)
            if p in props and all(p != q for _, q in found):
                found.append((m.start(1), p))
    return [p for _, p in sorted(found)]


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


__all__ = ["learn_required", "named_required"]
