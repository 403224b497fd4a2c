"""Usability: can models actually use these tools? (`mcpbench check --model M`)

Synthesises a few grounded tasks for the one server (task_synth), runs the model on each through the agent loop on a
fresh fleet, and scores the final answers with the tasks' verifiable checks (judges.checks). The verdict is the mean
check score: pass ≥ 0.5, warn below (a weak model is not the server's fault, so this never fails a CI run). Per tool
(mcpbench.check.tool_usage): selection rate, argument accuracy, the tools called instead, recovery after server
errors.

Offline it runs with the scripted baselines (`scripted/oracle` must pass, `scripted/do-nothing` must not) or the local
model.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from mcpbench.check.model import CheckResult
from mcpbench.check.tool_usage import confusion, detail_lines, usage_stats
from mcpbench.config import ServerSpec

PASS_SCORE = 0.5
MAX_HOPS = 3
"""Usability prefers short tasks (see `chosen`)."""


async def usability(spec: ServerSpec, model_name: str, *, tasks: int = 5, seed: int = 0,
                    home: Path | None = None) -> CheckResult:
    """Measure whether `model_name` can solve synthesised tasks with this server's tools.

    Raises ValueError for a bad model name. Server and model faults become the result (status fail/warn with the
    reason), never exceptions."""
    # imported here: `mcpbench check` without --model does not pay for the fleet, the agent and task synthesis
    from judges.checks import evaluate_checks
    from mcpbench.agent import run_episode
    from mcpbench.fleet import Fleet
    from mcpbench.models.base import EpisodeBound
    from mcpbench.models.registry import get_provider
    from task_synth import calls_of, read_final_state, replay
    from task_synth.binding import expand_task
    from task_synth.pipeline import SynthOptions
    from task_synth.synth import synthesize

    provider = get_provider(model_name)
    try:
        async with Fleet.open([spec], home=home) as fleet:
            status = fleet.status.get(spec.name)
            if status is None or status.status != "connected":
                why = getattr(status, "error", None) or "not connected"
                return _result("fail", f"the server did not connect for the usability run: {why}")
            state = await synthesize(fleet, SynthOptions(servers=[spec.name], n=tasks, seed=seed, min_hops=1,
                                                         max_hops=MAX_HOPS, id_prefix=f"usability-{spec.name}"))
            builtins = dict(fleet.builtins)  # placeholders (${WORLD}, ${EPISODE_DIR}…) filled as the runner does
            task_list = [expand_task(t, builtins) for t in chosen(state, tasks)]
            if not task_list:
                reasons = sorted({r for rej in state.rejected for r in rej.reasons})[:3]
                return _result("skip", "no task could be synthesised for these tools", reasons)
            scores: list[float] = []
            details: list[str] = []
            pairs: list[tuple[Any, Any]] = []
            for i, task in enumerate(task_list):
                async with fleet.episode(f"usability-{i}-{task.id}", servers=[spec.name], files=task.files) as tools:
                    player = provider.for_episode(task, builtins) if isinstance(provider, EpisodeBound) else provider
                    traj = await run_episode(player, tools, task.fuzzy, episode_id=f"usability-{i}",
                                             task_id=task.id, model_name=model_name)
                    # final-state checks read what the model left, on its own instance (as the runner does)
                    state_reads = (await read_final_state(task, tools, builtins=builtins, calls=calls_of(traj))
                                   if task.state_checks else {})
                live = None
                if task.live_varying:  # time-dependent answers: re-run the reference chain now, as the runner does
                    async with fleet.episode(f"usability-{i}-{task.id}.live", servers=[spec.name],
                                             files=task.files) as tools:
                        live = dict(enumerate(await replay(task, tools, builtins=builtins)))
                if state_reads:
                    live = {**(live or {}), **state_reads}
                results = evaluate_checks(list(task.checks), traj.final_answer or "", live)
                score = statistics.fmean(r.effective_score for r in results) if results else 0.0
                scores.append(score)
                pairs.append((task, traj))
                details.append(f"{task.id}: {score:.2f} ({traj.status}, {len(traj.tool_calls())} calls)")
    finally:
        await provider.aclose()
    mean = statistics.fmean(scores)
    status_ = "pass" if mean >= PASS_SCORE else "warn"
    stats = usage_stats(pairs, spec.name)
    data = {"model": model_name, "score": round(mean, 4), "tasks": len(scores),
            "selection_rate": stats.selection_rate, "miss_rate": stats.miss_rate,
            "argument_accuracy": stats.argument_accuracy, "recovery_rate": stats.recovery_rate,
            "tools": {u.tool: u.model_dump(exclude={"tool"}) for u in stats.tools}, "confusion": confusion(stats)}
    return _result(status_, f"{model_name} scored {mean:.2f} on {len(scores)} synthesised task(s)",
                   detail_lines(stats) + details, data)


def chosen(state: Any, n: int) -> list[Any]:
    """The synthesised tasks, short ones (up to MAX_HOPS) first; when fewer than `n` came out, the shortest of those
    rejected only for being longer (a server whose every task must make a document, fill it, then read it back)."""
    from task_synth.task import Task

    out = list(state.tasks)
    if len(out) < n:
        longer = [Task.model_validate(r.candidate) for r in state.rejected
                  if r.stage == "filter" and r.reasons and all(x.startswith("hops:") for x in r.reasons)]
        out += sorted(longer, key=lambda t: t.hops)[: n - len(out)]
    return out


def _result(status: str, summary: str, details: list[str] | None = None,
            data: dict[str, Any] | None = None) -> CheckResult:
    hint = ("Clearer tool descriptions, parameter descriptions and error messages help models use the tools."
            if status in ("warn", "fail") else "")
    return CheckResult(id="usability.model", category="usability", status=status,
                       summary=summary, hint=hint, details=details or [], data=data or {})


__all__ = ["MAX_HOPS", "PASS_SCORE", "chosen", "usability"]
