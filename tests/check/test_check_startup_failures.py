"""Issue 17 item 4: a server that will not start says why in every output of `check` (card, -v, --json, JUnit), with
what it wrote on stderr redacted; and a failed stdout check shows the offending lines."""

from __future__ import annotations

import json
import sys

import pytest
from check_helpers import FIXTURES
from typer.testing import CliRunner

from mcpbench.cli import app

runner = CliRunner()
SECRET = "svc-canary-7f3a9c21d4"
DIES = ["--env", f"SERVICE_TOKEN={SECRET}", "--", sys.executable, str(FIXTURES / "dies_with_reason.py")]
REASON = "config file /etc/dies-with-reason/settings.toml not found"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    junit = tmp_path_factory.mktemp("junit") / "check.xml"
    card = runner.invoke(app, ["check", "--junit", str(junit), *DIES], catch_exceptions=False)
    verbose = runner.invoke(app, ["check", "-v", *DIES], catch_exceptions=False)
    as_json = runner.invoke(app, ["check", "--json", *DIES], catch_exceptions=False)
    assert card.exit_code == verbose.exit_code == as_json.exit_code == 1
    return {"card": card.stdout, "verbose": verbose.stdout, "json": as_json.stdout, "junit": junit.read_text()}


@pytest.mark.parametrize("kind", ["card", "verbose", "json", "junit"])
def test_a_server_that_will_not_start_says_why_in_every_output_of_check(outputs: dict[str, str], kind: str) -> None:
    text = " ".join(outputs[kind].split())  # the card wraps long lines
    assert REASON in text, outputs[kind]
    assert SECRET not in outputs[kind]


def test_the_handshake_verdict_carries_the_stderr_tail_as_details(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["json"])
    for check_id in ("protocol.handshake_auto", "protocol.handshake_legacy"):
        r = next(x for x in report["results"] if x["id"] == check_id)
        assert r["status"] == "fail" and "the server's stderr ends with: fatal: " + REASON in r["summary"]
        assert "stderr: fatal: " + REASON in r["details"]
        assert any(d.startswith("stderr: connecting with SERVICE_TOKEN=***") for d in r["details"]), r["details"]


def test_a_failed_stdout_check_shows_the_offending_lines_on_the_card() -> None:
    res = runner.invoke(app, ["check", "--", sys.executable, str(FIXTURES / "stdout_logs.py")],
                        catch_exceptions=False)
    assert res.exit_code == 1
    assert "stdout: Starting raw-fixture server v1.0 ..." in res.stdout
