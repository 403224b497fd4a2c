"""Planning and efficiency against the reference chain, each checked against a hand computation."""

from __future__ import annotations

from judge_builders import SQL, Call, oracle, task, tools, trajectory

from judges.planning import planning_metrics
from judges.reference import levels, match_steps, reference_turns
from judges.rules import analyse_calls
from mcpbench.trajectory import Usage
from task_synth.task import ReferenceStep

DB = Call("db__query", {"sql": SQL}, content="total: 1250.00")
TIME = Call("time__get_current_time", {"timezone": "Europe/Paris"})
CALC = Call("calc__calculate", {"expression": "1250*2"})


def _plan(traj, t=None):
    t = t or task()
    return planning_metrics(t, traj, analyse_calls(t, traj, tools()))


def _step(tool: str, deps: list[int]) -> ReferenceStep:
    return ReferenceStep(server="s", tool=tool, arguments={}, depends_on=deps)


def test_levels_put_each_step_one_above_the_highest_step_it_depends_on():
    """a:0 · b:0 · c(a):1 · d(b,c):2 · e(a):1 -> levels [0,0,1,2,1]; 3 levels + 1 answering turn = 4 reference turns.
    A dependency that does not point backwards (f depends on 9) is ignored."""
    steps = [_step("a", []), _step("b", []), _step("c", [0]), _step("d", [1, 2]), _step("e", [0]), _step("f", [9])]
    assert levels(steps) == [0, 0, 1, 2, 1, 0]
    assert reference_turns(steps) == 4
    assert reference_turns([]) == 1


def test_a_binding_to_an_earlier_output_is_a_dependency_even_when_depends_on_omits_it():
    steps = [_step("a", []), ReferenceStep(server="s", tool="b", arguments={}, bindings={"x": r"step[0]:(\d+)"})]
    assert levels(steps) == [0, 1]


def test_the_oracle_schedule_scores_perfectly_on_every_planning_metric():
    p = _plan(oracle())
    assert (p.coverage, p.evidence, p.tool_recall, p.argument_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert (p.dependency_order, p.parallelism, p.redundant_share) == (1.0, 1.0, 0.0)
    assert (p.call_economy, p.turn_economy) == (1.0, 1.0)
    assert (p.reference_turns, p.turns) == (3, 3)


def test_calling_a_dependent_step_in_the_same_turn_as_its_input_breaks_the_dependency_order():
    """Edge 0->2 needs db before calc in an earlier turn; all three in one turn: 0 of 1 edge kept.
    Parallelism: 3 matched steps over 2 levels could save 3 - 2 = 1 turn; issued in 1 turn they saved 3 - 1 = 2:
    min(1, 2/1) = 1 (the broken dependency is charged to dependency order, not here)."""
    p = _plan(trajectory([[DB, TIME, CALC]], "2500 Paris"))
    assert p.dependency_order == 0.0
    assert p.parallelism == 1.0


def test_independent_steps_issued_in_separate_turns_are_not_parallel():
    """Saveable 3 - 2 = 1 turn; issued in 3 turns, saved 3 - 3 = 0: parallelism 0/1."""
    p = _plan(trajectory([[DB], [TIME], [CALC]], "2500 Paris"))
    assert p.parallelism == 0.0
    assert p.dependency_order == 1.0
    assert p.turn_economy == 3 / 4  # reference turns 3 / model turns 4


def test_economy_and_redundancy_follow_their_formulas():
    """Six calls for three reference steps: call economy = min(1, 3/6) = 0.5; two exact repeats: redundant = 2/6;
    five model turns (four calling turns + the answer) against 3 reference turns: turn economy = 3/5 = 0.6."""
    p = _plan(trajectory([[DB, TIME], [DB], [CALC], [CALC, Call("fs__read_file", {"path": "a"})]], "2500 Paris"))
    assert p.call_economy == 0.5
    assert p.redundant_share == 2 / 6
    assert p.turn_economy == 0.6


def test_coverage_counts_matched_steps_and_evidence_counts_only_ok_ones():
    """db ok, time tool_error, calc never called: coverage 2/3, evidence 1/3, tool recall 2/3."""
    p = _plan(trajectory([[DB, Call("time__get_current_time", {"timezone": "Europe/Paris"}, outcome="tool_error")]],
                         "x"))
    assert p.coverage == 2 / 3
    assert p.evidence == 1 / 3
    assert p.tool_recall == 2 / 3


def test_argument_accuracy_is_the_share_of_matched_steps_whose_fixed_arguments_are_reproduced():
    """db right, time with the wrong zone, calc right (its only argument is bound): 2 of 3 matched steps."""
    p = _plan(trajectory([[DB, Call("time__get_current_time", {"timezone": "UTC"})], [CALC]], "x"))
    assert p.argument_accuracy == 2 / 3


def test_steps_of_the_same_tool_are_matched_to_distinct_calls_preferring_the_one_with_their_arguments():
    from judges.reference import CallView

    steps = [ReferenceStep(server="t", tool="now", arguments={"tz": "Asia/Tokyo"}),
             ReferenceStep(server="t", tool="now", arguments={"tz": "Europe/Paris"})]
    calls = [CallView(0, 1, "t", "now", {"tz": "Europe/Paris"}, True),
             CallView(1, 1, "t", "now", {"tz": "Asia/Tokyo"}, True)]
    assert match_steps(steps, calls) == [1, 0]
    assert match_steps(steps, calls[:1]) == [0, None]


def test_tokens_cost_and_latency_are_carried_from_the_trajectory():
    p = _plan(trajectory([[DB]], "x", usage=Usage(input_tokens=1200, output_tokens=80, cost_usd=0.002),
                         model_time_s=3.5, tool_time_s=0.25))
    assert (p.input_tokens, p.output_tokens, p.cost_usd, p.model_time_s, p.tool_time_s) == (1200, 80, 0.002, 3.5, 0.25)


def test_any_schedule_as_short_as_the_levels_allow_counts_as_fully_parallel():
    """Chain a, b(a), c: levels 0, 1, 0. The oracle's order-preserving waves [a], [b, c] take 2 turns, as few as
    the 2 levels allow: saved (3 - 2) / saveable (3 - 2) = 1, though a and c (same level) are in different turns."""
    steps = [ReferenceStep(server="db", tool="query", arguments={"sql": SQL}),
             ReferenceStep(server="calc", tool="calculate", arguments={"expression": "1"}, depends_on=[0]),
             ReferenceStep(server="time", tool="get_current_time", arguments={"timezone": "Europe/Paris"})]
    t = task(reference=steps)
    p = _plan(trajectory([[DB], [Call("calc__calculate", {"expression": "1"}), TIME]], "x"), t)
    assert p.parallelism == 1.0 and p.turn_economy == 1.0


def test_parallelism_is_undefined_for_a_strict_chain():
    steps = [ReferenceStep(server="db", tool="query", arguments={"sql": SQL}),
             ReferenceStep(server="calc", tool="calculate", arguments={"expression": "1"}, depends_on=[0])]
    assert _plan(trajectory([[DB], [Call("calc__calculate", {"expression": "1"})]], "x"), task(reference=steps)
                 ).parallelism is None


def _direct_task():
    """calc's expression is the total read from the agent's own query result (a direct binding, not a template)."""
    steps = [s.model_copy() for s in task().reference]
    steps[2] = steps[2].model_copy(update={"arguments": {"expression": "1250.00"},
                                           "bindings": {"expression": r"step[0]:total: ([0-9.]+)"}})
    return task(reference=steps)


def test_a_bound_argument_must_carry_the_value_its_binding_reads_from_the_agents_own_result():
    """db right, time right, calc given 999 where its own query said 1250.00: 2 of 3 matched steps (A = 2/3);
    given 1250.00 (or the number 1250): 3 of 3. Against a live world that said 1300.00, 1300.00 is right."""
    t = _direct_task()
    wrong = _plan(trajectory([[DB, TIME], [Call("calc__calculate", {"expression": "999"})]], "x"), t)
    assert wrong.argument_accuracy == 2 / 3
    right = _plan(trajectory([[DB, TIME], [Call("calc__calculate", {"expression": "1250.00"})]], "x"), t)
    number = _plan(trajectory([[DB, TIME], [Call("calc__calculate", {"expression": 1250})]], "x"), t)
    assert right.argument_accuracy == 1.0 and number.argument_accuracy == 1.0
    live_db = Call("db__query", {"sql": SQL}, content="total: 1300.00")
    live = _plan(trajectory([[live_db, TIME], [Call("calc__calculate", {"expression": "1300.00"})]], "x"), t)
    assert live.argument_accuracy == 1.0


def test_a_bound_argument_whose_source_was_not_called_or_is_free_text_is_not_compared():
    """calc called without the query: its binding cannot be read, so only its (absent) fixed arguments count."""
    t = _direct_task()
    p = _plan(trajectory([[TIME], [Call("calc__calculate", {"expression": "999"})]], "x"), t)
    assert p.argument_accuracy == 1.0
    # the shared fixture's calc step is a template (an expression around the total): free text is never compared
    assert _plan(trajectory([[DB, TIME], [Call("calc__calculate", {"expression": "2*1250"})]], "x")
                 ).argument_accuracy == 1.0
