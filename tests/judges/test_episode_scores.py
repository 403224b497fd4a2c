"""score_episode: radar dimensions, overall, baselines (do-nothing ≈ 0, oracle ≈ 1), failures and recomputation."""

from __future__ import annotations

import json

import pytest
from judge_builders import SQL, Call, do_nothing, oracle, task, tools, trajectory

from judges import RADAR, WEIGHTS, EpisodeScore, score_episode
from judges.panel import Judgement, PanelResult, summarise_panel
from judges.rubric import DIMENSIONS
from mcpbench.catalog import ToolEntry
from mcpbench.trajectory import Trajectory, Usage
from task_synth.task import Check, Task


def _panel(score: float, judges: tuple[str, ...] = ("j/a",)) -> PanelResult:
    js = [Judgement(judge=j, sample=0, seed=1, order=list(DIMENSIONS), prompt_sha256="0" * 64,
                    scores={d: score for d in DIMENSIONS}) for j in judges]
    return summarise_panel(list(judges), 1, 0, js)


def _partial() -> Trajectory:
    return trajectory([
        [Call("db__query", {"sql": SQL}, content="total: 1250.00"),
         Call("time__get_current_time", {"timezone": "Paris"}, outcome="tool_error")],
        [Call("calc__calculate", {"expression": "1250*2"}, content="2500")],
        [Call("calc__calculate", {"expression": "1250*2"}, content="2500")],
    ], "It comes to 2,500.", usage=Usage(input_tokens=20_000, output_tokens=4_000), model_time_s=6.0,
        tool_time_s=4.0)


def test_the_weights_of_the_overall_score_sum_to_one_over_the_nine_radar_dimensions():
    assert set(WEIGHTS) == set(RADAR) and len(RADAR) == 9
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_a_partial_episode_scores_what_the_published_formulas_say():
    """Hand computation (docs/metrics.md), empty panel.
    Checks: numeric 2500 passes, contains 'Paris' fails -> C = 0.5. Calls: db ok, time tool_error with zone 'Paris'
    (reference: Europe/Paris), calc ok, calc repeated. Steps 0,1,2 matched to calls 0,1,2 -> coverage K = 1; ok
    matched steps 2 -> evidence E = 2/3; argument accuracy A = 2/3 (time's zone differs); V = S = F = 1; recall 1;
    dependency order 1 (db turn 1 < calc turn 2); parallelism 1 (3 matched steps, 2 levels, 2 turns); redundant 1/4;
    call economy min(1, 3/4) = 0.75; turn economy 3 reference turns / 4 turns = 0.75.
      task_completion      = C                               = 0.5
      grounding            = C x E                           = 1/3
      tool_selection       = mean(V, recall)                 = 1
      parameter_accuracy   = mean(S, A)                      = 5/6
      planning             = mean(K, dependency order)       = 1
      efficiency           = K x mean(.75, .75, 1-.25, 1)    = 0.8125
      schema_understanding = mean(V, S, F)                   = 1
      speed = TC x tau/(tau + t),  tau = 10 s x 3, t = 6 + 4 = 10 s   -> 0.5 x 30/40 = 0.375
      cost  = TC x beta/(beta + tokens), beta = 8000 x 3, tokens = 24000 -> 0.5 x 0.5 = 0.25
    overall = .35(.5) + .1(1/3) + .1(1) + .1(5/6) + .1(1) + .1(.8125) + .1(1) + 0(.375) + .05(.25) = 0.6854167
    """
    s = score_episode(task(), _partial(), tools())
    expected = {"task_completion": 0.5, "grounding": 1 / 3, "tool_selection": 1.0, "parameter_accuracy": 5 / 6,
                "planning": 1.0, "efficiency": 0.8125, "schema_understanding": 1.0, "speed": 0.375, "cost": 0.25}
    assert s.dimensions == pytest.approx(expected)
    assert s.overall == pytest.approx(0.6854167, abs=1e-7)
    assert s.rules.execution_success_rate == 0.75 and not s.passed


def test_panel_scores_blend_one_third_into_their_radar_dimension():
    """Panel gives 5.5 everywhere -> (5.5 - 1)/9 = 0.5 on [0,1]. blend = (2 x rule + panel)/3:
    task_completion (2 x 0.5 + 0.5)/3 = 0.5 · grounding (2/3 + 0.5)/3 = 0.38889 · planning (2 + 0.5)/3 = 0.83333.
    schema_understanding has no rubric counterpart and stays 1."""
    s = score_episode(task(), _partial(), tools(), panel=_panel(5.5))
    assert s.dimensions["task_completion"] == pytest.approx(0.5)
    assert s.dimensions["grounding"] == pytest.approx((2 / 3 + 0.5) / 3)
    assert s.dimensions["planning"] == pytest.approx(2.5 / 3)
    assert s.dimensions["schema_understanding"] == 1.0
    assert s.panel is not None and s.panel.panel == ["j/a"]


def test_an_agent_that_does_nothing_scores_at_most_five_hundredths():
    for panel in (None, _panel(1.0)):
        s = score_episode(task(), do_nothing(), tools(), panel=panel)
        assert s.overall is not None and s.overall <= 0.05
        assert s.dimensions["speed"] == 0.0 and s.dimensions["cost"] == 0.0  # being instant and free earns nothing


def test_an_oracle_replaying_the_reference_chain_scores_at_least_ninety_five_hundredths_with_an_empty_panel():
    realistic = oracle(usage=Usage(input_tokens=3_000, output_tokens=200), model_time_s=2.0, tool_time_s=0.3)
    for traj in (oracle(), realistic):
        s = score_episode(task(), traj, tools())
        assert s.overall is not None and s.overall >= 0.95
        assert s.passed and s.panel is None and any("empty panel" in n for n in s.notes)
    assert score_episode(task(), oracle(), tools(), panel=_panel(10.0)).overall == pytest.approx(1.0)


def test_an_oracle_without_parallel_calls_still_clears_the_bar_but_loses_efficiency():
    seq = trajectory([[Call("db__query", {"sql": SQL}, content="total: 1250.00")],
                      [Call("time__get_current_time", {"timezone": "Europe/Paris"})],
                      [Call("calc__calculate", {"expression": "1250*2"})]], task().answer)
    s = score_episode(task(), seq, tools())
    assert s.planning.parallelism == 0.0 and s.dimensions["efficiency"] < 1.0
    assert s.overall is not None and s.overall >= 0.95


@pytest.mark.parametrize("status", ["max_turns", "timeout", "model_error"])
def test_failed_episodes_score_zero_on_every_dimension_but_keep_their_rule_metrics(status):
    s = score_episode(task(), oracle(status=status), tools())
    assert s.counted and s.failed and not s.passed
    assert s.overall == 0.0 and set(s.dimensions.values()) == {0.0}
    assert s.rules.calls == 3


def test_infra_failed_episodes_are_excluded_from_scores_not_scored_zero():
    s = score_episode(task(), oracle(status="infra_failed"), tools())
    assert not s.counted and s.overall is None and s.dimensions == {}
    assert any("infra" in n for n in s.notes)


def test_a_trajectory_of_another_task_is_refused():
    with pytest.raises(ValueError, match="not 'orders-7'"):
        score_episode(task(), oracle(task_id="other"), tools())


def test_a_task_needing_no_tools_does_not_punish_an_agent_for_making_no_calls():
    """The busy agent's efficiency: coverage 1 (nothing to cover) x mean(call economy min(1, 0/1) = 0,
    turn economy 1 reference turn / 2 turns = 0.5, 1 - redundant 0 = 1) = 0.5."""
    t = Task(id="orders-7", servers=[], precise="Say hi", fuzzy="hi", checks=[Check(kind="contains", value="hello")],
             reference=[])
    quiet = score_episode(t, trajectory([], "hello there"), tools())
    busy = score_episode(t, trajectory([[Call("fs__read_file", {"path": "x"})]], "hello there"), tools())
    assert quiet.overall == pytest.approx(1.0)
    assert busy.dimensions["efficiency"] == 0.5 and busy.overall is not None and busy.overall < quiet.overall


def test_live_varying_tasks_are_scored_on_the_live_verdict():
    t = task(checks=[Check(kind="numeric", value=2500, from_step=2, extract=r"(\d+)")])
    stale = score_episode(t, oracle(final="It is 2500."), tools(), live_outputs={2: "2600"})
    fresh = score_episode(t, oracle(final="It is 2600."), tools(), live_outputs={2: "2600"})
    assert stale.live and not stale.passed and stale.checks[0].passed
    assert fresh.passed and fresh.dimensions["task_completion"] == 1.0


def test_scores_are_recomputed_byte_identically_from_the_same_inputs_even_after_a_json_round_trip():
    t, traj, offered, panel = task(), _partial(), tools(), _panel(7.0, ("j/a", "j/b"))
    first = score_episode(t, traj, offered, live_outputs={0: "total: 1250.00"}, panel=panel).model_dump_json()
    again = score_episode(
        Task.model_validate_json(t.model_dump_json()), Trajectory.model_validate_json(traj.model_dump_json()),
        {k: ToolEntry.model_validate(json.loads(v.model_dump_json())) for k, v in offered.items()},
        live_outputs={0: "total: 1250.00"}, panel=PanelResult.model_validate_json(panel.model_dump_json()),
    ).model_dump_json()
    assert first == again
    assert EpisodeScore.model_validate_json(first).model_dump_json() == first
