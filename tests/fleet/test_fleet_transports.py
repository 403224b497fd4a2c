"""The fleet over SSE and streamable HTTP with the real server-everything (launched from its spec, port from config)."""

from __future__ import annotations

import socket

import anyio
import pytest

from mcpbench.config import load_config
from mcpbench.fleet import Fleet

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode, transport, path", [("streamableHttp", "http", "/mcp"), ("sse", "sse", "/sse")])
async def test_server_everything_over_http_transports_lists_and_calls_tools(mode, transport, path, tmp_path):
    port = _free_port()
    stdio = load_config().get("everything")
    spec = stdio.model_copy(update={"name": f"everything-{transport}", "transport": transport, "args": [mode],
                                    "env": {"PORT": str(port)}, "url": f"http://127.0.0.1:{port}{path}"})
    with anyio.fail_after(90):
        async with Fleet.open([spec], log_dir=tmp_path) as fleet:
            st = fleet.status[spec.name]
            assert st.status == "connected", (st.error, st.stderr_tail)
            assert st.tools == 13
            names = {e.name for e in fleet.catalog.entries()}
            assert {"echo", "get-sum"} <= names
            echo = await fleet.call(spec.name, "echo", {"message": "over " + transport})
            assert echo.outcome == "ok" and "over " + transport in echo.content
            total = await fleet.call(spec.name, "get-sum", {"a": 20, "b": 22})
            assert total.outcome == "ok" and "42" in total.content
            # concurrent calls multiplex over the one session
            results: list[str] = []
            async with anyio.create_task_group() as tg:
                async def one(i: int) -> None:
                    results.append((await fleet.call(spec.name, "echo", {"message": f"m{i}"})).content)
                for i in range(8):
                    tg.start_soon(one, i)
            assert sorted(r for r in results if r) and len(results) == 8
