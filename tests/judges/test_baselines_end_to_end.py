"""The benchmark's own sanity check: the real agent loop driving the real scripted baselines, scored by judges.

scripted/do-nothing must score ≈ 0 and scripted/oracle ≈ 1 (docs/metrics.md §6). The toolbox answers every call of
the reference chain with the output recorded at grounding time (a world that does not change), or — for the live
variant — with a changed output for one step.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from judge_builders import task, tools

from judges import aggregate, score_episode
from mcpbench.agent import Limits, run_episode
from mcpbench.catalog import ToolEntry
from mcpbench.models.base import EpisodeBound, ToolSpec
from mcpbench.models.scripted import scripted_provider
from mcpbench.trajectory import RequestedCall, ToolCallEvent
from task_synth.task import Check, Task


class ReferenceWorld:
    """A Toolbox whose tools answer as the reference chain recorded (per step overrides allowed)."""

    def __init__(self, t: Task, offered: dict[str, ToolEntry], overrides: dict[int, str] | None = None):
        self.task, self.offered, self.overrides = t, offered, overrides or {}

    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(name=n, description=e.description, input_schema=e.input_schema)
                for n, e in self.offered.items()]

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        base: dict[str, Any] = {"turn": turn, "call_id": call.id, "exposed_name": call.name,
                                "arguments": call.arguments, "raw_arguments": call.raw_arguments}
        entry = self.offered.get(call.name)
        if entry is None:
            return ToolCallEvent(**base, outcome="model_error", error_kind="unknown_tool")
        base.update(server=entry.server, tool=entry.name)
        for i, step in enumerate(self.task.reference):
            if (step.server, step.tool) == (entry.server, entry.name):
                return ToolCallEvent(**base, outcome="ok", content=self.overrides.get(i, step.output))
        return ToolCallEvent(**base, outcome="tool_error", error="not part of this world")


async def _episode(model: str, t: Task, repeat: int = 0, overrides: dict[int, str] | None = None):
    provider = scripted_provider(model.removeprefix("scripted/"))  # what get_provider resolves, minus the SDK imports
    player = provider.for_episode(t, {}) if isinstance(provider, EpisodeBound) else provider  # as the runner does
    with anyio.fail_after(20):
        traj = await run_episode(player, ReferenceWorld(t, tools(), overrides), t.fuzzy, limits=Limits(max_turns=8),
                                 episode_id=f"{model}:{t.id}:{repeat}", task_id=t.id)
    await provider.aclose()
    return traj


@pytest.mark.anyio
async def test_the_do_nothing_baseline_scores_about_zero_and_the_oracle_about_one_with_an_empty_panel():
    scores = []
    for model in ("scripted/do-nothing", "scripted/oracle"):
        for repeat in range(2):
            traj = await _episode(model, task(), repeat)
            scores.append(score_episode(task(), traj, tools()))
    result = aggregate(scores, seed=0, n_boot=200)
    nothing, oracle = result["scripted/do-nothing"], result["scripted/oracle"]
    assert nothing.overall.mean is not None and nothing.overall.mean <= 0.05
    assert oracle.overall.mean is not None and oracle.overall.mean >= 0.95
    assert oracle.pass_at_k[1] == 1.0 and nothing.pass_at_k[1] == 0.0
    assert oracle.rules["parallelism"] == 1.0 and oracle.rules["dependency_order"] == 1.0
    assert list(result.models) == ["scripted/oracle", "scripted/do-nothing"]


@pytest.mark.anyio
async def test_the_oracle_reproduces_a_live_value_bound_from_an_earlier_step_and_is_judged_on_the_live_answer():
    """The live world now reports a total of 1300 for order 7; the oracle binds it into the calculator call
    (step 2's expression is bound to step 0), yet answers the synthesis-time answer key — which the live check
    rejects while the synthesis-time verdict still passes. Both verdicts are kept."""
    t = task(checks=[Check(kind="numeric", value=1250, from_step=0, extract=r"total: ([0-9.]+)")])
    traj = await _episode("scripted/oracle", t, overrides={0: "total: 1300.00"})
    calc = [e for e in traj.tool_calls() if e.exposed_name == "calc__calculate"]
    assert calc and calc[0].arguments == {"expression": "1300.00*2"}  # the binding pulled the live total
    s = score_episode(t, traj, tools(), live_outputs={0: "total: 1300.00"})
    assert s.checks[0].passed is False and s.checks[0].live_passed is False  # answer says 2,500, not 1250 or 1300
    assert s.rules.errors["wrong_argument_value"] == 0  # a bound argument is not compared with the reference
    assert json.loads(s.model_dump_json())["live"] is True
