"""Text-utility servers gave no task (the dev set's text tools, 2026-12-07): a tool that re-cases or encodes a text
answers the changed text itself, which nothing asked (and re-cased, it read as 'given away' by the request's text,
compared case-blind); tools whose description says their text is JSON or CSV were fed a world sentence and failed.
Now the changed text is asked whole and checked case and all (`plain.changed_text_ask`), a tool that takes a setting
may end a walk (`freetext.trim_text_ends`), and a JSON or CSV text is built from the world's records
(`freetext.text_format`, `world_documents`), pasted after the question. Fixture: tests/synth/servers/scribe_server.py,
over real stdio."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import extract
from task_synth.freetext import CSV_DOC, JSON_DOC, TEXT, classify, text_format, world_documents
from task_synth.plain import changed_text_ask
from tests.synth._baselines import valid_tasks

SERVER = Path(__file__).parent / "servers" / "scribe_server.py"
STR = {"type": "string"}


def _entry(description: str) -> ToolEntry:
    return ToolEntry(server="s", name="t", description=description,
                     input_schema={"properties": {"text": STR}, "required": ["text"]})


def test_a_text_said_to_be_json_or_csv_takes_a_document_of_the_world_records_and_other_formats_take_no_prose():
    assert text_format("Indent a JSON text.", STR) == JSON_DOC
    assert text_format("Count the rows of CSV text.", STR) == CSV_DOC
    assert text_format("Read a text.", {"type": "string", "description": "CSV data"}) == CSV_DOC
    assert text_format("Parse a .env file as a table.", STR) == ""
    assert text_format("Encode or decode text. method: base64, url, html", STR) is None  # choices, not the input
    assert classify(_entry("Indent a JSON text."), {"text": None}) == {"text": JSON_DOC}
    assert classify(_entry("Parse YAML text."), {"text": None}) == {}
    assert classify(_entry("Sort lines in text."), {"text": None}) == {"text": TEXT}
    docs = world_documents(JSON_DOC)
    assert docs and all(isinstance(json.loads(d), list) for d in docs)
    assert docs == world_documents(JSON_DOC)  # the same bytes every run
    for d in world_documents(CSV_DOC):
        rows = list(csv.reader(io.StringIO(d)))
        assert len(rows) >= 3 and len({len(r) for r in rows}) == 1


def test_a_changed_text_is_asked_whole_and_case_and_all_but_not_a_verdict_nor_the_same_text():
    given = {"Hello there, Lisbon office."}
    found = changed_text_ask("HELLO THERE, LISBON OFFICE.", given)
    assert found is not None and found[0].case_sensitive and found[0].check == "contains"
    assert extract(found[1], "HELLO THERE, LISBON OFFICE.") == "HELLO THERE, LISBON OFFICE."
    assert changed_text_ask("SGVsbG8gdGhlcmUsIExpc2JvbiBvZmZpY2Uu", given) is not None
    assert changed_text_ask("Hello there, Lisbon office.\n", given) is None  # tidied: no change
    assert changed_text_ask("(empty)", given) is None  # a verdict on the text
    assert changed_text_ask("No matches found.", {"Readings were buffered on the gateways and uploaded later."}) is None


def test_a_server_of_text_helpers_yields_tasks_asking_the_changed_text_and_no_json_tool_gets_prose(tmp_path):
    spec = ServerSpec(name="scribe", command=sys.executable, args=[str(SERVER)])
    tasks = valid_tasks(spec, tmp_path / "scribe.jsonl", n=8, seed=3)
    assert len(tasks) >= 5, [t["reference"][-1]["tool"] for t in tasks]
    changed = [t for t in tasks if t["reference"][-1]["tool"] in ("recase", "encode")]
    assert changed and all(c["case_sensitive"] for t in changed for c in t["checks"])
    for t in changed:  # the setting that shapes the answer is said
        last = t["reference"][-1]["arguments"]
        assert str(last.get("mode") or last.get("scheme")) in t["fuzzy"]
    for t in tasks:
        for s in t["reference"]:
            if s["tool"] in ("json_shape", "csv_shape"):
                assert s["arguments"]["text"] in world_documents(JSON_DOC) + world_documents(CSV_DOC)
