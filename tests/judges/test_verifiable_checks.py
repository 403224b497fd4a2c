"""Verifiable checks on final answers, including live re-derivation for live-varying tasks."""

from __future__ import annotations

import pytest

from judges.checks import evaluate_check, evaluate_checks, extract_numbers
from task_synth.task import Check, state_key


@pytest.mark.parametrize(("text", "numbers"), [
    ("The total is $1,234.50.", [1234.5]),
    ("Revenue fell to -€3,000 (or €-3000).", [-3000.0, -3000.0]),
    ("growth of 12% this year", [12.0, 0.12]),
    ("about 3.5k users and 2 million visits", [3.5, 3500.0, 2.0, 2_000_000.0]),
    ("It was \u22127.25 degrees", [-7.25]),
    ("released 2024-01-05", [2024.0, 1.0, 5.0]),
    ("1.5e3 requests; .5 s", [1500.0, 0.5]),
    ("lists 1,2,3", [1.0, 2.0, 3.0]),
    ("version v1.2.3 has no number a reader would quote", []),
])
def test_numbers_are_extracted_from_free_text_the_way_a_reader_would_read_them(text, numbers):
    assert extract_numbers(text) == numbers


def test_numeric_checks_accept_any_number_in_the_answer_within_absolute_tolerance():
    check = Check(kind="numeric", value=2500, tolerance=0.5)
    assert evaluate_check(0, check, "Twice the order is 2,500.40 dollars").passed
    assert not evaluate_check(0, check, "Twice the order is 2,501 dollars").passed


def test_relative_tolerance_is_a_share_of_the_expected_value():
    """value 100, tolerance 0.05 relative -> accepted band [95, 105]: 104.9 passes, 105.1 fails."""
    check = Check(kind="numeric", value=100, tolerance=0.05, relative=True)
    assert evaluate_check(0, check, "about 104.9").passed
    assert not evaluate_check(0, check, "about 105.1").passed


def test_a_percentage_in_the_answer_matches_a_fractional_expected_value():
    assert evaluate_check(0, Check(kind="numeric", value=0.125), "a 12.5% share").passed


def test_exact_checks_ignore_case_whitespace_quotes_and_a_final_period_unless_case_sensitive():
    assert evaluate_check(0, Check(kind="exact", value="Europe/Paris"), '  "europe/paris".  ').passed
    assert not evaluate_check(0, Check(kind="exact", value="Europe/Paris", case_sensitive=True), "europe/paris").passed
    assert not evaluate_check(0, Check(kind="exact", value="Paris"), "It is Paris").passed


def test_contains_and_regex_checks_search_the_answer():
    assert evaluate_check(0, Check(kind="contains", value="Ada  Lovelace"), "The author is ada lovelace.").passed
    assert evaluate_check(0, Check(kind="regex", value=r"v\d+\.\d+"), "Release V2.7 is current").passed
    assert not evaluate_check(0, Check(kind="regex", value=r"v\d+\.\d+", case_sensitive=True), "V2.7").passed


def test_contains_claims_and_state_checks_match_whole_tokens_not_the_inside_of_longer_ones():
    """'5' is not in '15', 'SO-1012' is not in 'SO-10123', '7.5' is not in '17.55'; punctuation is a boundary."""
    assert not evaluate_check(0, Check(kind="contains", value="5"), "I found 15 items.").passed
    assert evaluate_check(0, Check(kind="contains", value="5"), "There are 5 items.").passed
    assert not evaluate_check(0, Check(kind="contains", value="SO-1012"), "Order SO-10123 shipped").passed
    assert evaluate_check(0, Check(kind="contains", value="SO-1012"), "Order SO-1012, shipped").passed
    assert not evaluate_check(0, Check(kind="contains", value="7.5"), "a rate of 17.55").passed
    assert evaluate_check(0, Check(kind="contains", value="Lisbon"), "Our Lisbon's office").passed
    assert evaluate_check(0, Check(kind="contains", value="(EUR)"), "price(EUR)x").passed  # ends that are not alnum
    r = evaluate_check(0, Check(kind="claims", value=["12", "Denver"]), "In Denver: 112 units.")
    assert r.score == 1 / 2  # hand-computed: 'Denver' found, '12' only inside '112'
    state = evaluate_check(0, Check(kind="state", value="42", read={"server": "s", "tool": "t", "arguments": {}}),
                           "", {state_key(0): '{"qty": 142}'})
    assert not state.passed


def test_a_claims_check_scores_the_share_of_claims_present():
    """Two of three claims found: score 2/3, not passed."""
    r = evaluate_check(0, Check(kind="claims", value=["Paris", "2,500", "Tokyo"]), "In Paris, the total is 2,500.")
    assert r.score == 2 / 3
    assert not r.passed


def test_a_broken_regex_fails_the_check_with_a_note_instead_of_raising():
    r = evaluate_check(0, Check(kind="regex", value="(unclosed"), "anything")
    assert not r.passed and "bad regex" in (r.note or "")


def test_live_varying_checks_are_re_derived_from_the_live_output_and_keep_both_verdicts():
    """The price was 1250 at synthesis; the live reference output now says 1300 and the agent answered 1300."""
    check = Check(kind="numeric", value=1250, from_step=0, extract=r"total: ([0-9.]+)")
    [r] = evaluate_checks([check], "The order total is 1,300.", {0: "total: 1300.00"})
    assert (r.passed, r.live_expected, r.live_passed) == (False, "1300.00", True)
    assert r.effective_passed and r.effective_score == 1.0


def test_live_outputs_keyed_by_strings_from_json_are_accepted():
    check = Check(kind="contains", value="sunny", from_step=1, extract=r"sky: (\w+)")
    [r] = evaluate_checks([check], "It is cloudy", {"1": "sky: cloudy"})  # type: ignore[dict-item]
    assert r.live_passed is True and r.passed is False


def test_without_live_outputs_the_synthesis_time_verdict_counts():
    check = Check(kind="numeric", value=1250, from_step=0, extract=r"total: ([0-9.]+)")
    [r] = evaluate_checks([check], "1250")
    assert r.live_passed is None and r.effective_passed


def test_an_extract_pattern_that_finds_nothing_leaves_the_synthesis_verdict_with_a_note():
    check = Check(kind="numeric", value=1250, from_step=0, extract=r"total: ([0-9.]+)")
    [r] = evaluate_checks([check], "1250", {0: "error: order not found"})
    assert r.live_passed is None and r.effective_passed
    assert "found nothing" in (r.note or "")


def test_a_regex_check_re_derived_live_matches_the_extracted_text_literally():
    check = Check(kind="regex", value=r"v1\.2", from_step=0, extract=r"latest (\S+)")
    [r] = evaluate_checks([check], "The newest is v1.3+build", {0: "latest v1.3+build"})
    assert r.live_expected == "v1.3+build" and r.live_passed
