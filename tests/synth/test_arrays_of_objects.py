"""Arrays of objects as content: content blocks tagged by a discriminator, items with a text of their own, objects
named for the records' columns.

Fast tests pin `fill` on hand-made schemas; the live test runs the pipeline against the fixture server
tests/synth/servers/folio_server.py (documents made of heading and paragraph blocks) over real stdio.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from task_synth.artifacts import ToolGraph
from task_synth.fill import Unfillable, content_value, fill
from task_synth.freetext import world_texts
from task_synth.phrases import GENERIC, StepView
from task_synth.shapes import shape_kind, values
from task_synth.topics import world_topics
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

FOLIO = Path(__file__).parent / "servers" / "folio_server.py"
PRODUCTS = next(t for t in world_topics() if t.key == "products")


def _block(tag: Any, required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required or ["type"],
            "properties": {"type": {"type": "string", **tag}, "text": {"type": "string"}, **extra}}


BLOCKS = {"type": "array", "items": {"anyOf": [
    {"type": "object", "required": ["type", "path"],
     "properties": {"type": {"const": "image"}, "path": {"type": "string"}}},
    _block({"const": "text"}, color={"type": "string"}, fontSize={"type": "number"}),
    _block({"enum": ["heading"]}, level={"type": "integer"}),
    {"type": "object", "required": ["type"], "properties": {"type": {"const": "pageBreak"}}}]}}


def test_content_blocks_are_a_heading_with_the_title_then_one_text_block_per_record():
    """Pins the write that failed block by block (`content.0: Invalid input`): the tag was given the topic's noun."""
    blocks = content_value(BLOCKS, PRODUCTS)
    assert blocks[0] == {"type": "heading", "text": PRODUCTS.title[0].upper() + PRODUCTS.title[1:]}
    assert blocks[1:] == [{"type": "text", "text": line} for line in PRODUCTS.lines()]
    nested = {"type": "array", "items": {"anyOf": [BLOCKS["items"], {"type": "string"}]}}
    assert content_value(nested, PRODUCTS) == blocks  # alternatives grouped in an inner anyOf are the same shapes


def test_a_required_property_no_record_can_fill_drops_that_shape_or_makes_the_array_unfillable():
    needs_level = {"type": "array", "items": {"anyOf": [
        _block({"const": "heading"}, ["type", "text", "level"], level={"type": "integer"}),
        _block({"const": "paragraph"}, ["type", "text"])]}}
    assert [b["type"] for b in content_value(needs_level, PRODUCTS)] == ["paragraph"] * len(PRODUCTS.rows)
    no_text = {"type": "array", "items": {"anyOf": [
        {"type": "object", "required": ["type", "height"],
         "properties": {"type": {"const": "spacer"}, "height": {"type": "number"}}},
        {"type": "object", "required": ["type"], "properties": {"type": {"const": "divider"}}}]}}
    with pytest.raises(Unfillable):
        content_value(no_text, PRODUCTS)


def test_items_with_a_text_of_their_own_take_one_record_each_and_nothing_the_schema_does_not_describe():
    """Pins "no value for items": text items with optional styling were left unfilled."""
    items = {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string"}, "fontSize": {"type": "number"}, "bold": {"type": "boolean"}}}}
    args, _, contents = fill({"type": "object", "required": ["items"], "properties": {"items": items}},
                             PRODUCTS, ("file", ""))
    assert contents == ["items"] and args["items"] == [{"text": line} for line in PRODUCTS.lines()]


def test_objects_named_for_the_records_columns_take_the_records_values_as_their_types_allow():
    items = {"type": "array", "items": {"type": "object", "required": ["product"], "properties": {
        "product": {"type": "string"}, "sku": {"type": "string"}, "listPriceEur": {"type": "number"},
        "category": {"type": "integer"}, "colour": {"type": "string"}}}}
    first = content_value(items, PRODUCTS)[0]
    assert first == {"product": "Air Quality Monitor", "sku": "BW-AQ-310", "listPriceEur": 1350.0}


def test_an_array_bounded_by_max_items_drops_the_heading_first_then_is_unfillable():
    n = len(PRODUCTS.rows)
    assert content_value({**BLOCKS, "maxItems": n}, PRODUCTS)[0]["type"] == "text"
    with pytest.raises(Unfillable):
        content_value({**BLOCKS, "maxItems": n - 1}, PRODUCTS)
    with pytest.raises(Unfillable):
        content_value({**BLOCKS, "minItems": n + 2}, PRODUCTS)


def test_a_read_tool_taking_text_items_gets_one_item_with_a_sentence_of_the_worlds_documents():
    """Pins "no value for items: its kind is unknown" on a tool that measures an array of `{text, fontSize}`."""
    graph = ToolGraph()
    items = {"type": "array", "items": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "description": "Text content to measure"}, "fontSize": {"type": "number"}}}}
    kind = shape_kind(graph, "items", items, None)
    assert kind == "[{text:text}]"
    assert values(graph, kind, items)[0] == [{"text": world_texts()[0]}]
    paths = {"type": "array", "items": {"type": "object", "required": ["source"], "properties": {
        "source": {"type": "string", "description": "Path to a JSON file"}}}}
    assert shape_kind(graph, "inputs", paths, None) is None  # a formatted string is no free text


def test_text_items_are_said_as_their_quoted_texts():
    """Pins 'measure text width … with the item Hannah: visit …': a text item read as if it were an item's name."""
    text = "Hannah: visit the Fort Collins office in September."
    view = StepView(index=0, server="s", tool="measure", description="Measure text width and height.",
                    args={"items": [{"text": text}]}, bound={}, kinds={"items": "[{text:text}]"},
                    params={"items": "Array of text items to measure"})
    assert GENERIC.fuzzy(view) == f'measure text width and height with the text "{text}"'


def folio():
    return stateful_fixture("folio", FOLIO)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_document_made_of_content_blocks_gets_stateful_tasks_that_read_it_back(tmp_path):
    state, suite = await synthesized(folio(), tmp_path, 8, 1)
    assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected][:10]
    stateful = [t for t in suite.tasks if "stateful" in t.tags]
    assert stateful, [t.id for t in suite.tasks]
    for t in stateful:
        create = next(s for s in t.reference if s.tool == "create_document")
        assert {b["type"] for b in create.arguments["content"]} <= {"heading", "text"}
    await validated_and_scored(folio(), suite, tmp_path)
