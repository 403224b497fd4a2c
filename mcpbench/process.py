"""The process toolkit: everything mcpbench does to a child process it launches, written once.

- **What to launch**: `Launch`, a server resolved to a command line or a URL (no placeholders left), and
  `server_env`, the environment a server gets: the SDK's safe defaults, the machine's non-secret network
  configuration (`NETWORK_ENV`: proxies and CA bundles), then what the server declares. Nothing else of ours.
- **Launching**: `open_group` starts a process as the leader of its own process group, so a launcher's children
  (npx → node, uvx → python) can be signalled with it.
- **Waiting**: `wait_for_port` (an http/sse server we launched listens), `host_port` (the port a URL means).
- **Stopping**: `signal_group`, `terminate` (SIGTERM the group, then SIGKILL after a grace period, bounded and
  shielded), `descendants` / `kill_survivors` (a process tree listed while alive, killed after).
- **Telling why**: `stderr_tail` reads the end of a server's stderr log with `redact` applied, so a start-up
  failure can say what the server said without leaking a secret.
- **Copying the world**: `copy_world` gives a stateful server its own copy of the listed parts of the world;
  `write_files` adds the files a task gives it (its initial state).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal
from urllib.parse import urlparse

import anyio
from anyio.abc import Process
from pydantic import BaseModel, ConfigDict, Field

Transport = Literal["stdio", "http", "sse"]

# ---- environment ----------------------------------------------------------------------------------------------------
SDK_DEFAULT_ENV = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
"""What the mcp SDK passes to a stdio server by default (mcp.client.stdio.get_default_environment)."""

NETWORK_ENV: tuple[str, ...] = (
    # proxies (curl, Python, Node, uv and npm read both spellings)
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
    # trust stores: OpenSSL / Python ssl / uv and rustls, Node, requests, curl, pip, git
    "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT",
    "GIT_SSL_CAINFO", "NIX_SSL_CERT_FILE", "AWS_CA_BUNDLE", "HTTPLIB2_CA_CERTS", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
    # how uv and npm reach the network (no indexes or tokens: those can carry credentials)
    "UV_NATIVE_TLS", "UV_SYSTEM_CERTS", "NPM_CONFIG_CAFILE", "npm_config_cafile", "NPM_CONFIG_STRICT_SSL",
    "npm_config_strict_ssl", "NPM_CONFIG_PROXY", "npm_config_proxy", "NPM_CONFIG_HTTPS_PROXY",
    "npm_config_https_proxy", "NPM_CONFIG_NOPROXY", "npm_config_noproxy",
)
"""Non-secret network configuration every launched server inherits from mcpbench's environment (docs/servers.md).
A proxy URL that embeds a password is not passed (it is a secret): declare it in the server's `env` instead."""

_PROXY_VARS = frozenset(v for v in NETWORK_ENV if "proxy" in v.lower())


def _has_password(url: str) -> bool:
    try:
        return urlparse(url if "://" in url else f"http://{url}").password is not None
    except ValueError:
        return True  # unparseable: do not risk it


def network_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The NETWORK_ENV variables set in `environ` (default: os.environ), minus proxy URLs with a password."""
    src = os.environ if environ is None else environ
    out: dict[str, str] = {}
    for key in NETWORK_ENV:
        value = src.get(key)
        if value is None or (key in _PROXY_VARS and _has_password(value)):
            continue
        out[key] = value
    return out


def server_env(declared: dict[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a launched server: SDK defaults + non-secret network config + what the server declares
    (declared values win). API keys and other variables of mcpbench's own environment never pass."""
    src = os.environ if environ is None else environ
    base = {k: src[k] for k in SDK_DEFAULT_ENV if k in src and not src[k].startswith("()")}
    return {**base, **network_env(src), **declared}


# ---- what to launch -------------------------------------------------------------------------------------------------
class Launch(BaseModel):
    """A server resolved for launch: a command line (stdio, or an http/sse server we start) and/or a URL, with no
    placeholders left. `env` holds the declared variables only; `server_env` adds the rest at launch."""

    model_config = ConfigDict(frozen=True)

    name: str = "server"
    transport: Transport = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    """Declared variables only (never the orchestrator's environment)."""
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def launches(self) -> bool:
        """True when mcpbench starts the process itself (stdio, or an http/sse server with a command)."""
        return self.command is not None

    @property
    def argv(self) -> list[str]:
        """The command line (raises ValueError for a server reached only by URL)."""
        if self.command is None:
            raise ValueError(f"server '{self.name}' has no command to launch")
        return [self.command, *self.args]

    @property
    def secrets(self) -> list[str]:
        """Values of the server's own secret-looking variables and headers, to redact from what it writes."""
        named = {**self.env, **self.headers}
        return [v for k, v in named.items() if is_secret_name(k) and v]

    def describe(self) -> str:
        """The command line (stdio) or 'URL (transport)', for messages."""
        if self.transport == "stdio":
            return shlex.join([self.command or "", *self.args])
        return f"{self.url} ({self.transport})"

    @classmethod
    def from_command(cls, argv: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
                     name: str | None = None) -> Launch:
        """A stdio server started by `argv`. Raises ValueError for an empty command."""
        if not argv:
            raise ValueError("no command given")
        return cls(name=name or Path(argv[0]).name, command=argv[0], args=list(argv[1:]), env=env or {}, cwd=cwd)

    @classmethod
    def from_url(cls, url: str, transport: Transport | None = None, *,
                 headers: dict[str, str] | None = None) -> Launch:
        """A running server at `url` (transport 'sse' when the path ends in /sse, else 'http')."""
        if transport is None:
            transport = "sse" if urlparse(url).path.rstrip("/").endswith("/sse") else "http"
        if transport == "stdio":
            raise ValueError("a URL needs transport 'http' or 'sse'")
        return cls(name=urlparse(url).hostname or "server", transport=transport, url=url, headers=headers or {})


# ---- launching and stopping -----------------------------------------------------------------------------------------
async def open_group(argv: list[str], *, env: dict[str, str] | None, cwd: str | None = None,
                     stdin: Any = subprocess.PIPE, stdout: Any = subprocess.PIPE,
                     stderr: Any = subprocess.PIPE) -> Process:
    """Start `argv` as the leader of a new session (its own process group). Raises OSError when it cannot start.
    `env` None inherits ours (only for our own helpers, never a third-party server: give those `server_env`).
    Streams are pipes unless given (a file, subprocess.DEVNULL, or None to inherit ours)."""
    return await anyio.open_process(argv, env=env, cwd=cwd, stdin=stdin, stdout=stdout, stderr=stderr,
                                    start_new_session=True)


def signal_group(pid: int, sig: int) -> None:
    """Send `sig` to the process group led by `pid` (no error when it is gone)."""
    if sys.platform == "win32":
        return
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def terminate(proc: Process, grace_s: float = 3.0, *, kill_wait_s: float = 2.0) -> None:
    """SIGTERM the process group, SIGKILL it after `grace_s`, reap. Shielded from cancellation; never raises."""
    with anyio.CancelScope(shield=True):
        if proc.returncode is None:
            signal_group(proc.pid, signal.SIGTERM)
            with anyio.move_on_after(grace_s):
                await proc.wait()
        if proc.returncode is None:
            signal_group(proc.pid, signal.SIGKILL)
        with anyio.move_on_after(kill_wait_s):
            await proc.wait()


def host_port(url: str) -> tuple[str, int]:
    """The host and TCP port a URL points at (443 for https/wss, 80 for anything else without a port)."""
    u = urlparse(url)
    return u.hostname or "127.0.0.1", u.port or (443 if u.scheme in ("https", "wss") else 80)


class ExitedEarly(RuntimeError):
    """A launched server exited before it was ready."""


async def wait_for_port(proc: Process, host: str, port: int, *, poll_s: float = 0.05) -> None:
    """Return once `host:port` accepts a connection. Raises ExitedEarly when `proc` exits first. No deadline of its
    own: the caller wraps it in one."""
    while True:
        if proc.returncode is not None:
            raise ExitedEarly(f"server process exited with code {proc.returncode} before listening")
        try:
            sock = await anyio.connect_tcp(host, port)
            await sock.aclose()
            return
        except OSError:
            await anyio.sleep(poll_s)  # polling a port: there is no event to wait on


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every live descendant of `pid`, from /proc (empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces and parentheses
        if len(fields) > 19:
            children.setdefault(int(fields[1]), []).append(int(name))
            starts[int(name)] = fields[19]
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append((p, starts[p]))
        todo += children.get(p, [])
    return out


def kill_survivors(procs: list[tuple[int, str]]) -> int:
    """SIGKILL each (pid, start time) still alive as the same process (a reused pid is left alone)."""
    killed = 0
    for pid, start in procs:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            if stat[stat.rfind(")") + 2:].split()[19] != start:
                continue
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except (OSError, IndexError):
            continue
    return killed


# ---- telling why ----------------------------------------------------------------------------------------------------
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH(?!OR(?!I[SZ]))|CREDENTIAL|COOKIE|SESSION|PRIVATE)",
                          re.IGNORECASE)  # an AUTHOR is not a secret; an AUTHORIZATION is
_TOKEN_SHAPE = re.compile(
    r"(sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}"
    r"|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^/\s@]+@")
_ASSIGNED = re.compile(r"([A-Za-z0-9_.-]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[A-Za-z0-9_]*)(\s*=\s*)(['\"]?)"
                       r"[^\s'\"]{4,}\3", re.IGNORECASE)
"""NAME_KEY=value, --api-key=value (an assignment: `KeyError: 'X'` is left alone)."""
_QUOTED = re.compile(r"(([\"'])[A-Za-z0-9_.-]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[A-Za-z0-9_]*\2\s*:\s*)"
                     r"([\"'])[^\"']{4,}\3", re.IGNORECASE)
"""'api_key': 'value' and "api_key": "value" (a JSON or dict literal)."""
REDACTED = "***"


def is_secret_name(name: str) -> bool:
    """A variable or header name whose value is a secret (API_KEY, TOKEN, Authorization...)."""
    return bool(_SECRET_NAME.search(name))


def redact(text: str, environ: Mapping[str, str] | None = None, extra: list[str] | tuple[str, ...] = ()) -> str:
    """`text` with secrets replaced by ***: the values of secret-named variables of mcpbench's environment (API
    keys), the `extra` values (a server's own declared secrets), token-shaped words, bearer credentials, passwords
    in URLs and `NAME_KEY=value` assignments. Used on every server stderr tail shown to a user or written to a log."""
    src = os.environ if environ is None else environ
    values = sorted({v for k, v in src.items() if _SECRET_NAME.search(k) and len(v) >= 6} | {v for v in extra
                    if len(v) >= 6}, key=len, reverse=True)
    for v in values:
        text = text.replace(v, REDACTED)
    text = _TOKEN_SHAPE.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    text = _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(3)}{REDACTED}{m.group(3)}", text)
    return _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def stderr_tail(path: Path | None, n_bytes: int = 2000, *, secrets: list[str] | tuple[str, ...] = ()) -> str | None:
    """The last `n_bytes` of a server's stderr log, redacted (see `redact`); None when there is nothing."""
    if path is None or not path.exists():
        return None
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - n_bytes))
        text = f.read().decode("utf-8", errors="replace").strip()
    return redact(text, extra=secrets) or None


def last_lines(text: str | None, n: int = 5, width: int = 300) -> list[str]:
    """The last `n` non-empty lines of `text`, each cut to `width` characters (for one-line reports)."""
    lines = [ln.rstrip()[:width] for ln in (text or "").splitlines() if ln.strip()]
    return lines[-n:]


_OLD_SDK = re.compile(
    r"AttributeError: '(?:Server|FastMCP|MCPServer|Context|ClientSession|ServerSession)' object has no attribute"
    r"|ImportError: cannot import name '\w+' from 'mcp[.\w]*'"
    r"|ModuleNotFoundError: No module named 'mcp\.[\w.]+'")
"""A server written for an MCP SDK API that the installed SDK no longer has (servers built on the 1.x Python SDK,
installed beside 2.x)."""


def with_stderr(error: str, tail: str | None, n: int = 3) -> str:
    """A start-up failure message followed by what the server last wrote on stderr (already redacted), and a hint
    when that is a server written for an older MCP SDK."""
    lines = last_lines(tail, n)
    if not lines:
        return error
    hint = stderr_hint(tail)
    return f"{error}; the server's stderr ends with: " + " ⏎ ".join(lines) + (f" ({hint})" if hint else "")


def stderr_hint(tail: str | None) -> str:
    """What to do about a failure the stderr shows, when it is a known one; '' otherwise."""
    if _OLD_SDK.search(tail or ""):
        return ('written for the 1.x MCP SDK: pin it with `install: {pypi: …, with: ["mcp<2"]}` in servers.yaml '
                '(on a `uvx PKG` line: `args: [--with, "mcp<2", PKG]`)')
    return ""


# ---- the world ------------------------------------------------------------------------------------------------------
def copy_world(world: Path, dest: Path, parts: list[str]) -> None:
    """Copy the listed parts of the world (files or directories, symlinks kept) into `dest`. Blocking: run it in a
    worker thread from async code.

    Raises FileNotFoundError naming every listed part the world does not hold (a typo in `isolation.copy` would
    otherwise start the server on an empty directory and fail its episodes for a reason nobody sees); nothing is
    copied then."""
    missing = [rel for rel in parts if not (world / rel).exists() and not (world / rel).is_symlink()]
    if missing:
        raise FileNotFoundError(f"isolation.copy lists {', '.join(repr(m) for m in missing)}, which the world at "
                                f"{world} does not hold")
    for rel in parts:
        src, dst = world / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)


def write_files(dest: Path, files: Mapping[str, str]) -> None:
    """Write a task's files (relative POSIX path -> UTF-8 text) into a server's sandbox `dest`, parent directories
    made. Blocking: run it in a worker thread from async code.

    Raises ValueError naming a path that would land outside `dest` (`..`, an absolute path, or a symlink the world's
    copy put on the way); OSError when a file cannot be written (a directory of that name is already there)."""
    root = dest.resolve()
    for rel, text in files.items():
        target = (root / rel).resolve()
        if PurePosixPath(rel).is_absolute() or not target.is_relative_to(root) or target == root:
            raise ValueError(f"file {rel!r} would be written outside the server's sandbox")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def open_log(path: Path | None) -> IO[str]:
    """A server's stderr log opened for appending (or /dev/null when there is none)."""
    if path is None:
        return open(os.devnull, "w")
    return path.open("a", encoding="utf-8", errors="replace")


__all__ = [
    "NETWORK_ENV",
    "REDACTED",
    "SDK_DEFAULT_ENV",
    "ExitedEarly",
    "Launch",
    "Transport",
    "copy_world",
    "descendants",
    "free_port",
    "host_port",
    "is_secret_name",
    "kill_survivors",
    "last_lines",
    "network_env",
    "open_group",
    "open_log",
    "redact",
    "server_env",
    "signal_group",
    "stderr_tail",
    "terminate",
    "wait_for_port",
    "with_stderr",
    "write_files",
]
