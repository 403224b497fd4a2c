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
            # and the server stopped the handler it was running for that request (the handler runs on a thread of
            # the fault server and logs after the cancel is read: the echo's answer may come first)
            with anyio.move_on_after(5):
                while not events(log, "handler_stopped"):
                    await anyio.sleep(0.02)
            assert [e["id"] for e in events(log, "handler_stopped")] == [hang_id]
            assert fleet.status["f"].restarts == 0


async def test_in_an_episode_the_fleets_deadline_classifies_the_timeout_and_the_agents_only_backs_it_up(tmp_path):
    # agent and fleet get the same call deadline (as in a run): the fleet's fires first, with its own message, and
    # the courtesy cancel goes out; the agent's deadline sits a margin later
    from mcpbench.agent import Limits, call_backstop_s, run_episode
    from mcpbench.models.scripted import Script, ScriptCall, ScriptedProvider, ScriptTurn

    log = tmp_path / "f.log"
    script = Script(turns=[ScriptTurn(tool_calls=[ScriptCall(server="f", tool="hang", arguments={})]),
                           ScriptTurn(text="it hung")])
    assert call_backstop_s(DEADLINE) == DEADLINE + 0.5 and call_backstop_s(60) == 66
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", log)], log_dir=tmp_path / "logs") as fleet:
            async with fleet.episode("e", servers=["f"], call_timeout_s=DEADLINE) as tools:
                traj = await run_episode(ScriptedProvider(script, name="scripted/t"), tools, "call hang",
                                         limits=Limits(call_timeout_s=DEADLINE), episode_id="e", task_id="t")
            [event] = traj.tool_calls()
            assert (event.outcome, event.error_kind) == ("infra_error", "timeout")
            assert event.error == f"no result within the {DEADLINE:g}s call deadline"  # the fleet's, not the agent's
            assert DEADLINE * 0.9 <= event.latency_s <= DEADLINE * 1.1
            assert (await fleet.call("f", "echo", {"text": "x"})).content == "x"
            assert len(events(log, "cancelled")) == 1
            assert traj.status == "completed" and traj.final_answer == "it hung"


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
