"""Live re-grounding and validation of tasks.

`replay(task, tools)` re-executes a task's reference chain in an episode (bindings re-derived from the fresh outputs),
so time-dependent answers are fresh at evaluation time; the runner stores its outputs beside the trajectory and the
judges re-derive `from_step` checks from them. `validate_suite` is `mcpbench tasks validate`: schema, rule filters,
and an oracle replay on the live fleet that must satisfy every check while a refusal satisfies none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import anyio
from pydantic import BaseModel, Field

from mcpbench.catalog import exposed_name
from mcpbench.trajectory import RequestedCall
from task_synth.binding import BindingError, expand, expand_task, extract, resolve_arguments, with_arg
from task_synth.task import StateRead, Suite, Task, state_key

STATIC_RULES = ["names", "step_list", "hops"]
LIVE_RULES = ["given_away", "checks_pass", "do_nothing_fails", "arguments", "not_an_error", "not_local", "stable"]


async def replay(task: Task, tools: Any, *, builtins: Mapping[str, str] | None = None,
                 timeout: float | None = None) -> list[str]:
    """Re-execute the reference chain on `tools` (an episode: EpisodeTools, or any Toolbox); one text per step.

    `${VAR}` placeholders are filled from `builtins`, else from the episode's fleet. A step that fails, or whose
    binding no longer resolves, yields a '[replay: ...]' text instead of raising — checks reading it then fail
    closed (the judge sees no fresh value).
    """
    if builtins is None:
        builtins = getattr(getattr(tools, "fleet", None), "builtins", None)
    outputs: list[str] = []
    for i, s in enumerate(task.reference):
        try:
            args = resolve_arguments(s, outputs, builtins=builtins)
        except BindingError as e:
            outputs.append(f"[replay: step {i}: {e}]")
            continue
        outputs.append(await _call(tools, f"step {i}", s.server, s.tool, args, timeout))
    return outputs


async def _call(tools: Any, label: str, server: str, tool: str, args: dict[str, Any], timeout: float | None) -> str:
    if hasattr(tools, "call_real"):
        out = await tools.call_real(server, tool, args, timeout)
        ok, text, err = out.ok, out.content, f"{out.outcome}: {out.error}"
    else:
        ev = await tools.call(RequestedCall(id=f"replay_{label.replace(' ', '_')}", name=exposed_name(server, tool),
                                            arguments=args), turn=0)
        ok, text, err = ev.outcome == "ok", ev.content, f"{ev.outcome}: {ev.error}"
    return text if ok else f"[replay: {label} {server}/{tool}: {err}]"


class AgentCall(NamedTuple):
    """A successful call made in an episode, as a final-state read's `from_calls` arguments look for it."""

    server: str
    tool: str
    output: str


def calls_of(trajectory: Any) -> list[AgentCall]:
    """The agent's successful calls in a trajectory, in order (what `read_final_state` reads ids from)."""
    return [AgentCall(c.server, c.tool, c.content) for c in trajectory.tool_calls()
            if c.outcome == "ok" and c.server and c.tool]


def reference_calls(task: Task, outputs: Sequence[str]) -> list[AgentCall]:
    """The reference chain's replayed calls as if an agent had made them (failed replays left out)."""
    return [AgentCall(s.server, s.tool, o) for s, o in zip(task.reference, outputs, strict=False)
            if not o.startswith("[replay:")]


def state_arguments(read: StateRead, calls: Iterable[AgentCall], builtins: Mapping[str, str] | None = None
                    ) -> dict[str, Any]:
    """The read's arguments: its literal ones, and each `from_calls` one read from the last of `calls` to that tool
    where its extract finds a value. Raises BindingError when the episode has no such call (an agent that made
    nothing: the read cannot show what it made)."""
    args = expand(dict(read.arguments), builtins)
    made = [c for c in calls if c.server == read.server]
    for param, src in sorted(read.from_calls.items()):
        for c in reversed(made):
            value = extract(src.extract, c.output) if c.tool == src.tool else None
            if value is not None:
                args = with_arg(args, param, value)
                break
        else:
            raise BindingError(f"no successful call of {src.tool} in the episode shows '{param}'")
    return args


async def read_final_state(task: Task, tools: Any, *, builtins: Mapping[str, str] | None = None,
                           timeout: float | None = None, calls: Iterable[AgentCall] = ()) -> dict[int, str]:
    """Make every final-state check's read call on `tools` (the agent's own episode, after the agent is done):
    `{state_key(i): output}`, ready to merge into the episode's live outputs. `calls` are the episode's successful
    calls (`calls_of(trajectory)`), where reads that take an id the episode made find it. A failed read, or one
    whose id no call shows, yields a '[replay: ...]' text (the check then fails closed)."""
    reads = [(i, c.read) for i, c in task.state_checks if c.read is not None]
    return await read_states(reads, tools, builtins=builtins, timeout=timeout, calls=calls)


async def read_states(reads: Sequence[tuple[int, StateRead]], tools: Any, *,
                      builtins: Mapping[str, str] | None = None, timeout: float | None = None,
                      calls: Iterable[AgentCall] = ()) -> dict[int, str]:
    """Make each (check index, read) call on `tools`: `{state_key(index): output}` (a failed read, or one whose id no
    call shows: '[replay: ...]')."""
    if builtins is None:
        builtins = getattr(getattr(tools, "fleet", None), "builtins", None)
    made = list(calls)
    out: dict[int, str] = {}
    for i, read in reads:
        try:
            args = state_arguments(read, made, builtins)
        except BindingError as e:
            out[state_key(i)] = f"[replay: state {i} {read.server}/{read.tool}: {e}]"
            continue
        out[state_key(i)] = await _call(tools, f"state {i}", read.server, read.tool, args, timeout)
    return out


class TaskValidation(BaseModel):
    """The verdict of `tasks validate` on one task."""

    id: str
    ok: bool
    reasons: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    """e.g. a tool definition that changed since synthesis (its sha256 differs from the provenance)."""
    outputs: list[str] = Field(default_factory=list, exclude=True)


def static_problems(task: Task) -> list[str]:
    """Rules that need no fleet."""
    from task_synth.filters import RuleContext, apply_rules

    return apply_rules(RuleContext(task=task, runs=[]), STATIC_RULES)


async def validate_task(task: Task, fleet: Any, *, call_timeout_s: float = 120.0, attempts: int = 3
                        ) -> TaskValidation:
    """Replay the task's reference chain on the live fleet and apply every rule to that run (a live-varying task is
    replayed twice, in two episodes, and scored as the runner scores it: the answer from one replay, the checks
    re-read from the other); a failing task is replayed once more (on a loaded machine slow servers time out) and
    judged on its last replay, unless its replays disagreed (`stable`: that is the finding)."""
    result = await _validate_once(task, fleet, call_timeout_s)
    for _ in range(attempts - 1):
        if result.ok or any(r.startswith("stable:") for r in result.reasons):
            break  # two replays that disagree are the finding itself, not a slow server
        result = await _validate_once(task, fleet, call_timeout_s)
    return result


async def _validate_once(task: Task, fleet: Any, call_timeout_s: float) -> TaskValidation:
    from mcpbench.fleet import unsandboxed
    from task_synth.filters import RuleContext, apply_rules

    reasons = static_problems(task)
    warnings = []
    missing = [s for s in task.servers if fleet.status.get(s) is None or fleet.status[s].status == "failed"]
    if missing:
        return TaskValidation(id=task.id, ok=False, reasons=[*reasons, f"server(s) unavailable: {', '.join(missing)}"])
    shared = unsandboxed(fleet.specs, task.files) if task.files else []
    if shared:  # the episode would refuse them: this task's finding, not a crash of the whole check
        return TaskValidation(id=task.id, ok=False, reasons=[*reasons, *shared])
    for key, sha in sorted(task.provenance.tool_sha256.items()):
        server, _, tool = key.partition("/")
        entry = fleet.catalog.find(server, tool)
        if entry is not None and entry.sha256 != sha:
            warnings.append(f"{key}: tool definition changed since synthesis")
    async with fleet.episode(f"validate.{task.id}", servers=task.servers, call_timeout_s=call_timeout_s,
                             files=task.files) as tools:
        outputs = await replay(task, tools)
        after = await read_final_state(task, tools, calls=reference_calls(task, outputs))
    runs, states = [outputs], [after]
    if task.live_varying:  # as the runner scores it: the checks re-read from a replay in an episode of its own
        async with fleet.episode(f"validate.{task.id}.live", servers=task.servers,
                                 call_timeout_s=call_timeout_s, files=task.files) as tools:
            runs.append(await replay(task, tools))
            states.append(await read_final_state(task, tools, calls=reference_calls(task, runs[-1])))
    before: dict[int, str] = {}
    if task.state_checks:  # what a do-nothing agent leaves: a fresh instance, nothing done
        async with fleet.episode(f"validate.{task.id}.before", servers=task.servers,
                                 call_timeout_s=call_timeout_s, files=task.files) as tools:
            before = await read_final_state(task, tools)
    expanded = expand_task(task, fleet.builtins)
    ctx = RuleContext(task=expanded, runs=runs, catalog=fleet.catalog, builtins=fleet.builtins,
                      states=states, state_before=before)
    reasons += apply_rules(ctx, LIVE_RULES)
    reasons += list(dict.fromkeys(o for run in runs for o in run if o.startswith("[replay:")))
    return TaskValidation(id=task.id, ok=not reasons, reasons=reasons, warnings=warnings, outputs=outputs)


async def validate_suite(suite: Suite, fleet: Any, *, concurrency: int = 3, call_timeout_s: float = 120.0
                         ) -> list[TaskValidation]:
    """Validate every task (concurrently, bounded); results in suite order."""
    limiter = anyio.CapacityLimiter(concurrency)
    results: dict[int, TaskValidation] = {}
    seen: set[str] = set()
    dup = {i for i, t in enumerate(suite.tasks) if t.id in seen or seen.add(t.id)}  # type: ignore[func-returns-value]

    async def one(i: int, task: Task) -> None:
        async with limiter:
            results[i] = await validate_task(task, fleet, call_timeout_s=call_timeout_s)
        if i in dup:
            results[i] = results[i].model_copy(update={"ok": False, "reasons": [*results[i].reasons, "duplicate id"]})

    async with anyio.create_task_group() as tg:
        for i, task in enumerate(suite.tasks):
            tg.start_soon(one, i, task)
    return [results[i] for i in range(len(suite.tasks))]


__all__ = ["LIVE_RULES", "STATIC_RULES", "AgentCall", "TaskValidation", "calls_of", "read_final_state", "read_states",
           "reference_calls", "replay", "state_arguments", "static_problems", "validate_suite", "validate_task"]
