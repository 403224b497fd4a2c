"""R2: a server whose spawn fails, that exits at once, or that hangs in the handshake is marked failed within its
startup deadline with its stderr tail, and the other servers are unaffected."""

from __future__ import annotations

import time

import anyio
import pytest
from reliability_helpers import alive, events, fault_spec, wait_gone

from mcpbench.fleet import Fleet

pytestmark = pytest.mark.anyio
CONNECT = 3.0


async def test_broken_servers_are_marked_failed_within_their_deadline_and_the_others_work(tmp_path):
    logs = {n: tmp_path / f"{n}.log" for n in ("good", "exits", "stderr", "hangs")}
    specs = [fault_spec("good", logs["good"]),
             fault_spec("missing", None, timeouts={"connect": CONNECT}).model_copy(
                 update={"command": "/nonexistent/mcp-server"}),
             fault_spec("exits", logs["exits"], "--mode", "exit-now", timeouts={"connect": CONNECT}),
             fault_spec("stderr", logs["stderr"], "--mode", "stderr-then-exit", timeouts={"connect": CONNECT}),
             fault_spec("hangs", logs["hangs"], "--mode", "hang-handshake", timeouts={"connect": CONNECT})]
    with anyio.fail_after(60):
        t0 = time.perf_counter()
        async with Fleet.open(specs, log_dir=tmp_path / "logs") as fleet:
            opened = time.perf_counter() - t0
            st = fleet.status
            # the hung handshake is reported at its deadline, not after its teardown (close stdin, TERM, KILL)
            assert opened < CONNECT * 1.1 + 0.5, f"open took {opened:.2f}s"
            assert st["good"].status == "connected" and st["good"].tools > 0
            assert st["missing"].status == "failed" and "command not found" in (st["missing"].error or "")
            assert st["exits"].status == "failed" and "Connection closed" in (st["exits"].error or "")
            assert st["stderr"].status == "failed" and "cannot open /data/index.db" in (st["stderr"].stderr_tail or "")
            assert st["hangs"].status == "failed" and f"{CONNECT:g}s connect deadline" in (st["hangs"].error or "")
            assert "warming up forever" in (st["hangs"].stderr_tail or "")
            assert (await fleet.call("good", "add", {"a": 2, "b": 3})).content == "5"
            for bad in ("missing", "exits", "stderr", "hangs"):
                out = await fleet.call(bad, "echo", {"text": "x"})
                assert (out.outcome, out.error_kind) == ("infra_error", "server_unavailable"), bad
            hung = events(logs["hangs"], "start")[-1]["pid"]
        # the hung server (which ignores stdin closing) was killed on the way out
        await wait_gone(hung, 1)
    assert not alive(hung)


async def test_a_server_that_keeps_failing_to_start_is_given_up_after_three_tries(tmp_path):
    """Each call to a down server tries to start it again, but a server that hangs in its handshake must not cost
    every episode of a run its connect deadline: after three failed starts in a row, calls fail at once."""
    log = tmp_path / "f.log"
    spec = fault_spec("down", log, "--mode", "hang-handshake", timeouts={"connect": 1.0})
    with anyio.fail_after(60):
        async with Fleet.open([spec], log_dir=tmp_path / "logs") as fleet:
            t0 = time.perf_counter()
            first = await fleet.call("down", "pid", {})
            second = await fleet.call("down", "pid", {})
            tried = time.perf_counter() - t0
            t1 = time.perf_counter()
            for _ in range(5):
                out = await fleet.call("down", "pid", {})
                assert out.error_kind == "server_unavailable"
            given_up = time.perf_counter() - t1
            assert first.error_kind == second.error_kind == "server_unavailable"
            assert tried >= 2.0 and given_up < 0.5
            assert "gave up after 3 failed starts" in (fleet.status["down"].error or "")
            pids = [e["pid"] for e in events(log, "start")]
        assert len(pids) == 3  # the start at open plus two retries, then no more
        for pid in pids:
            await wait_gone(pid, 10)
