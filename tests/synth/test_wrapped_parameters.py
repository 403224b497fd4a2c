"""Tools that take their parameters wrapped in one object (`{"params": {"$ref": "#/$defs/…Input"}}`, one pydantic
model per tool), shown on tests/synth/servers/hangar_server.py.

Synthesis samples, fills and binds the wrapped object's fields as if the tool took them directly
(`shapes.unwrapped`, a `variants.Variant` with `wrap`); every call puts them back in the object, and a bound field
is recorded as a dotted binding ('params.aircraft_id') that the oracle, the argument metrics and replay resolve
(`binding.arg_path`, `with_arg`, `without_args`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from judges.reference import arguments_match, fixed_arguments
from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import arg_path, resolve_arguments, with_arg, without_args
from task_synth.grammar import plural
from task_synth.kinds import field_noun
from task_synth.shapes import unwrapped
from task_synth.task import ReferenceStep
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

HANGAR = Path(__file__).parent / "servers" / "hangar_server.py"
WRAPPED = {"type": "object", "required": ["params"], "properties": {"params": {"$ref": "#/$defs/LogInput"}},
           "$defs": {"LogInput": {"type": "object", "additionalProperties": False, "required": ["tail", "minutes"],
                                  "properties": {"tail": {"type": "string"},
                                                 "minutes": {"type": "integer", "minimum": 1},
                                                 "kind": {"$ref": "#/$defs/Kind"}}},
                     "Kind": {"enum": ["local", "cross-country"], "type": "string"}}}


def _entry(schema: dict) -> ToolEntry:
    return ToolEntry(server="s", name="log", description="Log a flight.", sha256="x", input_schema=schema)


def test_a_tool_whose_one_parameter_is_an_object_of_fields_is_seen_by_those_fields():
    flat, key = unwrapped(_entry(WRAPPED))  # type: ignore[misc]
    assert key == "params"
    assert flat.input_schema["required"] == ["tail", "minutes"]
    assert flat.input_schema["properties"]["kind"]["enum"] == ["local", "cross-country"]  # its own $refs inlined
    nullable = {"properties": {"params": {"anyOf": [{"$ref": "#/$defs/LogInput"}, {"type": "null"}]}},
                "$defs": WRAPPED["$defs"]}
    assert unwrapped(_entry(nullable)) is not None
    # two parameters, a free-form object, or a scalar: not a wrapper
    assert unwrapped(_entry({"properties": {"a": {"type": "object", "properties": {"x": {}}}, "b": {}}})) is None
    assert unwrapped(_entry({"properties": {"options": {"type": "object", "additionalProperties": True}}})) is None
    assert unwrapped(_entry({"properties": {"text": {"type": "string"}}})) is None


def test_dotted_arguments_are_read_set_and_left_out_inside_their_object():
    args = {"params": {"tail": "CS-A", "minutes": 30}, "dry": True}
    assert arg_path(args, "params.tail") == "CS-A" and arg_path(args, "dry") is True
    assert arg_path(args, "params.nope") is None and arg_path({"params": "x"}, "params.tail") is None
    assert with_arg(args, "params.tail", "CS-B") == {"params": {"tail": "CS-B", "minutes": 30}, "dry": True}
    assert args["params"]["tail"] == "CS-A"  # a copy along the path
    assert without_args(args, ["params.tail"]) == {"params": {"minutes": 30}, "dry": True}
    assert without_args({"params": {"tail": "x"}}, ["params.tail"]) == {}
    step = ReferenceStep(server="s", tool="log", arguments={"params": {"tail": "CS-A", "minutes": 30}},
                         bindings={"params.tail": 'step[0]:"id":\\s*"([^"]+)"'})
    assert resolve_arguments(step, {0: '{"id": "CS-Z"}'}) == {"params": {"tail": "CS-Z", "minutes": 30}}
    assert fixed_arguments(step) == {"params.minutes": 30}  # counted field by field
    # the agent's call is right when its object holds the fixed field and the value the binding reads
    assert arguments_match(step, {"params": {"tail": "CS-Z", "minutes": 30}}, {0: '{"id": "CS-Z"}'})
    assert not arguments_match(step, {"params": {"tail": "CS-A", "minutes": 30}}, {0: '{"id": "CS-Z"}'})
    assert not arguments_match(step, {"tail": "CS-Z", "minutes": 30}, {0: '{"id": "CS-Z"}'})


def test_a_listed_id_is_called_by_what_it_names():
    assert field_noun("aircraft_id") == "aircraft" and field_noun("visitId") == "visit"
    assert field_noun("breed_name") == "breed name" and field_noun("id") == "id" and field_noun("name") == "name"
    assert plural("aircraft") == "aircraft" and plural("visit") == "visits"


def hangar() -> ServerSpec:
    return stateful_fixture("hangar", HANGAR)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_wrapped_tools_get_walks_whose_calls_put_the_fields_back_in_their_object(tmp_path):
    state, suite = await synthesized(hangar(), tmp_path, 8, 1)
    steps = [s for t in suite.tasks for s in t.reference]
    assert len(suite.tasks) >= 4, [r.reasons for r in state.rejected][:10]
    wrapped = [s for s in steps if s.tool in ("aircraft_status", "find_aircraft", "log_flight")]
    assert wrapped and all(set(s.arguments) == {"params"} for s in wrapped), [s.arguments for s in wrapped]
    bound = [s for s in wrapped if s.bindings]
    assert bound and all(set(s.bindings) == {"params.aircraft_id"} for s in bound)
    assert any("the first aircraft" in t.fuzzy or "the fourth aircraft" in t.fuzzy for t in suite.tasks)
    assert not any("aircraft_id" in t.fuzzy or "params" in t.fuzzy for t in suite.tasks)
    await validated_and_scored(hangar(), suite, tmp_path)
