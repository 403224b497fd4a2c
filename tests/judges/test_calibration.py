"""Judge-vs-check calibration (judges/calibration.py, docs/metrics.md §10) on hand-computed examples."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from judge_builders import do_nothing, oracle, task, tools

from judges import score_episode
from judges.calibration import AGREEMENT_THRESHOLD, PANEL, agreement, calibrate
from judges.panel import Judgement, summarise_panel
from judges.rubric import DIMENSIONS


def test_nominal_alpha_and_confusion_counts_match_a_hand_computed_example():
    """tp 3, fp 2, fn 1, tn 4. Coincidences: o11 = 6, o10 = o01 = 3, o00 = 8; n = 20, n1 = 9, n0 = 11.
    D_o = 6/20, D_e = 2·9·11/(20·19) = 198/380, alpha = 1 − (6/20)/(198/380) = 14/33 ≈ 0.4242."""
    pairs = ([(1.0, 1.0, True)] * 3 + [(0.6, 0.0, False)] * 2 + [(0.2, 1.0, True)] + [(0.0, 0.0, False)] * 4)
    a = agreement("j", pairs)
    assert a.confusion.model_dump() == {"tp": 3, "fp": 2, "fn": 1, "tn": 4}
    assert a.alpha == pytest.approx(float(Fraction(14, 33)))
    assert (a.judge_complete_rate, a.checks_complete_rate) == (0.5, 0.4)
    assert a.flagged and "below 0.667" in a.note and a.episodes == 10


def test_interval_alpha_matches_a_hand_computed_example():
    """Units (1, 1), (0.5, 0), (0, 0): D_o = (2·0.25)/6 = 1/12; ordered-pair sum over the six pooled values
    = 2·6·2.25 − 2·2.5² = 14.5, D_e = 14.5/30; alpha = 1 − (1/12)/(29/60) = 24/29 ≈ 0.8276."""
    a = agreement("j", [(1.0, 1.0, True), (0.5, 0.0, False), (0.0, 0.0, False)])
    assert a.alpha_interval == pytest.approx(24 / 29)
    assert a.confusion.model_dump() == {"tp": 1, "fp": 1, "fn": 0, "tn": 1}  # 0.5 counts as complete


def test_a_judge_that_always_agrees_is_not_flagged_and_one_verdict_throughout_leaves_alpha_undefined():
    assert agreement("j", [(1.0, 1.0, True), (0.0, 0.0, False)]).alpha == 1.0
    same = agreement("j", [(0.0, 0.0, False)] * 5)
    assert same.alpha is None and not same.flagged and "one verdict throughout" in same.note
    none = agreement("j", [])
    assert none.episodes == 0 and none.alpha is None and none.judge_complete_rate is None and not none.flagged


def _panel(seed: int, task_id: str, scores: dict[str, float]):
    js = [Judgement(judge=j, sample=0, seed=seed, order=list(DIMENSIONS), prompt_sha256="0" * 64,
                    raw=[json.dumps({d: s for d in DIMENSIONS})], scores={d: s for d in DIMENSIONS})
          for j, s in scores.items()]
    return summarise_panel(list(scores), 1, seed, js)


def test_calibrate_compares_each_judge_and_the_panel_with_the_checks_over_a_run():
    """Two passing oracle episodes and two failing do-nothing ones. j/lenient gives 10 everywhere (complete on all
    four: tp 2, fp 2; o11 = 4, o10 = o01 = 2, n1 = 6, n0 = 2, D_o = 4/8, D_e = 2·6·2/(8·7) = 3/7,
    alpha = 1 − (1/2)/(3/7) = −1/6);
    j/strict follows the checks (alpha 1); the panel mean is 10 / 5.5 → 1.0 / 0.5, complete on all four too."""
    t = task()
    eps = []
    for i in range(2):
        eps.append(score_episode(t, oracle(episode_id=f"good-{i}"), tools(),
                                 panel=_panel(0, t.id, {"j/lenient": 10, "j/strict": 10})))
        eps.append(score_episode(t, do_nothing(episode_id=f"bad-{i}"), tools(),
                                 panel=_panel(0, t.id, {"j/lenient": 10, "j/strict": 1})))
    assert [e.passed for e in eps] == [True, False, True, False]
    cal = calibrate(eps)
    assert cal is not None
    lenient, strict, panel = cal.judges["j/lenient"], cal.judges["j/strict"], cal.judges[PANEL]
    assert lenient.confusion.model_dump() == {"tp": 2, "fp": 2, "fn": 0, "tn": 0}
    assert lenient.alpha == pytest.approx(-1 / 6) and lenient.flagged
    assert strict.confusion.model_dump() == {"tp": 2, "fp": 0, "fn": 0, "tn": 2} and strict.alpha == 1.0
    assert panel.confusion.model_dump() == lenient.confusion.model_dump() and panel.flagged
    assert cal.flagged == ["j/lenient", PANEL] and cal.threshold == AGREEMENT_THRESHOLD


def test_a_run_without_judges_has_no_calibration_and_infra_failed_episodes_are_left_out():
    t = task()
    assert calibrate([score_episode(t, oracle(), tools())]) is None
    infra = score_episode(t, oracle(episode_id="x", status="infra_failed"), tools(),
                          panel=_panel(0, t.id, {"j/a": 10}))
    cal = calibrate([infra])
    assert cal is not None and cal.judges["j/a"].episodes == 0 and cal.judges[PANEL].episodes == 0
