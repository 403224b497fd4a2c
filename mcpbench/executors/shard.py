"""A shard: a group of planned episodes executed together on one worker with its own fleet and providers.

Ray-free on purpose: the wire models travel as JSON (pydantic dumps) so a shard is the same whatever ships it, and the
worker entry point (`run_shard`) can be exercised without a cluster."""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field

from mcpbench._loop import run as run_loop
from mcpbench.config import ServerSpec
from mcpbench.executors.base import EpisodeOutcome, EpisodePlan, execute_episode
from mcpbench.runspec import RunSpec
from mcpbench.trajectory import ErrorEvent, Trajectory
from task_synth.task import Task

STARTUP_GRACE_S = 180.0
"""Time a shard may spend before its first episode: scheduling, worker start, imports."""


class ShardEpisode(BaseModel):
    """One planned episode as shipped to a worker."""

    model_config = ConfigDict(frozen=True)

    episode_id: str
    model: str
    task: Task
    repeat: int
    servers: list[str]
    """The servers whose tools this episode is offered (task servers plus seeded distractors)."""
    attempts_before: int = 0
    """Infra attempts already spent on this episode (from the run store), so the retry budget carries over."""


class ShardPlan(BaseModel):
    """Everything a worker needs to run a shard: no file of the driver's machine is read on the worker."""

    model_config = ConfigDict(frozen=True)

    shard_id: str
    spec: RunSpec
    servers: list[ServerSpec]
    """The fleet the worker opens: the union of the episodes' servers, as the driver's servers.yaml defines them
    (${VAR} references are expanded on the worker, from the worker's environment)."""
    concurrency: int = Field(ge=1)
    """Episodes of this shard in flight at once on the worker."""
    episodes: list[ShardEpisode]

    def deadline_s(self) -> float:
        """An upper bound on the shard's wall time: each episode may use every infra retry plus a live re-grounding,
        and the shard runs ceil(n / concurrency) waves of episodes."""
        connect = max((s.timeouts.connect for s in self.servers), default=30.0)
        limits = self.spec.limits
        per_episode = (self.spec.infra_retries + 2) * (limits.episode_timeout_s + connect)
        waves = math.ceil(len(self.episodes) / self.concurrency)
        return STARTUP_GRACE_S + connect + waves * per_episode

    def to_json(self) -> str:
        """The wire form (by alias: `Isolation.copy` only validates under its alias)."""
        return self.model_dump_json(by_alias=True)


class EpisodeResult(BaseModel):
    """What a worker sends back for one episode: its outcome, or the error that stopped it."""

    episode_id: str
    trajectory: Trajectory | None = None
    live_outputs: dict[int, str] | None = None
    attempts: int = 0
    infra_errors: list[str] = Field(default_factory=list)
    builtins: dict[str, str] = Field(default_factory=dict)
    """The worker fleet's placeholder values (WEB_URL, WORLD, ...) the episode ran with: scoring needs them."""
    error: str | None = None
    """Set when running the episode raised on the worker (the driver re-queues it once, then records infra_failed)."""


class ShardResult(BaseModel):
    shard_id: str
    results: list[EpisodeResult]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


def make_shard(shard_id: str, plans: list[EpisodePlan], spec: RunSpec, servers: dict[str, ServerSpec],
               concurrency: int, attempts_before: dict[str, int]) -> ShardPlan:
    """Raises KeyError when an episode names a server missing from `servers`."""
    names = sorted({s for p in plans for s in p.servers})
    return ShardPlan(
        shard_id=shard_id, spec=spec, servers=[servers[n] for n in names], concurrency=concurrency,
        episodes=[ShardEpisode(episode_id=p.episode_id, model=p.model, task=p.task, repeat=p.repeat,
                               servers=list(p.servers), attempts_before=attempts_before.get(p.episode_id, 0))
                  for p in plans])


def split_into_shards(plans: list[EpisodePlan], size: int) -> list[list[EpisodePlan]]:
    """Consecutive groups of `size` episodes in plan order (deterministic; the plan order is model-major, so a shard
    usually needs one model's provider)."""
    if size < 1:
        raise ValueError("shard size must be >= 1")
    return [plans[i:i + size] for i in range(0, len(plans), size)]


def outcome_of(result: EpisodeResult, plan: EpisodePlan, extra_errors: list[str]) -> EpisodeOutcome:
    """The driver-side EpisodeOutcome of a worker's result (`extra_errors`: failed shard attempts before it)."""
    assert result.trajectory is not None
    return EpisodeOutcome(plan, result.trajectory, result.live_outputs, result.attempts + len(extra_errors),
                          [*extra_errors, *result.infra_errors], dict(result.builtins))


def infra_failed_outcome(plan: EpisodePlan, errors: list[str], attempts_before: int) -> EpisodeOutcome:
    """An episode that never came back from a worker: stored as infra_failed (never charged to the model)."""
    traj = Trajectory(episode_id=plan.episode_id, task_id=plan.task.id, model=plan.model, repeat=plan.repeat,
                      prompt=plan.task.fuzzy, status="infra_failed",
                      events=[ErrorEvent(turn=0, kind="infra_error", message=e) for e in errors])
    return EpisodeOutcome(plan, traj, None, attempts_before + len(errors), list(errors))


async def execute_shard(shard: ShardPlan, on_result: Callable[[EpisodeResult], None] | None = None) -> ShardResult:
    """Open a fleet of the shard's servers and the providers of its models, then run its episodes concurrently.
    An episode that raises is returned with `error` set; the others are unaffected. `on_result` is called with each
    episode's result as soon as it is done (the process executor streams them to the driver)."""
    from mcpbench.fleet import Fleet
    from mcpbench.models.registry import get_provider

    spec = shard.spec
    results: dict[str, EpisodeResult] = {}
    async with Fleet.open(list(shard.servers)) as fleet:
        providers: dict[str, Any] = {}
        try:
            for m in sorted({e.model for e in shard.episodes}):
                providers[m] = get_provider(m, **spec.model_options.get(m, {}))
            limiter = anyio.CapacityLimiter(shard.concurrency)

            async def one(ep: ShardEpisode) -> None:
                plan = EpisodePlan(ep.episode_id, ep.model, ep.task, ep.repeat, list(ep.servers))
                async with limiter:
                    try:
                        out = await execute_episode(fleet, providers[ep.model], plan, spec, ep.attempts_before)
                    except Exception as e:
                        tb = "".join(traceback.format_exception(e)[-3:]).strip()
                        result = EpisodeResult(episode_id=ep.episode_id, error=f"{type(e).__name__}: {e}\n{tb}"[:4000])
                    else:
                        result = EpisodeResult(episode_id=ep.episode_id, trajectory=out.trajectory,
                                               live_outputs=out.live_outputs, attempts=out.attempts,
                                               infra_errors=out.infra_errors, builtins=out.builtins)
                results[ep.episode_id] = result
                if on_result is not None:
                    on_result(result)

            async with anyio.create_task_group() as tg:
                for ep in shard.episodes:
                    tg.start_soon(one, ep)
        finally:
            with anyio.CancelScope(shield=True):
                for p in providers.values():
                    with anyio.move_on_after(15):
                        await p.aclose()
    return ShardResult(shard_id=shard.shard_id, results=[results[e.episode_id] for e in shard.episodes])


def run_shard(payload: str) -> str:
    """The worker entry point: a ShardPlan as JSON in, a ShardResult as JSON out. Runs its own event loop under the
    shard's deadline (raises TimeoutError past it)."""
    shard = ShardPlan.model_validate_json(payload)

    async def main() -> ShardResult:
        with anyio.fail_after(shard.deadline_s()):
            return await execute_shard(shard)

    return run_loop(main).to_json()


__all__ = ["EpisodeResult", "ShardEpisode", "ShardPlan", "ShardResult", "execute_shard", "infra_failed_outcome",
           "make_shard", "outcome_of", "run_shard", "split_into_shards"]
