"""Discover with a fake HOME (and APPDATA, cwd) on each OS: every client's file is found where the client keeps it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mcpbench.discover import discover, locations

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discover"


def _place(src: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIX / src, dest)


def _user_files(platform: str, home: Path, appdata: Path) -> dict[str, tuple[str, Path]]:
    """kind -> (fixture, where that client keeps its user-level file on `platform`)."""
    app = {"linux": home / ".config", "darwin": home / "Library" / "Application Support", "win32": appdata}[platform]
    xdg = appdata if platform == "win32" else home / ".config"
    return {
        "claude-desktop": ("claude_desktop_config.json", app / "Claude" / "claude_desktop_config.json"),
        "claude-code": ("claude.json", home / ".claude.json"),
        "cursor": ("cursor_mcp.json", home / ".cursor" / "mcp.json"),
        "windsurf": ("windsurf_mcp_config.json", home / ".codeium" / "windsurf" / "mcp_config.json"),
        "gemini-cli": ("gemini_settings.json", home / ".gemini" / "settings.json"),
        "lm-studio": ("lmstudio_mcp.json", home / ".lmstudio" / "mcp.json"),
        "codex": ("codex_config.toml", home / ".codex" / "config.toml"),
        "continue": ("continue_config.yaml", home / ".continue" / "config.yaml"),
        "zed": ("zed_settings.json", (appdata / "Zed" if platform == "win32" else xdg / "zed") / "settings.json"),
        "goose": ("goose_config.yaml", (appdata / "Block" / "goose" / "config" if platform == "win32"
                                        else xdg / "goose") / "config.yaml"),
        "opencode": ("opencode.json", xdg / "opencode" / "opencode.json"),
        "vscode": ("vscode_settings.json", app / "Code" / "User" / "settings.json"),
        "cline": ("cline_mcp_settings.json", app / "Code" / "User" / "globalStorage" / "saoudrizwan.claude-dev"
                  / "settings" / "cline_mcp_settings.json"),
    }


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_every_clients_user_config_is_found_in_its_place_on_each_os(platform, tmp_path):
    home, appdata, cwd = tmp_path / "home", tmp_path / "roaming", tmp_path / "project"
    cwd.mkdir()
    files = _user_files(platform, home, appdata)
    for fixture, dest in files.values():
        _place(fixture, dest)
    result = discover(home=home, cwd=cwd, platform=platform, environ={"APPDATA": str(appdata)}, installed=False)
    assert result.issues == []
    assert {s.source_kind for s in result.servers} == set(files)
    assert sorted(map(str, result.found)) == sorted(str(dest) for _, dest in files.values())
    vscode = {s.name for s in result.servers if s.source_kind == "vscode"}
    assert vscode == {"fetch", "weather"}


def test_project_files_in_the_current_directory_are_found_with_project_scope(tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    _place("dot_mcp.json", cwd / ".mcp.json")
    _place("cursor_mcp.json", cwd / ".cursor" / "mcp.json")
    _place("vscode_mcp.jsonc", cwd / ".vscode" / "mcp.json")
    _place("gemini_settings.json", cwd / ".gemini" / "settings.json")
    _place("codex_config.toml", cwd / ".codex" / "config.toml")
    result = discover(home=home, cwd=cwd, platform="linux", environ={}, installed=False)
    kinds = {(s.source_kind, s.scope) for s in result.servers}
    assert kinds == {("claude-code", "project"), ("cursor", "project"), ("vscode", "project"),
                     ("gemini-cli", "project"), ("codex", "project")}


def test_continue_block_files_in_mcpServers_folders_are_all_read(tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "repo"
    _place("continue_config.yaml", cwd / ".continue" / "mcpServers" / "blocks.yaml")
    _place("claude_desktop_config.json", cwd / ".continue" / "mcpServers" / "from-claude.json")
    (cwd / ".continue" / "mcpServers" / "README.md").write_text("not a config")
    home.mkdir()
    result = discover(home=home, cwd=cwd, platform="linux", environ={}, installed=False)
    assert {s.name for s in result.servers} == {"SQLite MCP", "Playwright", "filesystem", "github", "time"}


def test_a_broken_config_file_is_reported_and_the_others_still_read(tmp_path):
    home = tmp_path / "home"
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text('{"mcpServers": {"x": ')
    _place("gemini_settings.json", home / ".gemini" / "settings.json")
    result = discover(home=home, cwd=home, platform="linux", environ={}, installed=False)
    assert {s.source_kind for s in result.servers} == {"gemini-cli"}
    assert len(result.issues) == 1 and ".cursor/mcp.json" in result.issues[0]


def test_a_project_directory_that_is_home_reads_each_file_once(tmp_path):
    home = tmp_path / "home"
    _place("gemini_settings.json", home / ".gemini" / "settings.json")
    result = discover(home=home, cwd=home, platform="linux", environ={}, installed=False)
    assert [s.scope for s in result.servers] == ["user"] * 3


def test_xdg_config_home_and_codex_home_move_those_clients(tmp_path):
    home, xdg, codex = tmp_path / "home", tmp_path / "xdg", tmp_path / "codex"
    locs = locations(home=home, cwd=tmp_path, platform="linux",
                     environ={"XDG_CONFIG_HOME": str(xdg), "CODEX_HOME": str(codex)})
    paths = {(loc.kind, loc.path) for loc in locs}
    assert ("claude-desktop", xdg / "Claude" / "claude_desktop_config.json") in paths
    assert ("zed", xdg / "zed" / "settings.json") in paths
    assert ("codex", codex / "config.toml") in paths


def test_sources_are_shown_relative_to_home(tmp_path):
    home = tmp_path / "home"
    _place("cursor_mcp.json", home / ".cursor" / "mcp.json")
    result = discover(home=home, cwd=home, platform="linux", environ={}, installed=False)
    assert {s.source for s in result.servers} == {"~/.cursor/mcp.json#mcpServers.brave-search",
                                                  "~/.cursor/mcp.json#mcpServers.context7"}
