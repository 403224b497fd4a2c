"""R10: HTTP and SSE servers that answer 500, drop the connection mid-stream, forget the session (404 on its id) or
never answer — every call resolves by its deadline as an infra_error, and the server is usable again afterwards.
The servers are real SDK apps behind a fault-injecting ASGI middleware (tests/fixtures/faults/http_fault_server.py),
launched by the fleet like any http/sse server with a command."""

from __future__ import annotations

import socket
import sys
import time

import anyio
import pytest
from reliability_helpers import HTTP_FAULT_SERVER

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet

pytestmark = pytest.mark.anyio
DEADLINE = 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spec(name: str, transport: str, *extra: str) -> ServerSpec:
    port = _free_port()
    path = "/sse" if transport == "sse" else "/mcp"
    return ServerSpec(name=name, transport=transport, url=f"http://127.0.0.1:{port}{path}", command=sys.executable,
                      args=[str(HTTP_FAULT_SERVER), "--transport", transport, "--port", str(port), *extra],
                      timeouts={"call": DEADLINE, "connect": 90})


# (server, tool, expected error kind, what the message says)
FAULTS = [
    ("http", "boom500", "server_error", "error status"),
    ("http", "drop", "connection_closed", "stream ended"),
    ("http", "nap", "timeout", "call deadline"),
    ("legacy", "expire", "connection_closed", "session expired"),
    ("legacy", "boom500", "server_error", "error status"),
    ("sse", "boom500", "connection_closed", "HTTP 500"),
    ("sse", "drop", "connection_closed", "closed"),
    ("sse", "expire", "connection_closed", "HTTP 404"),
    ("sse", "nap", "timeout", "call deadline"),
]


async def test_every_http_and_sse_fault_resolves_by_its_deadline_as_an_infra_error_and_the_server_recovers(tmp_path):
    specs = [_spec("http", "http"), _spec("legacy", "http", "--legacy"), _spec("sse", "sse")]
    seen = []
    with anyio.fail_after(600):
        async with Fleet.open(specs, log_dir=tmp_path / "logs") as fleet:
            assert {n: s.status for n, s in fleet.status.items()} == dict.fromkeys(("http", "legacy", "sse"),
                                                                                    "connected"), fleet.summary()
            assert fleet.status["legacy"].protocol_version != fleet.status["http"].protocol_version
            for server, tool, kind, says in FAULTS:
                t0 = time.perf_counter()
                out = await fleet.call(server, tool, {"seconds": 60} if tool == "nap" else {}, timeout=2.0)
                took = time.perf_counter() - t0
                seen.append((server, tool, out.outcome, out.error_kind))
                assert (out.outcome, out.error_kind) == ("infra_error", kind), (server, tool, out.error)
                assert says in (out.error or ""), (server, tool, out.error)
                assert took <= 2.0 * 1.1, (server, tool, took)
                after = await fleet.call(server, "echo", {"text": f"after {tool}"})
                assert (after.outcome, after.content) == ("ok", f"after {tool}"), (server, tool, after.error)
            restarts = {n: s.restarts for n, s in fleet.status.items()}
    assert len(seen) == len(FAULTS)
    # a dropped stream or an HTTP error on streamable HTTP leaves the session alive; a forgotten session and any
    # refused SSE POST or dropped SSE stream cost a restart
    assert restarts == {"http": 0, "legacy": 1, "sse": 3}
