"""Read tools whose required parameters have no known kind get filled: listers (a `language` the server lists),
world text and pieces of that very text, and examples the tool's description documents. The integration tests run
the fixture servers tests/synth/servers/lingo_server.py and strings_server.py over real stdio; before these
mechanisms neither gave a single chain."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import ToolNode
from task_synth.documented import documented_examples
from task_synth.freetext import classify, complete, fit_parts, world_texts
from task_synth.graph import build_node
from task_synth.listers import extract_values, forms, mentions, rank

SERVERS = Path(__file__).parent / "servers"


def _entry(name: str, props: dict, required: list[str], description: str = "") -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"type": "object", "properties": props, "required": required})


def test_a_parameter_is_named_by_a_lister_in_the_singular_or_the_plural():
    assert {"country", "countries"} <= set(forms("country"))
    assert {"language", "languages"} <= set(forms("target_language"))
    countries = ToolNode(server="s", tool="get_supported_countries", sha256="", description="List all countries.")
    langs = ToolNode(server="s", tool="catalogue", sha256="", description="List the languages we speak.\n\nMore.")
    other = ToolNode(server="s", tool="list_holidays", sha256="", description="List holidays of a country.")
    assert mentions(countries, "country") and mentions(langs, "language")
    assert not mentions(other, "language")


def test_listed_values_are_read_from_strings_objects_or_a_delimited_list():
    assert [v for v, _ in extract_values('["pt", "de"]', "language")] == ["pt", "de"]
    objs = json.dumps({"total": 2, "countries": [{"code": "PT", "name": "Portugal", "subdivisions": []},
                                                 {"code": "ZW", "name": "Zimbabwe"}]})
    assert extract_values(objs, "country") == [("PT", ["Portugal"]), ("ZW", ["Zimbabwe"])]
    assert [v for v, _ in extract_values(json.dumps([{"language": "fr", "id": 7}]), "language")] == ["fr"]
    assert [v for v, _ in extract_values("- red\n- green\n- blue", "colour")] == ["red", "green", "blue"]
    assert extract_values("Error: nothing here.", "colour") == []


def test_the_values_the_world_mentions_are_kept_when_there_are_two_or_more():
    values = [("AD", ["Andorra"]), ("NZ", ["New Zealand"]), ("PT", ["Portugal"]), ("ZW", ["Zimbabwe"])]
    assert rank(values) == ["NZ", "PT"]
    assert rank([("AD", ["Andorra"]), ("PT", ["Portugal"]), ("ZW", [])]) == ["AD", "PT", "ZW"]


def test_a_free_text_parameter_and_the_pieces_of_it_get_their_kinds():
    e = _entry("between", {"text": {"type": "string"}, "start_marker": {"type": "string"},
                           "end_marker": {"type": "string"}, "insertion": {"type": "string"}},
               ["text", "start_marker", "end_marker", "insertion"])
    node = build_node(e)
    assert classify(e, node.params) == {"text": "text", "start_marker": "text.start", "end_marker": "text.end",
                                        "insertion": "phrase"}
    # a JSON payload is not free text, and a tool with two candidate texts is left alone
    assert classify(_entry("p", {"json_text": {"type": "string"}}, ["json_text"]), {"json_text": None}) == {}
    two = _entry("d", {"text": {"type": "string"}, "body": {"type": "string"}}, ["text", "body"])
    assert classify(two, {"text": None, "body": None}) == {}


def test_the_pieces_are_taken_from_the_calls_own_text_and_markers_come_in_order():
    node = ToolNode(server="s", tool="between", sha256="", read_only=True,
                    params={"text": "text", "start_marker": "text.start", "end_marker": "text.end",
                            "char": "text.char"})
    for seed in range(20):
        args = {"text": world_texts()[seed % len(world_texts())], "start_marker": "x", "end_marker": "y", "char": "z"}
        complete(node, args, random.Random(seed))
        text = args["text"]
        assert text.count(args["char"]) >= 2 and args["start_marker"] in text
        assert text.find(args["end_marker"], text.find(args["start_marker"]) + len(args["start_marker"])) >= 0
    # a later step of the chain works on the person's one text
    args = {"text": world_texts()[1], "start_marker": "x", "end_marker": "y", "char": "z"}
    complete(node, args, random.Random(0), chain_text=world_texts()[0])
    assert args["text"] == world_texts()[0]
    # a text bound to an earlier result has its pieces chosen again at grounding, from the text it gets
    shouted = world_texts()[0].upper()
    args = {"text": shouted, "start_marker": "Lisbon", "end_marker": "Denver", "char": "e"}
    fit_parts(node, args, {"text"}, random.Random(3))
    assert args["start_marker"] in shouted and args["end_marker"] in shouted and args["char"] in shouted


def test_a_walk_does_not_end_on_a_step_whose_result_is_only_a_text():
    from task_synth.artifacts import ChainStep
    from task_synth.freetext import trim_text_ends

    nodes = {"s/count": ToolNode(server="s", tool="count", sha256="", produces={"number": ["probe"]}),
             "s/replace": ToolNode(server="s", tool="replace", sha256="", produces={"text": ["probe"]})}
    steps = [ChainStep(server="s", tool=t) for t in ("count", "replace", "replace")]
    assert [s.tool for s in trim_text_ends(steps, nodes) or []] == ["count"]
    assert [s.tool for s in trim_text_ends(steps[:1], nodes) or []] == ["count"]


def test_world_texts_have_no_digits_and_no_failure_words():
    assert len(world_texts()) >= 5
    for t in world_texts():
        assert not any(c.isdigit() for c in t)
        assert "error" not in t.lower() and "not found" not in t.lower()


def test_examples_a_description_documents_for_a_parameter_are_found_on_its_own_line():
    desc = ('Check a date.\n\nArgs:\n    date: ISO 8601 date string (YYYY-MM-DD), e.g. "2026-04-21".\n'
            "    year: Four-digit year (e.g. 2026).\n    country: ISO code. Example: country=\"DE\" treats it.")
    assert documented_examples(desc, "date") == ["2026-04-21"]
    assert documented_examples(desc, "year") == [2026]
    assert documented_examples(desc, "month") == []


def _spec(name: str) -> ServerSpec:
    return ServerSpec(name=name, command=sys.executable, args=[str(SERVERS / f"{name}_server.py")])


async def _synth(tmp: Path, name: str, label: str) -> tuple[bytes, object]:
    async with Fleet.open([_spec(name)]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=[name], n=5, seed=1, seed_world=False),
                                 work=tmp / f"{label}.work")
        out = tmp / f"{label}.jsonl"
        write_outputs(state, out, name)
        return out.read_bytes(), state


async def _validate(suite: Suite, name: str) -> list:
    async with Fleet.open([_spec(name)]) as fleet:
        return await validate_suite(suite, fleet, concurrency=2)


@pytest.mark.anyio
async def test_a_server_whose_reads_take_a_listed_language_gives_verified_tasks(tmp_path):
    with anyio.fail_after(600):
        a, state = await _synth(tmp_path, "lingo", "a")
        b, _ = await _synth(tmp_path, "lingo", "b")
        assert a == b  # same seed, same bytes
        assert state.graph.pools["language@lingo"] == ["de", "en", "fr", "mi", "pt"]
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected]
        for t in suite.tasks:
            assert not any(s.tool in t.fuzzy for s in t.reference)  # no tool-name leaks
            for s in t.reference:
                if "language" in s.arguments and "language" not in s.bindings:
                    assert s.arguments["language"] in {"de", "en", "fr", "mi", "pt"}
        results = await _validate(suite, "lingo")
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


@pytest.mark.anyio
async def test_a_string_server_gets_world_text_and_pieces_of_it_and_gives_verified_tasks(tmp_path):
    with anyio.fail_after(600):
        _, state = await _synth(tmp_path, "strings", "a")
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected]
        for t in suite.tasks:
            assert not any(s.tool in t.fuzzy for s in t.reference)
            first = t.reference[0].arguments["text"]
            assert first in world_texts() and first in t.fuzzy  # the person gives the text
            for s in t.reference:
                text = s.arguments.get("text", "")
                for p in ("word", "start_marker", "end_marker"):
                    if p in s.arguments:
                        assert s.arguments[p] in text
        results = await _validate(suite, "strings")
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


def test_an_array_parameter_gets_one_element_of_a_known_kind_or_a_file_the_server_can_read(tmp_path):
    from task_synth.artifacts import ToolGraph
    from task_synth.shapes import server_files, shape_kind, values

    graph = ToolGraph(pools={"timezone": ["Europe/Lisbon"], "number": [12, 7.5]})
    zones = {"type": "array", "items": {"type": "string"}}
    assert shape_kind(graph, "timezones", zones, None) == "[timezone]"
    assert values(graph, "[timezone]", zones) == [["Europe/Lisbon"]]
    ints = {"type": "array", "items": {"type": "integer"}}
    assert values(graph, shape_kind(graph, "indices", ints, None) or "", ints) == [[12]]  # 7.5 is no index
    # objects with a path property and nothing required: a file of the format the tool reads, under its cwd
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "returns.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "notes.txt").write_text("x")
    spec = ServerSpec(name="s", command="x", cwd=str(tmp_path))
    files = server_files(spec, {}, ["Reads content from one or more PDFs."])
    assert files == ["policies/returns.pdf"]
    graph.pools["path@s"] = files
    sources = {"type": "array", "items": {"type": "object", "properties": {
        "path": {"type": "string"}, "url": {"type": "string"}, "pages": {"type": "string"}}}}
    kind = shape_kind(graph, "sources", sources, "path@s")
    assert kind == "[{path:path@s}]"
    assert values(graph, kind, sources) == [[{"path": "policies/returns.pdf"}]]
    # items of no known kind: still unfillable
    assert shape_kind(graph, "ranges", {"type": "array", "items": {"type": "object"}}, None) is None
