"""Shapes seen on registry servers tried as a new user would (docs/tasks.md, "Five more registry servers"): a step
that goes from one value to another of the same kind, two values of one earlier result, and a shared server whose
tools change state."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize
from task_synth.fill import Unfillable, content_value
from task_synth.phrases import GENERIC, StepView
from task_synth.seeding import shared_writers_hints
from tests.synth._baselines import valid_tasks

STR = {"type": "string"}
CASEBOOK = Path(__file__).parent / "servers" / "casebook_server.py"

_CONVERT = "Convert time between timezones"
_KINDS = {"source_timezone": "timezone", "target_timezone": "timezone", "time": "time"}
_PARAMS = {"source_timezone": "", "time": "", "target_timezone": ""}


def test_a_step_from_one_place_to_another_is_said_as_a_route_not_a_list_of_values() -> None:
    v = StepView(index=0, server="s", tool="convert", description=_CONVERT,
                 args={"source_timezone": "America/New_York", "target_timezone": "Australia/Sydney", "time": "14:00"},
                 bound={}, kinds=_KINDS, params=_PARAMS)
    assert GENERIC.fuzzy(v) == "convert 14:00 from New York to Sydney"


def test_two_values_of_one_earlier_result_are_each_said_as_what_they_are_never_that_result_twice() -> None:
    """Pins 'convert time between timezones with that result, that result and Sydney'."""
    v = StepView(index=1, server="s", tool="convert", description=_CONVERT,
                 args={"source_timezone": "America/New_York", "target_timezone": "Australia/Sydney", "time": "<t>"},
                 bound={"source_timezone": 0, "time": 0}, kinds=_KINDS, params=_PARAMS)
    said = GENERIC.fuzzy(v)
    assert said == "convert that time from there to Sydney"
    assert "that result" not in said


def test_figures_with_old_and_new_names_keep_their_names_rather_than_a_route() -> None:
    v = StepView(index=0, server="s", tool="pct", description="Calculate percent change between two values",
                 args={"old_value": 7.5, "new_value": 12}, bound={},
                 kinds={"old_value": "number", "new_value": "number"},
                 params={"old_value": "", "new_value": ""})
    said = GENERIC.fuzzy(v)
    assert "from 7.5 to 12" not in said and "7.5" in said and "12" in said


def test_one_value_bound_from_an_earlier_result_is_still_that_result() -> None:
    v = StepView(index=1, server="s", tool="convert", description=_CONVERT,
                 args={"source_timezone": "America/New_York", "target_timezone": "Australia/Sydney", "time": "<t>"},
                 bound={"time": 0}, kinds=_KINDS, params=_PARAMS)
    assert GENERIC.fuzzy(v) == "convert that result from New York to Sydney"


def test_an_input_string_is_content_and_an_array_of_numbers_takes_a_numeric_column_of_the_records() -> None:
    from task_synth.fill import role
    from task_synth.topics import world_topics

    assert role("input_string", {"type": "string"}) == "content"
    assert role("raw_text", {"type": "string"}) == "content"
    assert role("format_string", {"type": "string"}) != "content"
    products = next(t for t in world_topics() if t.key == "products")
    numbers = content_value({"type": "array", "items": {"type": "number"}}, products)
    assert numbers and all(isinstance(x, int | float) for x in numbers) and len(numbers) == len(products.rows)


def test_an_array_of_numbers_is_unfillable_when_the_records_have_no_numeric_column() -> None:
    from task_synth.topics import Topic

    names = Topic(key="k", title="names", noun="name", columns=["Name", "City"], rows=[["A", "B"]], markers=["A"],
                  question="q", precise="p", answer=1, answer_text="{value}")
    with pytest.raises(Unfillable):
        content_value({"type": "array", "items": {"type": "number"}}, names)


def test_a_shared_server_with_tools_that_change_state_gets_a_hint_to_isolate_it() -> None:
    def entry(name: str, description: str) -> ToolEntry:
        return ToolEntry(server="store", name=name, description=description, input_schema={"properties": {}})

    state = SimpleNamespace(options=SimpleNamespace(servers=["store", "reader"]),
                            live=SimpleNamespace(specs={"store": ServerSpec(name="store", command="x"),
                                                        "reader": ServerSpec(name="reader", command="x")}),
                            entries=[entry("add_case", "Add a test case."), entry("get_cases", "Get all cases.")])
    hints = shared_writers_hints(state)  # type: ignore[arg-type]
    assert len(hints) == 1 and hints[0].startswith("hint: store has tools that change state (add_case)")
    assert "stateful: true" in hints[0]
    state.live.specs["store"] = ServerSpec(name="store", command="x", stateful=True)
    assert shared_writers_hints(state) == []  # type: ignore[arg-type]


def test_a_stateful_case_store_whose_read_starts_empty_yields_verified_stateful_tasks(tmp_path: Path) -> None:
    """Pins 0 tasks on a pattern tester's case store: its text parameter is `input_string` and a required array of
    numbers had no value, so nothing was ever written and its one read only said there were no cases."""
    spec = ServerSpec(name="casebook", command=sys.executable, args=[str(CASEBOOK)], stateful=True,
                      synth_exclude=["shift_clock", "current_side"])
    tasks = valid_tasks(spec, tmp_path / "casebook.jsonl", n=6, seed=1)
    assert len(tasks) >= 5
    assert all("stateful" in t["tags"] for t in tasks)
    assert all(any(s["tool"] == "add_case" for s in t["reference"]) for t in tasks)


def test_routes_and_one_word_answers_are_worded_from_the_tools_over_real_stdio(tmp_path: Path) -> None:
    async def go() -> list[str]:
        spec = ServerSpec(name="casebook", command=sys.executable, args=[str(CASEBOOK)],
                          synth_exclude=["add_case", "get_cases"])
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["casebook"], n=6, seed=1))
            return [t.fuzzy for t in state.tasks]

    said = anyio.run(go)
    assert said
    assert any(re.search(r"from [A-Z][\w ]+ to [A-Z]", s) for s in said), said
    assert not any("that result, that result" in s for s in said), said
    side = [s for s in said if "whose turn it is" in s]
    assert side and all(s.count("whose turn it is") == 1 for s in side), said


def test_a_one_value_plain_answer_is_asked_with_the_question_its_description_states() -> None:
    from task_synth.plain import plain_ask, value_question

    assert value_question("Indicates whose turn it is ('white' or 'black').") == "whose turn it is"
    assert value_question("Get the current mode") == "what the current mode is"
    assert value_question("Provides the current state of the chessboard as an image.") is None
    ask, regex = plain_ask("white\n", "Indicates whose turn it is ('white' or 'black').", set()) or (None, "")
    assert ask is not None and ask.fuzzy == "whose turn it is" and re.search(regex, "white\n").group(1) == "white"
    assert plain_ask("[image image/png, 31614 bytes]", "Get the current board", set()) is None
    assert plain_ask("Error: no game", "Get the current mode", set()) is None
    assert plain_ask("white", "Get the current mode", {"white"}) is None  # never asks back what it was given


def test_a_one_per_line_listing_asks_for_its_first_item_named_by_what_the_tool_lists() -> None:
    from task_synth.plain import plain_ask

    found = plain_ask("g1h3\ng1f3\nb1c3", "Lists all legal moves for the current player in UCI notation.", set())
    assert found is not None
    ask, regex = found
    assert ask.fuzzy == "which legal move it lists first" and re.search(regex, "g1h3\ng1f3").group(1) == "g1h3"
    assert plain_ask("g1h3\ng1f3", "Does something with moves.", set()) is None


def test_a_creator_run_because_the_write_said_a_name_was_not_found_makes_it_under_that_very_name() -> None:
    """Pins 'Project "Brightwater products" not found' after the creator had made 'brightwater-products.json' (its
    name parameter is described as 'used as filename', so it was filled as a file)."""
    from task_synth.artifacts import ChainStep
    from task_synth.seeding import _missing_value, _named_as

    error = 'Error: Project "Brightwater products" not found'
    given = {"project": "Brightwater products", "category": "Products", "chunks": [{"id": "a"}]}
    assert _missing_value(error, given) == "Brightwater products"
    assert _missing_value('Error: "Products" is too long', given) is None  # not a missing thing
    assert _missing_value("Error: Project not found", given) is None  # quotes nothing
    creator = ToolEntry(server="s", name="create_project", description="Create a new project.",
                        input_schema={"properties": {"name": {"type": "string", "description":
                                                              "Project name (used as filename on export)"}},
                                      "required": ["name"]})
    step = ChainStep(server="s", tool="create_project", arguments={"name": "brightwater-products.json"})
    assert _named_as(step, creator, "Brightwater products").arguments == {"name": "Brightwater products"}


def test_a_category_is_a_name_a_write_can_be_given() -> None:
    from task_synth.fill import role

    assert role("category", {"type": "string", "description": "Category name"}) == "name"


def test_a_parameter_whose_sentence_in_the_tool_description_lists_its_values_gets_them_as_choices() -> None:
    """Pins 'Convert case. style: snake, camel, pascal, kebab, upper, lower, title' leaving `style` unfillable."""
    from task_synth.documented import with_documented_choices

    def choices(description: str, param: str) -> list[str] | None:
        entry = ToolEntry(server="s", name="t", description=description,
                          input_schema={"properties": {param: {"type": "string"}, "text": {"type": "string"}},
                                        "required": [param, "text"]})
        return (with_documented_choices(entry).input_schema["properties"][param]).get("enum")

    assert choices("Convert case. style: snake, camel, pascal, kebab, upper, lower, title", "style") == [
        "snake", "camel", "pascal", "kebab", "upper", "lower", "title"]
    assert choices("Compare two files. level: line, word, or char.", "level") == ["line", "word", "char"]
    assert choices("Extract numbers from text.  extract_type: one of emails, urls, dates", "extract_type") == [
        "emails", "urls", "dates"]
    assert choices("Replace placeholders. variables: 'KEY=val KEY2=val2'", "variables") is None
    assert choices("Pick a side. side: left or right", "side") is None  # two bare words say too little
    assert choices("Sort lines. The style: of the output is plain, short and clear", "text") is None


def test_bare_start_and_end_parameters_of_a_text_tool_are_pieces_of_its_text() -> None:
    from task_synth.freetext import classify

    entry = ToolEntry(server="s", name="between", description="Extract lines between start and end matches.",
                      input_schema={"properties": {"text": STR, "start": STR, "end": STR},
                                    "required": ["text", "start", "end"]})
    assert classify(entry, {"text": None, "start": None, "end": None}) == {
        "text": "text", "start": "text.start", "end": "text.end"}
