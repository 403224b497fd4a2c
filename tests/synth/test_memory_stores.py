"""Memory and journal stores whose writes are described only in prose.

Generic long-term-memory servers for assistants take a `type` whose choices only the tool's description gives
("`type` is one of: fact, decision, task, question, note"), answer a write in prose ("Logged entry #3 (fact)"), show
what they keep only through a keyword search ("`query` should be a few keywords") or through the entry's number, and
revise an entry or mark it done by the number the write answered. Synthesis made no task of such a store: the write
was unfillable ("a parameter of no known kind"), the revision needed "an id no earlier output has", and no read could
be filled to show what was written. Shown on tests/synth/servers/journal_server.py (0 tasks before the fix).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import extract
from task_synth.documented import quoted_choices, sentence_about, with_documented_choices
from task_synth.followups import change_phrase, kind_for, new_choice, shows_change, status_changes
from task_synth.graph import is_read_only
from task_synth.handles import id_regex
from task_synth.recall import keyword_queries, search_param
from tests.synth._baselines import synthesized, validated_and_scored

JOURNAL = Path(__file__).parent / "servers" / "journal_server.py"
PLAIN = {"title": "Type", "type": "string"}
LOG = ("Log an entry in the journal.\n\n    `type` is one of: fact, decision, task, question, note. `content` must be "
       "1-2 sentences, self-contained. `entity` is a short slug for what it concerns (e.g. 'auth', 'db-choice').")


def entry(name: str, description: str, props: dict[str, dict[str, str]], required: list[str]) -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"type": "object", "properties": props, "required": required})


def test_choices_said_in_a_sentence_that_starts_with_the_parameter_become_its_enum():
    assert sentence_about(LOG, "type") == "is one of: fact, decision, task, question, note."
    assert sentence_about(LOG, "entity").startswith("is a short slug")
    assert sentence_about(LOG, "force") == ""
    # a docstring wraps the sentence over lines: it is read whole
    wrapped = "Keep one entry. `type` is one\n    of: fact, decision, note. `content` must be\n    one sentence."
    assert sentence_about(wrapped, "type") == "is one of: fact, decision, note."
    e = with_documented_choices(entry("log_entry", LOG, {"type": PLAIN, "content": {"title": "Content",
                                                                                    "type": "string"}},
                                      ["type", "content"]))
    props = e.input_schema["properties"]
    assert props["type"]["enum"] == ["fact", "decision", "task", "question", "note"]
    assert "enum" not in props["content"]  # "must be 1-2 sentences, self-contained" lists nothing


def test_the_one_unnamed_choice_parameter_takes_the_words_the_description_quotes_as_alternatives():
    desc = "Mark a task/question as 'done' or 'dropped' (or reopen with 'open')."
    assert quoted_choices(desc) == ["done", "dropped", "open"]
    assert quoted_choices("A short slug (e.g. 'auth', 'db-choice').") == []  # examples, not alternatives
    status = {"title": "Status", "type": "string"}
    e = with_documented_choices(entry("set_status", desc, {"entry_id": {"type": "integer"}, "status": status},
                                      ["entry_id", "status"]))
    assert e.input_schema["properties"]["status"]["enum"] == ["done", "dropped", "open"]
    # two choice-like parameters: which one the quotes belong to is unknown
    two = entry("set", desc, {"status": status, "mode": {"type": "string"}}, ["status", "mode"])
    assert with_documented_choices(two) == two
    # a parameter the description names is documented (or not) where it is named, never by stray quotes
    named = entry("set", "Set the status. Use 'a' or 'b' for the label.", {"status": status}, ["status"])
    assert with_documented_choices(named) == named


def test_an_items_number_written_with_a_hash_binds_to_an_id_parameter():
    for param, out, want in [("old_id", "Logged entry #3 (fact/auth)", "3"),
                             ("memoryId", "Stored memory #12 (fact)", "12"),
                             ("entry_id", "Logged entry #7 (note)", "7")]:
        rx = id_regex(param, out)
        assert rx is not None and extract(rx, out) == want, (param, out, rx)
    assert id_regex("old_id", "Colour #ff0000 saved") is None  # not a number
    assert id_regex("name", "Logged entry #3") is None  # only an id takes an item's number


def test_a_keyword_search_is_given_words_of_what_was_written_and_never_the_checked_values():
    written = ["Our sensor products with their SKUs, categories and list prices (EUR): Air Quality Monitor "
               "(BW-AQ-310, air, 1350); Weather Station Pro (BW-WS-200, weather, 1150)."]
    qs = keyword_queries(written, ["Air Quality Monitor", "Weather Station Pro"])
    assert qs == ["sensor products SKUs", "sensor products", "sensor"]
    assert all(w.casefold() in written[0].casefold() for q in qs for w in q.split())
    assert keyword_queries([["Air Quality Monitor"]], ["Air Quality Monitor"]) == []
    assert keyword_queries([[{"name": "Air Quality Monitor", "category": "sensors"}]], ["Air Quality Monitor"]) == [
        "sensors"]  # items written as objects: their values
    search = entry("search_entries", "Find entries. `query` should be a few keywords.",
                   {"query": {"title": "Query", "type": "string"}, "budget_tokens": {"type": "integer"}}, ["query"])
    assert search_param(search) == "query"
    assert search_param(entry("get", "Get one.", {"entry_id": {"type": "integer"}}, ["entry_id"])) is None


def test_a_tool_whose_description_starts_by_logging_or_recording_changes_state():
    assert not is_read_only(entry("log_entry", LOG, {}, []))
    assert not is_read_only(entry("remember", "Store a memory.", {}, []))
    assert not is_read_only(entry("note_it", "Record a decision for later sessions.", {}, []))
    assert is_read_only(entry("git_log", "Shows the commit logs.", {}, []))
    assert is_read_only(entry("history", "Records of what changed, newest first.", {}, []))


def test_a_tool_that_changes_an_items_state_by_its_number_and_a_choice_is_a_follow_up_of_the_write():
    log = with_documented_choices(entry("log_entry", LOG, {"type": PLAIN, "content": {"type": "string"}},
                                        ["type", "content"]))
    status = with_documented_choices(entry(
        "set_status", "Mark a task/question as 'done' or 'dropped' (or reopen with 'open').",
        {"entry_id": {"type": "integer"}, "status": {"title": "Status", "type": "string"}}, ["entry_id", "status"]))
    revise = entry("revise_entry", "Replace an entry's content.", {"old_id": {"type": "integer"},
                                                                    "new_content": {"type": "string"}},
                   ["old_id", "new_content"])
    delete = entry("delete_entry", "Delete an entry.", {"entry_id": {"type": "integer"},
                                                        "mode": {"type": "string", "enum": ["soft", "hard"]}},
                   ["entry_id", "mode"])
    found = status_changes([log, status, revise, delete], log)
    assert [(t.name, i, c) for t, i, c in found] == [("set_status", "entry_id", "status")]  # no content, no removal
    assert kind_for(log, status) == {"type": "task"}  # the item it acts on, named in its description (not quoted)
    assert kind_for(log, revise) == {}
    assert new_choice(status, "status") == "done"
    assert change_phrase(status, "status", "done") == "mark it as done"
    assert change_phrase(entry("p", "Change the priority.", {}, []), "priority_level", "high") == \
        "set its priority level to high"
    assert shows_change("done", "#1 [task] (done) Our customers", "#1 [task] (open) Our customers")
    assert not shows_change("done", "#1 [task] (done)", "#1 [task] (done)")  # it showed before the change
    assert not shows_change("done", "#1 [task] (undone)", "")  # a word, not a part of one


def journal_spec() -> ServerSpec:
    return ServerSpec(name="journal", command=sys.executable, args=[str(JOURNAL)], cwd="${EPISODE_DIR}",
                      stateful=True)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_journal_whose_writes_are_described_in_prose_yields_verified_stateful_tasks(tmp_path):
    state, suite = await synthesized(journal_spec(), tmp_path, n=8, seed=1)
    assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected]
    stateful = [t for t in suite.tasks if t.state_checks]
    assert len(stateful) >= 0.25 * len(suite.tasks)
    searched = revised = marked = 0
    for t in stateful:
        written = " ".join(str(v) for s in t.reference if s.tool in ("log_entry", "revise_entry")
                           for k, v in s.arguments.items() if k in ("content", "new_content"))
        for _, check in t.state_checks:
            # the final state is checked for what was written (and for the choice a change made)
            assert str(check.value) in written or check.value == "done", check.value
            read = check.read
            assert read is not None
            if read.tool == "search_entries":
                searched += 1
                query = str(read.arguments["query"])
                assert all(w.casefold() in written.casefold() for w in query.split()), (query, written)
                assert str(check.value).casefold() not in query.casefold()
        log = next(i for i, s in enumerate(t.reference) if s.tool == "log_entry")
        assert t.reference[log].arguments["type"] in ("fact", "decision", "task", "question", "note")
        for s in t.reference:
            if s.tool == "revise_entry":  # the number the write answered in prose
                revised += 1
                assert s.bindings["old_id"].startswith(f"step[{log}]:")
            if s.tool == "set_status":  # the log made a task, the change marks it, the final read shows it
                marked += 1
                assert s.bindings["entry_id"].startswith(f"step[{log}]:")
                assert t.reference[log].arguments["type"] == "task"
                assert "as a task, mark it as done" in t.fuzzy, t.fuzzy
                assert "done" in [str(c.value) for _, c in t.state_checks]
    assert searched and revised and marked, [[s.tool for s in t.reference] for t in suite.tasks]
    await validated_and_scored(journal_spec(), suite, tmp_path)
