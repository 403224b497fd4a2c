"""Servers where no walk of two hops exists still give verified tasks: one-hop *lone reads* (a single-tool server, a
profiler whose reads feed nothing), parameters listed by a tool that needs the same file (`list_sheets(file_path)`
names the sheets `sheet_size(file_path, sheet_name)` takes), and pages a fetched page links to. The integration test
runs the fixture server tests/synth/servers/workbook_server.py over real stdio on the world's sheets; before these
mechanisms it gave no chain at all."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.listers import forms
from task_synth.probe import linked_urls
from task_synth.writing import given_values

SERVERS = Path(__file__).parent / "servers"


def test_a_parameter_named_sheet_name_is_listed_by_what_lists_sheets():
    assert forms("sheet_name") == ["sheet", "sheets"]
    assert "language" in forms("language_code")
    assert forms("name") == ["name", "names"]


def test_a_listing_is_read_from_one_json_value_after_another_or_from_a_single_item():
    from task_synth.listers import extract_values

    stream = '{"document_name": "memos", "words": 5}\n{"document_name": "people", "words": 7}'
    assert [v for v, _ in extract_values(stream, "document_name")] == ["memos", "people"]
    assert extract_values('{"chapter_name": "01-intro.md", "words": 5}', "chapter_name") == [("01-intro.md", [])]
    assert extract_values('{"error": "no such document"}', "chapter_name") == []
    sheets = '{"file": "b.xlsx", "sheets": [{"sheet": "Orders", "rows": 20}, {"sheet": "Targets", "rows": 8}]}'
    assert [v for v, _ in extract_values(sheets, "sheet_name")] == ["Orders", "Targets"]


def test_relative_links_of_a_fetched_page_become_pages_to_fetch():
    page = "* [Catalog](catalog.html)\n* [Web](https://example.org/x) [top](#a) <a href='offices.html#hq'>HQ</a>"
    assert linked_urls(page, "${WEB_URL}/") == ["${WEB_URL}/catalog.html", "${WEB_URL}/offices.html"]
    assert linked_urls("[again](index.html)", "http://h/index.html") == []


def test_a_value_given_inside_an_array_of_objects_is_never_asked_back():
    assert "policies/a.pdf" in given_values({"sources": [{"path": "policies/a.pdf"}], "n": 3})
    assert "3" in given_values({"sources": [{"path": "policies/a.pdf"}], "n": 3})


def _spec() -> ServerSpec:
    return ServerSpec(name="workbook", command=sys.executable, args=[str(SERVERS / "workbook_server.py")],
                      cwd="${WORLD}/sheets")


async def _synth(tmp: Path, label: str) -> tuple[bytes, object]:
    async with Fleet.open([_spec()]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["workbook"], n=5, seed=1, seed_world=False),
                                 work=tmp / f"{label}.work")
        out = tmp / f"{label}.jsonl"
        write_outputs(state, out, "workbook")
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_a_server_whose_reads_need_a_listed_sheet_of_a_file_gives_verified_one_hop_tasks(tmp_path):
    with anyio.fail_after(600):
        a, state = await _synth(tmp_path, "a")
        b, _ = await _synth(tmp_path, "b")
        assert a == b  # same seed, same bytes
        sheets = state.graph.pools["sheet_name@workbook"]
        assert {"Orders", "Targets"} <= set(sheets)
        # the sheets hold for the file that was listed: a tool taking a sheet takes that file (a pinned kind)
        (path,) = state.graph.pools[state.graph.node("workbook/sheet_size").params["file_path"]]
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 3, [r.reasons for r in state.rejected]
        for t in suite.tasks:
            assert "hops-1" in t.tags and not any(s.tool in t.fuzzy for s in t.reference)
            (step,) = t.reference
            if step.tool == "sheet_size":
                assert step.arguments["file_path"] == path and step.arguments["sheet_name"] in sheets
        assert any(t.reference[0].tool == "sheet_size" for t in suite.tasks)
        async with Fleet.open([_spec()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


def test_a_tool_that_lists_a_directory_is_given_a_folder_and_a_reader_a_file():
    from task_synth.artifacts import ChainStep, ToolNode
    from task_synth.sampling import _Walker, paths_for

    pool = ["README.md", "memos/price-update.md", "memos", "people"]
    lister = ToolNode(server="s", tool="list_directory", sha256="", params={"path": "path"},
                      description="Get a detailed listing of all files and directories in a specified path. More.")
    reader = ToolNode(server="s", tool="read_text_file", sha256="", params={"path": "path"},
                      description="Read the complete contents of a file as text.")
    assert paths_for(lister, "path", pool) == ["memos", "people"]
    assert paths_for(reader, "path", pool) == ["README.md", "memos/price-update.md"]
    assert paths_for(reader, "path", ["memos"]) == ["memos"]  # none fit: all of them
    # a name the folder's listing gives is relative to that folder
    assert _Walker._listed_folder(ChainStep(server="s", tool="list_directory", arguments={"path": "memos"}),
                                  lister) == "memos"
    assert _Walker._listed_folder(ChainStep(server="s", tool="read_text_file", arguments={"path": "README.md"}),
                                  reader) is None
