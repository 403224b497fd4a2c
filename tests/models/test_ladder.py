"""The validity ladder's faulty agents (mcpbench/models/ladder.py), driven by the real agent loop against a small
in-process world whose tools really compute, so a corrupted argument really changes what comes back."""

from __future__ import annotations

import random
import re
from typing import Any

import anyio
import pytest

from judges import score_episode
from mcpbench.agent import Limits, run_episode
from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.models import get_provider
from mcpbench.models.base import EpisodeBound, ToolSpec
from mcpbench.models.ladder import NOTHING_SEEN, FaultyOracle, RandomToolCaller, corrupt_value
from mcpbench.trajectory import RequestedCall, ToolCallEvent, Trajectory
from task_synth.task import Check, ReferenceStep, Task

pytestmark = pytest.mark.anyio


def _tools() -> dict[str, ToolEntry]:
    catalog = Catalog([
        ToolEntry(server="ledger", name="lookup", description="Look up an account by id.",
                  input_schema={"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}),
        ToolEntry(server="ledger", name="add", description="Add numbers written as 'a + b'.",
                  input_schema={"type": "object", "properties": {"expression": {"type": "string"}},
                                "required": ["expression"]}),
    ])
    return {e.exposed_name: e for e in catalog}


class Ledger:
    """lookup(id) -> 'next: 3·id, value: 7·id'; add('a + b') -> the sum. Real arithmetic, nothing recorded."""

    def __init__(self, garbage_step0: bool = False):
        self.offered, self.garbage_step0 = _tools(), garbage_step0

    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(name=n, description=e.description, input_schema=e.input_schema)
                for n, e in self.offered.items()]

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        entry = self.offered[call.name]
        args: dict[str, Any] = call.arguments or {}
        base: dict[str, Any] = {"turn": turn, "call_id": call.id, "exposed_name": call.name, "arguments": args,
                                "server": entry.server, "tool": entry.name}
        if entry.name == "lookup":
            i = int(args["id"])
            text = "no such account" if self.garbage_step0 and i == 5 else f"next: {3 * i}, value: {7 * i}"
        else:
            nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", str(args.get("expression", "")))]
            text = f"{sum(nums):g}"
        return ToolCallEvent(**base, outcome="ok", content=text)


def chain() -> Task:
    """lookup(5) -> next 15; lookup(15) (bound); add(value0 + value1) (a template over both): 35 + 105 = 140."""
    return Task(
        id="ledger-5", servers=["ledger"], precise="Follow account 5 to its next account; add both values.",
        fuzzy="What do account 5 and the account after it hold together?",
        checks=[Check(kind="numeric", value=140, from_step=2)],
        reference=[
            ReferenceStep(server="ledger", tool="lookup", arguments={"id": 5}, output="next: 15, value: 35"),
            ReferenceStep(server="ledger", tool="lookup", arguments={"id": 15}, output="next: 45, value: 105",
                          bindings={"id": r"step[0]:next: (\d+)"}, depends_on=[0]),
            ReferenceStep(server="ledger", tool="add", arguments={"expression": "35 + 105"}, output="140",
                          bindings={"expression": r"template:{{step[0]:value: (\d+)}} + {{step[1]:value: (\d+)}}"},
                          depends_on=[0, 1]),
        ],
        answer="Together they hold 140.")


async def _run(model: str, world: Ledger | None = None, **options: Any) -> Trajectory:
    provider = get_provider(model, **options)
    player = provider.for_episode(chain(), {}) if isinstance(provider, EpisodeBound) else provider  # as the runner
    with anyio.fail_after(20):
        traj = await run_episode(player, world or Ledger(), chain().fuzzy, limits=Limits(max_turns=8),
                                 episode_id=f"{model}:ledger-5:0", task_id="ledger-5", model_name=model)
    await provider.aclose()
    return traj


def _calls(traj: Trajectory) -> list[tuple[str | None, dict[str, Any] | None]]:
    return [(e.tool, e.arguments) for e in traj.tool_calls()]


def _final(traj: Trajectory) -> str:
    return traj.final_answer


async def test_the_ladder_names_resolve_through_the_registry_and_a_bad_share_is_refused():
    corrupt = get_provider("scripted/oracle-corrupt-20", seed=3)
    assert isinstance(corrupt, FaultyOracle) and (corrupt.corrupt, corrupt.seed) == (0.2, 3)
    skip = get_provider("scripted/oracle-skip-last")
    assert isinstance(skip, FaultyOracle) and skip.skip_last and skip.corrupt == 0.0
    assert isinstance(get_provider("scripted/random-tools"), RandomToolCaller)
    get_provider("scripted/oracle", seed=3)  # `--model-opt seed=N` reaches every model of a ladder run
    with pytest.raises(ValueError, match="whole percentage"):
        get_provider("scripted/oracle-corrupt-abc")
    with pytest.raises(ValueError, match="whole percentage"):
        get_provider("scripted/oracle-corrupt-150")


async def test_with_no_corruption_the_faulty_oracle_plays_exactly_the_oracle():
    oracle, clean = await _run("scripted/oracle"), await _run("scripted/oracle-corrupt-0")
    assert _calls(clean) == _calls(oracle) == [("lookup", {"id": 5}), ("lookup", {"id": 15}),
                                               ("add", {"expression": "35 + 105"})]
    assert _final(clean) == _final(oracle) == "Together they hold 140."


async def test_every_bound_value_corrupted_changes_what_comes_back_and_the_answer_reports_only_that():
    traj = await _run("scripted/oracle-corrupt-100")
    (_, a0), (_, a1), (_, a2) = _calls(traj)
    assert a0 == {"id": 5}  # not bound: never corrupted
    assert a1 is not None and a1["id"] != 15 and isinstance(a1["id"], int)
    assert a2 is not None and a2["expression"] != f"35 + {7 * a1['id']}"  # both placeholders moved
    assert "140" not in _final(traj) and _final(traj).startswith("Here is what my tools returned")
    score = score_episode(chain(), traj, _tools())
    assert not score.passed and score.check_score == 0.0


async def test_the_oracle_that_skips_the_last_hop_never_calls_it_and_reports_what_it_saw():
    traj = await _run("scripted/oracle-skip-last")
    assert _calls(traj) == [("lookup", {"id": 5}), ("lookup", {"id": 15})]
    assert "value: 105" in _final(traj) and "140" not in _final(traj)
    assert not score_episode(chain(), traj, _tools()).passed


async def test_a_binding_the_faulty_agent_cannot_resolve_drops_the_step_and_its_dependents_with_no_answer_key():
    """The oracle falls back to the value recorded at grounding time when a binding no longer resolves; a ladder
    agent must not, or a fault upstream would be silently repaired."""
    oracle = await _run("scripted/oracle", Ledger(garbage_step0=True))
    assert len(_calls(oracle)) == 3  # the recorded id 15 rescued it
    faulty = await _run("scripted/oracle-corrupt-0", Ledger(garbage_step0=True))
    assert _calls(faulty) == [("lookup", {"id": 5})]
    assert _final(faulty) == "Here is what my tools returned:\nno such account"


async def test_a_single_hop_task_without_its_hop_says_it_found_nothing():
    one = chain().model_copy(update={"reference": chain().reference[:1], "checks": []})
    provider = get_provider("scripted/oracle-skip-last")
    assert isinstance(provider, EpisodeBound)
    with anyio.fail_after(20):
        traj = await run_episode(provider.for_episode(one, {}), Ledger(), one.fuzzy, limits=Limits(max_turns=4),
                                 episode_id="e", task_id=one.id, model_name="m")
    assert traj.tool_calls() == [] and traj.final_answer == NOTHING_SEEN


async def test_the_random_tool_caller_calls_offered_tools_for_as_many_turns_as_the_reference_then_reports():
    traj = await _run("scripted/random-tools")
    calls = traj.tool_calls()
    assert len(calls) == 3 and all(c.exposed_name in _tools() and c.outcome == "ok" for c in calls)
    assert [c.call_id for c in calls] == ["random_0", "random_1", "random_2"]
    assert _final(traj).startswith("Here is what my tools returned")
    again = await _run("scripted/random-tools")
    assert _calls(again) == _calls(traj)  # seeded: the same episode twice is the same episode


def test_corruption_is_decided_per_argument_by_the_seed_at_the_requested_rate():
    keys = [(f"task-{t}", s, "arg") for t in range(100) for s in range(4)]
    a, b = FaultyOracle(name="a", corrupt=0.2, seed=0), FaultyOracle(name="b", corrupt=0.2, seed=1)
    hits_a = [a.corrupts(*k) is not None for k in keys]
    assert hits_a == [FaultyOracle(name="c", corrupt=0.2, seed=0).corrupts(*k) is not None for k in keys]
    assert hits_a != [b.corrupts(*k) is not None for k in keys]
    assert 0.15 <= sum(hits_a) / len(keys) <= 0.25


@pytest.mark.parametrize("value", [0, 7, -3, 2.5, 0.0, True, "15", "15850.0", "SO-1019", "America/Denver",
                                   "13f1efb5b87f7c2242ca3971faab836b5c77613d", "", "--"])
def test_a_corrupted_value_keeps_its_kind_and_is_never_the_original(value):
    for seed in range(20):
        got = corrupt_value(value, random.Random(seed))
        assert got != value and type(got) is type(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
            assert re.fullmatch(r"-?\d+(\.\d+)?", got) and got.count(".") == value.count(".")
