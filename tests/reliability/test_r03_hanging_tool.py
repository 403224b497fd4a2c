"""R3: a tool that hangs forever fails at its deadline (±10%), the server receives notifications/cancelled for it, and
on shutdown the whole process tree is reaped — grandchildren too, even one that left the process group."""

from __future__ import annotations

import time

import anyio
import pytest
from reliability_helpers import alive, events, fault_spec, wait_gone

from mcpbench.fleet import Fleet

pytestmark = pytest.mark.anyio
DEADLINE = 2.0


async def test_a_hanging_tool_fails_at_its_deadline_and_the_server_is_told_to_cancel(tmp_path):
    log = tmp_path / "f.log"
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            t0 = time.perf_counter()
            out = await fleet.call("f", "hang", {}, timeout=DEADLINE)
            took = time.perf_counter() - t0
            assert (out.outcome, out.error_kind) == ("infra_error", "timeout")
            assert DEADLINE * 0.9 <= took <= DEADLINE * 1.1, f"resolved after {took:.2f}s"
            # the courtesy cancel goes out before the call returns; a round trip behind it proves it was read
            assert (await fleet.call("f", "echo", {"text": "still here"})).content == "still here"
            hang_id = next(e["id"] for e in events(log, "call") if e["tool"] == "hang")
            assert [e["requestId"] for e in events(log, "cancelled")] == [hang_id]
            # and the server stopped the handler it was running for that request
            assert [e["id"] for e in events(log, "handler_stopped")] == [hang_id]
            assert fleet.status["f"].restarts == 0


async def test_shutdown_reaps_the_server_its_children_and_a_grandchild_that_left_the_process_group(tmp_path):
    log = tmp_path / "f.log"
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            server = int((await fleet.call("f", "pid", {})).content)
            in_group = int((await fleet.call("f", "spawn", {})).content)
            own_session = int((await fleet.call("f", "spawn", {"setsid": True})).content)
            assert alive(in_group) and alive(own_session)
            hanging = await fleet.call("f", "hang", {}, timeout=0.5)  # and one call is still hanging in the server
            assert hanging.error_kind == "timeout"
        for pid in (server, in_group, own_session):
            await wait_gone(pid, 5)
