"""Judges are pure functions of the observations: each verdict here is computed from hand-built observations."""

from __future__ import annotations

from typing import Any

import pytest

from mcpbench.catalog import ToolEntry, tool_sha256
from mcpbench.check import checks, judge
from mcpbench.check.model import CallRecord, Handshake, Listing, Observations, StderrScan, Verdict, check
from mcpbench.check.protocol import looks_like_error
from mcpbench.check.robustness import name_words, plan_calls, unsafe_reason


def tool(name: str = "t", description: str = "Does a useful, well described thing.", schema: Any = None,
         **kw: Any) -> ToolEntry:
    e = ToolEntry(server="s", name=name, description=description,
                  input_schema=schema if schema is not None else
                  {"type": "object", "properties": {"x": {"type": "string", "description": "An x."}}}, **kw)
    e.sha256 = tool_sha256(e.definition())
    return e


def obs(**kw: Any) -> Observations:
    base = dict(target="t", transport="stdio", auto=Handshake(mode="auto", ok=True, protocol_version="2025-11-25",
                                                              capabilities={"tools": {}}),
                legacy=Handshake(mode="legacy", ok=True, protocol_version="2025-11-25", capabilities={"tools": {}}))
    base.update(kw)
    return Observations(**base)


def verdict(o: Observations, check_id: str) -> tuple[str, str]:
    r = next(r for r in judge(o) if r.id == check_id)
    return r.status, r.summary


def call(case: str, result: str, text: str = "", tool_name: str = "t", **kw: Any) -> CallRecord:
    return CallRecord(tool=tool_name, case=case, result=result, text_head=text, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("result,text,status", [
    ("error_result", "Unknown tool", "pass"),
    ("protocol_error", "Unknown tool: x", "pass"),
    ("ok", "Error: tool x not found", "warn"),
    ("ok", "here is your result", "fail"),
    ("crash", "", "fail"),
    ("timeout", "", "fail"),
])
def test_the_unknown_tool_verdict_follows_how_the_server_answered(result: str, text: str, status: str) -> None:
    assert verdict(obs(calls=[call("unknown", result, text)]), "protocol.unknown_tool")[0] == status


def test_invalid_arguments_fail_on_silent_success_and_warn_on_an_error_flagged_as_success() -> None:
    assert verdict(obs(calls=[call("invalid", "ok", "done")]), "protocol.invalid_arguments")[0] == "fail"
    required = obs(calls=[call("invalid", "ok", "Error: x is required")])
    assert verdict(required, "protocol.invalid_arguments")[0] == "warn"
    assert verdict(obs(calls=[call("invalid", "error_result")]), "protocol.invalid_arguments")[0] == "pass"
    # a hang on invalid arguments is robustness.hang's finding, not this one
    o = obs(calls=[call("invalid", "timeout")])
    assert verdict(o, "protocol.invalid_arguments")[0] == "skip"
    assert verdict(o, "robustness.hang")[0] == "fail"


def test_pagination_fails_on_a_repeated_cursor_and_on_an_endless_listing() -> None:
    loop = obs(listings=[Listing(kind="tools", attempted=True, pages=2, items=3, loop_cursor="c")])
    assert verdict(loop, "protocol.pagination") == ("fail", "pagination never ends")
    endless = obs(listings=[Listing(kind="tools", attempted=True, pages=100, items=200, page_cap_hit=True)])
    assert verdict(endless, "protocol.pagination")[0] == "fail"


def test_stderr_volume_warns_only_above_the_threshold() -> None:
    assert verdict(obs(stderr=StderrScan(captured=True, bytes=70_000, lines=9, tail="x")),
                   "protocol.stderr_noise")[0] == "warn"
    assert verdict(obs(stderr=StderrScan(captured=True, bytes=10_000, lines=9)), "protocol.stderr_noise")[0] == "pass"
    assert verdict(obs(transport="http"), "protocol.stderr_noise")[0] == "skip"


def test_an_outdated_protocol_revision_is_a_warning() -> None:
    old = obs(auto=Handshake(mode="auto", ok=True, protocol_version="2024-11-05"),
              legacy=Handshake(mode="legacy", ok=True, protocol_version="2024-11-05"))
    assert verdict(old, "protocol.version")[0] == "warn"


def test_listing_tools_without_advertising_the_capability_is_a_warning() -> None:
    o = obs(auto=Handshake(mode="auto", ok=True, capabilities={}),
            listings=[Listing(kind="tools", attempted=True, pages=1, items=2)])
    assert verdict(o, "protocol.capabilities")[0] == "warn"


def test_a_failed_handshake_fails_and_the_checks_that_need_a_session_are_skipped() -> None:
    o = Observations(target="t", transport="stdio", auto=Handshake(mode="auto", error="command not found: x"),
                     legacy=Handshake(mode="legacy", error="command not found: x"))
    results = {r.id: r.status for r in judge(o)}
    assert results["protocol.handshake_auto"] == "fail" and results["protocol.handshake_legacy"] == "fail"
    assert results["protocol.unknown_tool"] == "skip" and results["schemas.tool_name"] == "skip"
    assert "fail" not in {s for k, s in results.items() if not k.startswith("protocol.handshake")}


def test_crashes_and_output_violations_are_attributed_to_the_calls_that_caused_them() -> None:
    o = obs(tools=[tool("a", output_schema={"type": "object", "properties": {"n": {"type": "integer"}}})],
            calls=[call("valid", "crash", tool_name="a", error="closed"),
                   call("valid", "output_schema_violation", tool_name="a", error="bad")])
    assert verdict(o, "robustness.crash")[0] == "fail"
    assert verdict(o, "schemas.output_conformance")[0] == "fail"


def test_an_invalid_output_schema_is_reported_once_not_again_as_a_conformance_failure() -> None:
    o = obs(tools=[tool("a", output_schema={"type": "array"})],
            calls=[call("valid", "output_schema_violation", tool_name="a", error="Invalid schema")])
    assert verdict(o, "schemas.output_schema")[0] == "fail"
    assert verdict(o, "schemas.output_conformance")[0] == "skip"


def test_large_outputs_warn_and_latency_is_information_only() -> None:
    o = obs(calls=[call("valid", "ok", "x", bytes=200_000, latency_s=12.0),
                   call("valid", "ok", "x", bytes=10, latency_s=0.01)])
    assert verdict(o, "robustness.output_size")[0] == "warn"
    status, summary = verdict(o, "robustness.latency")
    assert status == "info" and "p95" in summary


def test_provider_name_warnings_skip_names_that_already_break_the_mcp_rule() -> None:
    o = obs(tools=[tool("bad name"), tool("files.read"), tool("x" * 70)])
    assert verdict(o, "schemas.tool_name")[0] == "fail"
    status, _ = verdict(o, "schemas.tool_name_provider")
    details = next(r for r in judge(o) if r.id == "schemas.tool_name_provider").details
    assert status == "warn" and details == ["'files.read'", repr("x" * 70)]


def test_top_level_combinators_are_rejected_by_providers_but_nested_ones_are_fine() -> None:
    top = {"type": "object", "properties": {"a": {"type": "string", "description": "A."}}, "anyOf": [
        {"required": ["a"]}]}
    nested = {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}, {"type": "integer"}],
                                                     "description": "A."}}}
    assert verdict(obs(tools=[tool("t", schema=top)]), "schemas.provider_acceptance")[0] == "fail"
    assert verdict(obs(tools=[tool("t", schema=nested)]), "schemas.provider_acceptance")[0] == "pass"


def test_only_tools_known_to_be_read_only_are_called_unless_destructive_calls_are_allowed() -> None:
    """Issue 17 item 6: a deny list of name words let a check call git_stash/git_clean on the user's repository;
    the rule is inverted: without --allow-destructive only declared or evidently read-only tools are called."""
    assert name_words("deleteFile") == ["delete", "file"] and name_words("drop-table") == ["drop", "table"]
    assert unsafe_reason(tool("write_file")) == "not declared read-only, and its name contains 'write'"
    assert unsafe_reason(tool("archive", annotations={"destructiveHint": True})) == "declares destructiveHint: true"
    assert unsafe_reason(tool("get_archive", annotations={"destructiveHint": True})) == \
        "declares destructiveHint: true"  # a read-only-sounding name does not overrule the declaration
    assert unsafe_reason(tool("list_items", annotations={"readOnlyHint": False})) == "declares readOnlyHint: false"
    assert unsafe_reason(tool("delete_cache", annotations={"readOnlyHint": True})) is None
    assert unsafe_reason(tool("get_format")) is None and unsafe_reason(tool("gitStatus")) is None
    assert unsafe_reason(tool("stash_list")) == "not declared read-only, and its name contains 'stash'"
    assert unsafe_reason(tool("set_working_dir")) == "not declared read-only, and its name contains 'set'"
    assert unsafe_reason(tool("frobnicate")) == \
        "not declared read-only (no readOnlyHint), and its name does not read as read-only"
    tools = [tool("remove_item"), tool("list_items"), tool("frobnicate")]
    calls, skipped = plan_calls(tools, allow_destructive=False)
    assert {c.tool for c in calls if c.case != "unknown"} == {"list_items"}
    assert skipped == {"remove_item": "may change state: not declared read-only, and its name contains 'remove'",
                       "frobnicate": "may change state: not declared read-only (no readOnlyHint), and its name "
                                     "does not read as read-only"}
    calls, skipped = plan_calls(tools, allow_destructive=True)
    assert {c.tool for c in calls if c.case != "unknown"} == {"remove_item", "list_items", "frobnicate"}
    assert not skipped
    o = obs(tools=tools, skipped_tools={"remove_item": "may change state: declares destructiveHint: true"})
    r = next(r for r in judge(o) if r.id == "robustness.coverage")
    assert r.status == "info" and any("--allow-destructive" in d for d in r.details)


def test_error_text_detection() -> None:
    assert looks_like_error("Error: no such table")
    assert looks_like_error("Traceback (most recent call last):\n ...")
    assert not looks_like_error("The error rate was 3%")


def test_a_check_is_capped_at_its_declared_severity_and_every_id_is_unique() -> None:
    ids = [c.id for c in checks()]
    assert len(ids) == len(set(ids))

    from mcpbench.check.model import REGISTRY

    @check("test.capped", category="protocol", severity="warn", title="t", why="w", hint="h")
    def _always_fails(o: Observations) -> Verdict:
        return Verdict("fail", "boom")

    try:
        r = next(r for r in judge(obs()) if r.id == "test.capped")
        assert r.status == "warn" and r.hint == "h"
        with pytest.raises(ValueError):
            check("test.capped", category="protocol", severity="warn", title="t", why="w", hint="h")(_always_fails)
    finally:
        REGISTRY.pop("test.capped")
