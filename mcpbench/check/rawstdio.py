"""The one place mcpbench speaks JSON-RPC by hand: to see every byte a stdio server writes on stdout.

The SDK skips lines it cannot parse, so a server that logs to stdout looks healthy through it while breaking stricter
clients. Here the server runs under a plain subprocess; we send initialize → initialized → tools/list → ping →
tools/call (a tool that does not exist), then close stdin, and our own reader checks that every line is a JSON-RPC 2.0
message. The reader is capped (bytes and line length) so an output bomb cannot exhaust memory.
"""

from __future__ import annotations

import json
import signal
from typing import Any, TextIO

import anyio
from anyio.abc import Process

from mcpbench import process
from mcpbench.check.model import StdoutScan
from mcpbench.check.target import Target

MAX_BYTES = 8 * 1024 * 1024
MAX_LINE = 1024 * 1024
SAMPLES = 5
PROTOCOL_VERSION = "2025-06-18"


def is_jsonrpc(line: str) -> bool:
    """True when `line` is one JSON-RPC 2.0 message (or a batch of them)."""
    try:
        msg = json.loads(line)
    except ValueError:
        return False
    items = msg if isinstance(msg, list) and msg else [msg]
    for m in items:
        if not isinstance(m, dict) or m.get("jsonrpc") != "2.0":
            return False
        if "method" in m:
            if not isinstance(m["method"], str):
                return False
        elif "id" not in m or ("result" in m) == ("error" in m):
            return False
    return True


class _Reader:
    def __init__(self) -> None:
        self.scan = StdoutScan(checked=True)
        self.responses: dict[Any, anyio.Event] = {}
        self.total = 0
        self.done = anyio.Event()

    def waiter(self, msg_id: int) -> anyio.Event:
        event = self.responses.setdefault(msg_id, anyio.Event())
        if self.done.is_set():
            event.set()
        return event

    def _line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not text.strip():
            return
        self.scan.lines += 1
        if not is_jsonrpc(text):
            self.scan.bad_lines += 1
            if len(self.scan.samples) < SAMPLES:
                self.scan.samples.append(process.redact(text[:2000])[:160])
            return
        msg = json.loads(text)
        for m in msg if isinstance(msg, list) else [msg]:
            if "method" not in m and m.get("id") in self.responses:
                self.responses[m["id"]].set()

    async def run(self, stream: Any) -> None:
        try:
            await self._read(stream)
        finally:
            self.done.set()
            for waiting in self.responses.values():  # stdout closed: no answer will come
                waiting.set()

    async def _read(self, stream: Any) -> None:
        buf = b""
        oversized = False
        try:
            async for chunk in stream:
                self.total += len(chunk)
                if self.total > MAX_BYTES:
                    self.scan.error = f"stopped reading after {MAX_BYTES} bytes of stdout"
                    return
                buf += chunk
                if oversized:  # drop the rest of a line already counted as too long
                    end = buf.find(b"\n")
                    if end < 0:
                        buf = b""
                        continue
                    buf, oversized = buf[end + 1:], False
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    self._line(raw)
                if len(buf) > MAX_LINE:
                    self.scan.lines += 1
                    self.scan.bad_lines += 1
                    if len(self.scan.samples) < SAMPLES:
                        self.scan.samples.append(f"<a line over {MAX_LINE} bytes>")
                    buf, oversized = b"", True
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            pass
        if buf.strip() and not oversized:
            self._line(buf)


async def _send(proc: Process, message: dict[str, Any]) -> None:
    assert proc.stdin
    await proc.stdin.send((json.dumps(message) + "\n").encode())


async def scan_stdout(target: Target, errlog: TextIO, *, timeout_s: float) -> StdoutScan:
    """Run the server under a raw subprocess and check every stdout line. Never raises for server faults."""
    if target.transport != "stdio" or not target.command:
        return StdoutScan(skipped_reason="stdout is only checked for stdio servers")
    try:
        proc = await process.open_group(target.argv, env=process.server_env(target.env), cwd=target.cwd,
                                        stderr=errlog)
    except OSError as e:
        return StdoutScan(checked=False, error=f"cannot start the server: {e}")
    reader = _Reader()
    try:
        async with anyio.create_task_group() as tg:
            assert proc.stdout
            tg.start_soon(reader.run, proc.stdout)
            with anyio.move_on_after(timeout_s):
                try:
                    init = reader.waiter(1)
                    await _send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                        "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                        "clientInfo": {"name": "mcpbench-check", "version": "0"}}})
                    await init.wait()
                    await _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
                    calls: list[tuple[str, dict[str, Any]]] = [
                        ("tools/list", {}), ("ping", {}),
                        ("tools/call", {"name": "mcpbench_check_no_such_tool", "arguments": {}})]
                    for i, (method, params) in enumerate(calls, start=2):
                        done = reader.waiter(i)
                        await _send(proc, {"jsonrpc": "2.0", "id": i, "method": method, "params": params})
                        with anyio.move_on_after(max(timeout_s / 4, 1.0)):
                            await done.wait()
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    pass  # the server closed stdin or died: what it printed is still judged
            # The spec's shutdown: close stdin, give it a moment, then signal the process group.
            with anyio.CancelScope(shield=True):
                if proc.stdin:
                    try:
                        await proc.stdin.aclose()
                    except (OSError, anyio.BrokenResourceError):
                        pass
                with anyio.move_on_after(2):
                    await proc.wait()
                await process.terminate(proc, 2.0)
                with anyio.move_on_after(1):  # drain what was written; a grandchild may hold the pipe open
                    await reader.done.wait()
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            if proc.returncode is None:
                process.signal_group(proc.pid, signal.SIGKILL)
            await proc.aclose()
    return reader.scan


__all__ = ["is_jsonrpc", "scan_stdout"]
