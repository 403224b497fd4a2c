"""Values a tool's words give as examples, writes said in a later sentence, and markdown-labelled outputs.

Shown on tests/synth/servers/nursery_server.py (plant codes and search words given only as examples in prose, a
check-out whose change is said after its first sentence) and tests/synth/servers/bench_server.py (answers laid out
as markdown: `**Label:** value`, a `**Label:**` heading over one bullet, labels holding a figure):

- a required parameter that nothing else fills takes the examples its own description ("e.g. PLT-201", "Try fern,
  maple or orchid") or its tool's description ("Example queries that find plants: …", "Example: PLT-201 (…)",
  "tray_id=tray-1") gives; ids of one shape are found in the server's outputs, so a search feeds the read of one;
- "Removes the pots …, and deletes the tray." after a first sentence that says nothing of a change is a write;
- a markdown field is read without its emphasis, and a label that holds a figure or ends in a preposition is
  quoted whole or not asked ("what the color code for k is" before).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.documented import described_examples, tool_examples
from task_synth.graph import is_read_only
from tests.synth._baselines import synthesized, validated_and_scored

NURSERY = Path(__file__).parent / "servers" / "nursery_server.py"


def _entry(name: str, description: str, *params: str) -> ToolEntry:
    schema = {"type": "object", "required": list(params), "properties": {p: {"type": "string"} for p in params}}
    return ToolEntry(server="s", name=name, description=description, sha256="x", input_schema=schema)


def test_examples_are_read_from_a_parameters_description_and_from_its_tools():
    assert described_examples("Catalogue code of a plant, e.g. PLT-201") == ["PLT-201"]
    assert described_examples("Words to match. Try fern, maple or orchid; others find nothing.") == \
        ["fern", "maple", "orchid"]
    assert described_examples("Try again later.") == [] and described_examples("such as the one you made") == []
    search = "Look up plants.\n\n    Example queries that find plants: fern, maple, orchid, cactus.\n    More text."
    assert tool_examples(search, "query", ["queries", "query"], sole=False) == ["fern", "maple", "orchid", "cactus"]
    assert tool_examples("Get one plant. Example: PLT-201 (Maidenhair Fern).", "plant_code", [], sole=True) == \
        ["PLT-201"]
    assert tool_examples("Get one plant. Example: PLT-201 (Maidenhair Fern).", "plant_code", [], sole=False) == []
    assert tool_examples("Count pots.\n\nExample with pots: PLT-201. Example sold out: PLT-205.", "code", [],
                         sole=True) == ["PLT-201", "PLT-205"]
    # a value assigned to the parameter; never a placeholder ('RCP-XXXX') nor another parameter's name
    ring = "Ring up a tray. Example: tray_id=tray-1 after filling PLT-201. Returns a receipt_id like RCP-XXXX."
    assert tool_examples(ring, "tray_id", [], sole=True) == ["tray-1"]
    assert tool_examples("Read a receipt, for example RCP-XXXX.", "receipt_id", [], sole=True) == []


def test_a_write_said_in_a_later_sentence_is_a_write_and_reads_stay_reads():
    assert not is_read_only(_entry("ring_up_tray", "Ring up a tray filled with fill_tray.\n\nExample: tray_id=tray-1."
                                   "\nRemoves the pots from the benches, returns a receipt id, and deletes the tray.",
                                   "tray_id"))
    for desc in ("Count the pots of a plant.\n\nDoes not change the benches.",
                 "Filter rows.\n\nAccepts standard conditions, e.g.: a > 1.",
                 "Show the feed.\n\nUpdates are cached for an hour.",
                 "Plan an auction. Per-bidder\n    reserves; collapses to a second price.",
                 "Render a table.\n\nformats: text or html."):
        assert is_read_only(_entry("bench_count", desc, "x")), desc


def nursery() -> ServerSpec:
    return ServerSpec(name="nursery", command=sys.executable, args=[str(NURSERY)], cwd="${EPISODE_DIR}",
                      stateful=True)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_server_whose_values_are_only_examples_in_prose_gets_walks_from_its_search(tmp_path):
    state, suite = await synthesized(nursery(), tmp_path, 8, 1)
    assert not state.graph.node("nursery/ring_up_tray").read_only
    assert state.graph.node("nursery/plant_card").params["plant_code"] == "plant_code@nursery"
    assert state.graph.pools["plant_code@nursery"][:2] == ["PLT-201", "PLT-205"]
    edges = {(e.src.split("/")[1], e.dst.split("/")[1], e.param) for e in state.graph.edges}
    assert ("find_plants", "plant_card", "plant_code") in edges
    tools = {t.id: [s.tool for s in t.reference] for t in suite.tasks}
    assert len(suite.tasks) >= 6, ([r.reasons for r in state.rejected][:10], tools)
    assert any(ts[0] == "find_plants" and len(ts) >= 2 for ts in tools.values()), tools
    searched = [t.reference[0].arguments.get("query") for t in suite.tasks if t.reference[0].tool == "find_plants"]
    assert set(searched) <= {"fern", "maple", "orchid", "cactus"}, searched
    res = await validated_and_scored(nursery(), suite, tmp_path)
    assert res.results["models"]["scripted/oracle"]["overall"]["mean"] == pytest.approx(1.0)
    assert res.results["models"]["scripted/do-nothing"]["overall"]["mean"] == pytest.approx(0.0)
