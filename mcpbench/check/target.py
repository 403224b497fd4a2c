"""The server under check and how to reach it: a command line (stdio), a URL (streamable HTTP or SSE), or a server of
servers.yaml. Opens SDK sessions under a connect deadline, with stderr captured and stdout garbage counted."""

from __future__ import annotations

import math
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import anyio
from mcp import Client

from mcpbench import _compat, process
from mcpbench.config import ServerSpec
from mcpbench.process import Launch

TargetTransport = process.Transport


class ConnectFailed(Exception):
    """Spawn or handshake failed; the message is one line for the report."""


Target = Launch
"""A server to check, fully resolved (no placeholders left): the process toolkit's launch description."""


free_port = process.free_port


def _needs_world(spec: ServerSpec) -> bool:
    blob = " ".join([spec.command or "", *spec.args, *spec.env.values(), spec.cwd or "", spec.url or ""])
    return "${WORLD}" in blob or "${WEB_URL}" in blob or bool(spec.isolation.copy_)


@asynccontextmanager
async def spec_target(spec: ServerSpec, *, home: Path | None = None) -> AsyncIterator[Target]:
    """A servers.yaml entry resolved the way the fleet does it for one episode: placeholders filled, the installed
    binary found, a fresh ${EPISODE_DIR} with the server's isolation copies from the world (served on loopback when
    the spec refers to it). Everything is torn down when the block ends.

    Raises ConfigError (unset variable), InstallError (binary missing), WorldError or FileNotFoundError."""
    from mcpbench.connection import resolve
    from mcpbench.install import home_dir

    home = home or home_dir()
    async with AsyncExitStack() as stack:
        episode = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mcpbench-check-")))
        builtins = {"MCPBENCH_HOME": str(home), "EPISODE_DIR": str(episode), "PORT": str(free_port())}
        if _needs_world(spec):
            from mcpbench.world import World

            world = World.ensure(home)
            web_url = await stack.enter_async_context(world.serve_web())
            builtins.update(world.builtins(web_url))
            await anyio.to_thread.run_sync(process.copy_world, world.root, episode, list(spec.isolation.copy_))
        yield resolve(spec, builtins, home)


@asynccontextmanager
async def launched(target: Target, errlog: TextIO, *, deadline_s: float) -> AsyncIterator[None]:
    """For an http/sse target with a command: run it for the duration of the block, once its port accepts.

    Raises ConnectFailed when it exits or does not listen before the deadline."""
    if target.transport == "stdio" or target.command is None:
        yield
        return
    assert target.url
    proc = await process.open_group(target.argv, env=process.server_env(target.env), cwd=target.cwd, stdin=None,
                                    stdout=errlog, stderr=errlog)
    try:
        host, port = process.host_port(target.url)
        with anyio.move_on_after(deadline_s) as scope:
            try:
                await process.wait_for_port(proc, host, port)
            except process.ExitedEarly as e:
                raise ConnectFailed(str(e)) from None
        if scope.cancelled_caught:
            raise ConnectFailed(f"server did not listen on {host}:{port} within {deadline_s:g}s")
        yield
    finally:
        await process.terminate(proc, 3.0)


@dataclass
class Session:
    """A live SDK client plus what the checker counts around it."""

    client: Client
    garbage_lines: int = 0
    """Unparseable messages the SDK met on the transport (e.g. log lines on a stdio server's stdout)."""


def _transport(target: Target, errlog: TextIO, read_timeout_s: float) -> Any:
    if target.transport == "stdio":
        assert target.command
        return _compat.stdio_target(target.command, target.args, process.server_env(target.env), target.cwd, errlog)
    assert target.url
    if target.transport == "sse":
        return _compat.sse_target(target.url, target.headers, read_timeout_s)
    return _compat.http_target(target.url, target.headers, read_timeout_s)


@asynccontextmanager
async def open_session(target: Target, *, mode: str, errlog: TextIO, connect_timeout_s: float,
                       read_timeout_s: float) -> AsyncIterator[Session]:
    """Connect in `mode` ('auto' or 'legacy') under a connect deadline.

    Raises ConnectFailed (with a one-line reason) when spawn or handshake fails or misses the deadline; exceptions
    raised inside the block propagate unchanged."""
    box: list[Session] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, Exception) and box:
            box[0].garbage_lines += 1

    # The session-wide read timeout bounds the handshake too, so it is the connect deadline; calls and list pages
    # carry their own (shorter) deadlines.
    client = Client(_transport(target, errlog, max(read_timeout_s * 2, connect_timeout_s)),
                    read_timeout_seconds=max(read_timeout_s, connect_timeout_s), mode=mode, cache=None,
                    message_handler=on_message)
    entered = False
    with anyio.CancelScope() as scope:
        scope.deadline = anyio.current_time() + connect_timeout_s
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(client)
            except Exception as e:
                raise ConnectFailed(_compat.describe_connect_error(e)) from None
            entered = True
            scope.deadline = math.inf
            box.append(Session(client))
            yield box[0]
            scope.deadline = anyio.current_time() + 15  # bounded shutdown (SDK: stdin close, 2 s, TERM, 2 s, KILL)
    if scope.cancelled_caught and not entered:
        raise ConnectFailed(f"no handshake within the {connect_timeout_s:g}s connect deadline")


__all__ = ["ConnectFailed", "Session", "Target", "TargetTransport", "free_port", "launched", "open_session",
           "spec_target"]
