"""The whole pipeline against a real stdio MCP server (tests/synth/servers/atlas_server.py): probe, sample, ground
twice, write, filter, replay and validate — plus curated plans and the model-driven steps with a scripted model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.models.registry import get_provider
from task_synth import Suite, SynthOptions, load_plans, render_answer, replay, synthesize, validate_suite, write_outputs
from task_synth.filters import RuleContext, apply_rules
from task_synth.synth import rejected_path

pytestmark = pytest.mark.anyio
ATLAS = Path(__file__).parent / "servers" / "atlas_server.py"


def atlas() -> ServerSpec:
    return ServerSpec(name="atlas", command=sys.executable, args=[str(ATLAS)])


async def _synth(tmp: Path, name: str, seed: int = 2, n: int = 4, **kw) -> tuple[bytes, object]:
    async with Fleet.open([atlas()]) as fleet:
        # the walk pipeline alone (world seeding and calculations are tested in test_seeding.py)
        kw = {"seed_world": False} | kw
        state = await synthesize(fleet, SynthOptions(servers=["atlas"], n=n, seed=seed, **kw), work=tmp / name)
        out = tmp / f"{name}.jsonl"
        write_outputs(state, out, "atlas")
        return out.read_bytes(), state


async def test_synthesis_on_a_live_server_writes_valid_tasks_and_every_artifact(tmp_path):
    with anyio.fail_after(240):
        _, state = await _synth(tmp_path, "a")
    suite = Suite.load(tmp_path / "a.jsonl")
    assert len(suite.tasks) == 4
    assert len(state.chains) == 4 * state.options.oversample and all(r.reasons for r in state.rejected)
    for name in ("graph.json", "chains.jsonl", "grounded.jsonl", "tasks.jsonl", "rejected.jsonl"):
        assert (tmp_path / "a" / name).exists()
    assert rejected_path(tmp_path / "a.jsonl").exists()
    graph = json.loads((tmp_path / "a" / "graph.json").read_text())
    nodes = {n["tool"]: n for n in graph["nodes"]}
    assert nodes["write_note"]["read_only"] is False and nodes["write_note"]["probe"] is None
    # the probe learnt what the schema could not: table names, and that a listing holds no numbers
    assert "orders" not in graph["pools"].get("table", []) and "rivers" in graph["pools"]["table"]
    assert "number" not in nodes["list_tables"]["produces"] and "number" in nodes["count_rows"]["produces"]
    for t in suite.tasks:
        assert 2 <= t.hops <= 5
        assert all(i - 1 in s.depends_on for i, s in enumerate(t.reference) if i)
        assert t.provenance.seed == 2 and t.provenance.tool_sha256


async def test_the_same_seed_gives_the_same_bytes_and_the_tasks_validate_by_oracle_replay(tmp_path):
    with anyio.fail_after(300):
        a, _ = await _synth(tmp_path, "a", seed=5)
        b, _ = await _synth(tmp_path, "b", seed=5)
        assert a == b
        suite = Suite.load(tmp_path / "a.jsonl")
        async with Fleet.open([atlas()]) as fleet:
            results = await validate_suite(suite, fleet)
    assert [r.reasons for r in results if not r.ok] == []


PLANS = """
plans:
  - id: live-day
    fuzzy: What day of the week is it in Tokyo right now, and how many hours is Tokyo ahead of UTC?
    precise: Get the local time in Asia/Tokyo, then its UTC offset; report the weekday and the offset.
    answer: "It is {{step[0]:\\"day_of_week\\": \\"(\\\\w+)\\"}} there and Tokyo is UTC+{{step[1]:\\"offset_hours\\": (\\\\d+)}}."
    steps:
      - {server: atlas, tool: local_time, arguments: {timezone: Asia/Tokyo}}
      - server: atlas
        tool: utc_offset
        arguments: {timezone: Asia/Tokyo}
        bindings: {timezone: 'step[0]:"timezone": "([^"]+)"'}
    checks:
      - {kind: contains, step: 0, extract: '"day_of_week": "(\\w+)"', description: weekday}
      - {kind: numeric, step: 1, extract: '"offset_hours": (\\d+)', description: offset}
  - id: broken-step
    fuzzy: How many rows has the glaciers table?
    precise: Count the rows of table glaciers.
    answer: "{{step[0]:(\\\\d+)}}"
    steps:
      - {server: atlas, tool: count_rows, arguments: {table_name: glaciers}}
    checks:
      - {kind: numeric, step: 0, extract: '(\\d+)'}
  - id: reads-nothing
    fuzzy: How many rows has the rivers table?
    precise: Count the rows of table rivers.
    answer: "{{step[0]:\\"count\\": (\\\\d+)}}"
    steps:
      - {server: atlas, tool: count_rows, arguments: {table_name: rivers}}
    checks:
      - {kind: numeric, step: 0, extract: '"total": (\\d+)'}
"""  # noqa: E501 (a YAML answer template that cannot wrap)


async def test_curated_plans_are_grounded_live_and_their_failures_are_explained(tmp_path):
    (tmp_path / "plans.yaml").write_text(PLANS)
    plans = load_plans(tmp_path / "plans.yaml")
    with anyio.fail_after(180):
        async with Fleet.open([atlas()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["atlas"], min_hops=1), plans=plans)
            assert [t.id for t in state.tasks] == ["live-day"]
            task = state.tasks[0]
            async with fleet.episode("r1") as tools:
                first = await replay(task, tools)
            await anyio.sleep(0.01)
            async with fleet.episode("r2") as tools:
                second = await replay(task, tools)
            valid = await validate_suite(Suite(name="p", tasks=state.tasks), fleet)
    rejected = {r.id: r.reasons for r in state.rejected}
    assert "tool_error" in rejected["broken-step"][0]
    assert "found nothing" in rejected["reads-nothing"][0]
    # the clock step and the step consuming it are live: their synthesis-time values stay out of the task
    assert [s.live_varying for s in task.reference] == [True, True]
    assert task.checks[0].value == "<weekday>" and task.checks[1].value == "#"
    assert "{{step[0]" in task.answer
    assert first[0] != second[0]  # a fresh clock reading on every replay ...
    answer = render_answer(task, second)
    assert answer.endswith("Tokyo is UTC+9.") and json.loads(second[0])["day_of_week"] in answer
    assert valid[0].ok, valid[0].reasons
    ctx = RuleContext(task=task, runs=[second])
    assert apply_rules(ctx, ["checks_pass", "do_nothing_fails"]) == []


async def test_model_steps_propose_edges_word_tasks_and_score_them(tmp_path):
    reply = {"edges": [{"from": "atlas/utc_offset", "to": "atlas/local_time", "param": "timezone"},
                       {"from": "atlas/nope", "to": "atlas/local_time", "param": "timezone"}],
             "precise": "Do the chain exactly.", "fuzzy": "Hey, could you sort this out for me?",
             "solvability": 10, "utility": 7}
    script = tmp_path / "model.json"
    script.write_text(json.dumps({"turns": [{"text": json.dumps(reply)}]}))
    low = tmp_path / "low.json"
    low.write_text(json.dumps({"turns": [{"text": json.dumps(reply | {"utility": 2})}]}))
    with anyio.fail_after(240):
        async with Fleet.open([atlas()]) as fleet:
            good = await synthesize(fleet, SynthOptions(servers=["atlas"], n=1, seed=3, writer=f"scripted/{script}",
                                                                  seed_world=False),
                                    model=get_provider(f"scripted/{script}"))
            bad = await synthesize(fleet, SynthOptions(servers=["atlas"], n=1, seed=3, writer=f"scripted/{low}",
                                                                 seed_world=False),
                                   model=get_provider(f"scripted/{low}"))
    assert "timezone" in good.graph.node("atlas/utc_offset").produces
    assert "llm" in good.graph.node("atlas/utc_offset").produces["timezone"]
    assert any("kept 1 of 2 proposed edges" in n for n in good.notes)
    assert len(good.tasks) == 1 and good.tasks[0].fuzzy == "Hey, could you sort this out for me?"
    assert good.tasks[0].provenance.generator.endswith(f"writer=scripted/{script}")
    assert bad.tasks == [] and any("utility 2" in r.reasons[0] for r in bad.rejected if r.stage == "filter")
