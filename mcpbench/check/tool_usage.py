"""Per-tool usability from (task, trajectory) pairs: selection rate, argument accuracy, the tools called instead
(a confusion matrix) and recovery after the server's error messages. Pure functions; formulas in docs/check.md
("Usability per tool")."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

NOTHING = "(no call)"
"""The confusion-matrix column for tasks where the model called no tool at all."""


class ToolUsage(BaseModel):
    tool: str
    expected: int = 0
    """Tasks whose reference chain uses the tool."""
    selected: int = 0
    """Of those, tasks where the model called it."""
    selection_rate: float | None = None
    argument_accuracy: float | None = None
    """Mean over reference steps the model attempted: the best call's share of reference arguments reproduced."""
    argument_steps: int = 0
    instead: dict[str, int] = Field(default_factory=dict)
    """Tasks expecting this tool where the model did not call it: what it called instead (NOTHING for no call)."""
    errors: int = 0
    """The model's calls answered with a server error (isError)."""
    recovered: int = 0
    """Of those, errors followed by a successful call of the same tool later in the episode."""
    recovery_rate: float | None = None


class UsageStats(BaseModel):
    tools: list[ToolUsage]
    selection_rate: float | None
    """Selected / expected over every tool (micro average)."""
    miss_rate: float | None
    argument_accuracy: float | None
    recovery_rate: float | None


def same_value(a: Any, b: Any) -> bool:
    """Reference vs model argument: strings compared trimmed and case-folded, numbers within 1e-6 relative."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return bool(a == b)


def argument_match(reference: dict[str, Any], call: dict[str, Any] | None) -> float:
    if not reference:
        return 1.0
    from task_synth.binding import arg_path

    call = call or {}
    return sum(1 for k, v in reference.items()  # a dotted key: a field of the object the tool's parameters are in
               if (same_value(v, call[k]) if k in call else "." in k and same_value(v, arg_path(call, k)))) \
        / len(reference)


def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def usage_stats(pairs: list[tuple[Any, Any]], server: str) -> UsageStats:
    """`pairs`: (task_synth Task, mcpbench Trajectory) for one server's tools."""
    from judges.reference import fixed_arguments

    stats: dict[str, ToolUsage] = {}
    arg_scores: dict[str, list[float]] = defaultdict(list)

    def get(name: str) -> ToolUsage:
        return stats.setdefault(name, ToolUsage(tool=name))

    for task, traj in pairs:
        calls = [c for c in traj.tool_calls() if c.server in (None, server)]
        called = [c.tool or c.exposed_name for c in calls]
        ref_tools = [s.tool for s in task.reference if s.server == server]
        for name in dict.fromkeys(ref_tools):
            u = get(name)
            u.expected += 1
            if name in called:
                u.selected += 1
            else:
                others = [c for c in dict.fromkeys(called) if c not in ref_tools] or [NOTHING]
                for o in others:
                    u.instead[o] = u.instead.get(o, 0) + 1
        for step in task.reference:
            if step.server != server:
                continue
            mine = [c for c in calls if (c.tool or c.exposed_name) == step.tool]
            if not mine:
                continue
            fixed = fixed_arguments(step)
            if fixed:
                arg_scores[step.tool].append(max(argument_match(fixed, c.arguments) for c in mine))
        for i, c in enumerate(calls):
            if c.outcome != "tool_error":
                continue
            name = c.tool or c.exposed_name
            u = get(name)
            u.errors += 1
            if any((d.tool or d.exposed_name) == name and d.outcome == "ok" for d in calls[i + 1:]):
                u.recovered += 1
    for name, u in stats.items():
        u.selection_rate = _ratio(u.selected, u.expected)
        scores = arg_scores.get(name, [])
        u.argument_steps = len(scores)
        u.argument_accuracy = round(sum(scores) / len(scores), 4) if scores else None
        u.recovery_rate = _ratio(u.recovered, u.errors)
    tools = sorted(stats.values(), key=lambda u: (u.selection_rate if u.selection_rate is not None else 2, u.tool))
    expected = sum(u.expected for u in tools)
    selected = sum(u.selected for u in tools)
    all_args = [s for v in arg_scores.values() for s in v]
    sel = _ratio(selected, expected)
    return UsageStats(tools=tools, selection_rate=sel, miss_rate=round(1 - sel, 4) if sel is not None else None,
                      argument_accuracy=round(sum(all_args) / len(all_args), 4) if all_args else None,
                      recovery_rate=_ratio(sum(u.recovered for u in tools), sum(u.errors for u in tools)))


def confusion(stats: UsageStats) -> dict[str, dict[str, int]]:
    """expected tool → {tool called instead: tasks}."""
    return {u.tool: dict(Counter(u.instead).most_common()) for u in stats.tools if u.instead}


def detail_lines(stats: UsageStats) -> list[str]:
    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.0%}"

    out = []
    for u in stats.tools:
        parts = [f"selected {u.selected}/{u.expected}" if u.expected else "not in any reference chain"]
        if u.argument_steps:
            parts.append(f"arguments {pct(u.argument_accuracy)}")
        if u.instead:
            parts.append("instead: " + ", ".join(f"{k} ×{v}" for k, v in Counter(u.instead).most_common()))
        if u.errors:
            parts.append(f"recovered from {u.recovered}/{u.errors} server error(s)")
        out.append(f"{u.tool}: " + "; ".join(parts))
    return out


__all__ = ["NOTHING", "ToolUsage", "UsageStats", "argument_match", "confusion", "detail_lines", "same_value",
           "usage_stats"]
