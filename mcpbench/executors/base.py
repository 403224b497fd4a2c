"""What every executor shares: the run's options, a planned episode, its outcome, and `execute_episode`, which runs
one planned episode on an open fleet (with infra retries and live re-grounding).

The runner imports this module and the executors; nothing here imports the runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from mcpbench.agent import Limits, run_episode
from mcpbench.models.base import EpisodeBound, ModelSettings, Provider
from mcpbench.runspec import RunSpec
from mcpbench.toolsets import Toolset, ToolsetToolbox
from mcpbench.trajectory import ErrorEvent, Trajectory
from task_synth.task import Task

if TYPE_CHECKING:
    from mcpbench.fleet import Fleet


class RunError(Exception):
    """A run cannot start (bad suite, unknown server, drift without --allow-drift, wrong run dir)."""


class RunOptions(BaseModel):
    models: list[str]
    suite: str = "smoke"
    tags: list[str] = Field(default_factory=list)
    """Only the suite's tasks that carry every one of these tags (`--tags`); the run's suite is then named
    `NAME[tags=a,b]` (mcpbench.hard.select_tagged)."""
    repeats: int = Field(1, ge=1)
    judges: list[str] = Field(default_factory=list)
    judge_k: int = Field(1, ge=1)
    concurrency: int = Field(8, ge=1)
    out: Path | None = None
    seed: int = 0
    limits: Limits = Field(default_factory=Limits)
    settings: ModelSettings = Field(default_factory=ModelSettings)
    base_url: str | None = None
    provider_options: dict[str, Any] = Field(default_factory=dict)
    """Extra provider factory options for every model (e.g. latency_s for scripted models)."""
    distractors: int = Field(0, ge=0)
    allow_drift: bool = False
    on_tool_change: Literal["flag", "stop"] = "flag"
    """A server changing its tools mid-run: 'flag' records it (meta 'tool_drift') and goes on; 'stop' ends the run."""
    infra_retries: int = Field(2, ge=0)
    config: Path | None = None
    executor: Literal["local", "processes", "ray"] = "local"
    """local: one process; processes: `workers` worker processes on this machine; ray: shards on a Ray cluster."""
    workers: int | None = Field(None, ge=1)
    """Worker processes of the processes executor (default: one per core)."""
    ray_address: str | None = None
    max_episodes: int | None = None
    """Stop after this many new episodes (for tests of resume)."""
    toolset: Toolset = Field(default_factory=Toolset)
    """Which tools an episode offers: `--tools task|all|retrieval` (mcpbench.toolsets)."""


@dataclass
class EpisodePlan:
    episode_id: str
    model: str
    task: Task
    repeat: int
    servers: list[str]


@dataclass
class EpisodeOutcome:
    plan: EpisodePlan
    trajectory: Trajectory
    live_outputs: dict[int, str] | None
    attempts: int
    infra_errors: list[str] = field(default_factory=list)
    builtins: dict[str, str] = field(default_factory=dict)
    """The fleet's placeholder values (WEB_URL, WORLD, ...) the episode ran with: scoring needs them to compare
    arguments with the reference chain, so they are stored with the episode."""


def _infra_errors(traj: Trajectory) -> list[str]:
    errs = [f"{c.exposed_name}: {c.error}" for c in traj.tool_calls() if c.outcome == "infra_error"]
    if traj.status == "infra_failed":
        errs += [e.message for e in traj.events if isinstance(e, ErrorEvent)] or ["infra failure"]
    return errs


async def execute_episode(fleet: Fleet, provider: Provider, plan: EpisodePlan, spec: RunSpec,
                          attempts_before: int = 0) -> EpisodeOutcome:
    """Run one episode with infra retries; re-ground live-varying tasks in a separate isolated scope."""
    from task_synth.binding import expand_task

    builtins = dict(fleet.builtins)
    task = expand_task(plan.task, builtins)
    errors: list[str] = []
    drift_before = len(fleet.drift)
    announced = fleet.announced_tool_changes(plan.servers)
    attempt = attempts_before
    state: dict[int, str] = {}
    while True:
        attempt += 1
        async with fleet.episode(f"{plan.episode_id}.a{attempt}", servers=plan.servers,
                                 call_timeout_s=spec.limits.call_timeout_s, files=task.files) as tools:
            down = {s: e for s, e in (await tools.unavailable()).items() if s in task.servers}
            if down:  # its tools would not even be offered: not a test of the model
                traj = Trajectory(episode_id=plan.episode_id, task_id=task.id, model=plan.model, prompt=task.fuzzy,
                                  status="infra_failed", events=[ErrorEvent(turn=0, kind="infra_error",
                                                                            message=f"server '{s}' is down: {e}")
                                                                 for s, e in sorted(down.items())])
            else:
                player = provider.for_episode(task, builtins) if isinstance(provider, EpisodeBound) else provider
                box = ToolsetToolbox(tools, spec.toolset or Toolset(), model=plan.model, task_servers=task.servers)
                traj = await run_episode(player, box, task.fuzzy, limits=spec.limits,
                                         episode_id=plan.episode_id, task_id=task.id, model_name=plan.model)
                traj.toolset, traj.tools = box.record, box.ever_offered
                if task.state_checks and traj.status != "infra_failed":  # what the agent left, on its own instance
                    import task_synth

                    state = await task_synth.read_final_state(task, tools, builtins=builtins,
                                                              timeout=spec.limits.call_timeout_s,
                                                              calls=task_synth.calls_of(traj))
        traj.repeat = plan.repeat
        errs = _infra_errors(traj)
        if not errs:
            break
        errors.extend(errs)
        if attempt > spec.infra_retries:
            traj.status = "infra_failed"
            break
    # a tool change announced while this episode ran is recorded with it, not only in the run's metadata (the
    # notification is counted as it arrives, and may trail the result of the call that caused it; its re-list may
    # still be under way: then wait for it)
    if await fleet.trailing_tool_change(plan.servers, announced):
        await fleet.settle(10)
    traj.tool_changes = [d.describe() for d in fleet.drift[drift_before:] if d.server in plan.servers]
    live: dict[int, str] | None = None
    if task.live_varying and traj.status != "infra_failed":
        import task_synth

        async with fleet.episode(f"{plan.episode_id}.live", servers=task.servers,
                                 call_timeout_s=spec.limits.call_timeout_s, files=task.files) as tools:
            outputs = await task_synth.replay(task, tools)
        live = {i: o for i, o in enumerate(outputs)}
    if state:
        live = {**(live or {}), **state}
    return EpisodeOutcome(plan, traj, live, attempt, errors, portable_builtins(builtins))


def portable_builtins(builtins: dict[str, str]) -> dict[str, str]:
    """The builtins worth storing (no temp dirs of this process)."""
    return {k: v for k, v in builtins.items() if k in ("WEB_URL", "WORLD", "MCPBENCH_HOME")}


__all__ = ["EpisodeOutcome", "EpisodePlan", "RunError", "RunOptions", "execute_episode", "portable_builtins"]
