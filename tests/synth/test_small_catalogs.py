"""More distinct, verified tasks from servers with small catalogs (task_synth/refill.py).

Before: a server with few tools gave about one task per distinct chain, so a three-tool lookup service stopped at
three tasks when ten were wanted, and the notes stores of the development set at six (one per world topic). Now,
when the distinct chains run short of `n`, the kept tasks' chains give variants — the same chain asked another
field of its output, the same walk with other literal arguments, the same seeded records asked another question —
each grounded, worded and filtered like any chain, and kept only with an answer no task of its shape has.

The live tests run the whole pipeline on tests/synth/servers/zones_server.py (three read-only lookups) and
tests/synth/servers/books_server.py (a stateful store) over real stdio.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import Grounded, GroundedStep
from task_synth.binding import extract
from task_synth.filters import task_substance
from task_synth.refill import answer_key, shape
from task_synth.topics import world_topics
from task_synth.writing import choose_ask
from tests.synth._baselines import run_baselines

SERVERS = Path(__file__).parent / "servers"


def _zones() -> ServerSpec:
    return ServerSpec(name="zones", command=sys.executable, args=[str(SERVERS / "zones_server.py")])


def _books() -> ServerSpec:
    return ServerSpec(name="ledger", command=sys.executable, args=[str(SERVERS / "books_server.py")],
                      cwd="${EPISODE_DIR}", stateful=True)


# --- by hand ---------------------------------------------------------------------------------------------------

def test_every_world_topic_has_other_questions_whose_answers_come_from_the_same_records():
    for topic in world_topics():
        answers = {topic.answer}
        assert topic.others, topic.key
        for k in range(1, len(topic.others) + 1):
            other = topic.asked(k)
            assert other is not None and other.rows == topic.rows and other.markers == topic.markers
            assert other.measure is not None and other.answer == other.measure.evaluate(topic.rows)
            assert other.question != topic.question and "{value}" in other.answer_text
            answers.add(other.answer)
        assert len(answers) == len(topic.others) + 1, topic.key  # every question has an answer of its own
        assert topic.asked(len(topic.others) + 1) is None


def test_the_writer_asks_another_field_when_a_sibling_already_asks_the_first():
    raw = json.dumps({"source_time": "11:20", "target_time": "06:20", "hours_apart": -5, "target_day": "the same day"})
    g = Grounded(chain_id="c~a1", steps=[GroundedStep(server="zones", tool="convert_time",
                                                      arguments={"time": "11:20"}, outputs=[raw, raw], raw=[raw, raw])])
    state = SimpleNamespace(asked={}, single_hop=set(), grounded=[g], entry=lambda server, tool: None)
    first = extract(choose_ask(g, state)[1], raw)  # type: ignore[arg-type]
    state.asked["c~a1"] = [str(first)]
    second = extract(choose_ask(g, state)[1], raw)  # type: ignore[arg-type]
    assert str(second) != str(first) and str(second) != "11:20"  # never the given time either


# --- live: the whole pipeline on the fixture servers -----------------------------------------------------------

async def _synth(spec: ServerSpec, tmp: Path, label: str, **opts: object) -> tuple[bytes, object]:
    async with Fleet.open([spec]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=[spec.name], seed=1, **opts),  # type: ignore[arg-type]
                                 work=tmp / f"{label}.work")
        write_outputs(state, tmp / f"{label}.jsonl", spec.name)
    return (tmp / f"{label}.jsonl").read_bytes(), state


def _distinct_and_different_answers(suite: Suite) -> None:
    assert len({task_substance(t) for t in suite.tasks}) == len(suite.tasks)  # no re-worded duplicate
    by_shape = Counter((shape(t), answer_key(t)) for t in suite.tasks)
    assert max(by_shape.values()) == 1, by_shape  # tasks of one shape never share an answer


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_a_three_tool_lookup_service_yields_five_distinct_verified_tasks_where_it_stopped_at_three(tmp_path):
    with anyio.fail_after(840):
        _, before = await _synth(_zones(), tmp_path, "before", n=10, refill=False)
        assert len(before.tasks) < 5  # type: ignore[attr-defined]  # the gap: one task per distinct chain
        a, state = await _synth(_zones(), tmp_path, "a", n=10)
        b, _ = await _synth(_zones(), tmp_path, "b", n=10)
        assert a == b  # same seed, same bytes
        assert (tmp_path / "a.rejected.jsonl").read_bytes() == (tmp_path / "b.rejected.jsonl").read_bytes()
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 5
        _distinct_and_different_answers(suite)
        chains = {c.id for c in state.chains}  # type: ignore[attr-defined]
        assert any("~a" in c for c in chains) and any("~r" in c for c in chains)  # both kinds of variant made
        dropped = [r for r in state.rejected if any(x.startswith("variant (") for x in r.reasons)]  # type: ignore
        assert all(r.stage in ("write", "filter", "select", "ground") for r in dropped)
        async with Fleet.open([_zones()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
        assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    # the oracle ≥ 0.95 and do-nothing ≤ 0.05, through the real runner (asserted by run_baselines)
    await run_baselines(tmp_path / "a.jsonl", f"  - name: zones\n    command: {sys.executable}\n"
                        f"    args: [{str(SERVERS / 'zones_server.py')!r}]\n", tmp_path)


@pytest.mark.anyio
@pytest.mark.timeout(600)
async def test_a_run_whose_distinct_chains_suffice_makes_no_variants(tmp_path):
    with anyio.fail_after(540):
        _, state = await _synth(_zones(), tmp_path, "few", n=3)
    assert len(state.tasks) == 3  # type: ignore[attr-defined]
    assert not [c.id for c in state.chains if "~" in c.id]  # type: ignore[attr-defined]
    assert not any(n.startswith("sample:refill: ") and "variants" in n for n in state.notes)  # type: ignore


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_seeded_records_are_asked_other_questions_when_the_topics_run_out(tmp_path):
    with anyio.fail_after(840):
        _, before = await _synth(_books(), tmp_path, "before", n=14, refill=False)
        _, state = await _synth(_books(), tmp_path, "after", n=14)
    suite = Suite.load(tmp_path / "after.jsonl")
    assert len(suite.tasks) > len(before.tasks)  # type: ignore[attr-defined]
    asked = [c.id for c in state.chains if c.id.startswith("seed-") and "~a" in c.id]  # type: ignore[attr-defined]
    assert asked
    _distinct_and_different_answers(suite)
    seeded = [t for t in suite.tasks if "seeded" in t.tags]
    # the same records, kept and checked in the final state, asked another question with another answer
    by_state = Counter(json.dumps([c.value for c in t.checks if c.kind == "state"]) for t in seeded)
    assert max(by_state.values()) >= 2
    async with Fleet.open([_books()]) as fleet:
        results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
