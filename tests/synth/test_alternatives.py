"""Optional parameters one of which must be given ("Provide either hex_color OR all four CMYK values"), learnt from
a tool's description or its error, and nullable parameters (`Optional[float]`) taking their type's kind."""

from __future__ import annotations

from mcpbench.catalog import ToolEntry
from task_synth.kinds import param_kind
from task_synth.required import named_required, one_of_required, with_described_alternatives

NULLABLE_NUMBER = {"anyOf": [{"type": "number"}, {"type": "null"}], "default": None, "title": "Gain Percent"}
SCHEMA = {"type": "object", "required": ["c"], "properties": {
    "c": {"type": "number"}, "gain_percent": NULLABLE_NUMBER,
    "material": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    "hex_color": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    "note": {"type": "string"}}}


def test_a_nullable_parameter_takes_the_kind_of_its_one_real_type():
    assert param_kind("gain_percent", NULLABLE_NUMBER) == "number"
    assert param_kind("hex_color", SCHEMA["properties"]["hex_color"]) == "colour"
    assert param_kind("x", {"anyOf": [{"type": "number"}, {"type": "string"}]}) is None


def test_an_error_or_description_saying_one_of_several_must_be_given_makes_the_first_fillable_one_required():
    assert one_of_required("Provide exactly one of gain_percent or material.", SCHEMA) == "gain_percent"
    assert one_of_required("Provide either hex_color OR all four CMYK values (c, m, y, k).", SCHEMA) == "hex_color"
    assert one_of_required("Provide either material or gain_percent.", SCHEMA) == "gain_percent"  # material: no kind
    assert one_of_required("Provide either c or note.", SCHEMA) is None  # c is required already
    assert one_of_required("Provide the values.", SCHEMA) is None
    assert named_required('{"error": "Provide either hex_color or all four CMYK values"}', SCHEMA) == ["hex_color"]
    entry = ToolEntry(server="s", name="adjust", sha256="x", input_schema=SCHEMA,
                      description="Adjust the tint.\n\n    Provide either gain_percent OR a material\n    name.")
    assert with_described_alternatives(entry).input_schema["required"] == ["c", "gain_percent"]
    plain = entry.model_copy(update={"description": "Adjust the tint."})
    assert with_described_alternatives(plain) is plain
