"""`discover --add`: found servers appended to servers.yaml with the user's comments and order kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpbench.config import ConfigError, load_config
from mcpbench.discover import DiscoveredServer, merge_into_config, read_file

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discover"

USER_YAML = """\
# My fleet: hand-written, keep this comment
version: 1
servers:
  # the time server, installed by mcpbench
  - name: time
    command: mcp-server-time
    args: ["--local-timezone", "UTC"]   # UTC for reproducibility
    install: {pypi: "mcp-server-time==2026.10.19"}

  - name: github            # a different server under a name Claude Desktop also uses
    command: gh-mcp
    env:
      GH_TOKEN: ${GH_TOKEN}
# trailing comment of the file
"""


def _found(fixture: str) -> list[DiscoveredServer]:
    return read_file(FIX / fixture)[0]


def test_merge_appends_new_servers_and_keeps_every_comment_and_the_order(tmp_path):
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(USER_YAML)
    report = merge_into_config(_found("claude_desktop_config.json"), cfg)
    text = cfg.read_text()
    for line in USER_YAML.splitlines():
        assert line in text
    kept = [text.index(line) for line in USER_YAML.splitlines() if line.strip()]
    assert kept == sorted(kept)
    assert text.index("name: github ") < text.index("name: filesystem") < text.index("name: github-2")
    assert [n for n, _ in report.added] == ["filesystem", "github-2"]
    assert "found by mcpbench discover: " in text
    assert [s.name for s in load_config(cfg).servers] == ["time", "github", "filesystem", "github-2"]


def test_a_server_already_configured_by_package_or_command_is_not_added_twice(tmp_path):
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(USER_YAML)
    report = merge_into_config(_found("claude_desktop_config.json"), cfg)
    assert ("time", "package already configured as 'time'") in report.skipped  # uvx mcp-server-time == install pypi
    first = cfg.read_text()
    again = merge_into_config(_found("claude_desktop_config.json"), cfg)
    assert again.added == []
    assert {why for _, why in again.skipped} == {"already configured as 'filesystem'",
                                                 "already configured as 'github-2'",
                                                 "package already configured as 'time'"}
    assert cfg.read_text() == first


def test_identical_servers_from_two_clients_are_added_once(tmp_path):
    cfg = tmp_path / "servers.yaml"
    goose = _found("goose_config.yaml")  # its github is the same npx line as Claude Desktop's
    report = merge_into_config(_found("claude_desktop_config.json") + goose, cfg)
    names = [s.name for s in load_config(cfg).servers]
    assert names.count("github") == 1 and "github-2" not in names
    assert ("github", "already configured as 'github'") in report.skipped


def test_secrets_never_reach_the_written_yaml(tmp_path, planted_secrets):
    cfg = tmp_path / "servers.yaml"
    every = [s for f in sorted(FIX.iterdir()) if f.name != "tools.json" for s in read_file(f)[0]]
    report = merge_into_config(every, cfg)
    text = cfg.read_text()
    assert [s for s in planted_secrets if s in text] == []
    assert "${GITHUB_PERSONAL_ACCESS_TOKEN}" in text
    assert len(report.added) == len(load_config(cfg).servers)


def test_a_missing_servers_yaml_is_created_and_loads(tmp_path):
    cfg = tmp_path / "new" / "servers.yaml"
    merge_into_config(_found("dot_mcp.json"), cfg)
    loaded = load_config(cfg)
    by = {s.name: s for s in loaded.servers}
    assert by["sentry"].headers == {"Authorization": "Bearer ${SENTRY_TOKEN}"}
    assert by["linear"].transport == "sse"
    assert by["local-tool"].cwd == "/home/me/work/api"


def test_a_broken_servers_yaml_is_left_untouched(tmp_path):
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("servers: [\n  - name: x\n")
    with pytest.raises(ConfigError, match="not touching it"):
        merge_into_config(_found("dot_mcp.json"), cfg)
    assert cfg.read_text() == "servers: [\n  - name: x\n"


def test_a_top_level_sequence_style_without_indent_is_kept(tmp_path):
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("servers:\n- name: a\n  command: a-mcp\n")
    merge_into_config(_found("lmstudio_mcp.json"), cfg)
    text = cfg.read_text()
    assert text.startswith("servers:\n- name: a\n  command: a-mcp\n")
    assert "\n- name: hf-mcp-server\n" in text
