"""Synthetic run stores for the report, bundle and leaderboard tests: built through the real store, catalog, scoring
and aggregation code (only the episodes are written by hand), with hostile tool output, failed and infra-failed
episodes, repeats and an optional two-judge panel."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judges import score_episode
from judges.panel import Judgement, summarise_panel
from judges.rubric import DIMENSIONS, parse_scores, rubric_order, sample_seed
from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.runner import aggregate_store
from mcpbench.runspec import RunSpec, episode_id
from mcpbench.store import RunStore
from mcpbench.trajectory import ErrorEvent, FinalAnswer, ModelTurn, RequestedCall, ToolCallEvent, Trajectory, Usage
from task_synth.task import Check, ReferenceStep, Suite, Task

HOSTILE = '<img src=x onerror="window.__pwned=1"></pre></script><script>window.__pwned=2</script>&amp;'
"""What a malicious server might return: markup that would run if the report ever rendered it as HTML."""


def catalog(description: str = "Add two integers.") -> list[ToolEntry]:
    cat = Catalog([
        ToolEntry(server="calc", name="add", description=description,
                  input_schema={"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                                "required": ["a", "b"]}),
        ToolEntry(server="notes", name="read", description="Read a note by id.",
                  input_schema={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}),
    ])
    return cat.entries(include_quarantined=True)


def tasks(extra: bool = False) -> list[Task]:
    out = [
        Task(id="sum-1", servers=["calc"], precise="Add 2 and 3, then add 5, and report the sum.",
             fuzzy="2 apples, 3 more, then 5 more: how many?", checks=[Check(kind="numeric", value=10)],
             reference=[ReferenceStep(server="calc", tool="add", arguments={"a": 2, "b": 3}, output="5"),
                        ReferenceStep(server="calc", tool="add", arguments={"a": 5, "b": 5}, output="10",
                                      bindings={"a": "step[0]:(\\d+)"}, depends_on=[0])],
             answer="10"),
        Task(id="note-7", servers=["notes"], precise="Read note 7 and report its title.",
             fuzzy="What is the title of note 7?", checks=[Check(kind="contains", value="Q3 plan")],
             reference=[ReferenceStep(server="notes", tool="read", arguments={"id": 7}, output="Q3 plan")],
             answer="Q3 plan"),
    ]
    if extra:
        out.append(Task(id="note-8", servers=["notes"], precise="Read note 8 and report its title.",
                        fuzzy="Title of note 8?", checks=[Check(kind="contains", value="Hiring")],
                        reference=[ReferenceStep(server="notes", tool="read", arguments={"id": 8}, output="Hiring")],
                        answer="Hiring"))
    return out


@dataclass
class Call:
    name: str
    arguments: dict[str, Any]
    content: str = ""
    outcome: str = "ok"
    error_kind: str | None = None
    error: str | None = None


def trajectory(model: str, task: Task, repeat: int, turns: list[list[Call]], final: str, *, status: str = "completed",
               tools: list[ToolEntry], error: tuple[str, str] | None = None) -> Trajectory:
    by_name = {e.exposed_name: e for e in tools}
    events: list[Any] = []
    n = 0
    for t, calls in enumerate(turns, 1):
        events.append(ModelTurn(turn=t, text=f"turn {t} <b>thinking</b>",
                                usage=Usage(input_tokens=100, output_tokens=20),
                                tool_calls=[RequestedCall(id=f"c{n + i}", name=c.name, arguments=c.arguments)
                                            for i, c in enumerate(calls)]))
        for c in calls:
            entry = by_name.get(c.name)
            events.append(ToolCallEvent(turn=t, call_id=f"c{n}", exposed_name=c.name,
                                        server=entry.server if entry else None, tool=entry.name if entry else None,
                                        arguments=c.arguments, outcome=c.outcome, error_kind=c.error_kind,
                                        error=c.error, content=c.content, parallel_group=t, latency_s=0.01))
            n += 1
    last = len(turns) + 1
    if error:
        events.append(ErrorEvent(turn=last, kind=error[0], message=error[1]))
    else:
        events.append(ModelTurn(turn=last, text=final, usage=Usage(input_tokens=150, output_tokens=30)))
        events.append(FinalAnswer(turn=last, text=final))
    return Trajectory(episode_id=episode_id(model, task.id, repeat), task_id=task.id, model=model, repeat=repeat,
                      prompt=task.fuzzy, tools=sorted(by_name), events=events,
                      final_answer="" if error else final, status=status,
                      usage=Usage(input_tokens=250 * len(turns), output_tokens=50 * len(turns)),
                      model_time_s=0.5, tool_time_s=0.02 * n, wall_time_s=0.6)


def _good(model: str, task: Task, r: int, tools: list[ToolEntry]) -> Trajectory:
    if task.id == "sum-1":
        return trajectory(model, task, r, [[Call("calc__add", {"a": 2, "b": 3}, "5")],
                                           [Call("calc__add", {"a": 5, "b": 5}, "10")]], "You have 10.", tools=tools)
    title = "Q3 plan" if task.id == "note-7" else "Hiring"
    return trajectory(model, task, r, [[Call("notes__read", {"id": int(task.id[-1])}, f"{title} {HOSTILE}")]],
                      f"The title is {title}. {HOSTILE}", tools=tools)


def _bad(model: str, task: Task, r: int, tools: list[ToolEntry]) -> Trajectory:
    if task.id == "sum-1" and r == 1:
        return trajectory(model, task, r, [[Call("calc__add", {"a": 2, "b": 3}, "5")]] * 3, "", status="max_turns",
                          tools=tools, error=("max_turns", "the episode used its 3 turns"))
    if task.id == "sum-1":
        wrong = Call("calc__add", {"a": "2", "b": 3}, outcome="model_error", error_kind="invalid_arguments",
                     error="'2' is not of type 'integer'")
        return trajectory(model, task, r, [[wrong]],
                          "About 12.", tools=tools)
    return trajectory(model, task, r, [[Call("notes__open", {"id": 7}, outcome="model_error", error_kind="unknown_tool",
                                             error="no tool notes__open")]], "I could not find it.", tools=tools)


def _flaky(model: str, task: Task, r: int, tools: list[ToolEntry]) -> Trajectory:
    if task.id == "sum-1" and r == 0:
        return trajectory(model, task, r, [[Call("calc__add", {"a": 2, "b": 3}, outcome="infra_error",
                                                 error_kind="connection_closed", error="server crashed")]], "",
                          status="infra_failed", tools=tools, error=("infra_error", "calc crashed 3 times"))
    return _good(model, task, r, tools)


BEHAVIOUR = {"m/good": _good, "m/bad": _bad, "m/flaky": _flaky}


def panel_for(seed: int, task: Task, score_a: float, score_b: float) -> Any:
    js = []
    for judge, score in (("j/a", score_a), ("j/b", score_b)):
        s = sample_seed(seed, task.id, 0)
        raw = json.dumps({d: score for d in DIMENSIONS})
        js.append(Judgement(judge=judge, sample=0, seed=s, order=rubric_order(s), prompt_sha256="0" * 64, raw=[raw],
                            scores=parse_scores(raw)))
    return summarise_panel(["j/a", "j/b"], 1, seed, js)


def make_run(run_dir: Path, *, models: tuple[str, ...] = ("m/good", "m/bad", "m/flaky"), repeats: int = 2,
             panel: bool = False, extra_task: bool = False, description: str = "Add two integers.",
             state: str = "completed", aggregate: bool = True, seed: int = 7) -> Path:
    """A finished run directory, as the runner would leave it."""
    tools = catalog(description)
    ts = tasks(extra_task)
    suite = Suite(name="synthetic", tasks=ts)
    spec = RunSpec(models=list(models), suite="synthetic", suite_sha256=suite.sha256, tasks=len(ts),
                   fleet={f"{e.server}/{e.name}": e.sha256 for e in tools},
                   judges=["j/a", "j/b"] if panel else [], repeats=repeats, seed=seed)
    with RunStore(run_dir) as store:
        store.set_meta("spec", spec)
        store.set_meta("run_id", spec.run_id)
        store.set_meta("tasks", [t.model_dump(mode="json") for t in ts])
        store.set_meta("catalog", [e.model_dump(mode="json") for e in tools])
        store.set_meta("manifest", {
            "run_id": spec.run_id, "suite": "synthetic", "suite_sha256": suite.sha256, "executor": "local",
            "drift": [], "failed_servers": {}, "started_at": 1_790_000_000.0,
            "servers": {s: {"name": s, "status": "connected", "transport": "stdio", "version": "1.0", "tools": 1,
                            "error": None} for s in ("calc", "notes")}})
        offered = {e.exposed_name: e for e in tools}
        for model in models:
            for t in ts:
                for r in range(repeats):
                    traj = BEHAVIOUR[model](model, t, r, tools)
                    p = panel_for(seed, t, 9 if model == "m/good" else 3, 8 if model == "m/good" else 2) \
                        if panel and traj.status != "infra_failed" else None
                    score = score_episode(t, traj, offered, panel=p)
                    store.record_episode(traj, attempts=3 if traj.status == "infra_failed" else 1, live_outputs=None,
                                         score=score, judged_by="j/a,j/b" if panel else "rules")
        store.set_meta("state", state)
        if aggregate:
            store.set_meta("results", aggregate_store(store))
    return run_dir
