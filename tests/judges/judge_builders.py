"""A small task world and a trajectory builder shared by the judges tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.trajectory import FinalAnswer, ModelTurn, RequestedCall, ToolCallEvent, Trajectory, Usage
from task_synth.task import Check, ReferenceStep, Task


def _entry(server: str, name: str, schema: dict[str, Any]) -> ToolEntry:
    return ToolEntry(server=server, name=name, description=f"{name} on {server}", input_schema=schema)


def tools() -> dict[str, ToolEntry]:
    """exposed name -> ToolEntry, as a run records them (built through the real Catalog)."""
    catalog = Catalog([
        _entry("db", "query", {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"],
                               "additionalProperties": False}),
        _entry("time", "get_current_time", {"type": "object", "properties": {"timezone": {"type": "string"}},
                                            "required": ["timezone"]}),
        _entry("calc", "calculate", {"type": "object", "properties": {"expression": {"type": "string"}},
                                     "required": ["expression"]}),
        _entry("fs", "read_file", {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    ])
    return {e.exposed_name: e for e in catalog}


SQL = "select total from orders where id = 7"


def task(**update: Any) -> Task:
    """Three steps: db/query and time/get_current_time are independent (level 0); calc/calculate needs step 0."""
    t = Task(
        id="orders-7",
        servers=["db", "time", "calc"],
        precise="Look up the total of order 7, double it with the calculator, and give the current time in Paris.",
        fuzzy="What would order 7 cost twice over, and what time is it in Paris?",
        checks=[Check(kind="numeric", value=2500, tolerance=0.5), Check(kind="contains", value="Paris")],
        reference=[
            ReferenceStep(server="db", tool="query", arguments={"sql": SQL}, output="total: 1250.00"),
            ReferenceStep(server="time", tool="get_current_time", arguments={"timezone": "Europe/Paris"},
                          output='{"datetime": "2026-11-02T10:00:00+01:00"}'),
            ReferenceStep(server="calc", tool="calculate", arguments={"expression": "1250*2"},
                          bindings={"expression": "template:{{step[0]:total: ([0-9.]+)}}*2"}, depends_on=[0],
                          output="2500"),
        ],
        answer="Order 7 twice over is 2,500. In Paris it is 10:00.",
    )
    return t.model_copy(update=update) if update else t


@dataclass
class Call:
    name: str
    arguments: dict[str, Any] | None
    outcome: str = "ok"
    content: str = ""
    raw: str | None = None
    error_kind: str | None = None


def trajectory(turns: list[list[Call]], final: str, *, status: str = "completed", episode_id: str = "ep-1",
               model: str = "scripted/test", repeat: int = 0, usage: Usage | None = None, model_time_s: float = 0.0,
               tool_time_s: float = 0.0, task_id: str = "orders-7") -> Trajectory:
    """One model turn per list of calls (calls of a turn are parallel), then one answering turn."""
    offered = tools()
    events: list[Any] = []
    n = 0
    for t, calls in enumerate(turns, 1):
        events.append(ModelTurn(turn=t, tool_calls=[RequestedCall(id=f"c{n + i}", name=c.name, arguments=c.arguments,
                                                                  raw_arguments=c.raw) for i, c in enumerate(calls)]))
        for c in calls:
            entry = offered.get(c.name)
            events.append(ToolCallEvent(
                turn=t, call_id=f"c{n}", exposed_name=c.name, server=entry.server if entry else None,
                tool=entry.name if entry else None, arguments=c.arguments, raw_arguments=c.raw, outcome=c.outcome,
                error_kind=c.error_kind, content=c.content, parallel_group=t))
            n += 1
    last = len(turns) + 1
    events.append(ModelTurn(turn=last, text=final))
    events.append(FinalAnswer(turn=last, text=final))
    return Trajectory(episode_id=episode_id, task_id=task_id, model=model, repeat=repeat, prompt=task().fuzzy,
                      tools=sorted(offered), events=events, final_answer=final, status=status,
                      usage=usage or Usage(), model_time_s=model_time_s, tool_time_s=tool_time_s)


def oracle(final: str | None = None, **kw: Any) -> Trajectory:
    """What scripted/oracle does: level-0 steps in one turn, then the dependent step, then the answer key."""
    return trajectory([
        [Call("db__query", {"sql": SQL}, content="total: 1250.00"),
         Call("time__get_current_time", {"timezone": "Europe/Paris"}, content='{"datetime": "2026-11-02T10:00"}')],
        [Call("calc__calculate", {"expression": "1250*2"}, content="2500")],
    ], task().answer if final is None else final, **kw)


def do_nothing(**kw: Any) -> Trajectory:
    """What scripted/do-nothing does: answer at once, no calls."""
    return trajectory([], "I cannot help with that.", **kw)
