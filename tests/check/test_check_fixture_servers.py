"""Each deliberately broken fixture server (tests/fixtures/servers, one defect each) gets exactly the findings it
deserves: the set of checks that warn or fail equals the expected set, with the expected severity."""

from __future__ import annotations

import pytest
from check_helpers import check_fixture

EXPECTED: dict[str, dict[str, str]] = {
    "clean_raw": {},
    "clean_sdk": {},
    "stdout_logs": {"protocol.stdout_jsonrpc": "fail"},
    "output_bomb": {"protocol.stdout_jsonrpc": "fail"},
    "crash_on_unknown_tool": {"protocol.unknown_tool": "fail"},
    "silent_invalid_args": {"protocol.invalid_arguments": "fail"},
    "hang_on_call": {"robustness.hang": "fail"},
    "crash_on_call": {"robustness.crash": "fail"},
    "error_as_success": {"robustness.error_flag": "warn"},
    "noisy_stderr": {"protocol.stderr_noise": "warn"},
    "bad_tool_name": {"schemas.tool_name": "fail"},
    "array_without_items": {"schemas.provider_acceptance": "fail"},
    # the SDK refuses the whole tools/list page, so its clients see no tools at all: both findings are deserved
    "non_object_schema": {"protocol.listings": "fail", "schemas.input_schema": "fail"},
    "missing_descriptions": {"schemas.tool_descriptions": "warn", "schemas.param_descriptions": "warn",
                             "schemas.description_quality": "warn"},
    "poisoned_description": {"security.hidden_instructions": "fail"},
    "invisible_unicode": {"security.invisible_unicode": "fail"},
    "output_schema_violated": {"schemas.output_conformance": "fail"},
    "pagination_loop": {"protocol.pagination": "fail"},
    "duplicate_names": {"schemas.duplicate_names": "fail"},
    "vague_errors": {"usability.error_messages": "warn"},
}


@pytest.mark.anyio
@pytest.mark.parametrize("fixture", sorted(EXPECTED))
async def test_each_fixture_server_gets_exactly_the_findings_its_defect_deserves(fixture: str) -> None:
    report = await check_fixture(fixture)
    got = {r.id: r.status for r in report.results if r.status in ("warn", "fail")}
    assert got == EXPECTED[fixture], {r.id: (r.summary, r.details[:3]) for r in report.results if r.id in got}


@pytest.mark.anyio
async def test_a_hung_call_is_a_hang_and_the_session_still_answers_afterwards() -> None:
    report = await check_fixture("hang_on_call")
    hang = report.by_id("robustness.hang")
    assert any(d.startswith("echo_text") for d in hang.details)
    assert report.by_id("protocol.timeout_recovery").status == "pass"


@pytest.mark.anyio
async def test_after_a_crash_the_server_is_restarted_and_the_remaining_tools_are_still_called() -> None:
    report = await check_fixture("crash_on_call")
    crash = report.by_id("robustness.crash")
    assert [d.split(" ")[0] for d in crash.details] == ["add_numbers"]
    called = {t.name: t.calls for t in report.tools}
    assert called["echo_text"] >= 1 and called["city_population"] >= 1
    assert report.by_id("robustness.coverage").summary.startswith("3 of 3")


@pytest.mark.anyio
async def test_a_server_that_dies_on_an_unknown_tool_is_restarted_for_the_robustness_calls() -> None:
    report = await check_fixture("crash_on_unknown_tool")
    assert "crashed" in report.by_id("protocol.unknown_tool").summary
    assert all(t.calls >= 2 for t in report.tools)


@pytest.mark.anyio
async def test_stdout_garbage_is_quoted_in_the_finding() -> None:
    report = await check_fixture("stdout_logs")
    r = report.by_id("protocol.stdout_jsonrpc")
    assert any("Starting raw-fixture server" in d for d in r.details)


@pytest.mark.anyio
async def test_a_tool_refused_by_the_sdk_is_still_judged_from_the_raw_listing() -> None:
    report = await check_fixture("non_object_schema")
    assert "SDK rejects" in report.by_id("protocol.listings").details[0]
    assert report.by_id("schemas.input_schema").details == ["echo_text: root type is 'string', not 'object'"]
    assert {t.name for t in report.tools} == {"add_numbers", "echo_text", "city_population"}


@pytest.mark.anyio
async def test_the_clean_servers_negotiate_in_both_modes_and_answer_ping() -> None:
    raw = await check_fixture("clean_raw")
    assert raw.protocol_versions == {"auto": "2025-11-25", "legacy": "2025-11-25"}
    assert raw.by_id("protocol.ping").status == "pass"
    assert raw.by_id("protocol.pagination").summary.endswith("tools in 2 pages")
    sdk = await check_fixture("clean_sdk")
    assert sdk.protocol_versions["auto"] == "2026-07-28"  # an SDK 2.x server takes the modern path
    assert sdk.by_id("schemas.output_conformance").status == "pass"
