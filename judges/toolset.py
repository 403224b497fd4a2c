"""Large-toolset metrics of one episode: retrieval recall and what the tool list costs (docs/metrics.md)."""

from __future__ import annotations

from pydantic import BaseModel

from mcpbench.trajectory import Trajectory
from task_synth.task import Task

META_SERVER = "mcpbench"
"""Calls whose server is this are the harness's meta-tools (search_tools), not fleet tools (mcpbench.toolsets)."""


class ToolsetMetrics(BaseModel):
    """How the episode's tools were offered and, in retrieval mode, how many of the needed tools the agent found."""

    mode: str
    requests: int
    """Model requests of the episode (one tool list each)."""
    tool_list_tokens: int
    """Σ over requests of the estimated tokens of that request's tool list."""
    tool_list_tokens_per_request: float | None
    """tool_list_tokens / requests; None without requests."""
    max_tools_offered: int
    reference_tools: int
    """|R|: distinct (server, tool) pairs of the task's reference steps."""
    found_reference: int | None = None
    """|R ∩ F|, F = every tool search_tools returned in the episode (retrieval mode only)."""
    retrieval_recall: float | None = None
    """|R ∩ F| / |R| in retrieval mode; None in other modes or when R is empty."""
    searches: int = 0


def without_meta_calls(trajectory: Trajectory) -> Trajectory:
    """The trajectory without calls to the harness's meta-tools: rule and planning metrics judge fleet tool calls."""
    events = [e for e in trajectory.events if not (e.type == "tool_call" and e.server == META_SERVER)]
    if len(events) == len(trajectory.events):
        return trajectory
    return trajectory.model_copy(update={"events": events})


def toolset_metrics(task: Task, trajectory: Trajectory) -> ToolsetMetrics | None:
    """The episode's toolset metrics; None for trajectories recorded without a toolset record."""
    rec = trajectory.toolset
    if rec is None:
        return None
    reference = {f"{s.server}/{s.tool}" for s in task.reference}
    tokens = sum(r.tokens for r in rec.requests)
    found = None
    recall = None
    if rec.mode == "retrieval":
        found = len(reference & set(rec.found))
        recall = found / len(reference) if reference else None
    return ToolsetMetrics(
        mode=rec.mode, requests=len(rec.requests), tool_list_tokens=tokens,
        tool_list_tokens_per_request=tokens / len(rec.requests) if rec.requests else None,
        max_tools_offered=max((r.tools for r in rec.requests), default=0), reference_tools=len(reference),
        found_reference=found, retrieval_recall=recall, searches=len(rec.searches))


__all__ = ["META_SERVER", "ToolsetMetrics", "toolset_metrics", "without_meta_calls"]
