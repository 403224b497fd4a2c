"""R1: a server killed mid-call — the call resolves within 1 s as infra_error (not a model error), no orphan process is
left, and the next episode gets a restarted server."""

from __future__ import annotations

import os
import signal
import time

import anyio
import pytest
from reliability_helpers import alive, events, fault_spec, wait_gone

from mcpbench.fleet import Fleet
from mcpbench.outcomes import ToolOutcome
from mcpbench.trajectory import RequestedCall

pytestmark = pytest.mark.anyio


async def _kill_during_hang(fleet: Fleet, server: str, log) -> tuple[ToolOutcome, float]:
    """Start a call that never answers, SIGKILL the server once it holds the call; return the outcome and the
    seconds from the kill to the call's resolution."""
    pid = int((await fleet.call(server, "pid", {})).content)
    box: dict[str, object] = {}

    async def hang() -> None:
        box["out"] = await fleet.call(server, "hang", {}, timeout=60)
        box["resolved"] = time.perf_counter()

    async with anyio.create_task_group() as tg:
        tg.start_soon(hang)
        await anyio.wait_all_tasks_blocked()
        # one round trip behind the hang request on the same pipe: the server has read the hang call by now
        assert (await fleet.call(server, "echo", {"text": "after"})).content == "after"
        assert events(log, "call")[-2]["tool"] == "hang"
        os.kill(pid, signal.SIGKILL)
        killed = time.perf_counter()
    out = box["out"]
    assert isinstance(out, ToolOutcome)
    return out, float(box["resolved"]) - killed  # type: ignore[arg-type]


async def test_a_server_killed_mid_call_resolves_within_a_second_as_an_infra_error(tmp_path):
    log = tmp_path / "f.log"
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            out, after_kill = await _kill_during_hang(fleet, "f", log)
            assert (out.outcome, out.error_kind) == ("infra_error", "connection_closed")
            assert after_kill < 1.0, f"resolved {after_kill:.2f}s after the kill"
            # the exit is counted by the process watcher, which may run just after the reader saw EOF
            with anyio.fail_after(5):
                while fleet.status["f"].exits == 0:
                    await anyio.sleep(0.01)
            await anyio.sleep(0.3)
            assert fleet.status["f"].exits == 1  # once, not once per path that noticed


async def test_a_grandchild_holding_stdout_neither_delays_the_resolution_nor_survives_as_an_orphan(tmp_path):
    """Without watching the process itself, a child that inherited the server's stdout keeps the pipe open: the SDK
    would see no EOF and the call would wait for its 60 s deadline."""
    log = tmp_path / "f.log"
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            child = int((await fleet.call("f", "spawn", {})).content)
            assert alive(child)
            out, after_kill = await _kill_during_hang(fleet, "f", log)
            assert (out.outcome, out.error_kind) == ("infra_error", "connection_closed")
            assert after_kill < 1.0, f"resolved {after_kill:.2f}s after the kill"
            await wait_gone(child, 5)  # the orphan was killed with its dead server's process group


async def test_the_next_episode_after_a_crash_gets_a_restarted_server(tmp_path):
    log = tmp_path / "f.log"
    call = RequestedCall(id="1", name="f__pid", arguments={})
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            async with fleet.episode("before") as tools:
                first = int((await tools.call(call, turn=1)).content)
                crashed = await tools.call(RequestedCall(id="2", name="f__crash", arguments={}), turn=2)
            assert (crashed.outcome, crashed.error_kind) == ("infra_error", "connection_closed")
            await wait_gone(first, 5)
            async with fleet.episode("after") as tools:
                again = await tools.call(call, turn=1)
            assert again.outcome == "ok" and int(again.content) != first
            assert fleet.status["f"].restarts == 1 and fleet.status["f"].status == "connected"
            second = int(again.content)
        assert not alive(second)
    assert [e["pid"] for e in events(log, "start")] == [first, second]


async def test_a_server_that_dies_between_calls_is_restarted_before_the_next_call_not_charged_to_it(tmp_path):
    """The death is noticed when it happens (process watch), so the next call is not the one that finds out."""
    log = tmp_path / "f.log"
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            pid = int((await fleet.call("f", "pid", {})).content)
            shared = fleet.connection("f")
            os.kill(pid, signal.SIGKILL)
            with anyio.fail_after(5):
                await shared.wait_stopped()  # the process watch retired the session on its own
            assert fleet.status["f"].exits == 1
            out = await fleet.call("f", "pid", {})
            assert out.outcome == "ok" and int(out.content) != pid
            assert fleet.status["f"].restarts == 1
