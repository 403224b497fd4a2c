"""Stores that start empty and whose items are named by the caller.

Shown on tests/synth/servers/binder_server.py (binders of sections of pages, all kept in memory):

- a parameter whose description starts by naming it ("Binder name", "Project name (used as filename on export)") is
  a name the request gives, not a file path and not an unknown;
- the id a caller gives a new item ("Unique page ID (e.g. 'intro')" of `add_page`) is chosen, not bound from an
  earlier output; an existing item's id ("Current page ID") still is;
- a bare `id` of a tool acting on a thing the server makes (`read_page(id)`) is that thing's: a section's `id` from
  `add_section` is never read as a page's;
- a creator run to make what a write needs stays in the chain even when its answer has no id to pass on (the
  binder a section goes in);
- items written as objects get the id of their name, and no free-form object slot is filled with text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.artifacts import ToolGraph
from task_synth.fill import content_value, role
from task_synth.graph import build_node
from task_synth.handles import id_fits, id_regex, tool_noun
from task_synth.seeding import new_id
from task_synth.topics import world_topics
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

BINDER = Path(__file__).parent / "servers" / "binder_server.py"


def _entry(tool: str, description: str, /, **params: str) -> ToolEntry:
    schema = {"type": "object", "required": list(params),
              "properties": {p: {"type": "string", "description": d} for p, d in params.items()}}
    return ToolEntry(server="s", name=tool, description=description, sha256="x", input_schema=schema)


def test_a_parameter_described_by_what_it_names_is_a_name():
    def r(name: str, desc: str) -> str:
        return role(name, {"type": "string", "description": desc})

    assert r("binder", "Binder name") == r("section", "Section name") == "name"
    assert r("name", "Project name (used as filename on export)") == "name"  # a name, not the file it becomes
    assert r("target_category", "Target category name") == "name"
    assert r("out", "Output file name") == "file" and r("name", "File name of the workbook") == "file"
    assert r("timezone", "Timezone name (IANA)") == ""  # a kind with values of its own
    assert r("owner", "Author name") == ""  # says nothing of what `owner` is
    assert r("binder", "The binder to use") == ""


def test_the_id_a_caller_gives_a_new_item_is_chosen_and_an_existing_items_is_not():
    add = _entry("add_page", "Add a page.", binder="Binder name", id="Unique page ID (e.g. 'intro')", body="Text")
    assert new_id(add, "id")
    assert not new_id(_entry("update_page", "Update a page.", id="Unique page ID (e.g. 'intro')"), "id")  # no maker
    assert not new_id(_entry("add_page", "Add a page.", id="Current page ID"), "id")
    assert not new_id(_entry("add_tag", "Add a tag to an item.", id="ID of the item to tag, e.g. 'a1'"), "id")
    assert not new_id(_entry("add_page", "Add a page.", section_id="Unique section ID"), "section_id")  # another's
    assert new_id(_entry("createUser", "Create a user.", user_id="Choose a new user id"), "user_id")
    assert tool_noun("read_page") == "page" and tool_noun("getChunk") == "chunk" and tool_noun("list_categories") \
        == "category" and tool_noun("rollback") == ""


def test_a_bare_id_of_a_tool_acting_on_a_made_thing_is_that_things_only():
    graph = ToolGraph(nodes=[build_node(e) for e in (
        _entry("add_section", "Add a section to a binder.", binder="Binder name", name="Section name"),
        _entry("add_page", "Add a page.", binder="Binder name", id="Unique page ID"),
        _entry("read_page", "Get one page by its ID.", binder="Binder name", id="Page ID"),
        _entry("show", "Show anything by id.", id="ID"),
    )])
    assert not id_fits(graph, "s", "add_section", "id", "read_page")  # a section's id is no page's
    assert id_fits(graph, "s", "add_page", "id", "read_page")
    assert id_fits(graph, "s", "add_section", "id", "show")  # `show` acts on nothing the server makes: any id
    assert id_fits(graph, "s", "add_section", "id")  # no taker known: as before
    out = '{"id": "sec-0001", "name": "Notes"}'
    assert id_regex("id", out, generic=False) is None and id_regex("id", out) is not None


def test_items_written_as_objects_get_their_names_id_and_no_free_form_slot():
    topic = next(t for t in world_topics() if t.key == "products")
    schema = {"type": "array", "items": {"type": "object", "required": ["id", "body"], "properties": {
        "id": {"type": "string"}, "body": {"type": "string"},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}}}}}
    items = content_value(schema, topic)
    assert items[0] == {"id": "air_quality_monitor", "body": items[0]["body"]}
    assert "Air Quality Monitor" in items[0]["body"] and all("extra" not in i for i in items)


def binder() -> ServerSpec:
    return stateful_fixture("binder", BINDER)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_an_empty_store_of_named_items_gets_stateful_tasks_that_make_the_whole_chain(tmp_path):
    state, suite = await synthesized(binder(), tmp_path, 6, 1)
    tools = {t.id: [s.tool for s in t.reference] for t in suite.tasks}
    assert len(suite.tasks) >= 5, ([r.reasons for r in state.rejected][:10], tools)
    assert all(ts[:4] == ["open_binder", "add_section", "add_page", "read_page"] for ts in tools.values()), tools
    for t in suite.tasks:
        add = t.reference[2]
        assert "id" in add.arguments and "id" not in add.bindings  # chosen, not read off the section
        assert "stateful" in t.tags and "final-state" in t.tags
        assert "add_page" not in t.fuzzy and "binder" in t.fuzzy
    assert len({t.fuzzy for t in suite.tasks}) == len(suite.tasks)  # no request made twice
    await validated_and_scored(binder(), suite, tmp_path)


def test_items_that_relate_two_things_keep_no_record():
    from task_synth.fill import Unfillable

    topic = next(t for t in world_topics() if t.key == "products")
    fields = ("from", "to", "relationType")
    relation = {"type": "array", "items": {"type": "object", "required": list(fields),
                                           "properties": {p: {"type": "string"} for p in fields}}}
    with pytest.raises(Unfillable, match="relate two things"):
        content_value(relation, topic)
    entity = {"type": "array", "items": {"type": "object", "required": ["name", "entityType", "observations"],
                                         "properties": {"name": {"type": "string"}, "entityType": {"type": "string"},
                                                        "observations": {"type": "array",
                                                                         "items": {"type": "string"}}}}}
    assert content_value(entity, topic)[0] == {"name": "Air Quality Monitor", "entityType": "product",
                                               "observations": ["Air Quality Monitor (BW-AQ-310, air, 1350)"]}


def test_the_time_a_record_was_written_is_never_the_question():
    from task_synth.focus import boilerplate
    from task_synth.writing import salient

    for key in ("created_at", "updatedAt", "last_modified", "creation_date", "date_created", "timestamp"):
        assert boilerplate(key, "2026-12-07T08:36:30"), key
    for key in ("hire_date", "order_date", "due_date", "start_date"):
        assert not boilerplate(key, "2026-12-07"), key
    ask = salient('{"title": "Q3 plan", "created_at": "2026-12-07", "due_date": "2026-12-20"}', "")
    assert ask is not None and '"due_date"' in ask[1] and "created" not in ask[0].fuzzy  # not the first date
