"""`mcpbench discover` as a user runs it: table, --json, --from, --add, --probe, fake HOME; secrets never printed."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.cli.common import console, err_console

TOY = Path(__file__).resolve().parents[1] / "fleet" / "servers" / "toy_server.py"


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "cache"))
    for var in ("XDG_CONFIG_HOME", "CODEX_HOME", "MCPBENCH_CONFIG", "APPDATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(console, "width", 400)  # no wrapping: a secret split over two lines would hide from `in`
    monkeypatch.setattr(err_console, "width", 400)
    return home


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_discover_from_every_fixture_prints_a_table_and_no_secret(config_fixtures, planted_secrets, fake_home):
    args = [a for f in config_fixtures for a in ("--from", str(f))]
    res = run("discover", *args)
    assert res.exit_code == 0, res.output
    out = res.stdout + res.stderr
    assert [s for s in planted_secrets if s in out] == []
    assert "MCP server(s) found" in res.stdout
    assert "GITHUB_PERSONAL_ACCESS_TOKEN" in res.stdout  # named in the 'set these variables' line
    assert "https://mcp.sentry.dev/mcp" in res.stdout


def test_discover_json_lists_servers_with_spec_names_and_no_secret(fixtures_dir, planted_secrets, fake_home):
    res = run("discover", "--from", str(fixtures_dir / "server_camel.json"), "--from",
              str(fixtures_dir / "goose_config.yaml"), "--json")
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    names = [(s["name"], s["spec_name"], s["transport"]) for s in doc["servers"]]
    assert names[:2] == [("io.github.example/weather", "weather", "stdio"),
                         ("io.github.example/weather-pypi", "weather-pypi", "stdio")]
    assert ("github", "github", "stdio") in names
    github = next(s for s in doc["servers"] if s["name"] == "github")
    assert github["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}"}
    assert [s for s in planted_secrets if s in res.stdout] == []


def test_discover_with_a_fake_home_finds_the_clients_configs_there(fixtures_dir, fake_home):
    (fake_home / ".cursor").mkdir()
    shutil.copy(fixtures_dir / "cursor_mcp.json", fake_home / ".cursor" / "mcp.json")
    (fake_home / ".config" / "Claude").mkdir(parents=True)
    shutil.copy(fixtures_dir / "claude_desktop_config.json", fake_home / ".config" / "Claude" /
                "claude_desktop_config.json")
    res = run("discover", "--no-installed", "--json")
    assert res.exit_code == 0
    found = {(s["source_kind"], s["name"]) for s in json.loads(res.stdout)["servers"]}
    assert found == {("cursor", "brave-search"), ("cursor", "context7"), ("claude-desktop", "filesystem"),
                     ("claude-desktop", "github"), ("claude-desktop", "time")}


def test_discover_with_nothing_configured_says_so(fake_home):
    res = run("discover", "--no-installed")
    assert res.exit_code == 0
    assert "No MCP servers found" in res.stdout


def test_discover_add_writes_servers_yaml_without_secrets(fixtures_dir, planted_secrets, fake_home, tmp_path):
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("# mine\nversion: 1\nservers:\n  - name: calc  # keep me\n    command: mcp-server-calculator\n")
    res = run("discover", "--from", str(fixtures_dir / "claude_desktop_config.json"), "--from",
              str(fixtures_dir / "dot_mcp.json"), "--add", "--config", str(cfg))
    assert res.exit_code == 0, res.output
    text = cfg.read_text()
    assert text.startswith("# mine\nversion: 1\nservers:\n  - name: calc  # keep me\n")
    assert "6 server(s) added" in res.stdout
    assert [s for s in planted_secrets if s in text + res.stdout] == []
    again = run("discover", "--from", str(fixtures_dir / "dot_mcp.json"), "--add", "--config", str(cfg))
    assert "0 server(s) added" in again.stdout and cfg.read_text() == text


def test_discover_add_defaults_to_servers_yaml_in_the_current_directory(fixtures_dir, fake_home, tmp_path):
    res = run("discover", "--from", str(fixtures_dir / "lmstudio_mcp.json"), "--add")
    assert res.exit_code == 0
    assert "name: hf-mcp-server" in (tmp_path / "servers.yaml").read_text()


def test_a_from_file_without_servers_fails_with_a_clear_message(fake_home, tmp_path):
    f = tmp_path / "package.json"
    f.write_text('{"name": "x"}')
    res = run("discover", "--from", str(f))
    assert res.exit_code == 2
    assert "no MCP servers here" in res.stderr


def test_discover_probe_adds_status_and_tool_counts(fake_home, tmp_path):
    f = tmp_path / "mcp.json"
    f.write_text(json.dumps({"mcpServers": {"toy": {"command": sys.executable, "args": [str(TOY)]},
                                            "gone": {"command": str(tmp_path / "nope")}}}))
    res = run("discover", "--from", str(f), "--probe", "--timeout", "30", "--json")
    assert res.exit_code == 0, res.output
    probes = {s["name"]: s["probe"] for s in json.loads(res.stdout)["servers"]}
    assert probes["toy"]["status"] == "connected" and probes["toy"]["tools"] == TOY.read_text().count("@mcp.tool")
    assert probes["gone"]["status"] == "failed"
