"""`mcpbench run`: first-use installs, and a run whose results are unusable exits non-zero and says why."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.run_status import parse_max_infra


def test_run_without_installing_says_how_to_install_the_missing_local_model(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "empty-home"))
    result = CliRunner().invoke(app, ["run", "--no-install"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "local/qwen2.5-coder-1.5b is not installed" in text
    assert "mcpbench models install local/qwen2.5-coder-1.5b" in text


def _refusing_url() -> str:
    """An OpenAI base URL on a loopback port nobody listens on: every request is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_run_whose_model_endpoint_refuses_connections_exits_1_naming_the_error_and_the_log(world, tmp_path,
                                                                                            monkeypatch):
    """Pins issue 17: 10 of 10 episodes infra-failed and `mcpbench run` exited 0."""
    cfg, suite = world
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    args = ["run", "-m", "openai/any-model", "--base-url", _refusing_url(), "-s", str(suite), "-c", str(cfg),
            "-o", str(tmp_path / "run"), "--no-report", "--quiet", "--model-opt", 'retry={"max_attempts": 1}']
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "every episode (4) infra-failed" in text
    assert "the same error hit 4 of 4 infra-failed episodes" in text
    assert "connect" in text.lower()  # the first infra error itself
    assert f"log: {tmp_path / 'run' / 'store.sqlite'}" in text
    as_json = CliRunner().invoke(app, [*args, "--json"])
    assert as_json.exit_code == 1
    status = json.loads(as_json.stdout)["status"]
    assert status["usable"] is False and status["episodes"] == status["infra_failed"] == 4
    assert status["first_infra_error"] and status["same_error_episodes"] == 4


def test_more_infra_failures_than_max_infra_exit_1_and_fewer_exit_0(world, tmp_path, monkeypatch):
    cfg, suite = world
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    base = ["run", "-m", "scripted/oracle", "-m", "openai/any-model", "--base-url", _refusing_url(), "-s", str(suite),
            "-c", str(cfg), "-o", str(tmp_path / "run"), "--no-report", "--json",
            "--model-opt", 'retry={"max_attempts": 1}']
    half = CliRunner().invoke(app, base)  # default 50%: 4 of 8 is not more than half
    assert half.exit_code == 0, half.output
    assert json.loads(half.stdout)["status"] | {"usable": True, "episodes": 8, "infra_failed": 4} == \
        json.loads(half.stdout)["status"]
    strict = CliRunner().invoke(app, [*base, "--max-infra", "3"])
    assert strict.exit_code == 1
    assert "4 of 8 episodes infra-failed, more than --max-infra 3" in " ".join(strict.output.split())
    bad = CliRunner().invoke(app, [*base, "--max-infra", "lots"])
    assert bad.exit_code == 2 and "--max-infra takes a count" in bad.output


@pytest.mark.parametrize(("value", "episodes", "limit"), [("0", 10, 0), ("3", 10, 3), ("50%", 10, 5),
                                                          ("25%", 10, 2), ("100%", 7, 7)])
def test_max_infra_is_a_count_or_a_share_rounded_down(value, episodes, limit):
    assert parse_max_infra(value, episodes) == limit
