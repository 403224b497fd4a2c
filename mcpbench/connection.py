"""One live connection to one MCP server, owned by its own task (the SDK's context managers must enter and exit in
the same task). Handles spawn/handshake deadlines, stderr capture, tool listing, calls, death and restart."""

from __future__ import annotations

import math
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc
from pydantic import BaseModel

from mcpbench import _compat
from mcpbench.config import ServerSpec, expand
from mcpbench.outcomes import ToolOutcome


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


def tail(path: Path | None, n_bytes: int = 2000) -> str | None:
    if path is None or not path.exists():
        return None
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - n_bytes))
        text = f.read().decode("utf-8", errors="replace").strip()
    return text or None


@dataclass
class Resolved:
    """A ServerSpec with placeholders filled and the binary resolved, ready to launch."""

    spec: ServerSpec
    command: str | None
    args: list[str]
    env: dict[str, str]
    cwd: str | None
    url: str | None
    headers: dict[str, str]


def resolve(spec: ServerSpec, builtins: dict[str, str], home: Path | None) -> Resolved:
    """Fill ${...} placeholders and find the binary. Raises ConfigError / FileNotFoundError with a clear message."""
    def x(v: str) -> str:
        return expand(v, builtins)

    command = None
    if spec.command:
        command = x(spec.command)
        if spec.install is not None or "/" not in command:
            from mcpbench.install import resolve_command

            command = resolve_command(spec.model_copy(update={"command": command}), home)
    return Resolved(spec=spec, command=command, args=[x(a) for a in spec.args],
                    env={k: x(v) for k, v in spec.env.items()}, cwd=x(spec.cwd) if spec.cwd else None,
                    url=x(spec.url) if spec.url else None, headers={k: x(v) for k, v in spec.headers.items()})


@dataclass
class Connection:
    """A live session to one server instance. Start with `await tg.start(conn.run)`; stop with `conn.stop()`."""

    resolved: Resolved
    log_path: Path | None
    status: ServerStatus = field(init=False)
    client: Any = field(init=False, default=None)
    tools: list[dict[str, Any]] = field(init=False, default_factory=list)
    limiter: anyio.CapacityLimiter = field(init=False)
    _stop: anyio.Event = field(init=False, default_factory=anyio.Event)
    _done: anyio.Event = field(init=False, default_factory=anyio.Event)
    _process: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        s = self.resolved.spec
        self.status = ServerStatus(name=s.name, transport=s.transport, stateful=s.stateful)
        self.limiter = anyio.CapacityLimiter(s.max_concurrency)

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
        errlog = self.log_path.open("a", encoding="utf-8", errors="replace") if self.log_path else open("/dev/null", "w")
        try:
            with anyio.CancelScope() as scope:
                scope.deadline = anyio.current_time() + spec.timeouts.connect
                async with AsyncExitStack() as stack:
                    if r.url and r.command:
                        await self._launch_http_process(stack, errlog)
                    transport = self._transport(errlog)
                    client = await stack.enter_async_context(
                        _compat.make_client(transport, read_timeout_s=spec.timeouts.call))
                    self.tools = await self._list_tools(client)
                    scope.deadline = math.inf
                    info = client.server_info
                    self.client = client
                    self.status = self.status.model_copy(update=dict(
                        status="connected", tools=len(self.tools), connect_ms=round((time.perf_counter() - t0) * 1000, 1),
                        version=getattr(info, "version", None), server_name=getattr(info, "name", None),
                        protocol_version=client.protocol_version, error=None))
                    started = True
                    task_status.started()
                    await self._stop.wait()
                    self.client = None
                    # Bounded shutdown: the SDK closes stdin, then SIGTERM/SIGKILL the process group.
                    scope.deadline = anyio.current_time() + spec.timeouts.shutdown + 5
            if scope.cancelled_caught and not started:
                self._fail(f"no handshake within the {spec.timeouts.connect:g}s connect deadline (spawned but hung)")
        except Exception as e:  # noqa: BLE001 — a server fault becomes status data
            self._fail(_compat.describe_connect_error(e) if not started else f"connection lost: "
                       f"{_compat.describe_connect_error(e)}")
        finally:
            self.client = None
            if self.status.status == "connected":
                self.status = self.status.model_copy(update={"status": "stopped"})
            errlog.close()
            self.status = self.status.model_copy(update={"stderr_tail": tail(self.log_path)})
            self._done.set()
            if not started:
                task_status.started()

    def _fail(self, message: str) -> None:
        self.status = self.status.model_copy(update={"status": "failed", "error": message,
                                                     "stderr_tail": tail(self.log_path)})

    def _transport(self, errlog: Any) -> Any:
        r, spec = self.resolved, self.resolved.spec
        if spec.transport == "stdio":
            assert r.command
            return _compat.stdio_target(r.command, r.args, _compat.safe_env(r.env), r.cwd, errlog)
        assert r.url
        read_timeout = max(spec.timeouts.call * 2, 30.0)
        if spec.transport == "sse":
            return _compat.sse_target(r.url, r.headers, read_timeout)
        return _compat.http_target(r.url, r.headers, read_timeout)

    async def _launch_http_process(self, stack: AsyncExitStack, errlog: Any) -> None:
        """For http/sse servers that we launch ourselves: start the command, wait until its port accepts."""
        from urllib.parse import urlparse

        r = self.resolved
        assert r.command and r.url
        proc = await anyio.open_process([r.command, *r.args], env=_compat.safe_env(r.env), cwd=r.cwd,
                                        stdin=None, stdout=errlog, stderr=errlog, start_new_session=True)
        self._process = proc

        async def kill() -> None:
            with anyio.CancelScope(shield=True):
                proc.terminate()
                with anyio.move_on_after(3):
                    await proc.wait()
                    return
                proc.kill()
                with anyio.move_on_after(2):
                    await proc.wait()

        stack.push_async_callback(kill)
        u = urlparse(r.url)
        host, port = u.hostname or "127.0.0.1", u.port or 80
        while True:
            if proc.returncode is not None:
                raise RuntimeError(f"server process exited with code {proc.returncode} before listening")
            try:
                sock = await anyio.connect_tcp(host, port)
                await sock.aclose()
                return
            except OSError:
                await anyio.sleep(0.05)

    @staticmethod
    async def _list_tools(client: Any) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(1000):
            page = await client.list_tools(cursor=cursor)
            tools += [_compat.tool_to_dict(tool) for tool in page.tools]
            cursor = page.next_cursor
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
            async with self.limiter:
                t0 = time.perf_counter()
                with anyio.fail_after(deadline):
                    result = await client.call_tool(tool, arguments, read_timeout_seconds=deadline)
        except Exception as e:  # noqa: BLE001 — classified into the outcome
            outcome, kind, msg = _compat.classify(e)
            if kind == "timeout":
                msg = f"no result within the {deadline:g}s call deadline"
            return ToolOutcome(outcome=outcome, error_kind=kind, error=msg, latency_s=time.perf_counter() - t0)
        text, structured, n, truncated = _compat.render_result(result, spec.output_cap_bytes)
        return ToolOutcome(outcome="tool_error" if result.is_error else "ok",
                           error_kind="tool_reported_error" if result.is_error else None,
                           error=text[:500] if result.is_error else None, content=text, structured=structured,
                           latency_s=time.perf_counter() - t0, bytes=n, truncated=truncated)

    def stop(self) -> None:
        self._stop.set()

    async def wait_stopped(self) -> None:
        await self._done.wait()


__all__ = ["Connection", "Resolved", "ServerStatus", "resolve", "tail"]
