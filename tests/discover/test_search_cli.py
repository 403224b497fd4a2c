"""`mcpbench servers search` against live fleets: a toy subprocess fleet, and the real default fleet."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.cli.common import console, err_console

TOY = Path(__file__).resolve().parents[1] / "fleet" / "servers" / "toy_server.py"


@pytest.fixture
def toy_config(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "home"))  # a catalog cache of its own
    monkeypatch.setattr(console, "width", 300)
    monkeypatch.setattr(err_console, "width", 300)
    monkeypatch.delenv("MCPBENCH_CONFIG", raising=False)
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"""version: 1
servers:
  - name: toy
    command: {sys.executable}
    args: ["{TOY}"]
    timeouts: {{connect: 60}}
  - name: gone
    command: {tmp_path / "no-such-server"}
""")
    return cfg


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_search_json_ranks_the_live_fleets_tools_and_warns_about_servers_it_could_not_reach(toy_config):
    res = run("servers", "search", "add two integers", "--config", str(toy_config), "--json", "--top", "3")
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert hits[0] == {"server": "toy", "name": "add", "exposed_name": "toy__add", "score": hits[0]["score"],
                       "description": "Add two integers."}
    assert hits[0]["score"] > 0 and len(hits) <= 3
    assert "server gone not searched" in res.stderr


def test_search_prints_a_table_and_says_when_nothing_matches(toy_config):
    res = run("servers", "search", "sleep for a while", "--config", str(toy_config), "--server", "toy")
    assert res.exit_code == 0, res.output
    assert "nap" in res.stdout and "Sleep for a while, then answer." in res.stdout
    res = run("servers", "search", "zebra", "--config", str(toy_config), "--server", "toy")
    assert res.exit_code == 0
    assert "No tool matches" in res.stdout


def test_search_refuses_an_unknown_ranker_before_connecting(toy_config):
    res = run("servers", "search", "x", "--config", str(toy_config), "--ranker", "magic")
    assert res.exit_code == 2
    assert "unknown ranker 'magic'" in res.stderr


@pytest.mark.integration
def test_search_on_the_default_fleet_finds_convert_time_for_a_timezone_question(monkeypatch):
    monkeypatch.setattr(console, "width", 300)
    monkeypatch.delenv("MCPBENCH_CONFIG", raising=False)
    from mcpbench.config import default_config_path

    res = run("servers", "search", "convert a date between timezones", "--json", "--config",
              str(default_config_path()))
    assert res.exit_code == 0, res.output
    hits = json.loads(res.stdout)
    assert (hits[0]["server"], hits[0]["name"]) == ("time", "convert_time")
    assert len({h["server"] for h in hits}) > 1  # the whole fleet was searched, not one server
