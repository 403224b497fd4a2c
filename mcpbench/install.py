"""Installing the fleet: each PyPI server in its own virtual environment, npm servers into one local prefix.

Layout under ``$MCPBENCH_HOME`` (default ``~/.cache/mcpbench``)::

    servers/<name>/            one venv per PyPI server (made with uv), launched by servers/<name>/bin/<command>
    servers/<name>/.mcpbench-install.json   marker: the hash of the install spec that built it
    npm/                       one npm prefix for every npm server, launched by npm/node_modules/.bin/<command>
    npm/.mcpbench/<name>.json  marker per npm server

Installs are idempotent: a server whose marker records the same spec hash (and whose binary exists) is ``cached``.
Nothing here ever runs ``npx``/``uvx`` at launch time; those cold starts cost seconds per episode. A server written
as a launcher line (``uvx PKG ...``, ``npx -y PKG ...``, as ``discover --add`` writes them) is installed as the
package its line names and pinned to the version it got (mcpbench.launchers); it is then launched by that binary.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import anyio
from pydantic import BaseModel

from mcpbench import launchers
from mcpbench.config import ServerSpec

InstallKind = Literal["pypi", "npm", "none"]
InstallStatus = Literal["installed", "cached", "failed"]

MARKER = ".mcpbench-install.json"
INSTALL_TIMEOUT_S = 900.0
"""Deadline of one installer command (uv venv, uv pip install, npm install)."""
PYPI_PARALLEL = 2
"""PyPI installs run side by side (each in its own venv); npm shares one prefix so it runs as one batch."""
_TAIL_LINES = 25


class InstallError(Exception):
    """A server could not be installed or its binary is missing; the message says which and what to run."""


class ServerNotInstalled(InstallError, FileNotFoundError):
    """The binary of a server is missing; the message names `mcpbench servers install NAME`."""


class InstallResult(BaseModel):
    """What installing one server did."""

    name: str
    """The server's name in servers.yaml."""
    kind: InstallKind
    """Where it comes from: its own PyPI venv, the shared npm prefix, or nothing to install."""
    status: InstallStatus
    """installed (work was done) · cached (marker matched, nothing done) · failed (see error)."""
    seconds: float = 0.0
    """Wall time spent on this server."""
    error: str | None = None
    """For failures: which step failed and the tail of the installer's output."""
    bin: str | None = None
    """Absolute path of the binary that launches the server, when known."""


@dataclass(frozen=True)
class InstallEvent:
    """Progress reported to ``on_event``: stage is 'start' or the final status of one server."""

    name: str
    stage: Literal["start", "installed", "cached", "failed"]
    detail: str = ""

    def __str__(self) -> str:
        verb = {"start": "installing", "installed": "installed", "cached": "already installed", "failed": "FAILED"}
        detail = self.detail.splitlines()[0] if self.detail else ""
        return f"{self.name}: {verb[self.stage]}" + (f" ({detail})" if detail else "")


OnEvent = Callable[[InstallEvent], None]


def home_dir() -> Path:
    """The cache directory: ``$MCPBENCH_HOME`` or ``~/.cache/mcpbench`` (not created here)."""
    env = os.environ.get("MCPBENCH_HOME")
    return Path(env).expanduser().resolve() if env else Path.home() / ".cache" / "mcpbench"


def install_kind(spec: ServerSpec) -> InstallKind:
    """Where the server's package comes from; a `uvx`/`npx` line counts as the install it amounts to."""
    if spec.install is None:
        p = launchers.plan(spec)
        return p.kind if p is not None else "none"
    return "pypi" if spec.install.pypi else "npm"


def _declared_kind(spec: ServerSpec) -> InstallKind:
    if spec.install is None:
        return "none"
    return "pypi" if spec.install.pypi else "npm"


def server_env_dir(spec: ServerSpec, home: Path | None = None) -> Path | None:
    """The server's install environment (its venv, or the npm prefix) — what ``${SERVER_ENV}`` expands to."""
    home = home or home_dir()
    kind = _declared_kind(spec)
    if kind == "pypi":
        return home / "servers" / spec.name
    if kind == "npm":
        return home / "npm"
    return None


def _command_name(spec: ServerSpec) -> str:
    if not spec.command:
        raise InstallError(f"server '{spec.name}' has no 'command' to launch")
    return spec.command


def _expected_bin(spec: ServerSpec, home: Path) -> Path | None:
    """Where the installed binary must be, for servers that mcpbench installs; None for 'none' kind."""
    kind = _declared_kind(spec)
    env = server_env_dir(spec, home)
    if kind == "none" or env is None or not spec.command:
        return None
    cmd = spec.command.replace("${SERVER_ENV}", str(env)).replace("${MCPBENCH_HOME}", str(home))
    if os.path.isabs(cmd):
        return Path(cmd)
    if kind == "pypi":
        return env / "bin" / cmd
    return env / "node_modules" / ".bin" / cmd


def resolve_command(spec: ServerSpec, home: Path | None = None) -> str:
    """Absolute path of the binary that launches ``spec``.

    PyPI servers: ``servers/<name>/bin/<command>``; npm servers: ``npm/node_modules/.bin/<command>``; others: the
    command itself when absolute, else a PATH lookup. Raises InstallError (naming ``mcpbench servers install NAME``)
    when the binary is missing.
    """
    home = home or home_dir()
    cmd = _command_name(spec)
    expected = _expected_bin(spec, home)
    if expected is not None:
        if expected.is_file() and os.access(expected, os.X_OK):
            return str(expected)
        raise ServerNotInstalled(
            f"server '{spec.name}' is not installed ({expected} is missing): run `mcpbench servers install {spec.name}`"
        )
    if "${" in cmd:
        raise InstallError(f"server '{spec.name}': command '{cmd}' uses a placeholder but the server installs nothing")
    if os.path.isabs(cmd):
        if os.access(cmd, os.X_OK):
            return cmd
        raise ServerNotInstalled(f"server '{spec.name}': '{cmd}' does not exist or is not executable")
    found = shutil.which(cmd)
    if found:
        return found
    raise ServerNotInstalled(
        f"server '{spec.name}': '{cmd}' is not on PATH; add an 'install' section and run "
        f"`mcpbench servers install {spec.name}`, or install it yourself"
    )


def spec_hash(spec: ServerSpec) -> str:
    """sha256 of what determines an install: kind, packages, the launched command and (PyPI) the Python version."""
    assert spec.install is not None
    doc = {
        "install": spec.install.model_dump(by_alias=True),
        "command": spec.command,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}" if spec.install.pypi else None,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _marker_path(spec: ServerSpec, home: Path) -> Path:
    if _declared_kind(spec) == "pypi" or (spec.install is None and install_kind(spec) == "pypi"):
        return home / "servers" / spec.name / MARKER
    return home / "npm" / ".mcpbench" / f"{spec.name}.json"


def is_installed(spec: ServerSpec, home: Path | None = None) -> bool:
    """True when the marker records the current spec hash and the binary exists (or nothing needs installing)."""
    home = home or home_dir()
    if spec.install is None:
        return launchers.plan(spec) is None or pinned_launch(spec, home) is not None
    marker = _marker_path(spec, home)
    try:
        recorded = json.loads(marker.read_text()).get("spec_hash")
    except (OSError, ValueError):
        return False
    expected = _expected_bin(spec, home)
    return recorded == spec_hash(spec) and (expected is None or expected.exists())


def _write_marker(spec: ServerSpec, home: Path, extra: dict[str, Any] | None = None) -> None:
    marker = _marker_path(spec, home)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"name": spec.name, "spec_hash": spec_hash(spec),
                               "install": spec.install.model_dump(by_alias=True) if spec.install else None,
                               "installed_at": time.time(), **(extra or {})}, indent=1))
    tmp.replace(marker)


# ---- launcher lines (uvx PKG / npx -y PKG) as pinned installs ------------------------------------------------------
def _launch_line(spec: ServerSpec) -> list[str]:
    return [spec.command or "", *spec.args]


def _planned_spec(spec: ServerSpec, p: launchers.LauncherPlan) -> ServerSpec:
    """The install-section spec a launcher line amounts to (npx: the bin guessed from the package name)."""
    command = p.command or launchers.npm_name(p.package).rsplit("/", 1)[-1]
    return spec.model_copy(update={"install": p.install(), "command": command, "args": list(p.args)})


def pinned_launch(spec: ServerSpec, home: Path | None = None) -> ServerSpec | None:
    """For a `uvx`/`npx` server installed by `servers install`: the spec that starts the installed binary (absolute
    command, the line's own arguments). None when the line is not a launcher line or is not installed (yet, or
    since it changed)."""
    p = launchers.plan(spec)
    if p is None:
        return None
    home = home or home_dir()
    planned = _planned_spec(spec, p)
    try:
        marker = json.loads(_marker_path(planned, home).read_text())
    except (OSError, ValueError):
        return None
    binary = marker.get("bin")
    if marker.get("launch") != _launch_line(spec) or not binary or not os.access(binary, os.X_OK):
        return None
    return planned.model_copy(update={"command": binary})


def launch_spec(spec: ServerSpec, home: Path | None = None) -> ServerSpec:
    """The spec to launch: a launcher line's pinned install when there is one, else the spec as written."""
    return pinned_launch(spec, home) or spec


def _npm_bin(prefix: Path, package: str, guess: str) -> str:
    """The bin npx would run for `package`: its only bin, else the one named like the package."""
    try:
        meta = json.loads((prefix / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return guess
    bins = meta.get("bin")
    if isinstance(bins, str):
        return package.rsplit("/", 1)[-1]
    if isinstance(bins, dict) and bins:
        return next(iter(bins)) if len(bins) == 1 else (guess if guess in bins else next(iter(bins)))
    return guess


async def _installed_version(spec: ServerSpec, home: Path) -> str | None:
    """The version the install got (what the pin records)."""
    assert spec.install is not None
    if spec.install.npm:
        name = launchers.npm_name(spec.install.npm)
        try:
            return str(json.loads((home / "npm" / "node_modules" / name / "package.json").read_text())["version"])
        except (OSError, ValueError, KeyError):
            return None
    name = re.split(r"[\[=<>!~ ]", spec.install.pypi or "", maxsplit=1)[0]
    python = home / "servers" / spec.name / "bin" / "python"
    try:
        with anyio.fail_after(60):
            code = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
            done = await anyio.run_process([str(python), "-c", code, name], check=False)
    except (OSError, TimeoutError):
        return None
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def _tail(text: bytes | str, n: int = _TAIL_LINES) -> str:
    s = text.decode(errors="replace") if isinstance(text, bytes) else text
    return "\n".join(s.strip().splitlines()[-n:])


def uv_bin() -> str:
    """The uv binary shipped by the ``uv`` Python package (a dependency of mcpbench), else uv on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return found
        raise InstallError("uv is not available: `pip install uv`") from None


async def _run(cmd: Sequence[str], *, what: str, env: dict[str, str] | None = None,
               timeout: float = INSTALL_TIMEOUT_S) -> None:
    """Run an installer command under a deadline; raise InstallError with the output tail on failure."""
    try:
        with anyio.fail_after(timeout):
            proc = await anyio.run_process(list(cmd), check=False, env=env, stderr=subprocess.STDOUT)
    except TimeoutError:
        raise InstallError(f"{what}: timed out after {timeout:.0f}s: {' '.join(cmd)}") from None
    except OSError as e:
        raise InstallError(f"{what}: cannot run {cmd[0]}: {e}") from None
    if proc.returncode != 0:
        raise InstallError(f"{what} failed (exit {proc.returncode}):\n{_tail(proc.stdout)}")


@asynccontextmanager
async def _exclusive(lock: Path) -> AsyncIterator[None]:
    """Hold an exclusive lock on LOCK across processes (flock; released when the file closes, even on a crash).

    Two mcpbench commands installing into one home at once (a test run beside `mcpbench run`) would otherwise race:
    npm servers share one prefix, and a PyPI install replaces the server's venv. The lock is polled, so a cancelled
    wait leaves nothing behind."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): one install at a time is then the user's to keep
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await anyio.sleep(0.2)
        yield
    finally:
        os.close(fd)


def _installer_env() -> dict[str, str]:
    env = dict(os.environ)
    env["UV_PYTHON_DOWNLOADS"] = "never"  # offline-first: use this interpreter, never fetch one
    # a server's files are its own, not hard links into uv's cache: some packages refuse to open a file with
    # several links (a hardened open in a corpus reader), and cleaning the cache must not touch installed servers
    env["UV_LINK_MODE"] = "copy"
    env.pop("VIRTUAL_ENV", None)
    return env


async def _install_pypi(spec: ServerSpec, home: Path) -> None:
    assert spec.install is not None and spec.install.pypi
    env_dir = home / "servers" / spec.name
    if env_dir.exists():
        shutil.rmtree(env_dir)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    uv = uv_bin()
    environ = _installer_env()
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    await _run([uv, "venv", "--quiet", "--python", base_python, str(env_dir)],
               what=f"{spec.name}: creating its venv", env=environ)
    await _run([uv, "pip", "install", "--quiet", "--python", str(env_dir / "bin" / "python"),
                spec.install.pypi, *spec.install.with_],
               what=f"{spec.name}: uv pip install {spec.install.pypi}", env=environ)


async def _install_npm(specs: list[ServerSpec], home: Path) -> None:
    prefix = home / "npm"
    prefix.mkdir(parents=True, exist_ok=True)
    pkg_json = prefix / "package.json"
    if not pkg_json.exists():
        # a package.json here keeps npm from walking up to some parent project
        pkg_json.write_text(json.dumps({"name": "mcpbench-npm-servers", "private": True}, indent=1))
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError("npm is not on PATH (Node.js ≥ 18 is needed for npm servers)")
    packages = [s.install.npm for s in specs if s.install and s.install.npm]
    await _run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--save-exact",
                "--loglevel=error", *packages],
               what=f"{', '.join(s.name for s in specs)}: npm install", env=_installer_env())


def _check_bin(spec: ServerSpec, home: Path) -> str:
    expected = _expected_bin(spec, home)
    if expected is None or not expected.exists():
        offered = package_commands(spec, home)
        hint = (f"; the package installs {', '.join(repr(c) for c in offered)}: set 'command' to one of them"
                if offered else "; check 'command' in servers.yaml")
        raise InstallError(f"{spec.name}: installed, but {expected} does not exist{hint}")
    return str(expected)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_commands(spec: ServerSpec, home: Path) -> list[str]:
    """The commands the server's own package installs (its console scripts, or its npm `bin`): what `command` may
    name. Empty when they cannot be read."""
    env = server_env_dir(spec, home)
    if env is None or spec.install is None:
        return []
    if spec.install.pypi:
        wanted = _canonical(re.split(r"[=<>!~\[; ]", spec.install.pypi, maxsplit=1)[0])
        for info in sorted(env.glob("lib/python*/site-packages/*.dist-info")):
            if _canonical(info.name.removesuffix(".dist-info").rsplit("-", 1)[0]) != wanted:
                continue
            entry_points = info / "entry_points.txt"
            if not entry_points.is_file():
                return []
            section, out = "", []
            for line in entry_points.read_text(errors="replace").splitlines():
                line = line.strip()
                if line.startswith("["):
                    section = line
                elif section == "[console_scripts]" and "=" in line:
                    out.append(line.split("=", 1)[0].strip())
            return sorted(out)
        return []
    if spec.install.npm:
        from mcpbench.launchers import npm_name

        name = npm_name(spec.install.npm)
        manifest = env / "node_modules" / name / "package.json"
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return []
        bins = data.get("bin")
        if isinstance(bins, str):
            return [name.rsplit("/", 1)[-1]]
        return sorted(bins) if isinstance(bins, dict) else []
    return []


def install_servers(specs: Sequence[ServerSpec], home: Path | None = None, *, force: bool = False,
                    on_event: OnEvent | None = None) -> list[InstallResult]:
    """Install every server that needs it (blocking; see install_servers_async); one result per spec, in order."""
    return anyio.run(partial(install_servers_async, specs, home, force=force, on_event=on_event))


async def install_servers_async(specs: Sequence[ServerSpec], home: Path | None = None, *, force: bool = False,
                                on_event: OnEvent | None = None) -> list[InstallResult]:
    """Install every server that needs it; return one result per spec, in the order given.

    Idempotent: servers whose marker matches are ``cached`` unless ``force``. PyPI servers install concurrently
    (each in its own venv); npm servers install in one ``npm install`` into the shared prefix. Failures are
    results (status 'failed' with the installer's output tail), never exceptions.
    """
    home = (home or home_dir()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    results: dict[str, InstallResult] = {}

    def emit(name: str, stage: Literal["start", "installed", "cached", "failed"], detail: str = "") -> None:
        if on_event is not None:
            on_event(InstallEvent(name, stage, detail))

    def finish(spec: ServerSpec, started: float, error: str | None = None, cached: bool = False) -> None:
        spec = lines.get(spec.name, spec)
        kind = install_kind(spec)
        status: InstallStatus = "failed" if error else ("cached" if cached else "installed")
        binary: str | None = None
        if not error:
            try:
                binary = resolve_command(launch_spec(spec, home), home) if spec.command else None
            except InstallError as e:
                status, error = "failed", str(e)
        results[spec.name] = InstallResult(name=spec.name, kind=kind, status=status,
                                           seconds=round(time.monotonic() - started, 3), error=error, bin=binary)
        emit(spec.name, status, error or binary or "")

    todo_pypi: list[ServerSpec] = []
    todo_npm: list[ServerSpec] = []
    lines: dict[str, ServerSpec] = {}
    """Launcher-line servers by name: installed as the spec their line amounts to, launched by its binary."""
    for spec in specs:
        t0 = time.monotonic()
        kind = install_kind(spec)
        if kind == "none" or (not force and is_installed(spec, home)):
            finish(spec, t0, cached=True)
            continue
        p = launchers.plan(spec) if spec.install is None else None
        if p is not None:
            lines[spec.name] = spec
            spec = _planned_spec(spec, p)
        (todo_pypi if kind == "pypi" else todo_npm).append(spec)

    async def seal(spec: ServerSpec) -> None:
        """Check the binary and write the marker (for a launcher line: the line, the binary and the version)."""
        if spec.name in lines:
            extra: dict[str, Any] = {"launch": _launch_line(lines[spec.name]), "bin": _check_bin(spec, home),
                                     "version": await _installed_version(spec, home)}
            _write_marker(spec, home, extra)
        else:
            _check_bin(spec, home)
            _write_marker(spec, home)

    limiter = anyio.CapacityLimiter(PYPI_PARALLEL)

    async def one_pypi(spec: ServerSpec) -> None:
        async with limiter, _exclusive(home / "servers" / f".{spec.name}.lock"):
            t0 = time.monotonic()
            if not force and is_installed(spec, home):  # another process installed it while this one waited
                finish(spec, t0, cached=True)
                return
            emit(spec.name, "start", (spec.install.pypi if spec.install else None) or "")
            try:
                await _install_pypi(spec, home)
                await seal(spec)
            except InstallError as e:
                finish(spec, t0, error=str(e))
                return
            finish(spec, t0)

    async def npm_locked(batch: list[ServerSpec]) -> None:
        async with _exclusive(home / "npm" / ".mcpbench-install.lock"):
            t0 = time.monotonic()
            done = [s for s in batch if not force and is_installed(s, home)]
            for s in done:  # another process installed them while this one waited
                finish(s, t0, cached=True)
            if len(done) < len(batch):
                await npm_batch([s for s in batch if s not in done])

    async def npm_batch(batch: list[ServerSpec]) -> None:
        t0 = time.monotonic()
        for s in batch:
            emit(s.name, "start", (s.install.npm if s.install else None) or "")
        try:
            await _install_npm(batch, home)
        except InstallError as e:
            if len(batch) == 1:
                finish(batch[0], t0, error=str(e))
                return
            for s in batch:  # one bad package fails the batch: retry one by one to say which
                await npm_batch([s])
            return
        for s in batch:
            line = launchers.plan(lines[s.name]) if s.name in lines else None
            if line is not None and line.command is None:  # npx runs the package's own bin: look it up
                s = s.model_copy(update={"command": _npm_bin(home / "npm", launchers.npm_name(line.package),
                                                             s.command or "")})
            try:
                await seal(s)
            except InstallError as e:
                finish(s, t0, error=str(e))
                continue
            finish(s, t0)

    async with anyio.create_task_group() as tg:
        for spec in todo_pypi:
            tg.start_soon(one_pypi, spec)
        if todo_npm:
            tg.start_soon(npm_locked, todo_npm)

    return [results[s.name] for s in specs]


__all__ = ["InstallError", "InstallEvent", "InstallKind", "InstallResult", "InstallStatus", "ServerNotInstalled",
           "home_dir", "install_kind", "install_servers", "install_servers_async", "is_installed", "launch_spec",
           "pinned_launch", "resolve_command", "server_env_dir", "spec_hash", "uv_bin"]
