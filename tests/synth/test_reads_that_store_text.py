"""A tool that reads like a read but stores the text it is given never verifies a seeded write.

Shown on tests/synth/servers/placard_server.py: a notice board whose `fill_slot(panel, slot, text)` has no verb that
changes anything in its words (so it counts as read-only) yet replaces a slot's text. It shares the slot's two numbers
with the write `add_lines`, so it ranked first among the reads that might show what the write did. Tried with the
topic's title, it overwrote the records the write had just put there, and the real read (`show_panel`) then showed
only the title: every write of the server ended "no read tool shows what it wrote" and the server had no seeded task
(a slide-deck server of the dev set lost all of its seeded tasks, and with them every task joined with another
server, this way).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synth._baselines import stateful_fixture, synthesized

PLACARD = Path(__file__).parent / "servers" / "placard_server.py"


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_write_is_verified_by_a_real_read_not_by_a_tool_that_stores_text(tmp_path):
    spec = stateful_fixture("placard", PLACARD)
    state, suite = await synthesized(spec, tmp_path, 6, 1)
    seeded = [t for t in suite.tasks if "seeded" in t.tags]
    assert seeded, [r.reasons for r in state.rejected if r.stage == "seed"]
    for t in seeded:
        tools = [s.tool for s in t.reference]
        assert tools[-1] == "show_panel", tools
        # nothing stores text after the write that put the records there
        assert "fill_slot" not in tools[tools.index(next(x for x in tools if x in ("add_lines", "fill_slot"))) + 1:]
        assert any(c.kind == "state" for c in t.checks)
