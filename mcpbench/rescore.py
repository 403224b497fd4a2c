"""Re-score a finished run from its store alone (no live servers): used by `mcpbench judge` and `mcpbench verify`."""

from __future__ import annotations

from typing import Any

import anyio

from mcpbench.catalog import ToolEntry
from mcpbench.store import RunStore, StoredEpisode
from task_synth.task import Task


def stored_inputs(store: RunStore) -> tuple[dict[str, Task], dict[str, ToolEntry], list[StoredEpisode]]:
    tasks = {t["id"]: Task.model_validate(t) for t in store.get_meta("tasks", [])}
    tools = {e["exposed_name"]: ToolEntry.model_validate(e) for e in store.get_meta("catalog", [])}
    return tasks, tools, list(store.episodes())


def recompute_scores(store: RunStore, *, panels: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every episode's score recomputed from the stored task, trajectory, tools and live outputs.

    panels: episode_id -> PanelResult to use; by default the panel result recorded with the stored score is reused
    (judge model calls are not repeatable; their recorded raw outputs are what a verifier checks against).
    """
    from judges import PanelResult, score_episode
    from task_synth.binding import expand_task

    tasks, tools, episodes = stored_inputs(store)
    old = store.scores()
    out: dict[str, Any] = {}
    for ep in episodes:
        task = expand_task(tasks[ep.task_id], ep.context.get("builtins"))
        offered = {n: tools[n] for n in ep.trajectory.tools if n in tools}
        if panels is not None and ep.episode_id in panels:
            panel = panels[ep.episode_id]
        else:
            recorded = (old.get(ep.episode_id) or {}).get("panel")
            panel = PanelResult.model_validate(recorded) if recorded else None
        out[ep.episode_id] = score_episode(task, ep.trajectory, offered, live_outputs=ep.live_outputs, panel=panel)
    return out


async def rejudge(store: RunStore, judges: list[str], *, k: int = 1, seed: int | None = None,
                  concurrency: int = 8) -> dict[str, Any]:
    """Run an LLM judge panel over every stored trajectory and re-score; returns episode_id -> EpisodeScore."""
    from judges import judge_panel
    from mcpbench.models.registry import get_provider

    spec = store.get_meta("spec") or {}
    seed = spec.get("seed", 0) if seed is None else seed
    from task_synth.binding import expand_task

    tasks, _, episodes = stored_inputs(store)
    providers = [get_provider(j) for j in judges]
    panels: dict[str, Any] = {}
    limiter = anyio.CapacityLimiter(concurrency)
    try:
        async def one(ep: StoredEpisode) -> None:
            async with limiter:
                task = expand_task(tasks[ep.task_id], ep.context.get("builtins"))
                panels[ep.episode_id] = await judge_panel(providers, task, ep.trajectory, k=k, seed=seed)

        async with anyio.create_task_group() as tg:
            for ep in episodes:
                if ep.trajectory.status != "infra_failed":
                    tg.start_soon(one, ep)
    finally:
        with anyio.CancelScope(shield=True):
            for p in providers:
                await p.aclose()
    return recompute_scores(store, panels=panels)


__all__ = ["recompute_scores", "rejudge", "stored_inputs"]
