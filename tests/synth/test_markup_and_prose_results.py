"""Two shapes that gave no task on servers never seen before (tried on registry servers, 2026-12-06): a tool that
takes an HTML document (an accessibility checker, a converter) had a parameter no kind could fill, and a calculator
answering in prose ("12 + 3 = 15") had nothing to ask. Now an HTML parameter takes a page of the world's web site
(`freetext.MARKUP`) and a result a sentence states is a number (`kinds.is_quantity`). Fixture:
tests/synth/servers/markup_server.py, over real stdio."""

from __future__ import annotations

import sys
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import extract
from task_synth.freetext import MARKUP, classify, is_markup, world_pages
from task_synth.plain import first_point, plain_ask
from task_synth.wording import first_clause
from tests.synth._baselines import valid_tasks

SERVER = Path(__file__).parent / "servers" / "markup_server.py"
STR = {"type": "string"}


def test_an_html_parameter_is_recognised_by_its_name_or_its_description_and_takes_a_world_page():
    assert is_markup("html", STR) and is_markup("html_content", STR) and is_markup("page_source", STR)
    assert is_markup("content", {"type": "string", "description": "HTML markup to validate"})
    assert not is_markup("content", {"type": "string", "description": "The note's text"})
    assert not is_markup("html", {"type": "integer"})
    entry = ToolEntry(server="s", name="validate", description="Validate ARIA attributes in HTML.",
                      input_schema={"properties": {"html": STR}, "required": ["html"]})
    assert classify(entry, {"html": None}) == {"html": MARKUP}
    pages = world_pages()
    assert pages and all(p.lstrip().lower().startswith("<!doctype html") and len(p) <= 2000 for p in pages)


def test_a_server_of_html_tools_and_prose_calculators_yields_verified_tasks(tmp_path):
    spec = ServerSpec(name="markup", command=sys.executable, args=[str(SERVER)])
    tasks = valid_tasks(spec, tmp_path / "markup.jsonl", n=8, seed=3)
    tools = {s["tool"] for t in tasks for s in t["reference"]}
    assert len(tasks) >= 5, tools
    assert tools & {"outline", "link_report", "plain_text"}, tools  # an HTML tool is asked about
    assert tools & {"add", "percent_of"}, tools  # a prose calculator is asked about
    html_args = [s["arguments"][p] for t in tasks for s in t["reference"] for p in ("html", "html_content", "page")
                 if p in s["arguments"]]
    assert html_args and all(a in world_pages() for a in html_args)
    for t in tasks:  # a page is never recited inside the request's sentence: it follows the question
        for page in {a for s in t["reference"] for a in s["arguments"].values() if a in world_pages()}:
            question, _, pasted = t["fuzzy"].partition("?")
            assert page not in question and page.strip() in pasted and " page below" in question


def test_a_pasted_page_is_named_by_its_title_and_given_after_the_question():
    from task_synth.freetext import page_words

    status = next(p for p in world_pages() if "<title>Service status" in p)
    assert page_words(status) == "the Service status page below"
    assert page_words("<p>no title</p>") == "the page below"


def test_a_prose_answer_listing_points_is_asked_its_first_point_by_what_the_description_says_they_are():
    """A troubleshooting guide answers ranked points in prose ('[high confidence] No power reaching the system at all
    — check …'): no JSON field, no labelled line, no one value. Its first point's headline is asked, named by the
    description's first plural noun; a list of mere tokens or a one-word headline is not."""
    raw = ("2 next step(s), most useful first:\n\n[high confidence] No power reaching the system at all — this is "
           "before the firmware starts\n-> Check the outlet.\n[medium] A loose memory module: reseat it\n")
    description = "Real, ranked next troubleshooting steps for a PC that won't start. Give the symptoms."
    found = plain_ask(raw, description, set())
    assert found is not None
    ask, rx = found
    assert ask.fuzzy == "which troubleshooting step it puts first" and ask.check == "contains"
    assert extract(rx, raw) == "No power reaching the system at all"
    assert first_point("- Rotate the keys: monthly\n- Use a VPN", "Lists security tips for teams")[:2] == \
        ("Rotate the keys", "tip")
    assert first_point("- ok\n- fine", "Lists things") is None  # a one-word headline is no point
    assert plain_ask(raw, description, {"No power reaching the system at all"}) is None  # never asked back
    # a first word that is no verb, then a comma: an adjective of the phrase, not a clause of its own
    assert first_clause(description) == "Real, ranked next troubleshooting steps for a PC that won't start"
    assert first_clause("Add, subtract or multiply two numbers") == "Add"
