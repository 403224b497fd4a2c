"""score_episode: everything the judges say about one trajectory, as one recomputable pydantic record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from judges.checks import CheckResult, evaluate_checks
from judges.panel import EMPTY_PANEL_NOTE, PanelResult
from judges.planning import PlanningMetrics, planning_metrics
from judges.radar import FORMULA_VERSION, RADAR, dimensions, overall
from judges.rules import CallVerdict, RuleMetrics, analyse_calls, rule_metrics
from judges.toolset import ToolsetMetrics, toolset_metrics, without_meta_calls
from mcpbench.catalog import ToolEntry
from mcpbench.trajectory import EpisodeStatus, Trajectory
from task_synth.task import Task

FAILED_STATUSES: frozenset[str] = frozenset({"max_turns", "timeout", "model_error"})
"""Episodes that ended this way score 0 on every dimension (they are counted, never dropped)."""


class EpisodeScore(BaseModel):
    """The scores of one episode. Pure function of (task, trajectory, tools, live outputs, panel result): recomputing
    from the same inputs gives byte-identical JSON, which is how bundles are verified."""

    formula_version: str = FORMULA_VERSION
    episode_id: str
    task_id: str
    model: str
    repeat: int = 0
    status: EpisodeStatus
    counted: bool
    """False for infra-failed episodes: excluded from scores, reported in their own column."""
    failed: bool
    """True when the episode ended in max_turns / timeout / model_error: every dimension is 0."""
    calls: list[CallVerdict] = Field(default_factory=list)
    rules: RuleMetrics
    planning: PlanningMetrics
    checks: list[CheckResult] = Field(default_factory=list)
    check_score: float | None = None
    """Mean effective check score; None when the task has no checks."""
    passed: bool = False
    """Completed and every check passed (effective verdicts) — the success used by pass@k / pass^k."""
    live: bool = False
    """Live reference outputs were given for this scoring."""
    panel: PanelResult | None = None
    dimensions: dict[str, float] = Field(default_factory=dict)
    """Radar dimension -> [0,1]; empty for infra-failed episodes."""
    overall: float | None = None
    """None for infra-failed episodes."""
    notes: list[str] = Field(default_factory=list)
    toolset: ToolsetMetrics | None = None
    """Large-toolset metrics (retrieval recall, tool-list tokens); None for trajectories without a toolset record."""

    @model_serializer(mode="wrap")
    def _omit_absent_toolset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # scores of trajectories recorded before toolset existed stay byte-identical when recomputed (bundles)
        data: dict[str, Any] = handler(self)
        if data.get("toolset") is None:
            data.pop("toolset", None)
        return data


def score_episode(task: Task, trajectory: Trajectory, tools: Mapping[str, ToolEntry], *,
                  live_outputs: Mapping[int, str] | None = None, panel: PanelResult | None = None) -> EpisodeScore:
    """Score one episode (pure and deterministic).

    tools: exposed name -> ToolEntry of every tool offered in the episode, as recorded at run time.
    live_outputs: reference step index -> live re-grounded output text, for live-varying checks.
    panel: a judge_panel result for this trajectory; None or an empty panel means rules and checks only.
    Raises ValueError when the trajectory belongs to another task.
    """
    if trajectory.task_id != task.id:
        raise ValueError(f"trajectory {trajectory.episode_id} is for task {trajectory.task_id!r}, not {task.id!r}")
    toolset = toolset_metrics(task, trajectory)
    trajectory = without_meta_calls(trajectory)  # search_tools calls are scored by toolset, not as fleet calls
    verdicts = analyse_calls(task, trajectory, tools)
    rules = rule_metrics(verdicts, len(task.reference))
    plan = planning_metrics(task, trajectory, verdicts)
    checks = evaluate_checks(task.checks, trajectory.final_answer, live_outputs)
    check_score = sum(c.effective_score for c in checks) / len(checks) if checks else None
    counted = trajectory.status != "infra_failed"
    failed = trajectory.status in FAILED_STATUSES
    notes: list[str] = []
    if panel is None or not panel.panel:
        notes.append(EMPTY_PANEL_NOTE)
    elif panel.note:
        notes.append(f"panel: {panel.note}")
    if not checks:
        notes.append("task has no checks: task completion falls back to reference evidence")
    dims: dict[str, float] = {}
    total: float | None = None
    if not counted:
        notes.append("infra-failed: excluded from scores, counted in the infra column")
    elif failed:
        notes.append(f"episode failed ({trajectory.status}): every dimension scores 0")
        dims, total = {d: 0.0 for d in RADAR}, 0.0
    else:
        dims = dimensions(rules, plan, check_score, panel.dimensions if panel else None)
        total = overall(dims)
    return EpisodeScore(
        episode_id=trajectory.episode_id, task_id=task.id, model=trajectory.model, repeat=trajectory.repeat,
        status=trajectory.status, counted=counted, failed=failed, calls=verdicts, rules=rules, planning=plan,
        checks=checks, check_score=check_score,
        passed=counted and not failed and bool(checks) and all(c.effective_passed for c in checks),
        live=bool(live_outputs), panel=panel, dimensions=dims, overall=total, notes=notes, toolset=toolset)


__all__ = ["FAILED_STATUSES", "EpisodeScore", "score_episode"]
