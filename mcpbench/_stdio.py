"""A guarded stdio transport: the SDK's `stdio_client`, with the faults it leaves open closed.

- **Bounded lines.** The SDK's reader buffers a stdout line without limit (one 100 MB line is 100 MB of our memory,
  then a parse of it). Here a line over `max_line_bytes` is dropped as it streams in (only its first and last bytes
  are kept), counted, and the request it answered (its id read from those bytes) is resolved at once with an
  `OUTPUT_TOO_LARGE` error that records the original size.
- **Garbage counted.** Lines that are not JSON-RPC and responses to ids we never asked for are counted in `WireStats`
  (the SDK drops both silently; a request whose answer was garbled simply waits for its deadline).
- **Death noticed.** The server process is watched (a pidfd on Linux): when it exits, its process group is killed
  (no orphans) and the read side closes, so pending calls resolve at once as connection-closed even when a
  grandchild still holds stdout open — and the owner hears about it (`on_exit`) to restart the server.
- **Whole tree reaped.** On shutdown the descendants are listed while the server still lives; after the SDK's
  close-stdin → SIGTERM → SIGKILL sequence, survivors (also those that left the process group) are killed.
- **Fewer hops per message.** A request is written to stdin by the task that sends it (the SDK passes it to a writer
  task first), and a line read from stdout is handed to the session without a checkpoint when the session keeps up
  (a small read-ahead buffer absorbs bursts).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Self, TextIO

import anyio
import anyio.lowlevel
import anyio.to_thread
import mcp_types as types
from mcp.client.stdio import (  # private helpers of the SDK's own transport: one place to update on an SDK bump
    _create_platform_compatible_process,
    _drain_stdout,
    _stop_server_process,
)
from mcp.shared.message import SessionMessage

from mcpbench.process import descendants, kill_survivors, signal_group

OUTPUT_TOO_LARGE = -32090
"""JSON-RPC error code (implementation-defined range) of a response dropped for exceeding the line cap."""
_KEEP = 512
"""Bytes kept from each end of an oversize line: enough to find its id."""
_ID_HEAD = re.compile(rb'^\s*\{[^{]*?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,200}")')
_ID_TAIL = re.compile(rb'"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,200}")\s*\}\s*$')
_MAX_OUTSTANDING = 4096
_READ_BUFFER = 32
"""Messages read ahead of the session: a burst of answers is handed over without waiting for the session's task."""


@dataclass
class WireStats:
    """Counters of what one server put on its stdout, shared by every instance (restart, episode) of that server."""

    garbage_lines: int = 0
    """Lines that are not JSON-RPC messages."""
    stray_responses: int = 0
    """Responses to request ids we never sent (or already got an answer for)."""
    oversize_messages: int = 0
    """Lines over the cap, dropped unread."""
    largest_message_bytes: int = 0
    """Size of the largest line seen (oversize ones included)."""
    exits: int = 0
    """Times the server process exited while we still needed it."""
    tool_list_changed: int = 0
    """notifications/tools/list_changed read off the wire, counted in receive order (the SDK hands notifications to
    a spawned task, so its handler may run after a later response: Fleet.settle compares the two counts)."""


@dataclass
class StdioGuard:
    """Options and live facts of one guarded stdio transport."""

    max_line_bytes: int
    stats: WireStats = field(default_factory=WireStats)
    on_exit: Callable[[int | None], None] | None = None
    """Called (synchronously, once) when the server process exits before we asked it to stop."""
    pid: int | None = None
    """The server's process id once spawned."""


def _read_id(head: bytes, tail: bytes) -> Any:
    m = _ID_HEAD.search(head) or _ID_TAIL.search(tail)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None


class _Oversize:
    """An oversize line being discarded: its size, first and last bytes."""

    def __init__(self, start: bytes):
        self.head = start[:_KEEP]
        self.tail = start[-_KEEP:]
        self.size = len(start)

    def feed(self, piece: bytes) -> None:
        self.size += len(piece)
        self.tail = (self.tail + piece)[-_KEEP:]


def _killpg(pgid: int) -> None:
    signal_group(pgid, signal.SIGKILL)


def _exited(process: Any) -> bool:
    """Has the process exited (without waiting, and without reaping it)?"""
    if process.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True  # already reaped by the event loop's child watcher
    except (AttributeError, OSError):
        return False


async def _wait_exit(process: Any) -> None:
    """Return when the process has exited: a pidfd where there is one, else a short poll of returncode."""
    try:
        fd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        while process.returncode is None:
            await anyio.sleep(0.02)
        return
    try:
        await anyio.wait_readable(fd)
    finally:
        os.close(fd)


class _StdinWriter:
    """The session's write stream: each message is serialised and written to the server's stdin by the task that
    sends it. (The SDK's transport hands each message over a zero-buffer memory stream to a writer task: one more
    task switch and two checkpoints per message. Without them P3 costs the orchestrator ≈ 8 % less CPU.) One
    `write()` per message, so concurrent senders never interleave their lines, and a line is written whole or not
    at all, also when its sender is cancelled."""

    def __init__(self, stdin: Any, encoding: str, on_request: Callable[[Any], None], on_broken: Callable[[], None]):
        self._stdin, self._encoding, self._on_request, self._on_broken = stdin, encoding, on_request, on_broken
        self._closed = False

    async def send(self, item: SessionMessage) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        msg = item.message
        self._on_request(msg)
        data = (msg.model_dump_json(by_alias=True, exclude_unset=True) + "\n").encode(self._encoding)
        try:
            await self._stdin.send(data)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError) as e:
            self._closed = True
            self._on_broken()
            raise anyio.BrokenResourceError(f"the server's stdin is closed: {e!r}") from e

    def close(self) -> None:
        self._closed = True

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closed = True


@asynccontextmanager
async def guarded_stdio_client(command: str, args: list[str], env: dict[str, str], cwd: str | None, errlog: TextIO,
                               guard: StdioGuard, encoding: str = "utf-8") -> AsyncGenerator[Any, None]:
    """Spawn a server and yield (read, write) streams for an SDK session. Raises OSError when it cannot spawn."""
    process = await _create_platform_compatible_process(command=command, args=args, env=env, errlog=errlog, cwd=cwd)
    guard.pid = process.pid
    read_writer, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](_READ_BUFFER)
    outstanding: dict[Any, None] = {}
    stats = guard.stats
    state = {"shutting_down": False, "exit_seen": False}
    reader_done = anyio.Event()

    async def deliver(item: SessionMessage | Exception) -> bool:
        try:
            read_writer.send_nowait(item)  # no checkpoint while the session keeps up
            return True
        except anyio.WouldBlock:
            pass
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False
        try:
            await read_writer.send(item)
            return True
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return False

    async def line(raw: bytes) -> bool:
        stats.largest_message_bytes = max(stats.largest_message_bytes, len(raw))
        if not raw.strip():
            return True
        try:
            message = types.jsonrpc_message_adapter.validate_json(raw, by_name=False)
        except ValueError as exc:
            stats.garbage_lines += 1
            return await deliver(exc)
        if isinstance(message, types.JSONRPCNotification) and message.method == "notifications/tools/list_changed":
            stats.tool_list_changed += 1
        elif isinstance(message, (types.JSONRPCResponse, types.JSONRPCError)):
            if message.id in outstanding:
                del outstanding[message.id]
            else:
                stats.stray_responses += 1
        return await deliver(SessionMessage(message))

    async def oversize(over: _Oversize) -> bool:
        stats.oversize_messages += 1
        stats.largest_message_bytes = max(stats.largest_message_bytes, over.size)
        rid = _read_id(over.head, over.tail)
        if rid not in outstanding and len(outstanding) == 1:
            rid = next(iter(outstanding))  # the only request waiting: the giant answer is surely its own
        if rid not in outstanding:
            return await deliver(ValueError(f"dropped a {over.size}-byte message over the "
                                            f"{guard.max_line_bytes}-byte line cap"))
        del outstanding[rid]
        err = types.ErrorData(code=OUTPUT_TOO_LARGE, data={"bytes": over.size, "cap": guard.max_line_bytes},
                              message=f"the server's answer was {over.size} bytes on one line, over the "
                                      f"{guard.max_line_bytes}-byte cap; dropped unread")
        return await deliver(SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=rid, error=err)))

    async def stdout_reader() -> None:
        assert process.stdout
        cap = guard.max_line_bytes
        buf = bytearray()
        over: _Oversize | None = None
        try:
            async with read_writer:
                try:
                    while True:
                        try:
                            chunk = await process.stdout.receive(65536)
                        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                            break
                        start = 0
                        while True:
                            nl = chunk.find(b"\n", start)
                            piece = chunk[start:] if nl < 0 else chunk[start:nl]
                            if over is not None:
                                over.feed(piece)
                            else:
                                buf += piece
                                if len(buf) > cap:
                                    over = _Oversize(bytes(buf))
                                    buf.clear()
                            if nl < 0:
                                break
                            ok = await (oversize(over) if over is not None else line(bytes(buf)))
                            buf.clear()
                            over = None
                            if not ok:
                                return
                            start = nl + 1
                finally:
                    await _drain_stdout(process)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, ConnectionError):
            pass
        finally:
            reader_done.set()

    def note_request(msg: Any) -> None:
        if isinstance(msg, types.JSONRPCRequest):
            outstanding[msg.id] = None
            while len(outstanding) > _MAX_OUTSTANDING:
                del outstanding[next(iter(outstanding))]

    def broken() -> None:
        read_writer.close()  # stdin is gone: the session's pending requests resolve as connection-closed

    assert process.stdin
    write_stream = _StdinWriter(process.stdin, encoding, note_request, broken)

    def died() -> None:
        """The server exited before we asked it to: count it once, kill its orphans, tell the owner."""
        if state["exit_seen"]:
            return
        state["exit_seen"] = True
        stats.exits += 1
        _killpg(process.pid)  # the server is gone: its children are orphans now
        if guard.on_exit is not None:
            guard.on_exit(process.returncode)

    async def exit_watcher() -> None:
        await _wait_exit(process)
        if state["shutting_down"]:
            return
        died()
        with anyio.move_on_after(0.25):  # let the reader hand over what the server wrote before dying
            await reader_done.wait()
        read_writer.close()  # a survivor holding stdout must not keep pending calls waiting

    async def shutdown() -> None:
        if not _exited(process) and reader_done.is_set():
            # its stdout ended before we asked it to stop: it is exiting on its own. A killed process closes its
            # files before it becomes waitable, so the EOF can come first; wait for the exit to be counted.
            with anyio.move_on_after(0.5):
                await _wait_exit(process)
        if _exited(process):  # it died first (its EOF may have beaten the watcher to it)
            died()
        state["shutting_down"] = True
        tree = await anyio.to_thread.run_sync(descendants, process.pid) if sys.platform == "linux" else []
        read_stream.close()
        write_stream.close()
        await _stop_server_process(process)
        _killpg(process.pid)
        kill_survivors(tree)
        for s in (read_stream, read_writer):
            await s.aclose()
        await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as tg:
        tg.start_soon(stdout_reader)
        tg.start_soon(exit_watcher)
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True):
                await shutdown()
            tg.cancel_scope.cancel()
    await anyio.lowlevel.cancel_shielded_checkpoint()


__all__ = ["OUTPUT_TOO_LARGE", "StdioGuard", "WireStats", "descendants", "guarded_stdio_client", "kill_survivors"]
