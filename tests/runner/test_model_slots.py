"""The local executor runs only as many of a model's episodes at once as the model serves requests (its slots)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from mcpbench.executors import local as local_executor
from mcpbench.executors.base import EpisodeOutcome, EpisodePlan
from tests.runner.fixtures import toy_suite


class _Slotted:
    """A provider that answers `episode_capacity` requests at once (as a llama.cpp server with that many slots)."""

    def __init__(self, capacity: int | None):
        if capacity is not None:
            self.episode_capacity = capacity


@pytest.mark.anyio
async def test_a_model_with_one_slot_runs_one_episode_at_a_time_while_others_use_the_rest(monkeypatch):
    """Pins what a loaded 2-core machine showed: 8 episodes in flight on a 2-slot local model, 7 of 10 timed out
    waiting for the model, their deadlines spent in our own queue."""
    now: dict[str, int] = {"local/one-slot": 0, "scripted/free": 0}
    peak = dict.fromkeys(now, 0)

    async def fake_execute(fleet: Any, provider: Any, plan: EpisodePlan, spec: Any, attempts: int) -> EpisodeOutcome:
        now[plan.model] += 1
        peak[plan.model] = max(peak[plan.model], now[plan.model])
        await anyio.sleep(0.02)
        now[plan.model] -= 1
        return EpisodeOutcome(plan, None, None, 1, [], {})  # type: ignore[arg-type]

    monkeypatch.setattr(local_executor, "execute_episode", fake_execute)
    tasks = toy_suite(6).tasks
    plans = [EpisodePlan(f"{m}-{t.id}", m, t, 0, ["toy"]) for m in now for t in tasks]
    finished: list[EpisodeOutcome] = []

    async def finish(batch: list[EpisodeOutcome]) -> None:
        finished.extend(batch)

    providers: dict[str, Any] = {"local/one-slot": _Slotted(1), "scripted/free": _Slotted(None)}
    with anyio.fail_after(20):
        await local_executor.run_local(None, providers, plans, None, attempts={}, concurrency=4,  # type: ignore[arg-type]
                                       finish=finish, judged=False)
    assert len(finished) == 12
    assert peak["local/one-slot"] == 1
    assert peak["scripted/free"] > 1  # the other model still fills the run's concurrency
