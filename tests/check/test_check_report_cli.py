"""The report card's outputs (JSON, JUnit XML, exit codes) and the `mcpbench check` command line."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from check_helpers import FIXTURES, check_fixture
from rich.console import Console
from typer.testing import CliRunner

from mcpbench.check import CheckReport
from mcpbench.check.report import exit_code, render, to_json, to_junit
from mcpbench.cli import app

runner = CliRunner()


def fixture_cmd(name: str) -> list[str]:
    return ["--", sys.executable, str(FIXTURES / f"{name}.py")]


@pytest.mark.anyio
async def test_exit_code_follows_fail_on() -> None:
    warn_only = await check_fixture("missing_descriptions")
    failing = await check_fixture("poisoned_description")
    assert exit_code(warn_only, "error") == 0 and exit_code(warn_only, "warn") == 1
    assert exit_code(failing, "error") == 1


@pytest.mark.anyio
async def test_junit_has_one_testcase_per_check_and_failures_where_checks_fail() -> None:
    report = await check_fixture("missing_descriptions")
    for fail_on, expected_failures in (("error", set()),
                                       ("warn", {"schemas.tool_descriptions", "schemas.param_descriptions",
                                                "schemas.description_quality"})):
        root = ET.fromstring(to_junit(report, fail_on))  # type: ignore[arg-type]
        cases = root.findall(".//testcase")
        assert {c.get("name") for c in cases} == {r.id for r in report.results}
        failed = {c.get("name") for c in cases if c.find("failure") is not None}
        assert failed == expected_failures
        assert int(root.get("failures", "-1")) == len(expected_failures)
        skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
        assert skipped == {r.id for r in report.results if r.status == "skip"}


@pytest.mark.anyio
async def test_json_round_trips_and_the_card_names_failures_with_their_hint() -> None:
    report = await check_fixture("invisible_unicode")
    assert CheckReport.model_validate_json(to_json(report)) == report
    console = Console(record=True, width=120)
    render(report, console)
    text = console.export_text()
    assert "Invisible Unicode" in text and "U+200B ZERO WIDTH SPACE" in text
    assert "→ Remove zero-width" in text and "FAIL (fail-on error: security.invisible_unicode)" in text


def test_the_command_exits_1_on_a_failing_server_and_writes_junit(tmp_path: Path) -> None:
    junit = tmp_path / "out" / "check.xml"
    result = runner.invoke(app, ["check", "--call-timeout", "2", "--junit", str(junit),
                                 *fixture_cmd("duplicate_names")])
    assert result.exit_code == 1, result.output
    assert "Unique tool names" in result.stdout and "'echo_text' × 2" in result.stdout
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_the_command_prints_json_and_exits_0_for_a_clean_server() -> None:
    result = runner.invoke(app, ["check", "--json", "--call-timeout", "2", *fixture_cmd("clean_raw")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["server_name"] == "raw-fixture" and len(data["tools"]) == 3
    assert all(len(t["sha256"]) == 64 for t in data["tools"])


def test_fail_on_warn_turns_warnings_into_a_failing_exit() -> None:
    args = ["check", "--json", "--call-timeout", "2", *fixture_cmd("error_as_success")]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, ["check", "--fail-on", "warn", *args[1:]]).exit_code == 1


def test_skip_tool_keeps_a_tool_from_being_called() -> None:
    result = runner.invoke(app, ["check", "--json", "--call-timeout", "1", "--skip-tool", "echo_text",
                                 *fixture_cmd("hang_on_call")])
    assert result.exit_code == 0, result.output
    tools = {t["name"]: t for t in json.loads(result.stdout)["tools"]}
    assert tools["echo_text"]["calls"] == 0 and "--skip-tool" in tools["echo_text"]["skipped"]


@pytest.mark.parametrize("args,message", [
    (["check"], "give exactly one of"),
    (["check", "--url", "http://127.0.0.1:9/mcp", "--server", "time"], "give exactly one of"),
    (["check", "--transport", "sse", "--", "x"], "--transport only applies to --url"),
    (["check", "--fail-on", "sometimes", "--", "x"], "--fail-on must be"),
    (["check", "--env", "NOEQUALS", "--", "x"], "KEY=VALUE"),
    (["check", "--model", "gpt-4o", "--", "x"], "provider/model"),
])
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unknown_server_name_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("version: 1\nservers:\n  - name: a\n    command: a-server\n")
    result = runner.invoke(app, ["check", "--server", "nope", "--config", str(cfg)])
    assert result.exit_code == 2 and "no server named 'nope'" in result.output


def test_a_command_that_does_not_exist_fails_the_handshake_checks_with_its_reason() -> None:
    result = runner.invoke(app, ["check", "--json", "--", "/nonexistent/mcp-server"])
    assert result.exit_code == 1
    results = {r["id"]: r for r in json.loads(result.stdout)["results"]}
    assert results["protocol.handshake_auto"]["status"] == "fail"
    assert "not found" in results["protocol.handshake_auto"]["summary"]


