"""Bindings: one resolver for synthesis, replay, the oracle and answer rendering."""

from __future__ import annotations

import re

import pytest

from task_synth.binding import (
    BindingError,
    binding_sources,
    expand,
    expand_task,
    placeholder,
    placeholders,
    render,
    render_answer,
    resolve_arguments,
    resolve_binding,
    template_sources,
)
from task_synth.task import Check, ReferenceStep, Task

NOW = '{"timezone": "Asia/Tokyo", "datetime": "2026-11-24T10:31:39+09:00", "day_of_week": "Tuesday"}'
COUNT = "[{'COUNT(*)': 20}]"
TIME_RX = r'"datetime":\s*"\d{4}-\d\d-\d\dT(\d\d:\d\d)'


def test_a_reference_reads_the_first_group_of_a_regex_in_the_named_steps_output():
    assert resolve_binding(f"step[0]:{TIME_RX}", [NOW]) == "10:31"
    assert resolve_binding(r"step[1]:'COUNT\(\*\)':\s*(\d+)", [NOW, COUNT]) == "20"


def test_a_reference_takes_the_type_recorded_at_grounding_time():
    assert resolve_binding(r"step[0]:(\d+)", [COUNT], like=7) == 20
    assert resolve_binding(r"step[0]:(\d+)", [COUNT], like=7.5) == 20.0
    assert resolve_binding(r"step[0]:(\d+)", [COUNT], like="x") == "20"


def test_a_json_path_reference_reads_a_field_of_a_json_output():
    assert resolve_binding("step[0]:$.day_of_week", [NOW]) == "Tuesday"


def test_a_template_composes_several_references_into_one_value():
    spec = "template:SELECT " + placeholder(1, r"(\d+)") + " + " + placeholder(0, r"T(\d\d):") + " AS x"
    assert resolve_binding(spec, [NOW, COUNT]) == "SELECT 20 + 10 AS x"
    assert binding_sources(spec) == [1, 0]


def test_a_placeholder_around_a_regex_ending_in_a_quantifier_still_parses():
    ph = placeholder(0, r"\d{4}")
    assert render(f"year {ph}!", [NOW]) == "year 2026!"
    with pytest.raises(BindingError):
        placeholder(0, "a}}b")


def test_resolve_arguments_rederives_bound_arguments_and_keeps_the_others():
    step = ReferenceStep(server="time", tool="convert_time",
                         arguments={"time": "00:00", "source_timezone": "Asia/Tokyo", "target_timezone": "UTC"},
                         bindings={"time": f"step[0]:{TIME_RX}"})
    later = NOW.replace("10:31", "23:59")
    assert resolve_arguments(step, [later]) == {"time": "23:59", "source_timezone": "Asia/Tokyo",
                                                "target_timezone": "UTC"}
    assert resolve_arguments(step, {0: NOW})["time"] == "10:31"


def test_an_unresolvable_binding_raises_instead_of_sending_a_stale_value():
    step = ReferenceStep(server="s", tool="t", arguments={"x": "old"}, bindings={"x": r"step[0]:(\d{9})"})
    with pytest.raises(BindingError, match="found nothing"):
        resolve_arguments(step, [NOW])
    with pytest.raises(BindingError, match="no output"):
        resolve_arguments(step.model_copy(update={"bindings": {"x": "step[3]:(.)"}}), [NOW])
    with pytest.raises(BindingError, match="invalid regex"):
        resolve_arguments(step.model_copy(update={"bindings": {"x": "step[0]:("}}), [NOW])


def test_fleet_placeholders_round_trip_through_task_files():
    builtins = {"WEB_URL": "http://127.0.0.1:41317", "WORLD": "/home/u/.cache/mcpbench/world/abc"}
    args = {"url": "http://127.0.0.1:41317/catalog.html", "paths": ["/home/u/.cache/mcpbench/world/abc/db"]}
    stored = placeholders(args, builtins)
    assert stored == {"url": "${WEB_URL}/catalog.html", "paths": ["${WORLD}/db"]}
    assert expand(stored, {"WEB_URL": "http://127.0.0.1:5555", "WORLD": "/w"}) == {
        "url": "http://127.0.0.1:5555/catalog.html", "paths": ["/w/db"]}
    assert expand("${UNKNOWN} stays", builtins) == "${UNKNOWN} stays"


def _task(answer: str) -> Task:
    return Task(id="t", servers=["time"], precise="p", fuzzy="What day is it at ${WEB_URL}?",
                checks=[Check(kind="contains", value="<weekday>", from_step=0, extract=r'"day_of_week": "(\w+)"')],
                reference=[ReferenceStep(server="time", tool="get_current_time", arguments={"u": "${WEB_URL}/x"},
                                         live_varying=True)], answer=answer)


def test_a_live_answer_is_rendered_from_the_replayed_outputs():
    task = _task("It is " + placeholder(0, r'"day_of_week": "(\w+)"') + " there.")
    assert template_sources(task.answer) == [0]
    assert render_answer(task, [NOW]) == "It is Tuesday there."
    assert render_answer(task, [NOW.replace("Tuesday", "Friday")]) == "It is Friday there."
    with pytest.raises(BindingError):
        render_answer(task)
    assert render_answer(_task("A literal answer.")) == "A literal answer."


def test_expand_task_fills_placeholders_in_the_request_and_the_reference_arguments():
    t = expand_task(_task("x"), {"WEB_URL": "http://h:1"})
    assert t.fuzzy == "What day is it at http://h:1?"
    assert t.reference[0].arguments == {"u": "http://h:1/x"}


def test_expand_task_copies_only_what_a_placeholder_changes():
    plain = _task("x").model_copy(update={"fuzzy": "What day is it?", "reference": [
        ReferenceStep(server="time", tool="get_current_time", arguments={"u": "/x"})]})
    assert expand_task(plain, {"WEB_URL": "http://h:1"}) is plain
    two = _task("x").model_copy(update={"reference": [*_task("x").reference, *plain.reference]})
    t = expand_task(two, {"WEB_URL": "http://h:1"})
    assert t is not two and t.fuzzy == "What day is it at http://h:1?"
    assert t.reference[0].arguments == {"u": "http://h:1/x"} and two.reference[0].arguments == {"u": "${WEB_URL}/x"}
    assert t.reference[1] is two.reference[1]


@pytest.mark.timeout(30)  # a hang guard: the plain search backtracks over every split of the text (minutes, or more)
def test_the_kth_occurrence_of_a_listed_name_reads_the_same_and_an_output_with_fewer_finds_nothing_at_once():
    from task_synth.binding import extract, regex_search
    from task_synth.kinds import reference_regex

    listing = "".join(f'{{"name": "dish {i}", "kind": "soup"}}\n' for i in range(80))
    start = listing.index('"dish 71"') + 1
    rx = reference_regex(listing, start, start + len("dish 71"), r'[^"\\\n]{1,80}')
    assert rx is not None and "){71}" in rx
    assert regex_search(rx, listing).group(1) == re.search(rx, listing, re.DOTALL).group(1) == "dish 71"
    # a listing drawn anew that came back with 30 names: no 72nd name, found out without backtracking
    shorter = "".join(f'{{"name": "dish {i}", "kind": "soup"}}\n' for i in range(30))
    assert regex_search(rx, shorter) is None
    assert extract(rx, shorter) is None
    assert regex_search(r'"kind"\s*:\s*"(\w+)"', listing).group(1) == "soup"  # any other regex: re.search
