"""R5: garbage on a server's stdout (non-JSON lines, JSON that is not JSON-RPC, responses with wrong ids) does not
break the session; it is counted per server (ServerStatus), and a call whose answer never comes resolves by its
deadline."""

from __future__ import annotations

import time

import anyio
import pytest
from reliability_helpers import fault_spec

from mcpbench.fleet import Fleet

pytestmark = pytest.mark.anyio


async def test_garbage_lines_are_counted_and_the_session_survives(tmp_path):
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", tmp_path / "f.log")], log_dir=tmp_path / "logs") as fleet:
            pid = (await fleet.call("f", "pid", {})).content
            # 8 junk lines cycling: not JSON · a JSON object that is not JSON-RPC · truncated JSON · a wrong-id answer
            out = await fleet.call("f", "garbage", {"lines": 8})
            assert (out.outcome, out.content) == ("ok", "done")
            st = fleet.status["f"]
            assert (st.garbage_lines, st.stray_responses) == (6, 2)
            assert (await fleet.call("f", "echo", {"text": "fine"})).content == "fine"
            assert (await fleet.call("f", "pid", {})).content == pid  # same process: nothing was restarted
            assert fleet.status["f"].restarts == 0 and fleet.status["f"].status == "connected"


async def test_an_answer_with_the_wrong_id_leaves_the_call_to_resolve_at_its_deadline(tmp_path):
    with anyio.fail_after(60):
        async with Fleet.open([fault_spec("f", tmp_path / "f.log")], log_dir=tmp_path / "logs") as fleet:
            t0 = time.perf_counter()
            out = await fleet.call("f", "stray", {}, timeout=1.5)
            took = time.perf_counter() - t0
            assert (out.outcome, out.error_kind) == ("infra_error", "timeout")
            assert 1.35 <= took <= 1.65
            assert fleet.status["f"].stray_responses == 1
            assert (await fleet.call("f", "add", {"a": 1, "b": 2})).content == "3"
