"""Ranges a tool states only in its errors, and figures of one thing (or unit) fed as another.

- "my_share must be in [0, 1], got 12.0": the parameter is bounded from then on (`required.learn_range`, called by
  the probe like `learn_required`), so values drawn for it fall inside the range instead of failing every chain;
- a figure named by two words or more (three for money) that shares no word with the parameter it would feed, which
  names some other thing, is not fed to it (`wording.figure_misfit`): an expected payoff is no reservation price;
- nor is a figure an output states the unit of fed to a step told it is in another unit (radians as celsius:
  `writing.unit_beside`).
"""

from __future__ import annotations

from types import SimpleNamespace

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import ToolGraph
from task_synth.graph import literal_values
from task_synth.required import learn_range, said_ranges
from task_synth.wording import figure_misfit

SCHEMA = {"type": "object", "required": ["my_share", "rounds"],
          "properties": {"my_share": {"type": "number"}, "rounds": {"type": "integer"}, "label": {"type": "string"}}}


def test_an_error_that_states_a_range_bounds_the_parameter_it_names():
    assert said_ranges("my_share must be in [0, 1], got 12.0", SCHEMA) == {"my_share": (0.0, 1.0)}
    assert said_ranges("Error: 'rounds' must be between 1 and 50", SCHEMA) == {"rounds": (1.0, 50.0)}
    assert said_ranges("rounds (1-50) is out of range", SCHEMA) == {"rounds": (1.0, 50.0)}
    assert said_ranges("label must be in [0, 1]", SCHEMA) == {}  # not a number
    assert said_ranges("value must be in [0, 1]", SCHEMA) == {}  # names no parameter of the tool
    assert said_ranges("my_share must be in [1, 0]", SCHEMA) == {}
    entry = ToolEntry(server="s", name="split", description="Split a pot.", sha256="x", input_schema=SCHEMA)
    state = SimpleNamespace(entries=[entry], notes=[])
    assert learn_range(state, "s", "split", "my_share must be in [0, 1], got 12.0") == ["my_share"]  # type: ignore[arg-type]
    share = state.entries[0].input_schema["properties"]["my_share"]
    assert (share["minimum"], share["maximum"]) == (0, 1) and state.notes
    assert learn_range(state, "s", "split", "my_share must be in [0, 1], got 12.0") == []  # type: ignore[arg-type]
    assert all(0 <= v <= 1 for v in literal_values(ToolGraph(), "number", share, "s", "my_share"))


def test_a_figure_of_one_thing_is_not_fed_as_another():
    assert figure_misfit("expected payoff", "my_reservation") == \
        "a figure fed as something else (expected payoff into my reservation)"
    assert figure_misfit("inferred opponent price weight", "my_reservation").startswith("money fed as something else")
    assert figure_misfit("future value", "levy_base") is None  # money goes by many names
    assert figure_misfit("average score", "score") is None  # a shared word
    assert figure_misfit("converted value", "value") is None  # a parameter that says nothing takes anything
    assert figure_misfit("payoff", "reservation") is None  # one word says too little to judge


def test_a_figure_is_not_fed_as_one_in_another_unit():
    from task_synth.writing import _INPUT_UNIT, _same_unit, unit_beside

    out = '{"original_value": 12, "original_unit": "turns", "converted_value": 75.4, "converted_unit": "radians"}'
    assert unit_beside(out, 75.4) == "radians" and unit_beside(out, 12) == "turns"
    assert unit_beside('{"result": {"value": 3.5, "unit": "kg"}}', 3.5) == "kg"
    assert unit_beside('{"value": 3.5}', 3.5) == "" and unit_beside("3.5 kg", 3.5) == ""
    assert [a for a in ("from_unit", "to_unit", "unit", "sourceUnit", "value") if _INPUT_UNIT.search(a)] == \
        ["from_unit", "unit", "sourceUnit"]
    assert _same_unit("Radians", "radian") and not _same_unit("radians", "celsius")
