"""The description-quality rubric, confusable tools and annotation checks on small in-repo fixture servers, each
built to trip exactly one rule (tests/fixtures/servers/rubric_rules.py, annotation_rules.py), checked for real: a
subprocess over stdio, the whole `run_check`."""

from __future__ import annotations

import sys

import anyio
import pytest
from check_helpers import FAST, FIXTURES

from mcpbench.check import CheckReport, Target, run_check
from mcpbench.check.rubric import RULES

_CACHE: dict[tuple[str, str], CheckReport] = {}


async def _check(script: str, variant: str) -> CheckReport:
    if (script, variant) not in _CACHE:
        target = Target.from_command([sys.executable, str(FIXTURES / f"{script}.py"), variant], name=variant)
        with anyio.fail_after(120):
            _CACHE[(script, variant)] = await run_check(target, FAST)
    return _CACHE[(script, variant)]


def _problems(report: CheckReport) -> dict[str, str]:
    return {r.id: r.status for r in report.results if r.status in ("warn", "fail")}


OTHER_FINDINGS: dict[str, dict[str, str]] = {
    "purpose.missing": {"schemas.tool_descriptions": "warn", "schemas.description_quality": "warn"},
    "params.undescribed": {"schemas.param_descriptions": "warn"},
    "disambiguation.confusable": {"schemas.confusable_tools": "warn"},
}
"""Checks besides the rubric rule that the defect rightly trips (a missing description is also
schemas.tool_descriptions' finding; a tool below the per-tool floor makes the whole check warn)."""


@pytest.mark.anyio
@pytest.mark.parametrize("rule", ["exemplary", *sorted(RULES)])
async def test_each_rubric_fixture_trips_exactly_its_rule(rule: str) -> None:
    report = await _check("rubric_rules", rule)
    quality = report.by_id("schemas.description_quality")
    rules = {f["rule"] for f in quality.data["findings"]}
    assert rules == (set() if rule == "exemplary" else {rule}), quality.details
    assert _problems(report) == OTHER_FINDINGS.get(rule, {}), {r.id: r.summary for r in report.results}
    if rule != "exemplary":
        line = next(d for d in quality.details if d.endswith(f"[{rule}]"))
        assert "→" in line, "every finding says how to fix it"


@pytest.mark.anyio
async def test_the_exemplary_fixture_scores_100_and_a_missing_description_costs_its_points() -> None:
    assert (await _check("rubric_rules", "exemplary")).by_id("schemas.description_quality").data["score"] == 100
    missing = (await _check("rubric_rules", "purpose.missing")).by_id("schemas.description_quality")
    # echo_text keeps parameters (25) and examples (10) → 35; tools (100+35+100)/3 = 78.33;
    # 0.8 × 78.33 + 0.2 × 100 = 82.7 → 83
    assert missing.data["tools"]["echo_text"] == 35 and missing.data["score"] == 83
    assert missing.details[0].startswith("echo_text: has no description")


@pytest.mark.anyio
async def test_a_read_only_tool_that_changes_what_a_reader_shows_fails_the_annotation_check() -> None:
    r = (await _check("annotation_rules", "readonly_mutates")).by_id("schemas.annotations")
    assert r.status == "fail"
    assert r.details[0].startswith("record_visit: declares readOnlyHint but changed state — list_visits")


@pytest.mark.anyio
async def test_a_read_only_tool_that_refuses_the_same_call_twice_fails_the_annotation_check() -> None:
    r = (await _check("annotation_rules", "readonly_retry_fails")).by_id("schemas.annotations")
    assert r.status == "fail"
    assert r.details == [d for d in r.details if d.startswith("claim_ticket: declares readOnlyHint but failed when "
                                                               "called again")] and r.details


@pytest.mark.anyio
async def test_a_mutating_name_without_destructive_hint_warns() -> None:
    report = await _check("annotation_rules", "mutating_no_hint")
    assert _problems(report) == {"schemas.annotations": "warn"}
    assert report.by_id("schemas.annotations").details[0].startswith("update_motto: its name says it changes state")


@pytest.mark.anyio
async def test_declared_hints_win_over_names_where_mcp_toolgauge_is_wrong() -> None:
    """mcp-toolgauge calls a tool that clears a session setting destructive and one that declares destructiveHint
    true read-only. Here the declaration wins over the name: neither is a finding, and the destructive one is not
    called."""
    report = await _check("annotation_rules", "honest")
    assert _problems(report) == {}
    assert "get_archive" in {t.name for t in report.tools if t.skipped}
    assert "get_archive" not in {p["tool"] for p in report.by_id("schemas.annotations").data["probes"]}


@pytest.mark.anyio
async def test_a_reader_that_changes_on_its_own_is_not_blamed_on_a_slow_read_only_tool() -> None:
    report = await _check("annotation_rules", "clock")
    r = report.by_id("schemas.annotations")
    assert r.status == "pass", r.details
    probe = next(p for p in r.data["probes"] if p["tool"] == "slow_status")
    assert probe["changed"] == []
    if "list_visits" in probe["readers"]:  # stable twice in a row (almost always): the control interval caught it
        assert probe["volatile"] == ["list_visits"]
