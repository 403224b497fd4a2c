"""Rule metrics and the SpecTool error taxonomy, each checked against a hand computation."""

from __future__ import annotations

from judge_builders import SQL, Call, task, tools, trajectory

from judges.rules import analyse_calls, rule_metrics


def _metrics(traj, t=None):
    t = t or task()
    verdicts = analyse_calls(t, traj, tools())
    return verdicts, rule_metrics(verdicts, len(t.reference))


def test_name_validity_schema_compliance_and_execution_success_follow_their_formulas():
    """Hand computation, five calls:
    c0 db__query ok (valid name, schema ok) · c1 nope__tool (invalid name) · c2 calc__calculate {"expression": 5}
    (valid name, schema violated) · c3 time tool_error (schema ok) · c4 db__query infra_error (schema ok).
    valid name = 4/5 = 0.8 · schema compliance over the 4 valid-name calls = 3/4 = 0.75 ·
    execution success = ok / (ok + tool_error) = 1 / (1 + 1) = 0.5 (c1, c2 were refused; c4 is infra, counted apart).
    """
    traj = trajectory([[Call("db__query", {"sql": SQL}),
                        Call("nope__tool", {}, outcome="model_error", error_kind="unknown_tool"),
                        Call("calc__calculate", {"expression": 5}, outcome="model_error"),
                        Call("time__get_current_time", {"timezone": "Mars/Base"}, outcome="tool_error"),
                        Call("db__query", {"sql": "select 1"}, outcome="infra_error", error_kind="timeout")]], "done")
    _, m = _metrics(traj)
    assert m.calls == 5
    assert m.valid_name_rate == 0.8
    assert m.schema_compliance_rate == 0.75
    assert m.execution_success_rate == 0.5
    assert m.infra_error_calls == 1


def test_each_taxonomy_label_is_given_to_the_call_that_earns_it():
    traj = trajectory([
        [Call("db__query", None, raw="{sql: oops", outcome="model_error", error_kind="malformed_arguments")],
        [Call("weather__forecast", {"city": "Paris"}, outcome="model_error", error_kind="unknown_tool")],
        [Call("db__query", {"query": SQL}, outcome="model_error", error_kind="invalid_arguments")],
        [Call("calc__calculate", {"expression": 2500}, outcome="model_error", error_kind="invalid_arguments")],
        [Call("time__get_current_time", {"timezone": "Europe/Berlin"})],
        [Call("time__get_current_time", {"timezone": "Europe/Berlin"})],
    ], "2500 in Paris")
    verdicts, m = _metrics(traj)
    assert [v.errors for v in verdicts] == [
        ["invalid_format"],
        ["wrong_function_name"],
        ["wrong_argument_name"],  # unknown key 'query' and missing required 'sql'
        ["wrong_argument_type"],  # expression must be a string
        ["wrong_argument_value"],  # the reference asks for Europe/Paris
        ["wrong_argument_value", "repeated_calls"],
    ]
    # every reference tool was called (refused calls still match their step by tool), so no step is insufficient
    assert m.errors["insufficient_calls"] == 0
    assert m.errors["wrong_argument_value"] == 2


def test_reference_steps_without_any_call_of_their_tool_are_insufficient_calls():
    traj = trajectory([[Call("db__query", {"sql": SQL}, content="total: 1250.00")]], "2500")
    verdicts, m = _metrics(traj)
    assert verdicts[0].step == 0
    assert m.errors["insufficient_calls"] == 2  # time and calc steps never called


def test_an_undeclared_argument_is_a_wrong_argument_name_even_when_the_schema_lets_it_validate():
    traj = trajectory([[Call("time__get_current_time", {"timezone": "Europe/Paris", "tz": "CET"})]], "x")
    verdicts, _ = _metrics(traj)
    assert verdicts[0].schema_valid is True
    assert verdicts[0].errors == ["wrong_argument_name"]


def test_argument_values_are_compared_after_normalising_case_whitespace_and_number_type():
    t = task(reference=[task().reference[0].model_copy(update={"arguments": {"sql": "SELECT total  FROM orders"}}),
                        *task().reference[1:]])
    traj = trajectory([[Call("db__query", {"sql": "select total from orders"})]], "x")
    verdicts, _ = _metrics(traj, t)
    assert "wrong_argument_value" not in verdicts[0].errors


def test_bound_arguments_are_not_compared_with_the_reference_value():
    """calc's expression is bound to step 0's live output, so '1300*2' (a fresh total) is not a wrong value."""
    traj = trajectory([[Call("calc__calculate", {"expression": "1300*2"})]], "x")
    verdicts, _ = _metrics(traj)
    assert verdicts[0].errors == []


def test_repeating_a_call_that_failed_for_infrastructure_reasons_is_not_a_repeated_call():
    traj = trajectory([[Call("db__query", {"sql": SQL}, outcome="infra_error", error_kind="timeout")],
                       [Call("db__query", {"sql": SQL})]], "x")
    verdicts, _ = _metrics(traj)
    assert verdicts[1].errors == []


def test_first_error_position_is_the_index_of_the_first_erroneous_call_over_the_number_of_calls():
    """Four calls, the first error (an unknown tool) at index 2: 2 / 4 = 0.5. A tool_error also counts as an error."""
    ok = Call("db__query", {"sql": SQL})
    paris = Call("time__get_current_time", {"timezone": "Europe/Paris"})
    traj = trajectory([[ok, paris],
                       [Call("nope", {}, outcome="model_error"), Call("calc__calculate", {"expression": "1"})]], "x")
    assert _metrics(traj)[1].first_error_position == 0.5
    traj = trajectory([[ok, paris, Call("calc__calculate", {"expression": "1"}, outcome="tool_error")]], "x")
    assert _metrics(traj)[1].first_error_position == 2 / 3
    assert _metrics(trajectory([[ok, paris]], "x"))[1].first_error_position == 1.0
    assert _metrics(trajectory([], "x"))[1].first_error_position is None


def test_rates_are_undefined_rather_than_zero_when_no_call_was_made():
    _, m = _metrics(trajectory([], "nothing"))
    assert (m.valid_name_rate, m.schema_compliance_rate, m.execution_success_rate) == (None, None, None)
    assert m.errors["insufficient_calls"] == 3


def test_a_huge_invalid_argument_does_not_bloat_the_recorded_schema_errors():
    traj = trajectory([[Call("calc__calculate", {"expression": list(range(100_000))}, outcome="model_error")]], "x")
    verdicts, _ = _metrics(traj)
    assert verdicts[0].errors == ["wrong_argument_type"]
    assert verdicts[0].schema_errors and all(len(m) < 400 for m in verdicts[0].schema_errors)
