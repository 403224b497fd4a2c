"""Stage 1 and 2 without a live fleet: the schema graph and the seeded chain sampler."""

from __future__ import annotations

import json

import pytest

from mcpbench.catalog import ToolEntry
from task_synth.graph import SchemaSource, build_node, connect, is_read_only, mark_produces
from task_synth.pipeline import SynthOptions, SynthState, select_entries
from task_synth.sampling import REBOUND, WalkSampler
from tests.synth.catalogs import TOOLS, live

pytestmark = pytest.mark.anyio
SERVERS = ["time", "calculator", "sqlite"]


def _state(seed: int = 1, n: int = 6, **kw) -> SynthState:
    fleet = live()
    opts = SynthOptions(servers=SERVERS, n=n, seed=seed, **kw)
    return SynthState(options=opts, live=fleet, entries=select_entries(fleet.catalog, SERVERS, opts.exclude),
                      builtins={})


def _edges(state: SynthState) -> set[tuple[str, str, str, str, str]]:
    return {(e.src, e.dst, e.param, e.kind, e.via) for e in state.graph.edges}


def test_a_tool_whose_name_or_leading_verb_changes_something_is_not_read_only_whatever_nouns_follow_a_read():
    def entry(name: str, description: str, annotations: dict | None = None) -> ToolEntry:
        return ToolEntry(server="s", name=name, description=description, input_schema={}, annotations=annotations,
                         sha256="x")

    writes = [entry("mark_task_done", "Mark a given task as done."),
              entry("request_planning", "Register a new user request and plan its tasks."),
              entry("format_text", "Format a range of text."), entry("markTaskDone", "Done."),
              entry("do_it", "Deletes every row of the table."), entry("tidy", "Apply a style to a range.")]
    reads = [entry("get_paragraph_format", "Read the formatting of a paragraph."),
             entry("list_tags", "List the repository's tags."), entry("get_settings", "Show the settings."),
             entry("address_lookup", "Look up an address."), entry("row_count", "How many rows the table has."),
             entry("mark_task_done", "Mark a task.", {"readOnlyHint": True})]
    assert [e.name for e in writes if is_read_only(e)] == []
    assert [e.name for e in reads if not is_read_only(e)] == []
    assert not is_read_only(entry("get_x", "Get x.", {"destructiveHint": True}))


def test_write_tools_are_never_read_only_and_annotations_win_over_names():
    by = {e.name: e for e in TOOLS}
    assert is_read_only(by["get_current_time"]) and is_read_only(by["list_tables"])
    assert not is_read_only(by["write_query"]) and not is_read_only(by["append_insight"])
    assert not build_node(by["append_insight"]).fillable  # its parameter has no known kind either


async def test_the_schema_graph_wires_outputs_to_inputs_within_and_across_servers():
    state = _state()
    await SchemaSource().run(state)
    edges = _edges(state)
    # a time result names its timezone and datetime: it feeds the conversion's timezone and time
    assert ("time/get_current_time", "time/convert_time", "source_timezone", "timezone", "direct") in edges
    assert ("time/get_current_time", "time/convert_time", "time", "time", "direct") in edges
    # 'List all tables' produces table names, which compose into a SQL query and name a table to describe
    assert ("sqlite/list_tables", "sqlite/describe_table", "table_name", "table", "direct") in edges
    assert ("sqlite/list_tables", "sqlite/read_query", "query", "table", "compose") in edges
    # a calculator result composes into a further expression (a two-hop chain on one server)
    assert ("calculator/calculate", "calculator/calculate", "expression", "number", "compose") in edges
    assert not any(e[1] in ("sqlite/write_query", "sqlite/append_insight") for e in edges)
    assert not any(e[0] == e[1] and e[4] == "direct" for e in edges)


async def test_schema_words_in_types_and_titles_are_not_evidence():
    state = _state()
    await SchemaSource().run(state)
    node = state.graph.node("time/get_current_time")
    assert node is not None and "number" not in node.produces  # "title": "TimeResult" is not a result


async def _chains(seed: int, **kw):
    state = _state(seed=seed, **kw)
    await SchemaSource().run(state)
    # what the probe step would add: table names in the pool, counts out of SELECT COUNT(*)
    state.graph.pools.setdefault("table", []).extend(["orders", "customers"])
    mark_produces(state.graph.node("sqlite/read_query"), "number", "probe")
    connect(state.graph)
    await WalkSampler().run(state)
    return state.chains


async def test_the_same_seed_samples_the_same_chains_and_another_seed_does_not():
    a = [c.model_dump() for c in await _chains(7)]
    b = [c.model_dump() for c in await _chains(7)]
    c = [c.model_dump() for c in await _chains(8)]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(a, sort_keys=True) != json.dumps(c, sort_keys=True)


async def test_every_chain_is_a_dependency_chain_of_allowed_length():
    chains = await _chains(3, n=8, min_hops=2, max_hops=4)
    assert chains
    for ch in chains:
        assert 2 <= len(ch.steps) <= 4
        for i, s in enumerate(ch.steps[1:], 1):
            assert s.binds and all(b.source == i - 1 for b in s.binds)
            assert s.depends_on == [i - 1]


async def test_sampled_chains_are_diverse_and_cover_the_tools():
    chains = await _chains(11, n=10)
    keys = [json.dumps([(s.tool, s.arguments, [b.model_dump() for b in s.binds]) for s in c.steps], sort_keys=True)
            for c in chains]
    # a walk is drawn twice only as a re-draw (sampling.rebound): one that binds a listed value, at most REBOUND more
    # times, to be grounded under another seed on another item
    for key in set(keys):
        copies = [c for k, c in zip(keys, chains, strict=True) if k == key]
        if len(copies) > 1:
            assert len(copies) <= 1 + REBOUND and all(any(s.binds for s in c.steps) for c in copies), key
    distinct = list({k: c for k, c in zip(keys, chains, strict=True)}.values())
    sigs = [c.signature() for c in distinct]
    assert max(sigs.count(s) for s in sigs) <= 2
    used = {t for c in distinct for t in c.signature()}
    assert {"time/get_current_time", "time/convert_time", "calculator/calculate", "sqlite/list_tables",
            "sqlite/read_query"} <= used
    assert any(len(c.servers) > 1 for c in chains) and any(len(c.servers) == 1 for c in chains)


async def test_a_coherent_conversion_takes_its_time_and_source_zone_from_the_same_step():
    for ch in await _chains(5, n=12):
        for i, s in enumerate(ch.steps):
            if s.tool == "convert_time" and i > 0 and ch.steps[i - 1].tool == "get_current_time":
                bound = {b.param for b in s.binds}
                assert bound == {"source_timezone", "time"}
                assert s.arguments["target_timezone"] != ch.steps[i - 1].arguments.get("timezone")
                return
    pytest.fail("no get_current_time → convert_time chain sampled")


def test_a_tool_whose_words_say_it_leaves_a_file_where_it_runs_is_a_write_unless_annotated_read_only():
    def entry(name: str, description: str, props: dict | None = None, annotations: dict | None = None) -> ToolEntry:
        return ToolEntry(server="s", name=name, description=description, annotations=annotations, sha256="x",
                         input_schema={"type": "object", "properties": props or {}})

    writes = [entry("palette_visualize", "Render the palette into 6 realistic UI scenes.",
                    {"palette": {"type": "string"}, "out": {"type": "string", "default": "visualizer.html"}}),
              entry("get_chart", "Draw the series and save it to a PNG file."),
              entry("report", "Builds the monthly report and writes it to disk."),
              entry("render_page", "Writes an HTML file of the page."),
              entry("plot", "Plot a function.", {"f": {"type": "string"},
                                                 "output_path": {"type": "string", "description": "Where to put it"}}),
              entry("snapshot", "Take a snapshot.", {"save_to": {"type": "string",
                                                                 "description": "Directory for the image"}})]
    reads = [entry("read_file", "Read the complete contents of a file from the file system."),
             entry("palette_tokens", "Summarise tokens: css | tailwind | json.",
                   {"palette": {"type": "string"}, "fmt": {"type": "string", "default": "css"}}),
             entry("convert", "Convert a value.", {"output_format": {"type": "string", "default": "json"},
                                                   "output": {"type": "string", "description": "Output style"}}),
             entry("list_exports", "Show the open file handles.", {"path": {"type": "string"}}),
             entry("get_chart", "Draw the series and save it to a PNG file.", annotations={"readOnlyHint": True})]
    assert [e.name for e in writes if is_read_only(e)] == []
    assert [e.name for e in reads if not is_read_only(e)] == []
    assert not build_node(writes[0]).read_only
