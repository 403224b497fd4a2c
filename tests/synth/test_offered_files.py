"""Files synthesis puts in the sandbox of a server that works on the user's own files (task_synth.offered)."""

from __future__ import annotations

import csv
import io
import json

from mcpbench.catalog import ToolEntry
from task_synth.offered import formats, reads_files, world_files
from task_synth.topics import world_topics


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
    # nothing about files at all
    assert not reads_files([_entry("add", "Add two numbers.", {"a": {"type": "number"}})])


def test_the_formats_given_are_the_text_formats_its_words_name():
    md = _entry("get_document", "Path to the Markdown file")
    assert formats([md]) == ["md"]
    assert formats([md, _entry("load", "Load a CSV or JSON file")]) == ["md", "csv", "json"]
    assert formats([_entry("read", "Read a file")]) == ["md", "csv"]  # none named: documents and a table
    assert formats([_entry("read_pdf", "Extract the text of a PDF file")]) == []  # not text: nothing to give


def test_world_files_are_the_worlds_documents_and_topic_tables_and_always_the_same_bytes():
    files = world_files(["md", "csv", "json"])
    assert files == world_files(["md", "csv", "json"])
    memo = files["memos/2026-09-22-price-update.md"]
    assert memo.startswith("# Memo: list price change") and "README.md" not in files
    topic = world_topics()[0]
    rows = list(csv.reader(io.StringIO(files[f"{topic.key}.csv"])))
    assert rows[0] == topic.columns and len(rows) == len(topic.rows) + 1
    assert [str(v) for v in topic.rows[-1]] == rows[-1]
    records = json.loads(files[f"{topic.key}.json"])
    assert records[0] == dict(zip(topic.columns, topic.rows[0], strict=True))
    assert all(not p.startswith(("/", "..")) and ".." not in p.split("/") for p in files)
    assert sum(len(t.encode()) for t in files.values()) < 64 * 1024
