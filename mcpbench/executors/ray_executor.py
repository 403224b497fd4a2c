"""The Ray executor (`mcpbench run --executor ray [--ray-address ADDR]`): shards of episodes run on Ray workers, each
worker with its own fleet and providers; results stream back as shards finish and are scored and stored by the driver
(`finish`), in the same run store as the local executor would use.

Ray's blocking calls run in threads (Ray forces a thread; the event loop stays free): wait and get in anyio's pool,
init and shutdown in the one thread that owns the connection (ray_host).
A shard whose worker dies, raises or overruns its deadline is re-queued once; its episodes then become infra_failed."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio

from mcpbench.config import ServerSpec, load_config
from mcpbench.executors.ray_host import connect_ray, import_ray
from mcpbench.executors.shard import (
    ShardResult,
    infra_failed_outcome,
    make_shard,
    outcome_of,
    run_shard,
    split_into_shards,
)

if TYPE_CHECKING:
    from mcpbench.executors.base import EpisodeOutcome, EpisodePlan, RunOptions
    from mcpbench.runspec import RunSpec
    from mcpbench.store import RunStore

REQUEUES = 1
"""Times an episode whose shard failed (worker death, exception, deadline) is sent again before it is infra_failed."""
WAIT_SLICE_S = 5.0
"""Longest single `ray.wait` in a thread, so an abandoned wait (cancelled run) ends soon."""

Finish = Callable[["EpisodeOutcome"], Awaitable[None]]


def _describe(e: BaseException) -> str:
    """One line: the worker's own exception for a task that raised, else Ray's account (worker died, cancelled...)."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, BaseException):
        return f"ray shard raised {type(cause).__name__}: {cause}"[:2000]
    text = str(e).strip()
    return f"ray worker failed ({type(e).__name__}): {text.splitlines()[0] if text else ''}"[:2000]


async def run_on_ray(options: RunOptions, spec: RunSpec, pending: list[EpisodePlan], store: RunStore,
                     finish: Finish, *, shard_size: int | None = None) -> None:
    """Execute `pending` episodes on Ray and await `finish(outcome)` for each, in the driver, as results arrive.

    Shards hold `shard_size` (default: `options.concurrency`) consecutive episodes; each runs on one worker (1 CPU)
    with its own fleet, `options.concurrency` episodes in flight. At most as many shards as the cluster has CPUs are
    in flight. Raises RunError when Ray is missing or unreachable; exceptions of `finish` propagate."""
    if not pending:
        return
    ray = import_ray()
    size = shard_size or options.concurrency
    queue: deque[list[EpisodePlan]] = deque(split_into_shards(pending, size))
    specs: dict[str, ServerSpec] = {s.name: s for s in load_config(options.config).servers}
    counts = store.infra_attempt_counts()
    before = {p.episode_id: counts.get(p.episode_id, 0) for p in pending}
    failures: dict[str, list[str]] = {}
    host = await connect_ray(options.ray_address, num_cpus=max(1, min(os.cpu_count() or 1, len(queue))))
    in_flight: dict[Any, tuple[list[EpisodePlan], float]] = {}
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(run_shard)
        cap = max(1, math.floor(ray.cluster_resources().get("CPU", 1)))
        finishing = anyio.CapacityLimiter(options.concurrency)
        seq = 0

        async with anyio.create_task_group() as tg:
            async def finish_one(out: EpisodeOutcome) -> None:
                async with finishing:
                    await finish(out)

            def failed(plans: list[EpisodePlan], why: str) -> None:
                again = []
                for p in plans:
                    errs = failures.setdefault(p.episode_id, [])
                    errs.append(why)
                    if len(errs) > REQUEUES:
                        tg.start_soon(finish_one, infra_failed_outcome(p, errs, before[p.episode_id]))
                    else:
                        again.append(p)
                if again:
                    queue.append(again)

            def arrived(plans: list[EpisodePlan], result: ShardResult) -> None:
                by_id = {r.episode_id: r for r in result.results}
                lost = []
                for p in plans:
                    r = by_id.get(p.episode_id)
                    if r is None or r.trajectory is None:
                        lost.append((p, r.error if r is not None and r.error else "missing from the shard's result"))
                        continue
                    tg.start_soon(finish_one, outcome_of(r, p, failures.get(p.episode_id, [])))
                for p, why in lost:
                    failed([p], f"episode raised on the ray worker: {why}")

            def submit() -> None:
                nonlocal seq
                while queue and len(in_flight) < cap:
                    plans = queue.popleft()
                    seq += 1
                    shard = make_shard(f"{spec.run_id}.s{seq}", plans, spec, specs, options.concurrency, before)
                    ref = remote.remote(shard.to_json())
                    in_flight[ref] = (plans, anyio.current_time() + shard.deadline_s())

            submit()
            while in_flight:
                now = anyio.current_time()
                for ref in [r for r, (_, due) in in_flight.items() if due <= now]:
                    plans, _ = in_flight.pop(ref)
                    ray.cancel(ref, force=True)
                    failed(plans, "ray shard exceeded its deadline")
                if in_flight:
                    slice_s = min(WAIT_SLICE_S, max(0.0, min(due for _, due in in_flight.values()) - now))
                    ready, _ = await anyio.to_thread.run_sync(
                        partial(ray.wait, list(in_flight), num_returns=1, timeout=slice_s), abandon_on_cancel=True)
                    for ref in ready:
                        plans, _ = in_flight.pop(ref)
                        try:
                            raw = await anyio.to_thread.run_sync(ray.get, ref, abandon_on_cancel=True)
                        except ray.exceptions.RayError as e:
                            failed(plans, _describe(e))
                        else:
                            arrived(plans, ShardResult.model_validate_json(raw))
                submit()
    finally:
        with anyio.CancelScope(shield=True):
            for ref in in_flight:
                with suppress(Exception):  # a cluster already gone has nothing left to cancel
                    ray.cancel(ref, force=True)
            if host is not None:
                await host.aclose()


__all__ = ["REQUEUES", "run_on_ray"]
