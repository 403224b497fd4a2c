"""Values that respect what a parameter allows: schema bounds, choices given in words, parameters an error asks for.

Fast tests pin the mechanisms on hand-made schemas; the live test runs the pipeline against the fixture server
tests/synth/servers/pinboard_server.py over real stdio, per-episode instances.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize
from task_synth.artifacts import ToolGraph
from task_synth.bounds import conform, fits, in_bounds, why_not
from task_synth.documented import documented_choices, enumerated_kinds, with_documented_choices
from task_synth.fill import Unfillable, fill
from task_synth.graph import literal_values, named_as_read
from task_synth.required import named_required
from task_synth.topics import world_topics

PINBOARD = Path(__file__).parent / "servers" / "pinboard_server.py"


def test_a_value_outside_a_parameters_bounds_or_type_does_not_fit():
    s = {"type": "integer", "minimum": 1, "maximum": 10}
    assert fits(s, 10) and not fits(s, 12) and not fits(s, 7.5) and not fits(s, 0) and not fits(s, True)
    assert why_not(s, 12) == "maximum 10" and why_not(s, 7.5) == "not an integer"
    assert not fits({"type": "number", "exclusiveMaximum": 1}, 1) and fits({"type": "number", "maximum": 1}, 1)
    assert not fits({"type": "number", "maximum": 5, "exclusiveMaximum": True}, 5)  # draft 4
    assert not fits({"type": "integer", "multipleOf": 5}, 12) and fits({"type": "integer", "multipleOf": 5}, 15)
    assert not fits({"type": "string", "maxLength": 3}, "abcd")
    assert not fits({"type": "string", "pattern": "^[a-z]+$"}, "A1")
    assert fits({"anyOf": [{"type": "integer", "maximum": 3}, {"type": "null"}]}, 2)
    assert not fits({"type": "string", "enum": ["a", "b"]}, "c")


def test_candidates_are_kept_only_when_they_fit_and_a_bounded_number_falls_back_to_its_bounds():
    s = {"type": "integer", "maximum": 10}
    assert conform(s, [12, 7.5, 40, 128, 3, 8.0]) == [3, 8]
    assert in_bounds({"type": "integer", "minimum": 1, "maximum": 5}) == [1, 3, 5]
    assert in_bounds({"type": "string"}) == []
    graph = ToolGraph(pools={"number": [12, 7.5, 40, 128]})
    # no seed fits: the bounds give the values
    assert literal_values(graph, "number", {"type": "integer", "minimum": 1, "maximum": 5}) == [1, 3, 5]
    assert literal_values(graph, "number", {"type": "number"}) == [12, 7.5, 40, 128]


def test_allowed_values_given_in_words_become_a_plain_string_parameters_enum():
    assert documented_choices("Type of document: one of: draft, review, final, or archived") == [
        "draft", "review", "final", "archived"]
    assert documented_choices("Type (issue|todo|feature)") == ["issue", "todo", "feature"]
    assert documented_choices("Allowed values: a, b, c") == ["a", "b", "c"]
    assert documented_choices("Sort order, either 'asc' or 'desc'.") == ["asc", "desc"]
    assert documented_choices("The name of the project, or any label you like") == []
    entry = ToolEntry(server="s", name="add", description="Add.\n\nArgs:\n    mode: fast or slow, one of fast, slow",
                      input_schema={"type": "object", "required": ["kind", "mode"], "properties": {
                          "kind": {"type": "string", "description": "one of: bug, chore, or idea"},
                          "mode": {"type": "string"}, "title": {"type": "string"}}})
    props = with_documented_choices(entry).input_schema["properties"]
    assert props["kind"]["enum"] == ["bug", "chore", "idea"] and props["mode"]["enum"] == ["fast", "slow"]
    assert "enum" not in props["title"]
    topic = world_topics()[0]
    assert fill(with_documented_choices(entry).input_schema, topic, ("file", ""))[0]["kind"] == "bug"


def test_a_type_parameter_documented_nowhere_takes_the_kinds_the_tools_first_sentence_enumerates():
    assert enumerated_kinds("Create a new memo, report, minute,\n   or letter for the team.") == [
        "memo", "report", "minute", "letter"]
    assert enumerated_kinds("Read the file. It holds a, b, or c.") == []  # only the first sentence
    entry = ToolEntry(server="s", name="add", description="Add a new photo, link, or quote pin.",
                      input_schema={"required": ["pin_type", "caption"], "properties": {
                          "pin_type": {"type": "string"}, "caption": {"type": "string"}}})
    props = with_documented_choices(entry).input_schema["properties"]
    assert props["pin_type"]["enum"] == ["photo", "link", "quote"] and "enum" not in props["caption"]


def test_a_name_that_must_be_identifier_like_is_written_as_a_slug():
    topic = world_topics()[0]
    schema = {"required": ["name"], "properties": {"name": {"type": "string"}}}
    assert " " in fill(schema, topic, ("file", ""))[0]["name"]
    args = fill(schema, topic, ("file", ""), description="Names must be filename-safe (alphanumeric, hyphens).")[0]
    assert re.fullmatch(r"[a-z0-9-]+", args["name"])
    patterned = {"required": ["name"], "properties": {"name": {"type": "string", "pattern": "^[a-z0-9-]+$"}}}
    assert re.fullmatch(r"[a-z0-9-]+", fill(patterned, topic, ("file", ""))[0]["name"])


def test_an_error_naming_a_parameter_as_required_is_read_in_its_usual_wordings():
    schema = {"properties": {"name": {}, "names": {}, "text": {}}, "required": ["text"]}
    assert named_required("'name' is required", schema) == ["name"]
    assert named_required("Error: missing required parameter names", schema) == ["names"]
    assert named_required("name must be provided", schema) == ["name"]
    assert named_required("Item not found", schema) == []
    assert named_required("'title' is required", schema) == []  # not a parameter of the tool


def test_a_table_size_the_bounds_do_not_allow_makes_the_write_unfillable():
    topic = world_topics()[0]
    schema = {"required": ["rows", "data"], "properties": {
        "rows": {"type": "integer", "maximum": 2}, "data": {"type": "array", "items": {"type": "array"}}}}
    with pytest.raises(Unfillable, match="maximum 2"):
        fill(schema, topic, ("file", ""))


def test_a_tool_named_as_a_read_is_never_a_seeding_write():
    assert named_as_read(ToolEntry(server="s", name="get_profile", input_schema={}))
    assert not named_as_read(ToolEntry(server="s", name="put_profile", input_schema={}))


# --- live: the pipeline on the fixture server ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_synthesis_on_a_server_whose_schemas_say_less_than_its_validation(tmp_path, monkeypatch):
    """Pins three bugs: a seed above `maximum` sent to a bounded integer; a creator whose type's allowed values are
    only in words left unfillable (the board stayed empty); an optional parameter the tool's error requires never
    filled."""
    log = tmp_path / "calls.jsonl"
    spec = ServerSpec(name="pinboard", command=sys.executable, args=[str(PINBOARD)], cwd="${EPISODE_DIR}",
                      env={"PINBOARD_LOG": str(log)}, stateful=True)
    with anyio.fail_after(300):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["pinboard"], n=8, seed=1), work=tmp_path / "w")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    counts = [c["args"]["count"] for c in calls if c["tool"] == "sample_cards"]
    assert counts and all(isinstance(n, int) and 1 <= n <= 5 for n in counts)
    kinds = {c["args"]["kind"] for c in calls if c["tool"] == "add_card"}
    assert kinds and kinds <= {"bug", "chore", "idea"}
    assert any(c["tool"] == "pin_note" and c["args"]["name"] and " " not in c["args"]["name"] for c in calls)
    pins = {c["args"]["pin_type"] for c in calls if c["tool"] == "add_pin"}
    assert pins and pins <= {"photo", "link", "quote"}
    assert [p.split(":")[0] for p in state.graph.learnt_required.get("pinboard/pin_note", [])] == ["name"]
    tools = {s.tool for t in state.tasks for s in t.reference}
    assert tools & {"add_card", "add_pin", "pin_note"}, [r.reasons for r in state.rejected][:10]
