"""Two schema shapes that gave no task: enum-switched `action` tools and filter parameters taking a condition.

Fast tests pin the mechanisms (task_synth/variants.py, task_synth/conditions.py) on hand-made schemas; the live
tests run the whole pipeline over real stdio on the fixture servers tests/synth/servers/sketchpad_server.py (every
tool switches on `action`) and tests/synth/servers/sifter_server.py (a filter over the world's orders taking a SQL
WHERE-style expression), and replay every task made (`tasks validate`).
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import CheckSpec, Draft, Grounded, GroundedStep
from task_synth.conditions import choices, filtered_step, is_condition, records, render, syntax, words
from task_synth.documented import with_documented_choices
from task_synth.fill import fill
from task_synth.graph import build_node, is_read_only
from task_synth.task import StateRead, Suite
from task_synth.topics import world_topics
from task_synth.variants import expand, real_draft, real_grounded

SERVERS = Path(__file__).parent / "servers"

SWITCHED = ToolEntry(server="pad", name="notes", sha256="x", description="""Add or remove sticky notes.

    Actions:
      add_notes    — Add sticky notes in a column. Params: notes (list of
                     {label, colour?}).
      delete_notes — Delete notes by id. Params: ids.
      tidy         — Same params as add_notes.

    Args:
        action: One of the actions listed above.
        board_name: Target board name.
        notes: Notes for add_notes.
        ids: Note ids for delete_notes.
        colour: Colour for add_notes only.
    """, input_schema={"type": "object", "required": ["action"], "properties": {
    "action": {"type": "string"}, "board_name": {"type": "string", "default": ""},
    "notes": {"anyOf": [{"type": "array", "items": {"type": "object", "additionalProperties": True}},
                        {"type": "null"}], "default": None},
    "ids": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}], "default": None},
    "colour": {"type": "string", "default": "yellow"}}})

VIEWS = ToolEntry(server="pad", name="look", sha256="y", description="""Read-only views of boards.

    Actions:
      notes   — List every note of a board. Params: board_name.
      summary — Count the notes of a board. Params: board_name, verbose?.
    """, input_schema={"type": "object", "required": ["action"], "properties": {
    "action": {"type": "string"}, "board_name": {"type": "string", "default": ""},
    "verbose": {"type": "boolean", "default": False}}})


def test_a_tool_whose_action_selects_what_it_does_becomes_one_tool_per_documented_action():
    entries, table = expand([with_documented_choices(SWITCHED), VIEWS])
    names = [e.name for e in entries]
    assert names == ["notes add_notes", "notes delete_notes", "notes tidy", "look notes", "look summary"]
    by = {e.name: e for e in entries}
    add = by["notes add_notes"].input_schema
    assert add["required"] == ["notes"] and "action" not in add["properties"]
    assert set(add["properties"]) == {"board_name", "notes", "colour"}  # not `ids`: delete_notes' parameter
    assert add["properties"]["notes"]["type"] == "array"  # the null other actions allow is gone
    assert add["properties"]["notes"]["items"]["required"] == ["label"]  # documented only as {label, colour?}
    assert by["notes delete_notes"].input_schema["required"] == ["ids"]
    assert by["notes tidy"].input_schema["required"] == ["notes"]  # "Same params as add_notes."
    assert by["notes add_notes"].description == "Add sticky notes in a column."
    assert by["look summary"].input_schema["required"] == ["board_name"]  # verbose? is optional
    assert table["pad/look summary"].tool == "look" and table["pad/look summary"].value == "summary"
    # a documented item shape is what the world's records are written as
    args = fill(add, world_topics()[0], ("file", ""))[0]
    assert all(set(n) == {"label"} for n in args["notes"])


def test_a_variant_is_read_only_only_when_its_words_say_so():
    entries, _ = expand([SWITCHED, VIEWS])
    ro = {e.name: is_read_only(e) for e in entries}
    assert ro == {"notes add_notes": False, "notes delete_notes": False, "notes tidy": False,
                  "look notes": True, "look summary": True}
    lister = ToolEntry(server="pad", name="board", description="Board lifecycle.\n\nActions:\n  create — Create a "
                       "board. Params: name.\n  list — List all boards.\n  build — Build a style string.\n",
                       input_schema={"properties": {"action": {"type": "string"}, "name": {"type": "string"}}})
    ro = {e.name: is_read_only(e) for e in expand([lister])[0]}
    assert ro == {"board create": False, "board list": True, "board build": False}  # 'build' says no read
    assert expand([ToolEntry(server="s", name="t", description="Actions:\n  only — One action.",
                             input_schema={"properties": {"action": {"type": "string"}}})])[1] == {}


def test_calls_and_tasks_name_the_real_tool_with_the_action_among_its_arguments():
    _, table = expand([SWITCHED, VIEWS])
    g = Grounded(chain_id="c", steps=[
        GroundedStep(server="pad", tool="notes add_notes", arguments={"notes": [{"label": "a"}]}, outputs=["ok"]),
        GroundedStep(server="other", tool="calc", arguments={"x": 1}, outputs=["1"])])
    real = real_grounded(g, table)
    assert [(s.tool, s.arguments) for s in real.steps] == [
        ("notes", {"action": "add_notes", "notes": [{"label": "a"}]}), ("calc", {"x": 1})]
    d = Draft(precise="Call pad/notes add_notes (Add sticky notes).", fuzzy="f", answer="a", checks=[
        CheckSpec(kind="state", value="a", read=StateRead(server="pad", tool="look notes",
                                                         arguments={"board_name": "b"}))])
    rd = real_draft(d, table)
    assert rd.checks[0].read == StateRead(server="pad", tool="look", arguments={"action": "notes",
                                                                                "board_name": "b"})
    assert "pad/notes with action=add_notes" in rd.precise


FILTER = ToolEntry(server="s", name="filter_rows", sha256="f", description=(
    "Filter rows using a SQL WHERE-style expression.\n\n    Args:\n        expression: SQL WHERE clause (without the "
    "WHERE keyword).\n"), input_schema={"required": ["expression"], "properties": {"expression": {"type": "string"}}})


def test_a_filter_parameter_is_a_condition_and_an_arithmetic_or_search_parameter_is_not():
    assert is_condition(FILTER, "expression") and build_node(FILTER).params == {"expression": "condition"}
    calc = ToolEntry(server="s", name="add_column", description="Add a computed column using a SQL expression.\n"
                     "  expression: SQL expression for the new column value.",
                     input_schema={"required": ["expression"], "properties": {"expression": {"type": "string"}}})
    search = ToolEntry(server="s", name="find", description="Search and filter the notes.",
                       input_schema={"required": ["query"], "properties": {"query": {"type": "string",
                                                                                     "description": "Search text"}}})
    where = ToolEntry(server="s", name="rows", description="Rows of a table.", input_schema={
        "required": ["where"], "properties": {"where": {"type": "string", "description": "A condition on fields"}}})
    assert not is_condition(calc, "expression") and build_node(calc).params == {"expression": "expression"}
    assert not is_condition(search, "query")
    assert is_condition(where, "where")


def test_conditions_are_built_from_the_records_a_sample_read_shows():
    table = ("Rows 0-3 of 20.\n\n| order_id | status | customer_country | total_eur |\n| --- | --- | --- | --- |\n"
             "| SO-1 | delivered | Portugal | 7465 |\n| SO-2 | pending | Portugal | 4880 |\n"
             "| SO-3 | delivered | Singapore | 9900 |\n| SO-4 | delivered | Germany | 6800 |")
    rows = records(table)
    assert len(rows) == 4 and rows[0]["total_eur"] == 7465
    assert records('[{"name": "a", "n": 1}, {"name": "b", "n": 2}]') == [{"name": "a", "n": 1}, {"name": "b", "n": 2}]
    assert len(records("a,b\n1,x\n2,y\n3,z")) == 3
    found = choices(rows)
    # repeated text values (the world's places first), then a number above its median; never the unique ids
    assert found == [("customer_country", "=", "Portugal"), ("status", "=", "delivered"), ("total_eur", ">", 6800)]
    assert render("customer_country", "=", "Portugal", "sql") == "customer_country = 'Portugal'"
    assert render("name", "=", "O'Neil", "python") == "name == 'O''Neil'"
    assert render("units", ">", 10, "object") == {"units": 10}
    assert syntax(FILTER, "expression") == "sql"
    py = ToolEntry(server="s", name="f", description="Filter with a pandas query, e.g. age == 3",
                   input_schema={"properties": {"q": {"type": "string"}}})
    assert syntax(py, "q") == "python"


def test_a_filtering_step_is_said_by_what_it_keeps_never_by_its_expression():
    assert words("customer_country = 'Portugal'", "Filter rows using a SQL WHERE-style expression") == \
        "the rows where the customer country is Portugal"
    assert words("units > 10", "Filter the records") == "the records where the units are more than 10"
    assert words({"status": "open"}) == "the entries where the status is open"
    assert words("SELECT 1") is None
    said = filtered_step("filter rows using a SQL WHERE-style expression", "the rows where the status is open",
                         [], "the Orders sheet of brightwater.xlsx")
    assert said == "filter rows in the Orders sheet of brightwater.xlsx, keeping only the rows where the status is open"


# --- live: the pipeline on the fixture servers --------------------------------------------------------------------


async def _synth_and_validate(spec: ServerSpec, tmp_path: Path, n: int) -> tuple[object, list[object]]:
    with anyio.fail_after(600):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=[spec.name], n=n, seed=1), work=tmp_path / "w")
            out = tmp_path / "suite.jsonl"
            write_outputs(state, out, spec.name)
            results = await validate_suite(Suite.load(out), fleet, concurrency=2)
    return state, results


@pytest.mark.anyio
async def test_a_server_whose_tools_switch_on_an_action_gives_verified_stateful_tasks(tmp_path):
    """Pins the enum-switched shape: before variants, every tool needed a choice the request would not say and the
    writes were tried with the wrong action, so the server gave no task."""
    spec = ServerSpec(name="sketchpad", command=sys.executable, args=[str(SERVERS / "sketchpad_server.py")],
                      cwd="${EPISODE_DIR}", stateful=True)
    state, results = await _synth_and_validate(spec, tmp_path, 6)
    stateful = [t for t in state.tasks if t.state_checks]
    assert stateful, [r.reasons for r in state.rejected][:10]
    for t in state.tasks:  # tasks name the real tools, the action among the arguments
        assert {s.tool for s in t.reference} <= {"board", "notes", "look"}
        assert all("action" in s.arguments for s in t.reference)
    t = stateful[0]
    assert [(s.tool, s.arguments["action"]) for s in t.reference] == [
        ("board", "create"), ("notes", "add_notes"), ("look", "notes")]
    assert all(c.read is not None and c.read.arguments["action"] == "notes" for _, c in t.state_checks)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


@pytest.mark.anyio
async def test_a_filter_taking_a_where_clause_gets_conditions_from_the_data_and_asks_for_rows_a_person_wants(
        tmp_path):
    """Pins the condition shape: before, the filter's `expression` took arithmetic seeds (`12 * 7`), which the
    server refuses, so no task ever filtered."""
    spec = ServerSpec(name="sifter", command=sys.executable, args=[str(SERVERS / "sifter_server.py")],
                      cwd="${WORLD}/sheets")
    state, results = await _synth_and_validate(spec, tmp_path, 6)
    filtering = [t for t in state.tasks if any(s.tool == "filter_rows" for s in t.reference)]
    assert filtering, [r.reasons for r in state.rejected][:10]
    world = Path(state.builtins["WORLD"]) / "sheets" / "orders.csv"
    with world.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for t in filtering:
        expr = next(s.arguments["expression"] for s in t.reference if s.tool == "filter_rows")
        m = re.fullmatch(r"(\w+) (=|>) '?(.*?)'?", expr)
        assert m and m.group(1) in rows[0], expr  # a column the server shows
        if m.group(2) == "=":
            assert any(r[m.group(1)] == m.group(3) for r in rows)  # a value present in the data
        assert expr not in t.fuzzy and "where the" in t.fuzzy and "WHERE" not in t.fuzzy
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
