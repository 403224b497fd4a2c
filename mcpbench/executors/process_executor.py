"""The process executor (`mcpbench run --executor processes [--workers N]`): the pending episodes are dealt to N
worker processes on this machine (default: one per core), each with its own fleet and providers and
`ceil(concurrency / N)` episodes in flight. Results stream back one line per episode as they finish and are scored
and stored by the driver (`finish`) in the same run store the local executor uses, so the run id, the store, the
scores and resuming are the same.

One orchestrator process is bounded by one core (the MCP SDK's per-request machinery, the agent loop and scoring
are CPU work in one event loop): with fast tools and many episodes in flight, workers use the other cores.
Stateless servers run once per worker (O(servers × workers) processes instead of O(servers)).

A worker that dies, overruns its deadline or reports an episode that raised leaves those episodes `infra_failed`
with the reason; re-running the command retries them. Its stderr is kept in RUN_DIR/logs/worker-<i>.log."""

from __future__ import annotations

import math
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from anyio.abc import Process

from mcpbench.config import ServerSpec, load_config
from mcpbench.connection import tail
from mcpbench.executors.shard import EpisodeResult, infra_failed_outcome, make_shard, outcome_of

if TYPE_CHECKING:
    from mcpbench.executors.base import EpisodeOutcome, EpisodePlan, RunOptions
    from mcpbench.runspec import RunSpec
    from mcpbench.store import RunStore

STOP_GRACE_S = 8.0
"""Seconds a worker gets after SIGTERM to stop its fleet (reap its servers) before it is killed."""

Finish = Callable[["EpisodeOutcome"], Awaitable[None]]


def deal(pending: list[EpisodePlan], workers: int) -> list[list[EpisodePlan]]:
    """Round-robin, so every worker gets a share of every model and task (plan order is model-major)."""
    n = max(1, min(workers, len(pending)))
    return [pending[i::n] for i in range(n)]


async def run_on_processes(options: RunOptions, spec: RunSpec, pending: list[EpisodePlan], store: RunStore,
                           finish: Finish) -> None:
    """Execute `pending` on `options.workers` worker processes and await `finish(outcome)` for each episode, in the
    driver, as results arrive. Exceptions of `finish` propagate (and stop the workers)."""
    if not pending:
        return
    groups = deal(pending, options.workers or os.cpu_count() or 1)
    per_worker = max(1, math.ceil(options.concurrency / len(groups)))
    specs = {s.name: s for s in load_config(options.config).servers}
    counts = store.infra_attempt_counts()
    before = {p.episode_id: counts.get(p.episode_id, 0) for p in pending}
    logs = store.dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    finishing = anyio.CapacityLimiter(options.concurrency)

    async with anyio.create_task_group() as tg:
        async def finish_one(out: EpisodeOutcome) -> None:
            async with finishing:
                await finish(out)

        def schedule(out: EpisodeOutcome) -> None:
            tg.start_soon(finish_one, out)

        for i, plans in enumerate(groups):
            tg.start_soon(_drive, i, plans, spec, specs, per_worker, before, logs / f"worker-{i}.log", schedule)


async def _drive(i: int, plans: list[EpisodePlan], spec: RunSpec, specs: dict[str, ServerSpec], concurrency: int,
                 before: dict[str, int], log: Path, finish: Callable[[EpisodeOutcome], None]) -> None:
    """Run one worker to the end; every plan of it ends up finished, with a result or as infra_failed."""
    shard = make_shard(f"{spec.run_id}.w{i}", plans, spec, specs, concurrency, before)
    waiting = {p.episode_id: p for p in plans}
    reason = ""
    with log.open("ab") as err:
        proc = await anyio.open_process(
            [sys.executable, "-m", "mcpbench.executors.process_worker", str(os.getpid())], stderr=err)
        try:
            assert proc.stdin is not None and proc.stdout is not None
            await proc.stdin.send(shard.to_json().encode("utf-8"))
            await proc.stdin.aclose()
            buf = bytearray()
            with anyio.move_on_after(shard.deadline_s() + 30) as deadline:
                async for chunk in proc.stdout:
                    buf += chunk
                    while (nl := buf.find(b"\n")) >= 0:
                        line = bytes(buf[:nl])
                        del buf[:nl + 1]
                        _arrived(i, EpisodeResult.model_validate_json(line), waiting, before, finish)
                code = await proc.wait()
            reason = (f"worker {i} ran past its deadline" if deadline.cancelled_caught else
                      f"worker {i} exited with code {code} before the episode finished: "
                      f"{(tail(log, 1500) or '').strip() or 'no stderr'}")
        finally:
            with anyio.CancelScope(shield=True):
                await _stop(proc)
    for plan in waiting.values():
        finish(infra_failed_outcome(plan, [reason], before[plan.episode_id]))


def _arrived(i: int, result: EpisodeResult, waiting: dict[str, EpisodePlan], before: dict[str, int],
             finish: Callable[[EpisodeOutcome], None]) -> None:
    plan = waiting.pop(result.episode_id, None)
    if plan is None:
        return
    if result.trajectory is None:
        finish(infra_failed_outcome(plan, [f"episode raised on worker {i}: {result.error}"],
                                    before[plan.episode_id]))
    else:
        finish(outcome_of(result, plan, []))


async def _stop(proc: Process) -> None:
    if proc.returncode is None:
        with suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with anyio.move_on_after(STOP_GRACE_S):
            await proc.wait()
    if proc.returncode is None:
        with suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with suppress(Exception):
                await stream.aclose()


__all__ = ["STOP_GRACE_S", "deal", "run_on_processes"]
