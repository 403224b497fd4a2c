"""Array items whose fields only the parameter's description lists ("each containing: - id: … - status: (a, b)").

A fast test pins the parsing; the live test seeds the fixture server tests/synth/servers/checklist_server.py over
real stdio, per-episode instances.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize
from task_synth.documented import documented_fields, with_documented_items
from task_synth.fill import fill
from task_synth.topics import world_topics

CHECKLIST = Path(__file__).parent / "servers" / "checklist_server.py"
DESCRIBED = ("List of items, each containing:\n- id: Unique identifier\n- content: Task description\n"
             "- status: Current status (pending, in_progress, completed)\n- priority: Task priority (high, medium, low)"
             "\n- metadata: Optional additional data")


def test_the_fields_a_parameter_lists_become_the_items_schema_with_their_choices_and_optional_ones_left_out():
    props, required = documented_fields(DESCRIBED)
    assert required == ["id", "content", "status", "priority"] and set(props) == set(required)
    assert props["status"]["enum"] == ["pending", "in_progress", "completed"]
    assert props["priority"]["enum"] == ["high", "medium", "low"] and "enum" not in props["content"]
    assert documented_fields("Items to add.\n- one thing only: x") == ({}, [])
    open_items = {"type": "array", "items": {"type": "object", "additionalProperties": True}, "description": DESCRIBED}
    entry = ToolEntry(server="s", name="w", description="Replace the list.\n- todos: the items\n- mode: how",
                      sha256="x",
                      input_schema={"type": "object", "required": ["todos"], "properties": {"todos": open_items}})
    items = with_documented_items(entry).input_schema["properties"]["todos"]["items"]
    assert items["required"] == ["id", "content", "status", "priority"]
    args = fill(with_documented_items(entry).input_schema, world_topics()[0], ("file", ""))[0]
    assert all({"id", "content", "status", "priority"} <= set(i) and i["status"] == "pending" for i in args["todos"])
    # items the schema already describes, or no list of fields: unchanged
    typed = {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}},
             "description": DESCRIBED}
    same = entry.model_copy(update={"input_schema": {"type": "object", "properties": {"todos": typed}}})
    assert with_documented_items(same) is same


@pytest.mark.anyio
async def test_a_list_store_whose_item_fields_are_only_described_gets_seeded_and_asked_about(tmp_path):
    log = tmp_path / "calls.jsonl"
    spec = ServerSpec(name="checklist", command=sys.executable, args=[str(CHECKLIST)], cwd="${EPISODE_DIR}",
                      env={"CHECKLIST_LOG": str(log)}, stateful=True)
    with anyio.fail_after(300):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["checklist"], n=4, seed=1), work=tmp_path / "w")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    writes = [c["args"]["entries"] for c in calls if c["tool"] == "replace_checklist"]
    assert writes and all({"ref", "text", "state", "urgency"} <= set(e) for w in writes for e in w)
    assert [t for t in state.tasks if "stateful" in t.tags], [r.reasons for r in state.rejected][:10]
