"""Where MCP clients keep their server lists, per operating system, and reading them.

Every location is a (client, path, format, scope) row; `locations()` lays them out for one OS from HOME, APPDATA
(Windows), XDG_CONFIG_HOME and the current directory, so tests can point it at a fake home on any platform.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from mcpbench.discover.formats import FORMATS, ParseContext, SourceError, detect_formats, load_document
from mcpbench.discover.model import DiscoveredServer, Scope, SourceKind
from mcpbench.discover.registry import is_listing, is_server_json, parse_registry


@dataclass(frozen=True)
class Location:
    """One place a client may keep MCP servers. `path` may contain a glob ('*') in its last part."""

    kind: SourceKind
    path: Path
    format: str
    scope: Scope = "user"


@dataclass
class ScanResult:
    servers: list[DiscoveredServer] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    """Files that exist but could not be parsed, entries that were skipped: phrased for the user."""
    scanned: list[Location] = field(default_factory=list)
    """Every location looked at (found or not)."""
    found: list[Path] = field(default_factory=list)
    """Files that existed and were read."""


def _app_config_dir(platform: str, home: Path, environ: Mapping[str, str]) -> Path:
    """Where desktop apps keep settings: ~/.config (XDG), ~/Library/Application Support, %APPDATA%."""
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform.startswith("win"):
        return Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config")


def locations(*, home: Path | None = None, cwd: Path | None = None, platform: str | None = None,
              environ: Mapping[str, str] | None = None) -> list[Location]:
    """Every client config location for one OS ('linux', 'darwin', 'win32'); user locations first, then project."""
    env = os.environ if environ is None else environ
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    plat = platform or sys.platform
    app = _app_config_dir(plat, home, env)
    win = plat.startswith("win")
    xdg = app if win else Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    codex_home = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"

    user: list[Location] = [
        Location("claude-desktop", app / "Claude" / "claude_desktop_config.json", "mcp-servers"),
        Location("claude-code", home / ".claude.json", "claude-code-user"),
        Location("cursor", home / ".cursor" / "mcp.json", "mcp-servers"),
        Location("windsurf", home / ".codeium" / "windsurf" / "mcp_config.json", "mcp-servers"),
        Location("gemini-cli", home / ".gemini" / "settings.json", "mcp-servers"),
        Location("lm-studio", home / ".lmstudio" / "mcp.json", "mcp-servers"),
        Location("amazon-q", home / ".aws" / "amazonq" / "mcp.json", "mcp-servers"),
        Location("codex", codex_home / "config.toml", "codex"),
        Location("continue", home / ".continue" / "config.yaml", "continue"),
        Location("continue", home / ".continue" / "mcpServers" / "*", "continue"),
        Location("zed", (app / "Zed" if win else xdg / "zed") / "settings.json", "zed"),
        Location("goose", (app / "Block" / "goose" / "config" if win else xdg / "goose") / "config.yaml", "goose"),
        Location("opencode", xdg / "opencode" / "opencode.json", "opencode"),
        Location("opencode", xdg / "opencode" / "opencode.jsonc", "opencode"),
    ]
    for code in ("Code", "Code - Insiders", "VSCodium"):
        udir = app / code / "User"
        ext = udir / "globalStorage"
        user += [
            Location("vscode", udir / "mcp.json", "vscode"),
            Location("vscode", udir / "settings.json", "vscode-settings"),
            Location("cline", ext / "saoudrizwan.claude-dev" / "settings" / "cline_mcp_settings.json", "mcp-servers"),
            Location("roo-code", ext / "rooveterinaryinc.roo-cline" / "settings" / "mcp_settings.json", "mcp-servers"),
        ]
    project = [
        Location("claude-code", cwd / ".mcp.json", "mcp-servers", "project"),
        Location("cursor", cwd / ".cursor" / "mcp.json", "mcp-servers", "project"),
        Location("vscode", cwd / ".vscode" / "mcp.json", "vscode", "project"),
        Location("vscode", cwd / ".vscode" / "settings.json", "vscode-settings", "project"),
        Location("gemini-cli", cwd / ".gemini" / "settings.json", "mcp-servers", "project"),
        Location("roo-code", cwd / ".roo" / "mcp.json", "mcp-servers", "project"),
        Location("amazon-q", cwd / ".amazonq" / "mcp.json", "mcp-servers", "project"),
        Location("codex", cwd / ".codex" / "config.toml", "codex", "project"),
        Location("continue", cwd / ".continue" / "mcpServers" / "*", "continue", "project"),
        Location("zed", cwd / ".zed" / "settings.json", "zed", "project"),
        Location("opencode", cwd / "opencode.json", "opencode", "project"),
        Location("opencode", cwd / "opencode.jsonc", "opencode", "project"),
    ]
    return user + project  # scan() reads a file once, so a project dir that is HOME repeats nothing


def _expand(loc: Location) -> list[Path]:
    if "*" not in loc.path.name:
        return [loc.path] if loc.path.is_file() else []
    parent = loc.path.parent
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.glob(loc.path.name)
                  if p.is_file() and p.suffix.lower() in (".json", ".jsonc", ".yaml", ".yml"))


def _display(path: Path, home: Path) -> str:
    try:
        return str(PurePath("~") / path.relative_to(home))
    except ValueError:
        return str(path)


def read_location(loc: Location, path: Path, *, home: Path | None = None) -> tuple[list[DiscoveredServer], list[str]]:
    """Parse one existing file at a location. Raises SourceError when it is not valid JSON/YAML/TOML."""
    doc = load_document(path)
    ctx = ParseContext(_display(path, home or Path.home()), loc.kind, loc.scope)
    return FORMATS[loc.format](doc, ctx), ctx.issues


def read_file(path: Path, *, home: Path | None = None) -> tuple[list[DiscoveredServer], list[str]]:
    """`--from FILE`: any mcpServers/servers/context_servers config, a server.json or a registry listing.

    Raises SourceError when the file cannot be parsed or holds nothing that describes an MCP server.
    """
    doc = load_document(path)
    ctx = ParseContext(_display(path, home or Path.home()), "file", "file")
    if is_server_json(doc) or is_listing(doc) or (isinstance(doc, list) and doc and all(map(is_server_json, doc))):
        ctx.kind = "registry"
        return parse_registry(doc, ctx), ctx.issues
    formats = detect_formats(doc)
    if not formats:
        raise SourceError(f"{path}: no MCP servers here (expected 'mcpServers', 'servers', 'context_servers', "
                          "'mcp_servers', 'extensions', 'mcp' or a registry server.json)")
    servers: list[DiscoveredServer] = []
    for fmt in formats:
        servers += FORMATS[fmt](doc, ctx)
    return servers, ctx.issues


def scan(locs: Iterable[Location], *, home: Path | None = None) -> ScanResult:
    """Read every location that exists; a broken file becomes an issue, never an exception."""
    result = ScanResult()
    seen: set[Path] = set()
    for loc in locs:
        result.scanned.append(loc)
        for path in _expand(loc):
            key = path.resolve()
            if key in seen:
                continue
            seen.add(key)
            result.found.append(path)
            try:
                servers, issues = read_location(loc, path, home=home)
            except SourceError as e:
                result.issues.append(str(e))
                continue
            result.servers += servers
            result.issues += issues
    return result


__all__ = ["Location", "ScanResult", "locations", "read_file", "read_location", "scan"]
