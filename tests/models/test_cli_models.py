"""`mcpbench models list` and `mcpbench try`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.trajectory import Trajectory

TOY = Path(__file__).resolve().parents[1] / "fleet" / "servers" / "toy_server.py"


def test_models_list_names_configured_endpoint_variables_but_never_their_values(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["models", "list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"openai", "anthropic", "scripted"} <= {p["prefix"] for p in data["providers"]}
    assert "OPENAI_API_KEY" in data["endpoints"] and "ANTHROPIC_API_KEY" not in data["endpoints"]
    assert "sk-very-secret-value" not in result.output
    human = CliRunner().invoke(app, ["models", "list"])
    assert human.exit_code == 0 and "OPENAI_API_KEY" in human.stdout and "sk-very-secret" not in human.stdout


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"servers:\n  - name: toy\n    command: {json.dumps(sys.executable)}\n"
                   f"    args: [{json.dumps(str(TOY))}]\n")
    return cfg


def test_try_runs_one_episode_on_the_fleet_and_prints_the_trajectory_as_json(tmp_path):
    script = tmp_path / "script.yaml"
    script.write_text("- tool_calls: [{server: toy, tool: add, arguments: {a: 20, b: 22}}]\n- text: It is 42.\n")
    result = CliRunner().invoke(app, ["try", "--model", f"scripted/{script}", "--config", str(_config(tmp_path)),
                                      "--servers", "toy", "--json", "What is 20 + 22?"])
    assert result.exit_code == 0, result.output
    traj = Trajectory.model_validate_json(result.stdout)
    assert traj.status == "completed" and traj.final_answer == "It is 42." and traj.prompt == "What is 20 + 22?"
    [call] = traj.tool_calls()
    assert (call.server, call.tool, call.outcome, call.content) == ("toy", "add", "ok", "42")


def test_try_prints_turns_calls_and_the_answer_for_people(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps([{"text": "adding",
                                   "tool_calls": [{"name": "toy__add", "arguments": {"a": 1, "b": 1}}]},
                                  {"text": "Two."}]))
    result = CliRunner().invoke(app, ["try", "-m", f"scripted/{script}", "-c", str(_config(tmp_path)), "hi"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "toy__add" in out and '{"a": 1, "b": 1}' in out and "ok" in out and "Two." in out and "completed" in out


def test_try_rejects_an_unknown_provider_or_server_with_a_clear_message(tmp_path):
    cfg = str(_config(tmp_path))
    bad_model = CliRunner().invoke(app, ["try", "-m", "nope/x", "-c", cfg, "hi"])
    assert bad_model.exit_code == 2 and "unknown model provider 'nope'" in bad_model.output
    bad_server = CliRunner().invoke(app, ["try", "-m", "scripted/do-nothing", "-c", cfg, "-s", "ghost", "hi"])
    assert bad_server.exit_code == 2 and "ghost" in bad_server.output


def test_try_exits_non_zero_when_the_model_endpoint_fails(tmp_path):
    script = tmp_path / "empty.yaml"
    script.write_text("turns: []\n")
    result = CliRunner().invoke(app, ["try", "-m", f"scripted/{script}", "-c", str(_config(tmp_path)), "hi"])
    assert result.exit_code == 1 and "model_error" in result.stdout
