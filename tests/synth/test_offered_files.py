"""Files synthesis puts in the sandbox of a server that works on the user's own files (task_synth.offered)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize
from task_synth.offered import formats, reads_files, world_files
from task_synth.topics import world_topics
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored


def _entry(name: str, description: str, required: dict[str, dict] | None = None) -> ToolEntry:
    props = dict(required or {})
    return ToolEntry(server="s", name=name, description=description, sha256="0" * 64,
                     input_schema={"type": "object", "properties": props, "required": list(props)})


def test_a_server_that_reads_files_it_cannot_make_is_one_to_give_files_and_one_that_makes_them_is_not():
    markdown = [_entry("list_sections", "List all sections in the document.",
                       {"document_path": {"type": "string", "title": "Document Path"}}),
                _entry("insert_section", "Insert a new section.", {"document_path": {"type": "string"},
                                                                     "content": {"type": "string"}})]
    assert reads_files(markdown)
    # a folder it indexes, spoken of only in its words
    assert reads_files([_entry("list_files", "List all available markdown files"),
                        _entry("read_file", "Read the content of a markdown file", {"file_id": {"type": "string"}})])
    # one that makes its own documents is seeded through them instead
    assert not reads_files([*markdown, _entry("create_document", "Create a new document.",
                                              {"title": {"type": "string"}})])
    assert not reads_files([*markdown, _entry("writeFile", "Write a file.", {"path": {"type": "string"}})])
    assert not reads_files([*markdown, _entry("create_book", "Create a new, empty ledger book.",
                                              {"path": {"type": "string"}})])  # makes one where it is told
    # a write that only refers to a file (links it to an item) is no sign it works on files
    assert not reads_files([_entry("attach_file", "Attach a file to an item.", {"item_id": {"type": "integer"},
                                                                             "file_path": {"type": "string"}})])
    # nothing about files at all
    assert not reads_files([_entry("add", "Add two numbers.", {"a": {"type": "number"}})])


def test_the_formats_given_are_the_text_formats_its_words_name():
    md = _entry("get_document", "Path to the Markdown file")
    assert formats([md]) == ["md"]
    assert formats([md, _entry("load", "Load a CSV or JSON file")]) == ["md", "csv", "json"]
    assert formats([_entry("read", "Read a file")]) == ["md", "csv"]  # none named: documents and a table
    # none named, and what the tools speak of decides: rows and columns only, documents only
    profile = [_entry("dataset_shape", "Returns the number of rows and columns in a dataset."),
               _entry("inspect_column", "Gives a summary of a column.")]
    assert formats(profile) == ["csv", "json"]
    assert formats([_entry("outline", "Lists the headings of a document.")]) == ["md"]
    assert formats([*profile, _entry("outline", "Lists the headings of a document.")]) == ["md", "csv"]
    assert formats([_entry("read_pdf", "Extract the text of a PDF file")]) == []  # not text: nothing to give


def test_world_files_are_the_worlds_documents_and_topic_tables_and_always_the_same_bytes():
    files = world_files(["md", "csv", "json"])
    assert files == world_files(["md", "csv", "json"])
    memo = files["2026-09-22-price-update.md"]
    assert memo.startswith("# Memo: list price change") and "README.md" not in files
    topic = world_topics()[0]
    rows = list(csv.reader(io.StringIO(files[f"{topic.key}.csv"])))
    assert rows[0] == topic.columns and len(rows) == len(topic.rows) + 1
    assert [str(v) for v in topic.rows[-1]] == rows[-1]
    records = json.loads(files[f"{topic.key}.json"])
    assert records[0] == dict(zip(topic.columns, topic.rows[0], strict=True))
    assert all(not p.startswith(("/", "..")) and ".." not in p.split("/") for p in files)
    assert sum(len(t.encode()) for t in files.values()) < 64 * 1024


def test_what_the_given_files_change_in_filling_and_wording():
    from task_synth.fill import fill
    from task_synth.kinds import find_values
    from task_synth.phrases import StepView
    from task_synth.probe import looks_like_error
    from task_synth.writing import setup_context

    topic = world_topics()[0]
    given = sorted(world_files(["md"]))
    # a write that takes a file writes into one of those given (it cannot make one); a folder is where they sit
    schema = {"type": "object", "required": ["document_path", "content"],
              "properties": {"document_path": {"type": "string"}, "content": {"type": "string"}}}
    args = fill(schema, topic, ("file", ".md"), files=given)[0]
    assert args["document_path"] in given
    assert fill(schema, topic, ("file", ".md"))[0]["document_path"] == f"brightwater-{topic.key}.md"
    folder = {"type": "object", "required": ["folder_path"], "properties": {"folder_path": {"type": "string"}}}
    assert fill(folder, topic, ("file", ".csv"), files=given, with_content=False)[0] == {"folder_path": "."}
    # a set-up given that folder is said as where the work happens, not as a dot
    view = StepView(index=0, server="s", tool="load_folder", description="", args={"folder_path": "."}, bound={})
    assert setup_context([view]) == ", working in the current folder"
    # the answer a set-up learns from: a status that says it failed, beside the call's own id, is an error
    assert looks_like_error('{"function_results_id": "fff16c5b", "status": "error", "message": "No database '
                            'loaded. Use load_folder first."}')
    assert not looks_like_error('{"status": "error", "rows": 3}')  # data beside it: not only a failure
    # a lister named for tables, whatever it says between ('list_open_tables'), lists table names
    tables = '{"tables": [{"name": "products", "rows": 5}]}'
    assert [v for _, _, v in find_values("table", tables, "list_open_tables")] == ["products"]


NOTESDIR = Path(__file__).parent / "servers" / "notesdir_server.py"


@pytest.mark.anyio
@pytest.mark.timeout(1800)
async def test_a_folder_of_notes_it_never_fills_is_given_the_worlds_documents_and_asked_about_them(tmp_path):
    spec = stateful_fixture("notesdir", NOTESDIR)
    state, suite = await synthesized(spec, tmp_path, n=6, seed=1)
    given = world_files(["md"])
    assert state.offered == {"notesdir": given}
    assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected][:10]
    for t in suite.tasks:
        assert t.files == {"notesdir": given}, t.id  # each task carries them: validation and runs write them first
    # what the tasks read are the world's documents: listed by name, their words counted, their dates read
    outputs = " ".join(s.output for t in suite.tasks for s in t.reference)
    assert all(name in outputs for name in given)
    await validated_and_scored(spec, suite, tmp_path)


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_without_the_world_seeded_nothing_is_given_and_no_note_is_read(tmp_path):
    spec = stateful_fixture("notesdir", NOTESDIR)
    with anyio.fail_after(600):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["notesdir"], n=6, seed=1, seed_world=False))
    assert state.offered == {}
    # nothing to read: at most the empty listing itself is asked, never a note
    assert all([s.tool for s in t.reference] == ["list_notes"] for t in state.tasks), [t.fuzzy for t in state.tasks]
