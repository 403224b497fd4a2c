"""`--from FILE` on every fixture format: each client's config, JSONC, registry server.json (both schemas), listings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpbench.discover import SourceError, read_file
from mcpbench.discover.jsonc import loads_jsonc

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discover"

# file -> {name: (transport, command-or-url target)} exactly as a user would expect to see them
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "claude_desktop_config.json": {
        "filesystem": ("stdio", "npx -y @modelcontextprotocol/server-filesystem /Users/me/Desktop"),
        "github": ("stdio", "npx -y @modelcontextprotocol/server-github"),
        "time": ("stdio", "uvx mcp-server-time --local-timezone=UTC"),
    },
    "claude.json": {
        "memory": ("stdio", "npx -y @modelcontextprotocol/server-memory"),
        "postgres": ("stdio", ("npx -y @modelcontextprotocol/server-postgres "
                              "postgresql://app:${POSTGRES_PASSWORD}@localhost/app")),
    },
    "dot_mcp.json": {
        "sentry": ("http", "https://mcp.sentry.dev/mcp"),
        "linear": ("sse", "https://mcp.linear.app/sse"),
        "local-tool": ("stdio", "python tools/server.py"),
    },
    "cursor_mcp.json": {
        "brave-search": ("stdio", "npx -y @brave/brave-search-mcp-server"),
        "context7": ("http", "https://mcp.context7.com/mcp"),
    },
    "vscode_mcp.jsonc": {
        "perplexity": ("stdio", "npx -y server-perplexity-ask"),
        "github-remote": ("http", "https://api.githubcopilot.com/mcp/"),
    },
    "vscode_settings.json": {
        "fetch": ("stdio", "uvx mcp-server-fetch"),
        "weather": ("sse", "http://localhost:8931/sse"),
    },
    "windsurf_mcp_config.json": {
        "figma": ("http", "https://mcp.figma.com/mcp?api_key=${FIGMA_API_KEY}"),
        "puppeteer": ("stdio", "npx -y @modelcontextprotocol/server-puppeteer --token ${PUPPETEER_TOKEN}"),
    },
    "cline_mcp_settings.json": {
        "sqlite": ("stdio", "uvx mcp-server-sqlite --db-path /tmp/test.db"),
        "remote-notes": ("http", "https://notes.example.com/mcp"),
    },
    "gemini_settings.json": {
        "git": ("stdio", "uvx mcp-server-git"),
        "github": ("http", "https://api.githubcopilot.com/mcp/"),
        "docs": ("sse", "http://localhost:8080/sse"),
    },
    "zed_settings.json": {
        "local-mcp-server": ("stdio", "some-command arg-1 arg-2"),
        "older-shape": ("stdio", "node /opt/srv/index.js"),
        "remote-mcp-server": ("http", "https://example.com/mcp"),
    },
    "goose_config.yaml": {
        "github": ("stdio", "npx -y @modelcontextprotocol/server-github"),
        "search": ("http", "https://search.example.com/mcp"),
        "events": ("sse", "http://localhost:9000/sse"),
    },
    "continue_config.yaml": {
        "SQLite MCP": ("stdio", "npx -y mcp-sqlite /path/to/your/database.db"),
        "Playwright": ("http", "https://playwright.example.com/mcp"),
    },
    "codex_config.toml": {
        "context7": ("stdio", "npx -y @upstash/context7-mcp"),
        "figma": ("http", "https://mcp.figma.com/mcp"),
    },
    "opencode.json": {
        "everything": ("stdio", "npx -y @modelcontextprotocol/server-everything"),
        "jira": ("http", "https://jira.example.com/mcp"),
    },
    "lmstudio_mcp.json": {
        "hf-mcp-server": ("http", "https://huggingface.co/mcp"),
    },
    "server_camel.json": {
        "io.github.example/weather": ("stdio", "npx -y @example/weather-mcp@1.4.2 --units metric ${CACHE_DIR}"),
        "io.github.example/weather-pypi": ("stdio", "uvx weather-mcp==1.4.2"),
        "io.github.example/weather-oci": ("stdio", ("docker run -i --rm -e WEATHER_API_KEY "
                                                   "ghcr.io/example/weather-mcp:1.4.2")),
        "io.github.example/weather-remote": ("http", "https://weather.example.com/mcp"),
    },
    "server_snake.json": {
        "io.github.example/notes": ("stdio", "npx -y @example/notes-mcp@0.3.0 --stdio"),
        "io.github.example/notes-remote": ("sse", "https://notes.example.com/sse"),
    },
    "registry_listing.json": {
        "io.github.acme/calc": ("stdio", "uvx acme-calc-mcp==2.0.0"),
        "io.github.acme/search": ("sse", "https://search.acme.dev/sse"),
    },
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_from_file_reads_every_server_of_each_client_format(fixture):
    servers, issues = read_file(FIX / fixture)
    assert {s.name: (s.transport, s.target()) for s in servers} == EXPECTED[fixture]
    assert issues == []


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_every_found_server_converts_to_a_valid_servers_yaml_spec(fixture):
    servers, _ = read_file(FIX / fixture)
    for s in servers:
        spec = s.to_spec()
        assert spec.transport == s.transport
        assert spec.name == s.spec_name()


def test_every_fixture_file_is_covered_by_a_format_test():
    files = {p.name for p in FIX.iterdir() if p.name != "tools.json"}
    assert files == set(EXPECTED)


def test_vscode_user_settings_with_comments_and_trailing_commas_parse():
    text = (FIX / "vscode_settings.json").read_text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    doc = loads_jsonc(text)
    assert doc["mcp"]["servers"]["weather"]["url"] == "http://localhost:8931/sse"  # '//' inside a string survives
    assert doc["files.exclude"] == {"**/.git": True}


def test_jsonc_errors_point_at_the_line_of_the_original_text(tmp_path):
    bad = tmp_path / "settings.json"
    bad.write_text('// header\n{\n  "mcpServers": {\n    "x": {"command": "a",, }\n  }\n}\n')
    with pytest.raises(SourceError, match=r"settings\.json:4: invalid JSON"):
        read_file(bad)


def test_claude_code_user_file_finds_per_project_servers_with_project_scope():
    servers, _ = read_file(FIX / "claude.json")
    by_name = {s.name: s for s in servers}
    assert by_name["postgres"].scope == "project"
    assert by_name["postgres"].source.endswith("#projects./home/me/work/api.mcpServers.postgres")
    assert by_name["memory"].env == {"MEMORY_FILE_PATH": "/home/me/memory.json"}


def test_disabled_servers_are_listed_but_marked_disabled():
    cline, _ = read_file(FIX / "cline_mcp_settings.json")
    goose, _ = read_file(FIX / "goose_config.yaml")
    opencode, _ = read_file(FIX / "opencode.json")
    disabled = {s.name for s in [*cline, *goose, *opencode] if not s.enabled}
    assert disabled == {"sqlite", "search", "jira"}
    assert next(s for s in cline if s.name == "sqlite").to_spec().enabled is False


def test_registry_packages_keep_defaults_and_turn_required_inputs_into_references():
    servers, _ = read_file(FIX / "server_camel.json")
    npm = servers[0]
    assert npm.env == {"WEATHER_API_KEY": "${WEATHER_API_KEY}", "WEATHER_REGION": "eu"}  # optional, no default: gone
    assert npm.description == "Weather forecasts and alerts"
    assert npm.spec_name() == "weather"
    assert set(npm.secrets) == {"WEATHER_API_KEY", "CACHE_DIR"}
    remote = servers[-1]
    assert remote.headers == {"Authorization": "Bearer ${WEATHER_TOKEN}"}


def test_old_snake_case_server_json_reads_like_the_camel_case_one():
    servers, _ = read_file(FIX / "server_snake.json")
    npm = servers[0]
    assert npm.env == {"NOTES_TOKEN": "${NOTES_TOKEN}", "NOTES_DIR": "~/notes"}
    assert npm.source_kind == "registry"


def test_codex_bearer_token_variable_becomes_an_authorization_header_reference():
    servers, _ = read_file(FIX / "codex_config.toml")
    figma = next(s for s in servers if s.name == "figma")
    assert figma.headers == {"X-Figma-Region": "us-east-1", "Authorization": "Bearer ${FIGMA_OAUTH_TOKEN}"}


def test_zed_extension_servers_without_a_command_are_skipped_quietly():
    servers, issues = read_file(FIX / "zed_settings.json")
    assert "mcp-server-github" not in {s.name for s in servers}
    assert issues == []


def test_an_entry_with_neither_command_nor_url_is_reported_not_raised(tmp_path):
    f = tmp_path / "mcp.json"
    f.write_text(json.dumps({"mcpServers": {"ok": {"command": "x"}, "empty": {"args": ["a"]}, "odd": 3}}))
    servers, issues = read_file(f)
    assert [s.name for s in servers] == ["ok"]
    assert any("'empty' has neither a command nor a URL" in i for i in issues)
    assert any("'odd' is not an object" in i for i in issues)


def test_a_file_with_no_servers_in_it_is_an_error_naming_what_was_expected(tmp_path):
    f = tmp_path / "package.json"
    f.write_text('{"name": "x", "version": "1.0.0"}')
    with pytest.raises(SourceError, match="no MCP servers here"):
        read_file(f)


def test_names_that_servers_yaml_refuses_are_made_valid():
    servers, _ = read_file(FIX / "continue_config.yaml")
    assert [s.spec_name() for s in servers] == ["SQLite-MCP", "Playwright"]
