"""Values a tool's words give as examples, writes said in a later sentence, and markdown-labelled outputs.

Shown on tests/synth/servers/nursery_server.py (plant codes and search words given only as examples in prose, a
check-out whose change is said after its first sentence) and tests/synth/servers/bench_server.py (answers laid out
as markdown: `**Label:** value`, a `**Label:**` heading over one bullet, labels holding a figure):

- a required parameter that nothing else fills takes the examples its own description ("e.g. PLT-201", "Try fern,
  maple or orchid") or its tool's description ("Example queries that find plants: …", "Example: PLT-201 (…)",
  "tray_id=tray-1") gives; ids of one shape are found in the server's outputs, so a search feeds the read of one;
- "Removes the pots …, and deletes the tray." after a first sentence that says nothing of a change is a write;
- a markdown field is read without its emphasis, and a label that holds a figure or ends in a preposition is
  quoted whole or not asked ("what the weight for kg is" before).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import extract
from task_synth.documented import described_examples, tool_examples
from task_synth.graph import is_read_only
from task_synth.labels import field_words, marked_fields, marked_labelled, wide_labelled
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

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
    # a label heading a worked example ('4-ply: …') is no value of the parameter
    weave = "Weave a rope.\n\n  Examples:\n    4-ply: Red, Blue, Green → Braid"
    assert tool_examples(weave, "ply", [], sole=True) == []


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
    return stateful_fixture("nursery", NURSERY)


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


BENCH = Path(__file__).parent / "servers" / "bench_server.py"
SAG = """📏 Shelf Sag Estimator

**Input:**
  • Span: 2.5m
  • Load: 12kg

**Forces:**
  • Load (F) = **117.7N**
  • Support reaction = **58.8N**

**Deflection:**
  • δ (delta) = **4.500mm**

**Formula:** δ = F·L³ / (48·E·I)"""
DRILL = "🔩 Tap Drill Finder\n\n**Nearest Thread:** M8\n\n**Tap Drill for 8.0mm:**\n  6.80mm bit, fits I"


def test_markdown_fields_are_read_without_their_emphasis():
    fields = {label: (value, numeric) for label, value, _, numeric in marked_fields(SAG)}
    assert "Input" not in fields and "Forces" not in fields  # a heading over several lines is a list
    assert fields["Load (F)"] == ("117.7", True) and fields["Support reaction"] == ("58.8", True)
    assert fields["Deflection"] == ("4.500", True)  # the one bullet under it, after ' = ', emphasis stripped
    assert fields["Formula"] == ("δ = F·L³ / (48·E·I)", False)
    for _, value, rx, _ in marked_fields(SAG):
        assert extract(rx, SAG) == value
    drill = {label: value for label, value, _, _ in marked_fields(DRILL)}
    assert drill == {"Nearest Thread": "M8", "Tap Drill for 8.0mm": "6.80mm bit, fits I"}
    assert marked_fields("**Name:** Bowline\n\n**Uses:** rescue, mooring")[0][:2] == ("Name", "Bowline")


def test_a_label_with_a_figure_or_a_dangling_preposition_is_quoted_whole_never_cut():
    """Pins 'tell me what the weight for kg is' (a label 'Weight for 2.5kg' cut to its Latin letters) and an answer
    of '**' (the emphasis after a label's colon read as its value)."""
    assert field_words("Tap Drill for 8.0mm") == ('"Tap Drill for 8.0mm"', True)
    assert field_words("Weight for 2.5kg") == ('"Weight for 2.5kg"', True)
    assert field_words("Size for") == ('"Size for"', True)
    assert field_words("BMI值") == ("BMI", False)  # Latin words that carry a label still name it
    ask, rx = marked_labelled(DRILL, set(), {"thread_mm": 8})  # M8 is the 8 it was given: asked back
    assert ask.fuzzy == 'what it says for "Tap Drill for 8.0mm"' and extract(rx, DRILL) == "6.80mm bit, fits I"
    ask, rx = marked_labelled(SAG, set(), {"span_m": 2.5, "load_kg": 12})
    assert ask.fuzzy == "what the support reaction is" and ask.check == "numeric" and extract(rx, SAG) == "58.8"
    assert wide_labelled("**Drift for 2.5µm:**\n  low, steady", set(), {}) is None


def bench() -> ServerSpec:
    return ServerSpec(name="bench", command=sys.executable, args=[str(BENCH)])


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_a_server_answering_in_markdown_gets_a_question_on_every_tool(tmp_path):
    state, suite = await synthesized(bench(), tmp_path, 8, 1)
    tools = {s.tool for t in suite.tasks for s in t.reference}
    assert tools == {"beam_deflection", "tap_drill", "knot_card"}, [r.reasons for r in state.rejected]
    for t in suite.tasks:
        assert "**" not in t.fuzzy and not re.search(r"\bfor (?:k|mm|is)\b", t.fuzzy), t.fuzzy
        assert all(re.search(r"\w", str(c.value)) for c in t.checks if hasattr(c, "value")), t.checks
    res = await validated_and_scored(bench(), suite, tmp_path)
    assert res.results["models"]["scripted/oracle"]["overall"]["mean"] == pytest.approx(1.0)
    assert res.results["models"]["scripted/do-nothing"]["overall"]["mean"] == pytest.approx(0.0)
