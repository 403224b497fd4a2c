"""R6: output bombs — one 100 MB line, 10,000 content blocks, a 20 MB image. The orchestrator's memory grows by less
than 256 MB, and each result comes back truncated with a marker that records the original size. The SDK's stdio
reader has no line cap (facts.md); mcpbench._stdio drops oversize lines as they stream in."""

from __future__ import annotations

import gc

import anyio
import pytest
from reliability_helpers import fault_spec, rss_peak, rss_reset

from mcpbench.fleet import Fleet

pytestmark = pytest.mark.anyio
MB = 1024 * 1024
CAP = 64 * 1024


async def test_output_bombs_are_truncated_with_their_size_and_memory_stays_bounded(tmp_path):
    spec = fault_spec("f", tmp_path / "f.log", output_cap_bytes=CAP, timeouts={"call": 120})
    with anyio.fail_after(240):
        async with Fleet.open([spec], log_dir=tmp_path / "logs") as fleet:
            assert (await fleet.call("f", "echo", {"text": "warm"})).ok
            gc.collect()
            before = rss_reset()

            line = await fleet.call("f", "bomb", {"bytes": 100 * MB})
            blocks = await fleet.call("f", "blocks", {"n": 10_000})
            image = await fleet.call("f", "image", {"bytes": 20 * MB})
            # the answer's id is read from the end of the line when it is not at the start
            tail_id = await fleet.call("f", "bomb", {"bytes": 30 * MB, "id_last": True})
            grew = rss_peak() - before
            st = fleet.status["f"]
            alive_after = (await fleet.call("f", "echo", {"text": "still here"})).content

    assert grew < 256 * MB, f"orchestrator RSS grew by {grew / MB:.0f} MB"
    for out, at_least in ((line, 100 * MB), (image, 20 * MB * 4 // 3), (tail_id, 30 * MB)):
        assert (out.outcome, out.error_kind, out.truncated) == ("infra_error", "output_too_large", True)
        assert out.bytes >= at_least
        assert f"original size {out.bytes} bytes" in out.content
    assert (blocks.outcome, blocks.truncated) == ("ok", True)
    assert blocks.content.startswith("block 0\nblock 1\n") and f"original size {blocks.bytes} bytes" in blocks.content
    assert blocks.bytes > 10_000 * len("block 0") and len(blocks.content.encode()) < CAP + 200
    assert st.oversize_messages == 3
    assert alive_after == "still here" and st.restarts == 0


async def test_big_requests_sent_at_once_reach_the_server_whole(tmp_path):
    """Requests go to the server's stdin from the tasks that send them (no writer task): 40 concurrent 200 KB
    requests overflow the 64 KB pipe, so senders wait for the pipe to drain together; each line still arrives
    whole, and each answer is the one its own request asked for."""
    spec = fault_spec("f", tmp_path / "f.log", output_cap_bytes=MB, timeouts={"call": 60})
    texts = [f"{i:03d}" + chr(ord("a") + i % 26) * (200 * 1024) for i in range(40)]
    answers: dict[int, str | None] = {}
    with anyio.fail_after(120):
        async with Fleet.open([spec], log_dir=tmp_path / "logs") as fleet:

            async def one(i: int) -> None:
                out = await fleet.call("f", "echo", {"text": texts[i]})
                answers[i] = out.content if out.ok else out.error

            async with anyio.create_task_group() as tg:
                for i in range(len(texts)):
                    tg.start_soon(one, i)
            garbage = fleet.counters["f"].wire.garbage_lines
    assert answers == dict(enumerate(texts))
    assert garbage == 0
