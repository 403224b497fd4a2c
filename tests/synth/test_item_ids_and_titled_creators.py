"""Small stores whose edits take the item's id: an integer id is bound from what made the item (never a count), and a
creator that needs a text to make the item at all makes it under the topic's name, so the edit writes the records.

Fast tests pin `fill`; the live test seeds the fixture server tests/synth/servers/jotter_server.py (real stdio,
per-episode instances, every call logged), replays every task and runs the oracle and do-nothing baselines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.fill import Unfillable, fill, role
from task_synth.topics import world_topics
from tests.synth._baselines import run_baselines

JOTTER = Path(__file__).parent / "servers" / "jotter_server.py"
INT = {"type": "integer"}


def test_an_integer_named_like_an_id_is_an_items_id_to_bind_never_a_count_or_a_size():
    assert role("id", INT) == "id" and role("task_id", INT) == "id" and role("memoryId", INT) == "id"
    assert role("rows", INT) == "rows_n" and role("index", INT) == "index" and role("limit", INT) == ""
    assert role("width", {"type": "number"}) == ""  # a number that is not an integer is no id
    edit = {"type": "object", "required": ["id"], "properties": {"id": INT, "desc": {"type": "string"}}}
    args, ids, contents = fill(edit, world_topics()[0], ("file", ""))
    assert ids == ["id"] and "id" not in args
    # a short form of "description" takes the records
    assert contents == ["desc"] and "Weather Station Pro" in args["desc"]


def test_a_creator_that_needs_a_text_makes_the_item_under_the_topics_name():
    add = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    topic = world_topics()[0]
    with pytest.raises(Unfillable):
        fill(add, topic, ("file", ""), with_content=False)
    args, _, contents = fill(add, topic, ("file", ""), with_content=False, titled=True)
    assert args == {"text": "Brightwater products"} and contents == []
    # with content, the records as before
    assert "Weather Station Pro" in fill(add, topic, ("file", ""))[0]["text"]


def jotter(log: Path) -> ServerSpec:
    return ServerSpec(name="jotter", command=sys.executable, args=[str(JOTTER)], cwd="${EPISODE_DIR}",
                      env={"JOTTER_LOG": str(log)}, stateful=True)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_edits_that_take_the_items_number_or_drawn_id_are_seeded_and_verified(tmp_path):
    log = tmp_path / "calls.jsonl"
    with anyio.fail_after(900):
        async with Fleet.open([jotter(log)]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["jotter"], n=6, seed=1), work=tmp_path / "w")
            write_outputs(state, tmp_path / "a.jsonl", "jotter")
    suite = Suite.load(tmp_path / "a.jsonl")
    tools = {t.id: [s.tool for s in t.reference] for t in suite.tasks}
    assert len(suite.tasks) >= 5, ([r.reasons for r in state.rejected][:10], tools)
    edits = [t for t in suite.tasks if "task_edit" in tools[t.id]]
    drawn = [t for t in suite.tasks if "todo_edit" in tools[t.id]]
    assert edits and drawn, tools
    for t in edits:  # the number the creator gave is bound and named by the state check (a fresh store gives 1)
        i = tools[t.id].index("task_edit")
        assert tools[t.id][i - 1] == "task_new" and "id" in t.reference[i].bindings
        assert all(c.read and c.read.arguments.get("id") == 1 for _, c in t.state_checks), t.state_checks
    for t in drawn:  # the todo is made under the topic's name, the edit writes the records
        i = tools[t.id].index("todo_edit")
        assert tools[t.id][i - 1] == "todo_add" and t.reference[i - 1].arguments["text"].startswith("Brightwater")
        assert all(c.read and "todo_id" in c.read.from_calls for _, c in t.state_checks)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert all(isinstance(c["args"]["id"], int) for c in calls if c["tool"] in ("task_edit", "task_show"))
    with anyio.fail_after(600):
        async with Fleet.open([jotter(log)]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    await run_baselines(tmp_path / "a.jsonl", f"  - name: jotter\n    command: {sys.executable}\n"
                        f"    args: [{str(JOTTER)!r}]\n    cwd: \"${{EPISODE_DIR}}\"\n    stateful: true\n", tmp_path)


def test_on_a_server_isolated_per_episode_an_items_number_is_a_handle_and_elsewhere_it_stays_a_number():
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph
    from task_synth.graph import build_node
    from task_synth.handles import is_handle_param, numbered_items

    schema = {"type": "object", "required": ["id", "limit"], "properties": {"id": INT, "limit": INT}}
    entries = [ToolEntry(server=s, name="task_show", description="Get a task by ID", sha256="x", input_schema=schema)
               for s in ("fresh", "shared")]
    graph = ToolGraph(nodes=[build_node(e) for e in entries])
    assert all(n.params["id"] == "number" for n in graph.nodes)  # what a count fed into an item's id looked like
    numbered_items(graph, entries, ["fresh"])
    fresh, shared = graph.nodes
    assert fresh.params == {"id": None, "limit": "number"} and shared.params["id"] == "number"
    assert is_handle_param("id", INT, fresh.params["id"])
