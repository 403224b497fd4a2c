"""Stages 4 and 5 without a live fleet: template writing, assembly, and the rule filters."""

from __future__ import annotations

import re

from judges.checks import evaluate_checks
from mcpbench.models.scripted import DO_NOTHING_ANSWER
from task_synth.artifacts import BoundRef, Grounded, GroundedStep
from task_synth.assemble import assemble
from task_synth.binding import render_answer
from task_synth.filters import RuleContext, apply_rules, forbidden_names
from task_synth.pipeline import SynthOptions, SynthState
from task_synth.task import Check, ReferenceStep, Task
from task_synth.writing import write_templates
from tests.synth.catalogs import catalog, live

TABLES = "[{'name': 'offices'}, {'name': 'employees'}, {'name': 'products'}]"
COUNT = "[{'COUNT(*)': 12}]"
NOW_1 = '{"timezone": "Asia/Tokyo", "datetime": "2026-11-24T10:31:39+09:00", "day_of_week": "Tuesday"}'
NOW_2 = NOW_1.replace("31:39", "31:41")
CONV = ('{"source": {"timezone": "Asia/Tokyo", "datetime": "2026-11-24T10:31:00+09:00"}, "target": {"timezone": '
        '"Europe/Lisbon", "datetime": "2026-11-24T01:31:00+00:00"}, "time_difference": "-9.0h"}')


def _state() -> SynthState:
    return SynthState(options=SynthOptions(servers=["time", "calculator", "sqlite"], seed=4), live=live(),
                      entries=[], builtins={})


def _count_chain() -> Grounded:
    """list_tables → SELECT COUNT(*) FROM <second table> → count × 2"""
    q = "template:SELECT COUNT(*) FROM {{step[0]:(?:'name'\\s*:\\s*'(?:[A-Za-z_]\\w*)'.*?){1}'name'\\s*:\\s*'(\\w+)'}}"
    return Grounded(chain_id="c1", steps=[
        GroundedStep(server="sqlite", tool="list_tables", arguments={}, outputs=[TABLES, TABLES]),
        GroundedStep(server="sqlite", tool="read_query", arguments={"query": "SELECT COUNT(*) FROM employees"},
                     bindings={"query": q}, depends_on=[0], outputs=[COUNT, COUNT],
                     refs={"query": BoundRef(source=0, kind="table", ordinal=1, count=3,
                                             template="SELECT COUNT(*) FROM {}", phrase="how many rows {ref} holds")}),
        GroundedStep(server="calculator", tool="calculate", arguments={"expression": "12 * 2"},
                     bindings={"expression": "template:{{step[1]:'COUNT\\(\\*\\)'\\s*:\\s*(\\d+)}} * 2"},
                     depends_on=[1], outputs=["24", "24"],
                     refs={"expression": BoundRef(source=1, kind="number", template="{} * 2",
                                                  phrase="double {ref}")}),
    ])


def test_a_number_from_a_step_that_speaks_of_something_else_is_named_by_its_field():
    listing = '{"success": true, "columns": ["a", "b"], "columnCount": 2}'
    g = Grounded(chain_id="c3", steps=[
        GroundedStep(server="sqlite", tool="describe_table", arguments={"table_name": "orders"},
                     outputs=[listing, listing]),
        GroundedStep(server="calculator", tool="calculate", arguments={"expression": "2 * 2"},
                     bindings={"expression": 'template:{{step[0]:"columnCount"\\s*:\\s*(\\d+)}} * 2'},
                     depends_on=[0], outputs=["4", "4"],
                     refs={"expression": BoundRef(source=0, kind="number", template="{} * 2",
                                                  phrase="double {ref}", label="column count")})])
    task = _assemble(g, _state())
    assert "what the column count would be if it doubled" in task.fuzzy
    assert "that table" not in task.fuzzy and "double " not in task.fuzzy


def _live_chain() -> Grounded:
    return Grounded(chain_id="c2", steps=[
        GroundedStep(server="time", tool="get_current_time", arguments={"timezone": "Asia/Tokyo"},
                     outputs=[NOW_1, NOW_2], live_varying=True, fast_varying=True),
        GroundedStep(server="time", tool="convert_time",
                     arguments={"source_timezone": "Asia/Tokyo", "time": "10:31", "target_timezone": "Europe/Lisbon"},
                     bindings={"source_timezone": 'step[0]:"timezone":\\s*"([^"]+)"',
                               "time": 'step[0]:"datetime":\\s*"\\d{4}-\\d\\d-\\d\\dT(\\d\\d:\\d\\d)'},
                     depends_on=[0], outputs=[CONV, CONV], live_varying=True, fast_varying=True,
                     refs={"source_timezone": BoundRef(source=0, kind="timezone"),
                           "time": BoundRef(source=0, kind="time")}),
    ])


def _assemble(g: Grounded, state: SynthState) -> Task:
    draft = write_templates(g, state)
    return assemble(g, draft, task_id_=None, prefix="t", generator="test", seed=4,
                    tool_sha256=state.live.catalog.hashes())


def test_templates_write_a_request_without_tool_names_that_says_which_value_to_use():
    state = _state()
    task = _assemble(_count_chain(), state)
    assert "second table" in task.fuzzy and "if it doubled" in task.fuzzy
    for name in ("list_tables", "read_query", "calculate", "sqlite", "calculator"):
        assert name not in task.fuzzy
    assert "list_tables" not in task.fuzzy and re.search(r"\(1\).*\(2\).*\(3\)", task.precise)
    assert task.answer == "The result is 24."
    assert task.checks[0].kind == "numeric" and task.checks[0].value == 24 and task.checks[0].from_step == 2
    assert task.tags[:3] == ["multi-server", "servers-2", "hops-3"]
    assert set(task.provenance.tool_sha256) == {"sqlite/list_tables", "sqlite/read_query", "calculator/calculate"}
    ctx = RuleContext(task=task, runs=[_count_chain().raw_outputs(0), _count_chain().raw_outputs(1)],
                      catalog=catalog(), hops=(2, 5))
    assert apply_rules(ctx) == []


def test_a_live_task_keeps_clock_values_out_of_the_file_and_never_asks_for_a_clock_reading():
    state = _state()
    g = _live_chain()
    task = _assemble(g, state)
    # the target's HH:MM changes minute to minute: the writer asks for the hour difference instead
    assert "hours apart" in task.fuzzy
    dumped = task.model_dump_json()
    for value in ("10:31", "01:31", "Tuesday", "2026-11-24"):
        assert value not in dumped
    assert task.reference[1].arguments["time"] == "<time>"
    assert task.checks[0].value == "#" and task.checks[0].from_step == 1
    assert render_answer(task, g.raw_outputs(0)) == "The difference is 9.0 hours."
    ctx = RuleContext(task=task, runs=[g.raw_outputs(0), g.raw_outputs(1)], catalog=catalog(), hops=(2, 5))
    assert apply_rules(ctx) == []
    # with a fresh replay the expected value follows the live output
    later = [NOW_1, CONV.replace("-9.0h", "-8.0h")]
    res = evaluate_checks(task.checks, "They are 8 hours apart, Lisbon is behind.", live_outputs=dict(enumerate(later)))
    assert res[0].effective_passed


def _task(fuzzy: str, checks: list[Check], answer: str = "It is 42.") -> Task:
    return Task(id="x", servers=["calculator"], precise="p", fuzzy=fuzzy, checks=checks, answer=answer,
                reference=[ReferenceStep(server="calculator", tool="calculate", arguments={"expression": "6*7"},
                                         output="42"),
                           ReferenceStep(server="calculator", tool="calculate", arguments={"expression": "42+0"},
                                         output="42", bindings={"expression": "template:{{step[0]:(\\d+)}}+0"})])


NUM = [Check(kind="numeric", value=42, from_step=1, extract=r"(\d+)")]


def _reasons(task: Task) -> list[str]:
    return apply_rules(RuleContext(task=task, runs=[["42", "42"], ["42", "42"]], catalog=catalog(), hops=(2, 5)))


def test_a_request_naming_a_tool_or_a_server_is_rejected():
    assert _reasons(_task("What is six times seven, then plus nothing?", NUM)) == []
    named = _reasons(_task("Use get_current_time, then six times seven", NUM))
    assert any("names 'get_current_time'" in r for r in named)
    assert any("'sqlite'" in r for r in _reasons(_task("Ask sqlite for six times seven", NUM)))
    assert any("calculator" in r for r in _reasons(_task("With the calculator tool, six times seven", NUM)))
    assert "time__get_current_time" in forbidden_names(catalog(), ["time"])
    assert "time" not in forbidden_names(catalog(), ["time"])  # an ordinary word may appear


def test_a_request_that_gives_the_answer_away_or_lists_steps_is_rejected():
    assert any(r.startswith("given_away") for r in _reasons(_task("Is it 42? Work out six times seven", NUM)))
    assert any(r.startswith("step_list") for r in _reasons(_task("1. work out six times seven\n2. add 0", NUM)))


def test_checks_must_pass_on_the_reference_and_fail_on_a_refusal():
    wrong = _reasons(_task("Six times seven, plus nothing?", NUM, answer="It is 41."))
    assert any(r.startswith("checks_pass") for r in wrong)
    lax = [Check(kind="contains", value="i", from_step=None)]
    assert any(r.startswith("do_nothing_fails") for r in _reasons(_task("Six times seven, plus nothing?", lax,
                                                                          answer="It is 42.")))
    assert evaluate_checks(NUM, DO_NOTHING_ANSWER)[0].effective_score == 0


def test_a_check_on_a_step_not_marked_live_must_read_the_same_value_every_run():
    task = _task("Six times seven, plus nothing?", NUM)
    reasons = apply_rules(RuleContext(task=task, runs=[["42", "42"], ["42", "43"]], catalog=catalog(), hops=(2, 5)),
                          ["reproducible"])
    assert reasons and "not marked live" in reasons[0]


def test_reference_arguments_must_fit_the_tools_input_schema():
    bad = _task("Six times seven, plus nothing?", NUM).model_copy(update={"reference": [
        ReferenceStep(server="calculator", tool="calculate", arguments={"expr": "6*7"}, output="42"),
        ReferenceStep(server="calculator", tool="calculate", arguments={"expression": 42}, output="42")]})
    reasons = apply_rules(RuleContext(task=bad, runs=[["42", "42"]], catalog=catalog(), hops=(2, 5)), ["arguments"])
    assert any("'expression' is a required property" in r for r in reasons)
    assert any("42 is not of type 'string'" in r for r in reasons)


def test_validate_accepts_the_six_hops_a_joined_seeded_task_has_and_refuses_seven():
    from task_synth.replay import static_problems

    def hops(n: int) -> Task:
        steps = [ReferenceStep(server="calculator", tool="calculate", arguments={"expression": f"{i}+1"},
                               output=str(i + 1)) for i in range(n)]
        return Task(id="x", servers=["calculator"], precise="p", fuzzy="What is it?", reference=steps,
                    checks=[Check(kind="numeric", value=n, from_step=n - 1, extract=r"(\d+)")], answer=str(n))

    assert not [p for p in static_problems(hops(6)) if "hops" in p]
    assert [p for p in static_problems(hops(7)) if "hops" in p] == ["hops: 7 hops, outside 1..6"]


def test_a_failure_word_that_names_a_field_is_not_an_error_message_but_an_error_field_is():
    from task_synth.filters import is_failure_text

    contrast = '{"contrast_ratio": 12.63, "wcag_aa": {"passes": true, "required": 4.5}, "missing": 0}'
    assert not is_failure_text(contrast)  # "required" and "missing" name a threshold and a count here
    assert is_failure_text('{"error": "Rate limit reached (10/day on free tier)", "upgrade_url": "https://x"}')
    assert is_failure_text('{"status": "not found"}') and is_failure_text("Error: invalid id")
    assert not is_failure_text('{"error": null, "value": 3}')
    # a figure a failure word labels is a count: a data summary, not an error
    assert not is_failure_text("=== Data Summary: products ===\nDimensions: 5 rows × 4 columns\n\nData Quality:\n"
                               "  • Complete rows: 5 (100.0%)\n  • Rows with missing data: 0 (0.0%)\n")
    assert is_failure_text("Error: 2 rows failed") and is_failure_text("missing: the file does not exist")


def test_a_check_that_expects_a_loopback_address_is_refused_and_a_public_one_is_not():
    def task(value: str) -> Task:
        return Task(id="x", servers=["calculator"], precise="p", fuzzy="Where is the dashboard?",
                    reference=[ReferenceStep(server="calculator", tool="calculate", arguments={"expression": "1"},
                                             output=value)],
                    checks=[Check(kind="contains", value=value, from_step=0, extract=r"(https?://\S+)")],
                    answer=f"It is {value}.")

    def reasons(value: str, rerun: str) -> list[str]:
        return apply_rules(RuleContext(task=task(value), runs=[[value], [rerun]], catalog=catalog(), hops=(1, 5)),
                           ["not_local"])

    # the port a server found free on this run: another run, or another machine, answers another one
    assert reasons("http://localhost:8766", "http://localhost:8767") == [
        "not_local: check 0 expects 'localhost:8766', an address on the machine the server runs on (its port is the "
        "run's, not a fact of the world)"]
    assert reasons("http://127.0.0.1:41234/ui", "http://127.0.0.1:41234/ui")  # even when two runs agree
    assert reasons("http://[::1]:9000", "http://[::1]:9000")
    assert not reasons("https://brightwater.example/pricing", "https://brightwater.example/pricing")
    assert not reasons("localhost", "localhost")  # a host name alone is a setting, not a port the run picked
