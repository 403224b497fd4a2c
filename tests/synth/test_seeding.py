"""World seeding and final-state checks: stateful tasks written into a sandboxed server, scored on what changed.

Fast tests score state checks on hand-computed examples; the live tests run the whole pipeline against the stateful
fixture server (tests/synth/servers/books_server.py) through real stdio, per-episode instances.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from judges.checks import evaluate_checks
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.models.scripted import plan_waves
from mcpbench.store import RunStore
from task_synth import Suite, SynthOptions, read_final_state, replay, synthesize, validate_suite, write_outputs
from task_synth.fill import file_format, fill, key_regex, role
from task_synth.filters import RuleContext, apply_rules
from task_synth.replay import reference_calls
from task_synth.seeding import as_phrase
from task_synth.task import Check, ReferenceStep, StateRead, Task, state_key
from task_synth.topics import world_topics
from tests.synth._baselines import run_baselines

LEDGER = Path(__file__).parent / "servers" / "books_server.py"
ATLAS = Path(__file__).parent / "servers" / "atlas_server.py"


def ledger() -> ServerSpec:
    return ServerSpec(name="ledger", command=sys.executable, args=[str(LEDGER)], cwd="${EPISODE_DIR}",
                      stateful=True)


def _state_task() -> Task:
    read = StateRead(server="s", tool="read_book", arguments={"path": "b.ledger"})
    return Task(id="t", servers=["s"], precise="p", fuzzy="f", answer="It comes to 42.",
                checks=[Check(kind="state", value="Tejo River Authority", read=read),
                        Check(kind="numeric", value=42)],
                reference=[ReferenceStep(server="s", tool="append_rows", arguments={})])


# --- scoring, by hand ------------------------------------------------------------------------------------------

def test_a_state_check_scores_on_the_final_state_not_on_the_answer():
    task = _state_task()
    # the answer never mentions the customer: the state does
    after = {state_key(0): '{"rows": [["Tejo  river authority", "Lisbon"]]}'}
    res = evaluate_checks(task.checks, "It comes to 42.", after)
    assert [r.effective_score for r in res] == [1.0, 1.0]
    # mentioning it in the answer without writing it scores nothing
    res = evaluate_checks(task.checks, "Tejo River Authority; it comes to 42.", {state_key(0): '{"rows": []}'})
    assert [r.effective_score for r in res] == [0.0, 1.0]


def test_a_state_check_with_no_read_or_a_failed_read_fails_closed_with_a_note():
    task = _state_task()
    (missing,) = evaluate_checks(task.checks[:1], "anything", {})
    assert missing.score == 0 and missing.note == "the final state was not read"
    (failed,) = evaluate_checks(task.checks[:1], "anything", {state_key(0): "[replay: state 0 s/read_book: x]"})
    assert failed.score == 0 and "failed" in (failed.note or "")


def test_state_keys_never_collide_with_reference_steps():
    assert [state_key(i) for i in range(3)] == [-1, -2, -3]


def test_the_filters_reject_a_state_check_a_fresh_instance_already_passes():
    task = _state_task()
    good = RuleContext(task=task, runs=[["ok"]], states=[{state_key(0): "Tejo River Authority"}],
                       state_before={state_key(0): "Book b.ledger not found."})
    assert apply_rules(good, ["checks_pass", "do_nothing_fails"]) == []
    already = RuleContext(task=task, runs=[["ok"]], states=[{state_key(0): "Tejo River Authority"}],
                          state_before={state_key(0): "Tejo River Authority"})
    assert any("do_nothing_fails" in r for r in apply_rules(already, ["do_nothing_fails"]))
    unchanged = RuleContext(task=task, runs=[["ok"]], states=[{state_key(0): "[]"}])
    assert any("checks_pass" in r for r in apply_rules(unchanged, ["checks_pass"]))


# --- filling parameters from the world -------------------------------------------------------------------------

def test_parameters_are_filled_from_the_world_by_name_and_type():
    products = world_topics()[0]
    schema = {"type": "object", "required": ["path", "sheet", "at", "rows"], "properties": {
        "path": {"type": "string"}, "sheet": {"type": "string"},
        "at": {"type": "string", "description": "Top-left cell."},
        "rows": {"type": "array", "items": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                             {"type": "number"}]}}}}}
    args, ids, contents = fill(schema, products, ("spreadsheet", ".xlsx"))
    assert args["path"] == "brightwater-products.xlsx" and args["sheet"] == "Sheet1" and args["at"] == "A1"
    assert args["rows"][0] == products.columns and args["rows"][1][0] == products.rows[0][0]
    assert ids == [] and contents == ["rows"]
    assert role("list_id", {"type": "string"}) == "id" and role("items", {"type": "array"}) == "content"
    assert role("sheets", {"type": "array", "items": {"type": "string"}}) == "sheet_list"


def test_a_file_format_is_read_from_descriptions_and_ids_from_output_keys():
    assert file_format(["Create a new, empty Excel workbook."]) == ("spreadsheet", ".xlsx")
    assert file_format(["Writes notes to a .md file"]) == ("file", ".md")
    assert key_regex("list_id", '{"list_id": "ab12"}') is not None
    assert key_regex("session_id", "nothing here") is None


def test_the_kind_of_record_a_write_makes_comes_from_its_description():
    assert as_phrase("Add a note to a cell, replacing its note.") == " as a note"
    assert as_phrase("Write values into cells.") == ""


# --- live: the whole pipeline on a stateful fixture server ------------------------------------------------------



async def _synth(tmp: Path, name: str, seed: int = 3) -> tuple[bytes, object]:
    async with Fleet.open([ledger()]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["ledger"], n=8, seed=seed), work=tmp / name)
        out = tmp / f"{name}.jsonl"
        write_outputs(state, out, "ledger")
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_seeding_learns_prerequisites_from_errors_and_binds_ids_from_outputs(tmp_path):
    with anyio.fail_after(300):
        _, state = await _synth(tmp_path, "a")
    suite = Suite.load(tmp_path / "a.jsonl")
    seeded = [t for t in suite.tasks if "stateful" in t.tags]
    assert len(seeded) >= 3, [r.reasons for r in state.rejected]
    chains = {tuple(s.tool for s in t.reference) for t in seeded}
    # append_rows failed with "use create_book first": create_book became its prerequisite
    assert ("create_book", "append_rows", "read_book") in chains
    # add_items needs a list_id: open_list creates one, and the id is bound from its output
    listed = [t for t in seeded if [s.tool for s in t.reference] == ["open_list", "add_items", "show_list"]]
    assert listed and listed[0].reference[1].bindings["list_id"].startswith("step[0]:")
    for t in seeded:
        assert "create_book" not in t.fuzzy and "append_rows" not in t.fuzzy  # no tool-name leaks
        # the write needs its prerequisite, the read the write: a replay issues one step per turn
        assert all(i - 1 in s.depends_on for i, s in enumerate(t.reference) if i)
        assert plan_waves(t) == [[i] for i in range(len(t.reference))]
        kinds = [c.kind for c in t.checks]
        assert "numeric" in kinds
        assert kinds.count("state") == 2
        if t.reference[-1].bindings:  # its read needs the list id the episode drew: taken from the agent's call
            assert all(c.read and c.read.tool == "show_list" and "list_id" in c.read.from_calls
                       for c in t.checks if c.kind == "state")
        else:
            assert all(c.read and c.read.tool == "read_book" for c in t.checks if c.kind == "state")


@pytest.mark.anyio
async def test_seeded_tasks_validate_and_the_state_after_a_replay_passes_while_a_fresh_one_fails(tmp_path):
    with anyio.fail_after(420):
        a, _ = await _synth(tmp_path, "a", seed=4)
        b, _ = await _synth(tmp_path, "b", seed=4)
        assert a == b  # same seed, same bytes
        suite = Suite.load(tmp_path / "a.jsonl")
        task = next(t for t in suite.tasks if t.state_checks)
        async with Fleet.open([ledger()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
            assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
            async with fleet.episode("oracle", servers=["ledger"]) as tools:
                outputs = await replay(task, tools)
                # the episode's own calls: where a read of an id the episode drew (a list id) finds it
                after = await read_final_state(task, tools, calls=reference_calls(task, outputs))
            async with fleet.episode("nothing", servers=["ledger"]) as tools:
                before = await read_final_state(task, tools)
    live = {**dict(enumerate(outputs)), **after}
    assert all(r.effective_passed for r in evaluate_checks(task.checks, task.answer, live))
    assert not any(r.effective_passed for r in evaluate_checks(task.checks, "", before))
    # through the real runner: the oracle's writes land on its own instance and are read back after the episode
    res = await run_baselines(tmp_path / "a.jsonl", f"  - name: ledger\n    command: {sys.executable}\n"
                              f"    args: [{str(LEDGER)!r}]\n    cwd: \"${{EPISODE_DIR}}\"\n    stateful: true\n",
                              tmp_path)
    with RunStore(res.run_dir) as store:
        eps = [e for e in store.episodes() if e.trajectory.task_id == task.id]
    oracle = next(e for e in eps if e.trajectory.model == "scripted/oracle")
    assert oracle.live_outputs and state_key(0) in oracle.live_outputs  # the final state was read and stored


@pytest.mark.anyio
async def test_world_calculations_put_the_worlds_figures_through_an_expression_tool_in_two_hops(tmp_path):
    atlas = ServerSpec(name="atlas", command=sys.executable, args=[str(ATLAS)])
    with anyio.fail_after(300):
        async with Fleet.open([atlas]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["atlas"], n=20, seed=1))
    calc = [t for t in state.tasks if "world-calc" in t.tags]
    assert calc, [r.reasons for r in state.rejected if r.id.startswith("calc-")]
    products = world_topics()[0]
    for t in calc:
        assert [s.tool for s in t.reference] == ["evaluate", "evaluate"]
        assert t.reference[1].bindings["expression"].startswith("template:{{step[0]:")
        assert "evaluate" not in t.fuzzy and "+" not in t.fuzzy  # neither the tool nor the expression is recited
    vat = next((t for t in calc if "23% VAT" in t.fuzzy and "sensor products" in t.fuzzy), None)
    if vat is not None:  # hand-computed: (1350 + 95 + 2275 + 480 + 1150) x 1.23 = 6580.5
        assert products.answer == 5350 and abs(float(vat.checks[0].value) - 6580.5) < 0.01
