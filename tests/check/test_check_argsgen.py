"""The deterministic argument generator: schema-valid sets that really validate, invalid sets that really do not."""

from __future__ import annotations

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from mcpbench.check.argsgen import example_value, invalid_argument_set, valid_argument_sets

SCHEMAS = [
    {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]},
    {"type": "object", "properties": {
        "when": {"type": "string", "format": "date-time"}, "mail": {"type": "string", "format": "email"},
        "id": {"type": "string", "format": "uuid"}, "n": {"type": "integer", "minimum": 5, "maximum": 9},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "step": {"type": "integer", "multipleOf": 7, "minimum": 10},
        "code": {"type": "string", "pattern": "^[0-9]+$", "minLength": 3},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3, "uniqueItems": False},
        "flag": {"type": "boolean"}, "nothing": {"type": "null"}},
     "required": ["when", "n"]},
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
     "properties": {"kind": {"$ref": "#/definitions/Kind"}, "opt": {"anyOf": [{"type": "null"}, {"type": "integer"}]}},
     "required": ["kind"], "definitions": {"Kind": {"type": "string", "enum": ["error", "ok", "other"]}}},
    {"type": "object", "properties": {"inner": {"type": "object", "properties": {"x": {"type": "string",
                                                                                  "maxLength": 2}},
                                                "required": ["x"]}}, "required": ["inner"]},
    {"type": "object", "allOf": [{"properties": {"p": {"type": "string"}}, "required": ["p"]},
                                 {"properties": {"q": {"const": 3}}, "required": ["q"]}]},
    {"type": "object", "properties": {}},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_every_generated_valid_set_validates_against_its_schema(schema: dict) -> None:
    sets = valid_argument_sets(schema)
    assert sets, "nothing generated"
    validator = Draft7Validator(schema) if "draft-07" in schema.get("$schema", "") else Draft202012Validator(schema)
    for variant, args in sets:
        assert validator.is_valid(args), (variant, args, [e.message for e in validator.iter_errors(args)])


def test_required_only_and_all_properties_are_separate_variants() -> None:
    sets = dict(valid_argument_sets(SCHEMAS[1]))
    assert set(sets["required"]) == {"when", "n"}
    assert set(sets["all"]) >= {"when", "n", "mail", "tags", "flag"}
    assert sets["all"]["n"] == 5 and sets["all"]["step"] % 7 == 0 and sets["all"]["step"] >= 10
    assert 0 < sets["all"]["ratio"] < 1


def test_generation_is_deterministic() -> None:
    assert valid_argument_sets(SCHEMAS[1]) == valid_argument_sets(SCHEMAS[1])


def test_enums_take_the_happy_path_value_rather_than_one_asking_for_an_error() -> None:
    assert dict(valid_argument_sets(SCHEMAS[2]))["required"] == {"kind": "ok"}
    assert example_value({"enum": ["error"]}, {}) == "error"  # no other choice


def test_property_names_hint_realistic_values() -> None:
    schema = {"type": "object", "properties": {"timezone": {"type": "string"}, "expression": {"type": "string"}},
              "required": ["timezone", "expression"]}
    assert valid_argument_sets(schema)[0][1] == {"timezone": "UTC", "expression": "1 + 1"}


@pytest.mark.parametrize("schema", SCHEMAS[:5], ids=range(5))
def test_the_invalid_set_is_really_invalid(schema: dict) -> None:
    variant, args = invalid_argument_set(schema)
    assert not Draft202012Validator(schema).is_valid(args) or not Draft7Validator(schema).is_valid(args), variant


def test_missing_required_arguments_come_first_then_a_wrong_type() -> None:
    assert invalid_argument_set(SCHEMAS[0]) == ("missing-required", {})
    optional_only = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert invalid_argument_set(optional_only) == ("wrong-type:n", {"n": "not-a-number"})


def test_a_schema_that_allows_anything_has_no_invalid_set_and_a_non_object_root_has_no_sets_at_all() -> None:
    assert invalid_argument_set({"type": "object", "properties": {}}) is None
    assert valid_argument_sets({"type": "string"}) == []
    assert invalid_argument_set({"type": "string"}) is None
