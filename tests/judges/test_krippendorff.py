"""Krippendorff's alpha on textbook data and on a hand-computed example."""

from __future__ import annotations

import pytest

from judges.agreement import krippendorff_alpha

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 coders x 12 units example with missing data.
# Published: nominal alpha = 0.743, interval alpha = 0.849.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_the_textbook_example_gives_the_published_interval_and_nominal_alphas():
    assert krippendorff_alpha(TEXTBOOK) == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(TEXTBOOK, level="nominal") == pytest.approx(0.743, abs=5e-4)


def test_a_small_interval_example_matches_the_hand_computation():
    """Two coders, units (1,2) (3,3) (5,4); pooled values 1,2,3,3,5,4 (n = 6).
    D_o = (1/6) * [ (1/1)*2*(1-2)^2 + 0 + (1/1)*2*(5-4)^2 ] = 4/6.
    D_e = sum over ordered pairs (v_i - v_j)^2 / (n(n-1)) = (2*6*64 - 2*18^2) / 30 = (768 - 648) / 30 = 4.
    alpha = 1 - (4/6)/4 = 5/6."""
    assert krippendorff_alpha([[1, 3, 5], [2, 3, 4]]) == pytest.approx(5 / 6)


def test_perfect_agreement_is_one_and_units_with_a_single_value_are_ignored():
    assert krippendorff_alpha([[1, 5, 9, 4], [1, 5, 9, N]]) == 1.0


def test_alpha_is_undefined_without_variation_or_without_pairable_values():
    assert krippendorff_alpha([[7, 7], [7, 7]]) is None
    assert krippendorff_alpha([[1, N], [N, 2]]) is None
    assert krippendorff_alpha([]) is None


def test_systematic_disagreement_goes_below_zero():
    assert krippendorff_alpha([[1, 10, 1, 10], [10, 1, 10, 1]]) < 0
