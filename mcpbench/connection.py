"""One live connection to one MCP server, owned by its own task (the SDK's context managers must enter and exit in
the same task). Handles spawn/handshake deadlines, stderr capture, tool listing, calls, death and restart."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc
from pydantic import BaseModel, ValidationError

from mcpbench import _compat, process
from mcpbench.config import ServerSpec, expand
from mcpbench.outcomes import ToolOutcome, truncation_marker


class ServerStatus(BaseModel):
    """What `servers list` reports for one server."""

    name: str
    transport: str
    status: Literal["connected", "failed", "stopped"] = "stopped"
    tools: int = 0
    version: str | None = None
    server_name: str | None = None
    protocol_version: str | None = None
    connect_ms: float | None = None
    error: str | None = None
    stderr_tail: str | None = None
    stateful: bool = False
    restarts: int = 0
    garbage_lines: int = 0
    """stdout lines that were not JSON-RPC (all instances of this server, restarts included)."""
    stray_responses: int = 0
    """Responses to request ids mcpbench never sent or already had an answer for."""
    oversize_messages: int = 0
    """Messages over the server's max_message_bytes, dropped unread."""
    exits: int = 0
    """Times the server process died while it was needed."""
    peak_in_flight: int = 0
    """Most calls ever in flight at once on one session of this server (never above max_concurrency)."""
    tool_changes: int = 0
    """notifications/tools/list_changed received (see Fleet.drift)."""

    def why(self) -> str:
        """Why the server is down: the error, then the last lines of its (redacted) stderr when it wrote any."""
        return process.with_stderr(self.error or self.status, self.stderr_tail)


@dataclass
class ServerCounters:
    """Live counters of one server, shared by every instance of it (restarts, per-episode instances)."""

    wire: _compat.WireStats = field(default_factory=_compat.WireStats)
    peak_in_flight: int = 0
    tool_changes: int = 0
    last_result_at: float = 0.0
    """time.monotonic() when a call last returned (a list_changed it caused may trail its result; see Fleet)."""
    announces_tool_changes: bool = False
    """The server declared capabilities.tools.listChanged: it may send notifications/tools/list_changed."""

    def as_status(self) -> dict[str, int]:
        w = self.wire
        return {"garbage_lines": w.garbage_lines, "stray_responses": w.stray_responses,
                "oversize_messages": w.oversize_messages, "exits": w.exits, "peak_in_flight": self.peak_in_flight,
                "tool_changes": self.tool_changes}


def tail(path: Path | None, n_bytes: int = 2000) -> str | None:
    """The end of a server's stderr log, redacted (see mcpbench.process.stderr_tail)."""
    return process.stderr_tail(path, n_bytes)


class Resolved(process.Launch):
    """A ServerSpec with placeholders filled and the binary resolved, ready to launch (a `process.Launch` that
    remembers its spec)."""

    spec: ServerSpec


def resolve(spec: ServerSpec, builtins: dict[str, str], home: Path | None) -> Resolved:
    """Fill ${...} placeholders and find the binary (for a `uvx`/`npx` line, its pinned install when `servers
    install` made one). Raises ConfigError / FileNotFoundError with a clear message."""
    from mcpbench.install import launch_spec, resolve_command
    from mcpbench.launchers import LAUNCHERS

    def x(v: str) -> str:
        return expand(v, builtins)

    launch = launch_spec(spec, home)
    command = None
    if launch.command:
        command = x(launch.command)
        if launch.install is not None or "/" not in command:
            command = resolve_command(launch.model_copy(update={"command": command}), home)
    env = {k: x(v) for k, v in spec.env.items()}
    sandbox = builtins.get("EPISODE_DIR")
    if "HOME" not in env and sandbox and not (command and Path(command).name in LAUNCHERS):
        # a server's home is its sandbox unless it declares one (`HOME: ${HOME}` gives the real one): what it writes
        # under ~ (usage counters, logs, pictures, settings) stays in the run's directory
        env["HOME"] = str(Path(sandbox) / ".home" / spec.name)
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    return Resolved(spec=spec, name=spec.name, transport=spec.transport, command=command,
                    args=[x(a) for a in launch.args], env=env,
                    cwd=x(spec.cwd) if spec.cwd else None, url=x(spec.url) if spec.url else None,
                    headers={k: x(v) for k, v in spec.headers.items()})


def hung_message(r: Resolved) -> str:
    """What a missed connect deadline means; for a launcher line, that its first start may still be installing."""
    from mcpbench.launchers import LAUNCHERS

    spec = r.spec
    msg = f"no handshake within the {spec.timeouts.connect:g}s connect deadline (spawned but hung)"
    launcher = Path(r.command).name if r.command else None
    if launcher in LAUNCHERS:
        msg += (f"; it starts through {launcher}, whose first start downloads (and may build) the package: run "
                f"`mcpbench servers install {spec.name}` to install it ahead as a pinned binary")
    return msg


@dataclass
class Connection:
    """A live session to one server instance. Start with `await tg.start(conn.run)`; stop with `conn.stop()`."""

    resolved: Resolved
    log_path: Path | None
    counters: ServerCounters = field(default_factory=ServerCounters)
    on_tools_changed: Callable[[Connection], None] | None = None
    """Called when the server announces notifications/tools/list_changed."""
    status: ServerStatus = field(init=False)
    client: Any = field(init=False, default=None)
    tools: list[dict[str, Any]] = field(init=False, default_factory=list)
    limiter: anyio.CapacityLimiter = field(init=False)
    in_flight: int = field(init=False, default=0)
    connect_deadline: float | None = field(init=False, default=None)
    broken: str | None = field(init=False, default=None)
    """Why the transport broke under the session, when it is known (given to the calls it cut)."""
    """anyio clock time by which the handshake must be done (set by whoever waits for it)."""
    ready: anyio.Event = field(init=False, default_factory=anyio.Event)
    """Set once the handshake succeeded or failed."""
    _stop: anyio.Event = field(init=False, default_factory=anyio.Event)
    _done: anyio.Event = field(init=False, default_factory=anyio.Event)
    _process: Any = field(init=False, default=None)
    _guard: _compat.StdioGuard | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        s = self.resolved.spec
        self.status = ServerStatus(name=s.name, transport=s.transport, stateful=s.stateful)
        self.limiter = anyio.CapacityLimiter(s.max_concurrency)

    @classmethod
    def failed(cls, resolved: Resolved, log_path: Path | None, error: str) -> Connection:
        """A connection that never started (its spec could not be resolved, its data could not be copied): reported
        failed with `error`, and already stopped, so whoever waits for it to start or stop is not left waiting."""
        conn = cls(resolved, log_path)
        conn.status = conn.status.model_copy(update={"status": "failed", "error": error})
        conn.ready.set()
        conn._done.set()
        return conn

    @property
    def pid(self) -> int | None:
        """The server's process id (stdio, or an http/sse server we launched), None otherwise."""
        if self._guard is not None:
            return self._guard.pid
        return getattr(self._process, "pid", None)

    @property
    def spec(self) -> ServerSpec:
        return self.resolved.spec

    @property
    def alive(self) -> bool:
        return self.client is not None and self.status.status == "connected"

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Connect (under the connect deadline), list tools, then hold the session until stop() or death.
        Never raises for server faults: they land in self.status."""
        r, spec = self.resolved, self.resolved.spec
        started = False
        t0 = time.perf_counter()
        errlog = process.open_log(self.log_path)
        try:
            with anyio.CancelScope() as scope:
                scope.deadline = self.connect_deadline or anyio.current_time() + spec.timeouts.connect
                async with AsyncExitStack() as stack:
                    if r.url and r.command:
                        await self._launch_http_process(stack, errlog)
                    transport = self._transport(errlog)
                    client = await stack.enter_async_context(
                        _compat.make_client(transport, read_timeout_s=spec.timeouts.call,
                                            message_handler=self._on_message))
                    self.tools = await self._list_tools(client)
                    if self.ready.is_set():  # already reported failed at the deadline (or stopped): do not revive
                        return
                    scope.deadline = math.inf
                    info = client.server_info
                    caps = client.server_capabilities
                    self.counters.announces_tool_changes |= bool(caps and caps.tools and caps.tools.list_changed)
                    self.client = client
                    self.status = self.status.model_copy(update={
                        "status": "connected", "tools": len(self.tools),
                        "connect_ms": round((time.perf_counter() - t0) * 1000, 1),
                        "version": getattr(info, "version", None), "server_name": getattr(info, "name", None),
                        "protocol_version": client.protocol_version, "error": None})
                    started = True
                    self.ready.set()
                    task_status.started()
                    await self._stop.wait()
                    self.client = None
                    # Bounded shutdown: the SDK closes stdin, then SIGTERM/SIGKILL the process group.
                    scope.deadline = anyio.current_time() + spec.timeouts.shutdown + 5
            if scope.cancelled_caught and not started:
                self._fail(hung_message(r))
        except Exception as e:
            self._fail(_compat.describe_connect_error(e) if not started else f"connection lost: "
                       f"{_compat.describe_connect_error(e)}")
        finally:
            self.client = None
            if self.status.status == "connected":
                self.status = self.status.model_copy(update={"status": "stopped"})
            errlog.close()
            self.status = self.status.model_copy(update={"stderr_tail": self._stderr_tail()})
            self._done.set()
            self.ready.set()
            if not started:
                task_status.started()

    def _stderr_tail(self) -> str | None:
        return process.stderr_tail(self.log_path, secrets=self.resolved.secrets)

    def _fail(self, message: str) -> None:
        self.status = self.status.model_copy(update={"status": "failed", "error": message,
                                                     "stderr_tail": self._stderr_tail()})

    def fail_handshake_deadline(self) -> None:
        """Report a hung handshake at the deadline itself; the teardown goes on in the background."""
        if not self.ready.is_set():
            self._fail(hung_message(self.resolved))
            self.ready.set()
            self.stop()

    async def _on_message(self, message: Any) -> None:
        if _compat.is_tool_list_changed(message):
            self.counters.tool_changes += 1
            if self.on_tools_changed is not None:
                self.on_tools_changed(self)

    def _on_post_error(self, status: int) -> None:
        """An SSE message POST was refused: the SDK's writer is gone, so is this session. Retire it now, so the
        pending calls resolve at once instead of at their deadlines."""
        self.broken = f"the server refused a message POST with HTTP {status}; the SSE session is unusable"
        if self.status.status == "connected":
            self._fail(self.broken)
        self.stop()

    def _on_exit(self, code: int | None) -> None:
        """The server process died on its own: mark this instance dead so the next call restarts it."""
        if self.ready.is_set() and self.status.status == "connected":
            self._fail(f"server process exited unexpectedly (exit code {code})")
        self.stop()

    def _transport(self, errlog: Any) -> Any:
        r, spec = self.resolved, self.resolved.spec
        if spec.transport == "stdio":
            assert r.command
            self._guard = _compat.StdioGuard(max_line_bytes=spec.max_message_bytes, stats=self.counters.wire,
                                             on_exit=self._on_exit)
            return _compat.stdio_target(r.command, r.args, process.server_env(r.env), r.cwd, errlog, self._guard)
        assert r.url
        read_timeout = max(spec.timeouts.call * 2, 30.0)
        if spec.transport == "sse":
            return _compat.sse_target(r.url, r.headers, read_timeout, on_post_error=self._on_post_error)
        return _compat.http_target(r.url, r.headers, read_timeout)

    async def _launch_http_process(self, stack: AsyncExitStack, errlog: Any) -> None:
        """For http/sse servers that we launch ourselves: start the command, wait until its port accepts."""
        r = self.resolved
        assert r.command and r.url
        proc = await process.open_group(r.argv, env=process.server_env(r.env), cwd=r.cwd, stdin=None, stdout=errlog,
                                        stderr=errlog)
        self._process = proc
        # the whole process group (it was started in a new session): a launcher's children go with it
        stack.push_async_callback(process.terminate, proc, 3.0)
        await process.wait_for_port(proc, *process.host_port(r.url))

    @staticmethod
    async def _list_tools(client: Any) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(1000):
            try:
                page = await client.list_tools(cursor=cursor)
                tools += [_compat.tool_to_dict(tool) for tool in page.tools]
                cursor = page.next_cursor
            except ValidationError:  # one malformed tool: list tool by tool and quarantine it alone
                items, cursor = await _compat.list_tools_lenient(client, cursor)
                tools += items
            if not cursor or cursor in seen:
                break
            seen.add(cursor)
        return tools

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float | None = None) -> ToolOutcome:
        """Call one tool under the server's capacity limit and a deadline. Never raises for faults."""
        spec = self.spec
        deadline = timeout or spec.timeouts.call
        t0 = time.perf_counter()
        client = self.client
        if client is None:
            return ToolOutcome(outcome="infra_error", error_kind="server_unavailable",
                               error=f"server '{spec.name}' is not connected: {self.status.error or 'stopped'}")
        try:
            try:  # a free slot is taken without a checkpoint (the common case); else wait in line
                self.limiter.acquire_nowait()
            except anyio.WouldBlock:
                await self.limiter.acquire()
            try:
                t0 = time.perf_counter()
                self.in_flight += 1
                self.counters.peak_in_flight = max(self.counters.peak_in_flight, self.in_flight)
                # The SDK's own timeout is the deadline (its timeout path sends notifications/cancelled);
                # ours is a backstop just after it, so it never interrupts that courtesy cancel mid-write.
                with anyio.fail_after(deadline + max(0.1, 0.05 * deadline)):
                    result = await client.call_tool(tool, arguments, read_timeout_seconds=deadline)
            finally:
                self.in_flight -= 1
                self.limiter.release()
                self.counters.last_result_at = time.monotonic()
        except Exception as e:
            outcome, kind, msg = _compat.classify(e)
            if kind == "timeout":
                msg = f"no result within the {deadline:g}s call deadline"
            elif kind == "connection_closed" and self.broken:
                msg = self.broken
            big = _compat.oversize_bytes(e)
            if big is not None:
                cap = spec.output_cap_bytes
                return ToolOutcome(outcome=outcome, error_kind=kind, error=msg, latency_s=time.perf_counter() - t0,
                                   content=truncation_marker(big, cap).strip(), bytes=big, truncated=True)
            return ToolOutcome(outcome=outcome, error_kind=kind, error=msg, latency_s=time.perf_counter() - t0)
        text, structured, n, truncated = _compat.render_result(result, spec.output_cap_bytes)
        return ToolOutcome(outcome="tool_error" if result.is_error else "ok",
                           error_kind="tool_reported_error" if result.is_error else None,
                           error=text[:500] if result.is_error else None, content=text, structured=structured,
                           latency_s=time.perf_counter() - t0, bytes=n, truncated=truncated)

    async def healthy(self, timeout: float = 5.0) -> bool:
        """Does the session still answer? (An HTTP stream can end for one request while the session lives.) Asks for
        the tool list: ping is gone from the 2026-07-28 protocol."""
        client = self.client
        if client is None:
            return False
        with anyio.move_on_after(timeout):
            try:
                await client.list_tools()
                return True
            except Exception:
                return False
        return False

    def stop(self) -> None:
        self._stop.set()

    async def wait_stopped(self) -> None:
        await self._done.wait()


__all__ = ["Connection", "Resolved", "ServerCounters", "ServerStatus", "resolve", "tail"]
