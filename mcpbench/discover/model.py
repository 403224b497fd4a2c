"""What discovery finds: one DiscoveredServer per configured or installed server, secrets already redacted."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcpbench.config import Install, ServerSpec, Transport
from mcpbench.discover.secrets import Redactor, normalize_refs

SourceKind = Literal[
    "claude-desktop", "claude-code", "cursor", "vscode", "windsurf", "cline", "roo-code", "continue", "zed",
    "gemini-cli", "goose", "lm-studio", "codex", "amazon-q", "opencode", "file", "registry", "pypi", "npm",
]
Scope = Literal["user", "project", "system", "package", "file"]

_TRANSPORTS: dict[str, Transport] = {
    "stdio": "stdio", "local": "stdio", "command": "stdio",
    "http": "http", "streamable-http": "http", "streamablehttp": "http", "streamable_http": "http",
    "streamable": "http", "remote": "http",
    "sse": "sse",
}


class DiscoveredServer(BaseModel):
    """One MCP server found in a client's config, a server.json or an installed package."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The name the source gives it (may not be a valid servers.yaml name: see spec_name())."""
    transport: Transport
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    """Secret values already replaced by ${VAR} references."""
    env: dict[str, str] = Field(default_factory=dict)
    """Secret values already replaced by ${VAR} references."""
    cwd: str | None = None
    source: str
    """Where it was found: a file path (with '#key.path' for nested entries) or 'python:<dist>' / 'npm:<package>'."""
    source_kind: SourceKind
    """Which client or format the source belongs to."""
    scope: Scope = "user"
    enabled: bool = True
    """False when the source marks it disabled (it is still listed)."""
    description: str = ""
    install: Install | None = None
    """How `mcpbench servers install` could get it (registry packages, installed distributions)."""
    secrets: list[str] = Field(default_factory=list)
    """Environment variables its ${VAR} references need (set them before connecting)."""

    def target(self) -> str:
        """The command line or URL, for display."""
        if self.transport == "stdio" or (self.command and not self.url):
            return " ".join([self.command or "", *self.args]).strip()
        return self.url or ""

    def identity(self) -> tuple[str, ...]:
        """Two servers with the same identity launch the same thing (used to avoid duplicates)."""
        if self.url:
            return ("url", self.url.rstrip("/"))
        return ("cmd", self.command or "", *self.args)

    def spec_name(self) -> str:
        return spec_name(self.name)

    def to_spec(self, name: str | None = None) -> ServerSpec:
        """The servers.yaml entry for this server. Raises pydantic.ValidationError if it cannot be one."""
        data: dict[str, Any] = {"name": name or self.spec_name(), "transport": self.transport}
        if self.command:
            data["command"] = self.command
        if self.args:
            data["args"] = list(self.args)
        if self.url and self.transport != "stdio":
            data["url"] = self.url
        if self.headers:
            data["headers"] = dict(self.headers)
        if self.env:
            data["env"] = dict(self.env)
        if self.cwd:
            data["cwd"] = self.cwd
        if self.install:
            data["install"] = self.install
        if self.description:
            data["description"] = self.description
        if not self.enabled:
            data["enabled"] = False
        return ServerSpec.model_validate(data)


def spec_name(raw: str) -> str:
    """A valid servers.yaml name (^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$) made from any source's name."""
    name = raw.rsplit("/", 1)[-1] if "/" in raw else raw
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")
    name = re.sub(r"-{2,}", "-", name)
    if not name:
        name = "server"
    if not name[0].isalnum():
        name = f"s{name}"
    return name[:32].rstrip("-_") or "server"


def transport_of(kind: str | None, url: str | None, *, default_remote: Transport = "http") -> Transport:
    """Map a source's transport word to ours; with none given, a URL ending in /sse means SSE."""
    if kind:
        key = kind.strip().lower()
        if key in _TRANSPORTS:
            return _TRANSPORTS[key]
    if url:
        path = url.split("?", 1)[0].rstrip("/")
        return "sse" if path.endswith("/sse") else default_remote
    return "stdio"


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def from_entry(name: str, entry: dict[str, Any], *, source: str, kind: SourceKind, scope: Scope = "user",
               description: str = "") -> DiscoveredServer | None:
    """Build a server from the common entry shapes ('mcpServers', VS Code 'servers', Zed, Goose, opencode, Codex).

    Returns None when the entry names neither a command nor a URL (e.g. a client's built-in extension).
    """
    command: Any = entry.get("command", entry.get("cmd"))
    args: list[Any] = list(entry.get("args") or [])
    env = _str_map(entry.get("env") or entry.get("envs") or entry.get("environment"))
    if isinstance(command, dict):  # Zed's older {"command": {"path", "args", "env"}}
        args = list(command.get("args") or []) + args
        env = {**_str_map(command.get("env")), **env}
        command = command.get("path")
    if isinstance(command, list):  # opencode: "command": ["npx", "-y", "pkg"]
        command, args = (str(command[0]) if command else None), [*command[1:], *args]
    http_url = entry.get("httpUrl")
    url = http_url or entry.get("url") or entry.get("serverUrl") or entry.get("uri")
    init = entry.get("requestInit")
    headers = _str_map(entry.get("headers") or entry.get("http_headers")
                       or (init.get("headers") if isinstance(init, dict) else None))
    kind_word = entry.get("type") or entry.get("transport") or entry.get("transportType")
    if isinstance(kind_word, dict):
        kind_word = kind_word.get("type")
    if not command and not url:
        return None
    transport = "http" if http_url else transport_of(kind_word if isinstance(kind_word, str) else None,
                                                     None if command and not url else url)
    if transport == "stdio" and not command:
        transport = transport_of(None, url)
    bearer_var = entry.get("bearer_token_env_var")  # Codex
    if isinstance(bearer_var, str) and bearer_var:
        headers.setdefault("Authorization", "Bearer ${" + bearer_var + "}")
    for hname, var in (entry.get("env_http_headers") or {}).items():  # Codex: header value from an env variable
        headers.setdefault(str(hname), "${" + str(var) + "}")
    disabled = entry.get("disabled") is True or entry.get("enabled") is False
    red = Redactor(name)
    return DiscoveredServer(
        name=name,
        transport=transport,
        command=normalize_refs(str(command)) if command else None,
        args=red.args([str(a) for a in args]),
        url=red.url(str(url)) if url else None,
        headers=red.headers(headers),
        env=red.env(env),
        cwd=normalize_refs(str(entry["cwd"])) if entry.get("cwd") else None,
        source=source,
        source_kind=kind,
        scope=scope,
        enabled=not disabled,
        description=str(entry.get("description") or description or ""),
        secrets=red.variables,
    )


__all__ = ["DiscoveredServer", "Scope", "SourceKind", "from_entry", "spec_name", "transport_of"]
