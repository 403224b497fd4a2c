"""aggregate(): task-level means, seeded bootstrap CIs, pass@k / pass^k, the infra column, judge agreement."""

from __future__ import annotations

import pytest
from judge_builders import do_nothing, oracle, task, tools

from judges import RADAR, aggregate, pass_at_k, pass_hat_k, score_episode
from judges.aggregate import bootstrap, quantile
from judges.panel import Judgement, summarise_panel
from judges.rubric import DIMENSIONS


def _ep(traj_fn, i: int, *, task_id: str = "orders-7", model: str = "m/a", **kw):
    t = task(id=task_id)
    return score_episode(t, traj_fn(episode_id=f"{model}-{task_id}-{i}", task_id=task_id, model=model, repeat=i, **kw),
                         tools())


def test_pass_at_k_and_pass_hat_k_match_the_hand_computation():
    """n = 5 repeats, c = 2 successes, k = 2:
    pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7 ; pass^2 = C(2,2)/C(5,2) = 1/10 = 0.1."""
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_hat_k(5, 2, 2) == pytest.approx(0.1)
    assert pass_at_k(5, 0, 3) == 0.0 and pass_hat_k(5, 5, 5) == 1.0
    assert pass_at_k(3, 1, 1) == pytest.approx(1 / 3) == pass_hat_k(3, 1, 1)


def test_quantiles_interpolate_linearly_between_order_statistics():
    """Sorted [1, 2, 3, 4]: the 0.5 quantile sits at h = 3 x 0.5 = 1.5 -> 2 + 0.5 x (3 - 2) = 2.5;
    the 0.025 quantile at h = 0.075 -> 1.075."""
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.025) == pytest.approx(1.075)


def test_bootstrap_intervals_are_seeded_and_collapse_when_every_task_scores_the_same():
    rows = [[0.1], [0.9], [0.4], [0.6], [0.5]]
    assert bootstrap(rows, seed=3, n_boot=500) == bootstrap(rows, seed=3, n_boot=500)
    assert bootstrap(rows, seed=3, n_boot=500) != bootstrap(rows, seed=4, n_boot=500)
    lo, hi = bootstrap(rows, seed=3, n_boot=500)[0]
    assert 0.1 <= lo < 0.5 < hi <= 0.9
    [(lo, hi)] = bootstrap([[0.7], [0.7], [0.7]], seed=0, n_boot=100)
    assert lo == pytest.approx(0.7) == hi


def test_points_are_means_over_tasks_of_each_tasks_mean_over_its_repeats():
    """Task A: oracle (1.0) and do-nothing (0.0) -> 0.5 ; task B: oracle (1.0) -> 1.0 ; overall = (0.5 + 1.0)/2 = 0.75
    (a mean over the three episodes would say 0.667)."""
    eps = [_ep(oracle, 0, task_id="A"), _ep(do_nothing, 1, task_id="A"), _ep(oracle, 0, task_id="B")]
    m = aggregate(eps, seed=1, n_boot=200)["m/a"]
    assert m.overall.mean == pytest.approx(0.75)
    assert m.overall.n == 2 and m.tasks == 2
    assert m.overall.lo is not None and m.overall.hi is not None
    assert m.overall.lo <= m.overall.mean <= m.overall.hi
    assert set(m.dimensions) == set(RADAR)


def test_failed_episodes_count_as_zero_and_infra_failed_ones_are_a_column_of_their_own():
    """Four episodes of one task: oracle (1.0), oracle that hit max_turns (0.0), two infra-failed.
    Counted: 2 -> overall 0.5; infra column: 2 of 4 = 0.5."""
    eps = [_ep(oracle, 0), _ep(oracle, 1, status="max_turns"), _ep(oracle, 2, status="infra_failed"),
           _ep(oracle, 3, status="infra_failed")]
    m = aggregate(eps, n_boot=50)["m/a"]
    assert (m.episodes, m.counted, m.failed, m.infra_failed, m.infra_failed_rate) == (4, 2, 1, 2, 0.5)
    assert m.overall.mean == pytest.approx(0.5)
    assert any("2 infra-failed" in n for n in m.notes)


def test_pass_at_k_is_reported_up_to_the_fewest_repeats_of_any_task():
    """Task A: 3 repeats, 1 pass ; task B: 2 repeats, 2 passes. k = 1, 2.
    pass@1 = (1/3 + 1)/2 = 2/3 ; pass@2 = ((1 - C(2,2)/C(3,2)) + 1)/2 = (2/3 + 1)/2 = 5/6 ;
    pass^2 = (0/3 + 1)/2 = 0.5."""
    eps = [_ep(oracle, 0, task_id="A"), _ep(do_nothing, 1, task_id="A"), _ep(do_nothing, 2, task_id="A"),
           _ep(oracle, 0, task_id="B"), _ep(oracle, 1, task_id="B")]
    m = aggregate(eps, n_boot=10)["m/a"]
    assert m.pass_at_k == pytest.approx({1: 2 / 3, 2: 5 / 6})
    assert m.pass_hat_k == pytest.approx({1: 2 / 3, 2: 0.5})


def test_models_are_aggregated_apart_and_listed_best_first_deterministically():
    eps = [_ep(do_nothing, 0, model="m/lazy"), _ep(oracle, 0, model="m/oracle")]
    first = aggregate(eps, seed=5, n_boot=100)
    assert list(first.models) == ["m/oracle", "m/lazy"]
    assert first["m/lazy"].overall.mean == 0.0 and first["m/oracle"].overall.mean == pytest.approx(1.0)
    assert aggregate(list(reversed(eps)), seed=5, n_boot=100).model_dump_json() == first.model_dump_json()


def test_judge_means_and_agreement_are_reported_per_model():
    """Two judges over two episodes; judge A scores 8 then 4, judge B 7 then 3 on every rubric dimension.
    Per-judge means: A 6, B 5. Alpha over 12 units (episode, dimension), each a pair differing by 1:
    D_o = (12 units x 2 x 1^2) / 24 values = 1 ; pooled: six each of 8, 7, 4, 3 -> sum 132, sum of squares 828,
    D_e = (2 x 24 x 828 - 2 x 132^2) / (24 x 23) = 4896 / 552 ; alpha = 1 - 552/4896 = 0.8873."""
    def panel(a: float, b: float):
        js = [Judgement(judge=j, sample=0, seed=0, order=list(DIMENSIONS), prompt_sha256="0" * 64,
                        scores={d: s for d in DIMENSIONS}) for j, s in (("j/a", a), ("j/b", b))]
        return summarise_panel(["j/a", "j/b"], 1, 0, js)

    eps = [score_episode(task(), oracle(episode_id="e1"), tools(), panel=panel(8, 7)),
           score_episode(task(), oracle(episode_id="e2", repeat=1), tools(), panel=panel(4, 3))]
    m = aggregate(eps, n_boot=10)["scripted/test"]
    assert m.panel == ["j/a", "j/b"]
    assert m.judge_means["j/a"]["grounding"] == 6.0 and m.judge_means["j/b"]["grounding"] == 5.0
    assert m.alpha == pytest.approx(1 - 552 / 4896)
    assert not any("empty panel" in n for n in m.notes)


def test_an_offline_run_says_its_panel_was_empty():
    m = aggregate([_ep(oracle, 0)], n_boot=10)["m/a"]
    assert m.panel == [] and m.alpha is None
    assert any("empty panel" in n for n in m.notes)


def test_a_model_whose_every_episode_failed_for_infrastructure_reasons_has_no_score_but_is_listed():
    m = aggregate([_ep(oracle, 0, status="infra_failed")], n_boot=10)["m/a"]
    assert m.overall.mean is None and m.infra_failed == 1 and m.infra_failed_rate == 1.0
    assert m.pass_at_k == {}
