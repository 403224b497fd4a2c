"""`mcpbench run`: plan episodes (models × tasks × repeats), execute them concurrently on the live fleet, score them,
and keep everything in the run store so that re-running the same command resumes where it stopped."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry
from mcpbench.config import FleetConfig, load_config
from mcpbench.executors.base import (
    EpisodeOutcome,
    EpisodePlan,
    RunError,
    RunOptions,
    execute_episode,
)
from mcpbench.executors.local import run_local
from mcpbench.hard import select_tagged
from mcpbench.models.base import Provider
from mcpbench.runspec import RunSpec, episode_id, git_commit
from mcpbench.store import EpisodeRecord, RunStore
from mcpbench.toolsets import CapExceeded, check_cap
from task_synth.task import Suite, Task, suite_path

if TYPE_CHECKING:
    from mcpbench.fleet import Fleet


class Progress(Protocol):
    def start(self, run_id: str, run_dir: Path, totals: dict[str, int], already_done: dict[str, int]) -> None: ...
    def episode(self, outcome: EpisodeOutcome, score: Any) -> None: ...
    def finish(self, state: str) -> None: ...


class NullProgress:
    def start(self, *a: Any) -> None: ...
    def episode(self, *a: Any) -> None: ...
    def finish(self, *a: Any) -> None: ...


class RunResult(BaseModel):
    run_id: str
    run_dir: Path
    state: str
    results: dict[str, Any]
    drift: list[str] = Field(default_factory=list)
    failed_servers: dict[str, str] = Field(default_factory=dict)


def drift_report(tasks: list[Task], hashes: dict[str, str], failed: set[str]) -> list[str]:
    """Tools whose live definition differs from (or is missing compared to) what the suite was written against."""
    out = []
    for key, want in sorted({k: v for t in tasks for k, v in t.provenance.tool_sha256.items()}.items()):
        server = key.split("/", 1)[0]
        if server in failed:
            continue
        have = hashes.get(key)
        if have is None:
            out.append(f"{key}: missing from the live fleet")
        elif have != want:
            out.append(f"{key}: definition changed (suite {want[:12]}, live {have[:12]})")
    return out


def plan_episodes(spec: RunSpec, tasks: list[Task], all_servers: list[str]) -> list[EpisodePlan]:
    plans = []
    whole_fleet = spec.toolset is not None and spec.toolset.mode != "task"
    for model in spec.models:
        for task in tasks:
            servers = list(task.servers)
            if whole_fleet:
                servers += sorted(s for s in all_servers if s not in servers)
            elif spec.distractors:
                rng = random.Random(f"{spec.seed}/{task.id}")
                pool = sorted(s for s in all_servers if s not in servers)
                servers += rng.sample(pool, min(spec.distractors, len(pool)))
            for r in range(spec.repeats):
                plans.append(EpisodePlan(episode_id(model, task.id, r), model, task, r, servers))
    return plans


SERVER_LOG_CAP = 1 << 20
"""Bytes of each server's stderr log kept in the run directory (the end of it)."""


def keep_server_logs(src: Path, run_logs: Path) -> None:
    """Copy the servers' stderr logs of this session into RUN_DIR/logs/<UTC time>/ (the last SERVER_LOG_CAP bytes of
    each), so a server that failed or misbehaved can be diagnosed after the fleet's temp directory is gone. A resumed
    run adds a session directory; it never overwrites an earlier one."""
    logs = sorted(p for p in src.glob("*.log") if p.is_file() and p.stat().st_size) if src.is_dir() else []
    if not logs:
        return
    dest = run_logs / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    n = 1
    while dest.exists():
        n += 1
        dest = dest.with_name(f"{dest.name.split('.')[0]}.{n}")
    dest.mkdir(parents=True)
    for log in logs:
        with log.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - SERVER_LOG_CAP))
            (dest / log.name).write_bytes(f.read())


def run_servers(suite: Suite, cfg: FleetConfig, options: RunOptions) -> list[str]:
    """The servers a run opens: those its tasks use, or the whole fleet with distractors or a large-toolset mode.

    Raises RunError when the suite needs a server the config does not define.
    """
    needed = sorted({s for t in suite.tasks for s in t.servers})
    unknown = [s for s in needed if s not in {x.name for x in cfg.servers}]
    if unknown:
        raise RunError(f"suite '{suite.name}' needs server(s) not in {cfg.source}: {', '.join(unknown)}")
    if options.distractors or options.toolset.mode != "task":
        return sorted({*needed, *(s.name for s in cfg.enabled())})
    return needed


class Runner:
    """One run: resolve inputs, open the fleet, execute pending episodes, score, aggregate."""

    def __init__(self, options: RunOptions, progress: Progress | None = None):
        self.o = options
        self.progress = progress or NullProgress()

    def _load(self) -> tuple[Suite, FleetConfig, list[str]]:
        try:
            suite = select_tagged(Suite.load(suite_path(self.o.suite)), self.o.tags)
        except (FileNotFoundError, ValueError) as e:
            raise RunError(str(e)) from None
        cfg = load_config(self.o.config)
        return suite, cfg, run_servers(suite, cfg, self.o)

    async def run(self) -> RunResult:
        from mcpbench.fleet import Fleet, unsandboxed
        from mcpbench.models.registry import get_provider

        suite, cfg, servers = self._load()
        specs = [cfg.get(s) for s in servers]
        by_name = {s.name: s for s in specs}
        shared = [f"task {t.id}: {why}" for t in suite.tasks for why in unsandboxed(by_name, t.files)]
        if shared:
            raise RunError("\n".join(shared))
        async with Fleet.open(specs, on_tool_change=self.o.on_tool_change) as fleet:
            failed = {n: st.error or "failed" for n, st in fleet.status.items() if st.status == "failed"}
            hashes = fleet.catalog.hashes()
            drift = drift_report(suite.tasks, hashes, set(failed))
            if drift and not self.o.allow_drift:
                raise RunError("tool definitions drifted from the suite (use --allow-drift to run anyway):\n  "
                               + "\n  ".join(drift))
            spec_fleet = dict(hashes)
            for t in suite.tasks:  # failed servers keep the suite's hashes so the run id stays stable
                spec_fleet.update({k: v for k, v in t.provenance.tool_sha256.items() if k.split("/")[0] in failed})
            spec = RunSpec(models=self.o.models, model_options=self._model_options(), suite=suite.name,
                           suite_sha256=suite.sha256, tasks=len(suite.tasks), fleet=dict(sorted(spec_fleet.items())),
                           judges=self.o.judges, judge_k=self.o.judge_k, limits=self.o.limits, repeats=self.o.repeats,
                           seed=self.o.seed, distractors=self.o.distractors, infra_retries=self.o.infra_retries,
                           git_commit=git_commit(), toolset=self.o.toolset if self.o.toolset.mode != "task" else None)
            try:
                for model in self.o.models:
                    check_cap(self.o.toolset, model, len(fleet.catalog.entries(servers)))
            except CapExceeded as e:
                raise RunError(str(e)) from None
            run_dir = self.o.out or Path("runs") / spec.run_id
            store = RunStore(run_dir)
            try:
                return await self._run_in(store, spec, suite, fleet, failed, drift, servers, get_provider)
            finally:
                ours = store.get_meta("run_id") == spec.run_id  # not a directory refused as another run's
                store.close()
                if ours:
                    keep_server_logs(fleet.log_dir, run_dir / "logs")

    def _model_options(self) -> dict[str, dict[str, Any]]:
        opts: dict[str, Any] = {}
        settings = self.o.settings.model_dump(exclude_defaults=True)
        if settings:
            opts["settings"] = settings
        if self.o.base_url:
            opts["base_url"] = self.o.base_url
        opts.update(self.o.provider_options)
        return {m: opts for m in self.o.models} if opts else {}

    async def _run_in(self, store: RunStore, spec: RunSpec, suite: Suite, fleet: Fleet, failed: dict[str, str],
                      drift: list[str], servers: list[str],
                      get_provider: Callable[..., Provider]) -> RunResult:
        existing = store.get_meta("spec")
        if existing is not None and RunSpec.model_validate(existing).run_id != spec.run_id:
            raise RunError(f"{store.dir} holds another run ({RunSpec.model_validate(existing).run_id}); "
                           f"this command's run id is {spec.run_id}: choose another --out")
        entries = fleet.catalog.entries(include_quarantined=True)
        store.set_meta("spec", spec)
        store.set_meta("run_id", spec.run_id)
        store.set_meta("tasks", [t.model_dump(mode="json") for t in suite.tasks])
        store.set_meta("catalog", [e.model_dump(mode="json") for e in entries])
        store.set_meta("manifest", {
            "run_id": spec.run_id, "suite": suite.name, "suite_sha256": suite.sha256, "executor": self.o.executor,
            "concurrency": self.o.concurrency, "allow_drift": self.o.allow_drift, "drift": drift,
            "servers": {n: fleet.status[n].model_dump(mode="json", exclude={"stderr_tail"}) for n in servers},
            "failed_servers": failed, "started_at": store.get_meta("manifest", {}).get("started_at", time.time())})
        store.set_meta("state", "running")
        plans = plan_episodes(spec, suite.tasks, servers)
        done = store.finished_ids()  # infra-failed episodes are tried again: the fleet may be fixed by now
        pending = [p for p in plans if p.episode_id not in done]
        if self.o.max_episodes is not None:
            pending = pending[: self.o.max_episodes]
        totals: dict[str, int] = {}
        already: dict[str, int] = {}
        for p in plans:
            totals[p.model] = totals.get(p.model, 0) + 1
            if p.episode_id in done:
                already[p.model] = already.get(p.model, 0) + 1
        self.progress.start(spec.run_id, store.dir, totals, already)
        tools_map = {e.exposed_name: e for e in entries}
        state = "cancelled"
        providers = {m: get_provider(m, **spec.model_options.get(m, {})) for m in spec.models}
        panel = [get_provider(j) for j in spec.judges]
        try:
            if self.o.executor == "processes":
                from mcpbench.executors.process_executor import run_on_processes

                await run_on_processes(self.o, spec, pending, store,
                                       lambda out: self._finish(out, spec, store, tools_map, panel))
            elif self.o.executor == "ray":
                from mcpbench.executors.ray_executor import run_on_ray

                await run_on_ray(self.o, spec, pending, store, lambda out: self._finish(out, spec, store, tools_map,
                                                                                       panel))
            else:
                await self._run_local(fleet, providers, pending, spec, store, tools_map, panel)
            # a tool change announced during the last episode is recorded (and, with 'stop', ends the run) before
            # the run calls itself complete
            await fleet.settle(10)
            if fleet.stopped_by is None:  # else a tool change stopped the run: it stays 'cancelled', the fleet raises
                complete = set(store.done_ids()) >= {p.episode_id for p in plans}
                state = "completed" if complete else "partial"
        finally:
            with anyio.CancelScope(shield=True):
                for provider in [*providers.values(), *panel]:
                    with anyio.move_on_after(15):
                        await provider.aclose()
                store.set_meta("state", state)
                # what the fleet went through: restarts, deaths, garbage and oversize output, tools changed mid-run
                store.set_meta("fleet_health", {n: fleet.status[n].model_dump(mode="json", exclude={"stderr_tail"})
                                                for n in servers if n in fleet.status})
                if fleet.drift:
                    store.set_meta("tool_drift", [d.model_dump(mode="json") for d in fleet.drift])
                results = aggregate_store(store)
                store.set_meta("results", results)
                self.progress.finish(state)
        return RunResult(run_id=spec.run_id, run_dir=store.dir, state=state, results=results,
                         drift=drift + [d.describe() for d in fleet.drift], failed_servers=failed)

    async def _run_local(self, fleet: Fleet, providers: dict[str, Provider], pending: list[EpisodePlan],
                         spec: RunSpec, store: RunStore, tools_map: dict[str, ToolEntry],
                         panel: list[Provider]) -> None:
        async def finish(batch: list[EpisodeOutcome]) -> None:
            self._record(store, spec, [await self._score(o, spec, tools_map, panel) for o in batch])

        await run_local(fleet, providers, pending, spec, attempts=store.infra_attempt_counts(),
                        concurrency=self.o.concurrency, finish=finish, judged=bool(panel))

    async def _finish(self, out: EpisodeOutcome, spec: RunSpec, store: RunStore, tools_map: dict[str, ToolEntry],
                      panel: list[Provider]) -> None:
        """Judge, score and store one finished episode (the executors' callback)."""
        self._record(store, spec, [await self._score(out, spec, tools_map, panel)])

    async def _score(self, out: EpisodeOutcome, spec: RunSpec, tools_map: dict[str, ToolEntry],
                     panel: list[Provider]) -> tuple[EpisodeOutcome, Any]:
        from judges import judge_panel, score_episode
        from task_synth.binding import expand_task

        offered = {n: tools_map[n] for n in out.trajectory.tools if n in tools_map}
        task = expand_task(out.plan.task, out.builtins)
        panel_result = None
        if panel and out.trajectory.status != "infra_failed":
            panel_result = await judge_panel(panel, task, out.trajectory, k=spec.judge_k, seed=spec.seed)
        return out, score_episode(task, out.trajectory, offered, live_outputs=out.live_outputs, panel=panel_result)

    def _record(self, store: RunStore, spec: RunSpec, scored: list[tuple[EpisodeOutcome, Any]]) -> None:
        # one transaction: the episodes, their scores and their infra attempts (numbered on from earlier sessions')
        judged_by = ",".join(spec.judges) or "rules"
        store.record_episodes([EpisodeRecord(out.trajectory, out.attempts, out.live_outputs, score, judged_by,
                                             {"builtins": out.builtins}, out.infra_errors) for out, score in scored])
        for out, score in scored:
            self.progress.episode(out, score)


def aggregate_store(store: RunStore, seed: int | None = None) -> dict[str, Any]:
    """Aggregate every stored score (per model) into the run's results."""
    from judges import EpisodeScore, aggregate

    spec = store.get_meta("spec") or {}
    scores = [EpisodeScore.model_validate(s) for _, s in sorted(store.scores().items())]
    agg = aggregate(scores, seed=spec.get("seed", 0) if seed is None else seed)
    return agg.model_dump(mode="json")


__all__ = ["EpisodeOutcome", "EpisodePlan", "NullProgress", "Progress", "RunError", "RunOptions", "RunResult",
           "Runner", "aggregate_store", "drift_report", "execute_episode", "plan_episodes"]
