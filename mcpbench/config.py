"""servers.yaml: the fleet's configuration, validated by pydantic, with errors that name file, line and field."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

Transport = Literal["stdio", "sse", "http"]

BUILTIN_VARS = ("WORLD", "EPISODE_DIR", "WEB_URL", "MCPBENCH_HOME", "SERVER_ENV", "PORT")
"""Placeholders mcpbench fills itself; every other ${VAR} is read from the orchestrator's environment."""

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRETISH = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH(?!OR(?!I[SZ]))|CREDENTIAL|COOKIE)", re.IGNORECASE)
NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


class ConfigError(Exception):
    """A servers.yaml problem, already phrased for the user: 'file:line: field: message'."""


class Install(BaseModel):
    """How `mcpbench servers install` gets the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pypi: str | None = None
    """A pip requirement, e.g. 'mcp-server-time==2026.10.19'; installed in its own virtual environment."""
    npm: str | None = None
    """An npm package spec, e.g. '@modelcontextprotocol/server-memory@2026.8.31'; installed locally."""
    with_: list[str] = Field(default_factory=list, alias="with")
    """Extra pip requirements installed beside it (e.g. a pin of mcp<2 for servers that need it)."""

    @model_validator(mode="after")
    def _one_source(self) -> Install:
        if bool(self.pypi) == bool(self.npm):
            raise ValueError("give exactly one of 'pypi' or 'npm'")
        return self


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    connect: float = Field(30.0, gt=0)
    """Seconds for spawn + handshake + first tool listing."""
    call: float = Field(60.0, gt=0)
    """Default deadline of one tool call."""
    shutdown: float = Field(5.0, gt=0)


class Isolation(BaseModel):
    """For stateful servers: what each episode gets a fresh copy of."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    copy_: list[str] = Field(default_factory=list, alias="copy")
    """Paths relative to the world directory copied into ${EPISODE_DIR} before the server starts."""


class ServerSpec(BaseModel):
    """One MCP server of the fleet."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=NAME_RE)
    transport: Transport = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    """Only these variables (plus the SDK's safe defaults) reach the server. Secrets as ${VAR} only."""
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    install: Install | None = None
    stateful: bool = False
    """True: every episode gets a fresh process and a fresh copy of its data."""
    isolation: Isolation = Field(default_factory=Isolation)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    max_concurrency: int = Field(8, ge=1)
    """In-flight calls allowed on one session of this server."""
    output_cap_bytes: int = Field(64 * 1024, ge=256)
    max_message_bytes: int = Field(16 * 1024 * 1024, ge=4096)
    """A stdio message (one line) over this many bytes is dropped unread and counted; the call it answered resolves
    as infra_error output_too_large with the original size (the SDK itself would buffer it whole)."""
    domain: str = ""
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    enabled: bool = True
    synth_exclude: list[str] = Field(default_factory=list)
    """Glob patterns over this server's tool names that task synthesis (and `check`'s synthesized tasks) never
    samples: tools whose output is not information (demos, scratchpads), machine-specific, slow or with side effects
    outside the sandbox. Agents are still offered them."""

    @model_validator(mode="after")
    def _transport_fields(self) -> ServerSpec:
        if self.transport == "stdio":
            if not self.command:
                raise ValueError("a stdio server needs 'command'")
            if self.url:
                raise ValueError("a stdio server takes 'command', not 'url'")
        else:
            if not self.url and not self.command:
                raise ValueError(f"an {self.transport} server needs 'url' (and optionally 'command' to launch it)")
        return self

    @field_validator("env", "headers")
    @classmethod
    def _secrets_by_reference(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if _SECRETISH.search(key) and value and not _VAR.fullmatch(value.strip()) and "${" not in value:
                raise ValueError(f"'{key}' looks like a secret: write it as a ${{VAR}} reference, not in clear")
        return v


class FleetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    servers: list[ServerSpec]
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> FleetConfig:
        seen: set[str] = set()
        for s in self.servers:
            if s.name in seen:
                raise ValueError(f"duplicate server name '{s.name}'")
            seen.add(s.name)
        return self

    def enabled(self) -> list[ServerSpec]:
        return [s for s in self.servers if s.enabled]

    def get(self, name: str) -> ServerSpec:
        for s in self.servers:
            if s.name == name:
                return s
        raise KeyError(f"no server named '{name}' (have: {', '.join(s.name for s in self.servers)})")

    def select(self, names: list[str] | None) -> list[ServerSpec]:
        """The enabled servers, or the named ones (raises KeyError on an unknown name)."""
        if not names:
            return self.enabled()
        return [self.get(n) for n in names]


def default_config_path() -> Path:
    """MCPBENCH_CONFIG, else ./servers.yaml, else the default fleet shipped in the package."""
    env = os.environ.get("MCPBENCH_CONFIG")
    if env:
        return Path(env)
    local = Path("servers.yaml")
    if local.exists():
        return local
    return Path(__file__).parent / "data" / "servers.yaml"


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """Walk a ruamel tree along a pydantic error location and return the 1-based line of the deepest node found."""
    line = None
    cur = node
    for key in loc:
        if isinstance(cur, CommentedMap) and key in cur:
            line = cur.lc.key(key)[0] + 1
            cur = cur[key]
        elif isinstance(cur, CommentedSeq) and isinstance(key, int) and key < len(cur):
            line = cur.lc.item(key)[0] + 1
            cur = cur[key]
        else:
            break
    return line


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    cur = data
    for key in loc:
        if isinstance(key, int) and isinstance(cur, list) and key < len(cur):
            item = cur[key]
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{key}]" + (f" ({name})" if name else ""))
            cur = item
        elif isinstance(cur, dict) and key in cur:
            parts.append(f".{key}")
            cur = cur[key]
        else:
            parts.append(f".{key}")
            cur = None
    return "".join(parts).lstrip(".")


def parse_config(text: str, source: str = "<string>") -> FleetConfig:
    """Parse and validate servers.yaml text. Raises ConfigError('file:line: field: message')."""
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else "?"
        raise ConfigError(f"{source}:{line}: invalid YAML: {e.problem or e}") from None
    if not isinstance(data, dict) or "servers" not in data:
        raise ConfigError(f"{source}:1: servers: the file must be a mapping with a 'servers' list")
    try:
        cfg = FleetConfig.model_validate(data)
    except ValidationError as e:
        msgs = []
        for err in e.errors():
            loc = tuple(err["loc"])
            # pydantic appends the failing union/validator tag; keep only real keys of the document
            line = _line_of(data, loc) or 1
            field = _field_path(loc, data) or "servers"
            msg = err["msg"].removeprefix("Value error, ")
            msgs.append(f"{source}:{line}: {field}: {msg}")
        raise ConfigError("\n".join(msgs)) from None
    cfg.source = source
    return cfg


def load_config(path: str | Path | None = None) -> FleetConfig:
    """Load servers.yaml (see default_config_path). Raises ConfigError."""
    p = Path(path) if path else default_config_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{p}: cannot read: {e.strerror}") from None
    return parse_config(text, str(p))


def expand(value: str, builtins: dict[str, str], environ: dict[str, str] | None = None) -> str:
    """Fill ${VAR}: builtins first, then the orchestrator environment. Raises ConfigError on an unset variable."""
    env = os.environ if environ is None else environ

    def sub(m: re.Match[str]) -> str:
        k = m.group(1)
        if k in builtins:
            return builtins[k]
        if k in env:
            return env[k]
        raise ConfigError(f"${{{k}}} is not set")

    return _VAR.sub(sub, value)


def referenced_vars(spec: ServerSpec) -> set[str]:
    """Environment variables (not builtins) a server's config refers to."""
    found: set[str] = set()
    values = [*spec.args, *spec.env.values(), *spec.headers.values(),
              spec.url or "", spec.command or "", spec.cwd or ""]
    for v in values:
        found.update(m.group(1) for m in _VAR.finditer(v))
    return found - set(BUILTIN_VARS)


__all__ = ["BUILTIN_VARS", "ConfigError", "FleetConfig", "Install", "Isolation", "ServerSpec", "Timeouts",
           "Transport", "default_config_path", "expand", "load_config", "parse_config", "referenced_vars"]
