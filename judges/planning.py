"""Planning and efficiency against the reference chain: coverage, dependency order, parallelism, economy, cost."""

from __future__ import annotations

from pydantic import BaseModel

from judges.reference import arguments_match, dependencies, levels, reference_turns
from judges.rules import CallVerdict
from mcpbench.trajectory import Trajectory
from task_synth.task import Task


class PlanningMetrics(BaseModel):
    """Per-episode planning/efficiency numbers (docs/metrics.md §2). Shares are None when undefined."""

    reference_steps: int
    reference_turns: int
    """Levels of the reference chain + 1 answering turn."""
    turns: int
    """Model turns the agent used."""
    coverage: float | None
    """Reference steps matched by a call of their tool / reference steps."""
    evidence: float | None
    """Reference steps matched by a call that returned ok / reference steps."""
    tool_recall: float | None
    """Distinct reference tools called (validly) / distinct reference tools."""
    argument_accuracy: float | None
    """Matched steps whose call reproduces every non-bound reference argument / matched steps."""
    dependency_order: float | None
    """Reference edges i→j (both matched) whose call of i came in an earlier turn than the call of j / such edges."""
    parallelism: float | None
    """Share of the turns that issuing independent matched steps together could save, that the agent saved:
    (matched steps - turns they were issued in) / (matched steps - levels they span), clamped to [0, 1]."""
    redundant_share: float | None
    """Repeated identical calls / calls."""
    call_economy: float | None
    """min(1, reference steps / calls)."""
    turn_economy: float | None
    """min(1, reference turns / turns)."""
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    model_time_s: float
    tool_time_s: float


def _share(num: int, den: int) -> float | None:
    return num / den if den else None


def planning_metrics(task: Task, trajectory: Trajectory, verdicts: list[CallVerdict]) -> PlanningMetrics:
    steps = task.reference
    r, n = len(steps), len(verdicts)
    by_step = {v.step: v for v in verdicts if v.step is not None}
    lv = levels(steps)
    edges = [(i, j) for j in range(r) for i in dependencies(steps, j)]
    matched_edges = [(i, j) for i, j in edges if i in by_step and j in by_step]
    saveable = len(by_step) - len({lv[k] for k in by_step})
    saved = len(by_step) - len({v.turn for v in by_step.values()})
    ref_tools = {(s.server, s.tool) for s in steps}
    called = {(v.server, v.tool) for v in verdicts if v.valid_name}
    model_turns = trajectory.model_turns()
    turns = len(model_turns) if model_turns else max((e.turn for e in trajectory.events), default=0)
    calls = trajectory.tool_calls()
    calls_args = {v.index: e.arguments for v, e in zip(verdicts, calls)}
    # the agent's own results of the steps it matched: what its bound arguments should have been read from
    own_outputs = {k: calls[v.index].content for k, v in by_step.items() if v.index < len(calls)
                   and calls[v.index].outcome == "ok"}
    ref_turns = reference_turns(steps)
    return PlanningMetrics(
        reference_steps=r,
        reference_turns=ref_turns,
        turns=turns,
        coverage=_share(len(by_step), r),
        evidence=_share(sum(v.outcome == "ok" for v in by_step.values()), r),
        tool_recall=_share(len(ref_tools & called), len(ref_tools)),
        argument_accuracy=_share(sum(arguments_match(steps[k], calls_args[v.index], own_outputs)
                                     for k, v in by_step.items()),
                                 len(by_step)),
        dependency_order=_share(sum(by_step[i].turn < by_step[j].turn for i, j in matched_edges), len(matched_edges)),
        parallelism=min(1.0, max(0.0, saved / saveable)) if saveable else None,
        redundant_share=_share(sum("repeated_calls" in v.errors for v in verdicts), n),
        call_economy=min(1.0, r / n) if n else None,
        turn_economy=min(1.0, ref_turns / turns) if turns else None,
        input_tokens=trajectory.usage.input_tokens,
        output_tokens=trajectory.usage.output_tokens,
        cost_usd=trajectory.usage.cost_usd,
        model_time_s=trajectory.model_time_s,
        tool_time_s=trajectory.tool_time_s,
    )


__all__ = ["PlanningMetrics", "planning_metrics"]
