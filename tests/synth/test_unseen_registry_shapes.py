"""Shapes seen on registry servers tried as a new user would (docs/tasks.md, "Five more registry servers"): a step
that goes from one value to another of the same kind, two values of one earlier result, and a shared server whose
tools change state."""

from __future__ import annotations

from task_synth.phrases import GENERIC, StepView

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
