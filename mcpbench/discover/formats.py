"""Parsers for every client's server-list format, registered by name with @config_format.

A parser takes the loaded document (dict from JSON/JSONC, YAML or TOML) and a ParseContext, and returns the servers it
describes. Entries it cannot use are reported as issues on the context, never raised.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from mcpbench.discover.jsonc import loads_jsonc
from mcpbench.discover.model import DiscoveredServer, Scope, SourceKind, from_entry


class SourceError(Exception):
    """A config file exists but cannot be read or parsed; the message names the file."""


@dataclass
class ParseContext:
    source: str
    kind: SourceKind
    scope: Scope = "user"
    issues: list[str] = field(default_factory=list)

    def entry(self, name: str, value: Any, *, fragment: str = "") -> DiscoveredServer | None:
        where = f"{self.source}#{fragment}" if fragment else self.source
        if not isinstance(value, dict):
            self.issues.append(f"{where}: server '{name}' is not an object; skipped")
            return None
        found = from_entry(str(name), value, source=where, kind=self.kind, scope=self.scope)
        if found is None and value.get("type") not in ("builtin", "platform", "frontend", "inline_python"):
            self.issues.append(f"{where}: server '{name}' has neither a command nor a URL; skipped")
        return found


ConfigParser = Callable[[Any, ParseContext], list[DiscoveredServer]]
FORMATS: dict[str, ConfigParser] = {}


def config_format(name: str) -> Callable[[ConfigParser], ConfigParser]:
    """Register a parser under a format name (used by Location.format and `--from` autodetection)."""

    def deco(fn: ConfigParser) -> ConfigParser:
        FORMATS[name] = fn
        return fn

    return deco


def _servers_map(mapping: Any, ctx: ParseContext, fragment: str) -> list[DiscoveredServer]:
    if isinstance(mapping, list):  # Continue and a few others: a list of {name, ...}
        out = []
        for i, item in enumerate(mapping):
            name = item.get("name") if isinstance(item, dict) else None
            found = ctx.entry(str(name or f"server-{i + 1}"), item, fragment=f"{fragment}[{i}]")
            if found:
                out.append(found)
        return out
    if not isinstance(mapping, dict):
        return []
    return [s for name, v in mapping.items() if (s := ctx.entry(str(name), v, fragment=f"{fragment}.{name}"))]


@config_format("mcp-servers")
def parse_mcp_servers(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Claude Desktop, Cursor, Windsurf, Cline, Roo, Gemini CLI, LM Studio, Amazon Q, Claude Code .mcp.json."""
    if not isinstance(doc, dict):
        return []
    key = "mcpServers" if "mcpServers" in doc else "mcp_servers" if "mcp_servers" in doc else None
    return _servers_map(doc.get(key), ctx, key) if key else []


@config_format("vscode")
def parse_vscode(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """VS Code mcp.json (workspace .vscode/mcp.json or the user-level one): key 'servers'."""
    if not isinstance(doc, dict):
        return []
    return _servers_map(doc.get("servers"), ctx, "servers") or parse_mcp_servers(doc, ctx)


@config_format("vscode-settings")
def parse_vscode_settings(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """VS Code settings.json: "mcp": {"servers": {...}} or the flat key "mcp.servers"."""
    if not isinstance(doc, dict):
        return []
    mcp = doc.get("mcp")
    if isinstance(mcp, dict) and "servers" in mcp:
        return _servers_map(mcp["servers"], ctx, "mcp.servers")
    return _servers_map(doc.get("mcp.servers"), ctx, "mcp.servers")


@config_format("claude-code-user")
def parse_claude_json(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """~/.claude.json: top-level mcpServers (user scope) and projects.<path>.mcpServers (local scope)."""
    if not isinstance(doc, dict):
        return []
    out = parse_mcp_servers(doc, ctx)
    projects = doc.get("projects")
    if isinstance(projects, dict):
        for path, proj in projects.items():
            if isinstance(proj, dict) and isinstance(proj.get("mcpServers"), dict):
                sub = ParseContext(ctx.source, ctx.kind, "project", ctx.issues)
                out += _servers_map(proj["mcpServers"], sub, f"projects.{path}.mcpServers")
    return out


@config_format("zed")
def parse_zed(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Zed settings.json: 'context_servers' (extension-provided entries without a command are skipped quietly)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("context_servers"), dict):
        return []
    out = []
    for name, v in doc["context_servers"].items():
        if isinstance(v, dict) and not (v.get("command") or v.get("url")):
            continue  # {"source": "extension", "settings": {...}}: launched by a Zed extension
        if s := ctx.entry(str(name), v, fragment=f"context_servers.{name}"):
            out.append(s)
    return out


@config_format("goose")
def parse_goose(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Goose config.yaml: 'extensions' of type stdio (cmd, args, envs), sse or streamable_http (uri, headers)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("extensions"), dict):
        return []
    out = []
    for key, ext in doc["extensions"].items():
        if not isinstance(ext, dict):
            continue
        config = ext.get("config")
        body: dict[str, Any] = config if isinstance(config, dict) else ext
        if body.get("type") in ("builtin", "platform", "frontend", "inline_python"):
            continue
        merged = {**body, "enabled": ext.get("enabled", body.get("enabled", True))}
        if s := ctx.entry(str(body.get("name") or key), merged, fragment=f"extensions.{key}"):
            out.append(s)
    return out


@config_format("continue")
def parse_continue(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Continue config.yaml or a .continue/mcpServers block: 'mcpServers' as a list (YAML) or a map (JSON)."""
    return parse_mcp_servers(doc, ctx)


@config_format("codex")
def parse_codex(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Codex config.toml: [mcp_servers.<name>] tables (command/args/env or url + bearer_token_env_var)."""
    if not isinstance(doc, dict):
        return []
    return _servers_map(doc.get("mcp_servers"), ctx, "mcp_servers")


@config_format("opencode")
def parse_opencode(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """opencode.json: 'mcp' map of {type local, command [...], environment} or {type remote, url, headers}."""
    if not isinstance(doc, dict) or not isinstance(doc.get("mcp"), dict):
        return []
    return _servers_map(doc["mcp"], ctx, "mcp")


def load_document(path: Path) -> Any:
    """Read a JSON/JSONC, YAML or TOML file by its suffix. Raises SourceError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return YAML(typ="safe", pure=True).load(text)
        if suffix == ".toml":
            return tomllib.loads(text)
        if not text.strip():
            return {}
        return loads_jsonc(text)
    except json.JSONDecodeError as e:
        raise SourceError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    except YAMLError as e:
        raise SourceError(f"{path}: invalid YAML: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SourceError(f"{path}: invalid TOML: {e}") from None


def detect_formats(doc: Any) -> list[str]:
    """Which registered formats a document of unknown origin looks like (for `--from FILE`)."""
    if not isinstance(doc, dict):
        return []
    found: list[str] = []
    checks: Iterable[tuple[str, bool]] = (
        ("claude-code-user", isinstance(doc.get("projects"), dict)),
        ("mcp-servers", "mcpServers" in doc or ("mcp_servers" in doc and not isinstance(doc.get("mcp_servers"), dict))),
        ("codex", isinstance(doc.get("mcp_servers"), dict)),
        ("vscode", isinstance(doc.get("servers"), dict)),
        ("vscode-settings", (isinstance(doc.get("mcp"), dict) and "servers" in doc["mcp"]) or "mcp.servers" in doc),
        ("zed", "context_servers" in doc),
        ("goose", isinstance(doc.get("extensions"), dict)),
        ("opencode", isinstance(doc.get("mcp"), dict) and "servers" not in doc["mcp"]),
    )
    for name, ok in checks:
        if ok and not (name == "mcp-servers" and "claude-code-user" in found):
            found.append(name)
    return found


__all__ = [
    "FORMATS",
    "ConfigParser",
    "ParseContext",
    "SourceError",
    "config_format",
    "detect_formats",
    "load_document",
]
