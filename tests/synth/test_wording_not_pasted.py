"""Requests never paste what is not English or not a request (issue 19, item 2): a description in another language or
script, a type signature ("-> list of …") and type talk ("as dict") fall back to the tool name's verb or drop the
task; array and object arguments are said as words, never as reprs; a long set-up text is pasted below the question,
never "working in <the whole text>"; "which page it is" is asked only of a field labelled as a page. Tools are
hand-written in the styles real servers use; none names a real server's tool. The integration test runs the fixture
server tests/synth/servers/kitchen_server.py over real stdio: before these rules it gave "work out the gibt die Anzahl
der Gerichte und Gänge im Kochbuch zurück", "work out the 获取厨房的营业时间信息", "work out the kitchen facts as dict",
"work out the eval arithmetic expressions -> list of results of ['2 ** 10']" and "which page it is" answered with a
picture's link inside a notes field."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, write_outputs
from task_synth.artifacts import Grounded, GroundedStep, ToolGraph, ToolNode
from task_synth.binding import extract
from task_synth.filters import argument_values, wording_problems
from task_synth.phrases import GENERIC, StepView, output_collections, structured_words
from task_synth.pipeline import SynthOptions as Options
from task_synth.pipeline import SynthState
from task_synth.wording import Unwordable, action, first_clause, reads_as_english
from task_synth.writing import WriteFailed, pasted_after, salient, setup_context, write_templates
from tests.synth.catalogs import live

SERVERS = Path(__file__).parent / "servers"


def _view(description: str, tool: str = "thing", args: dict[str, object] | None = None,
          kinds: dict[str, str | None] | None = None) -> StepView:
    return StepView(index=0, server="desk", tool=tool, description=description, args=args or {}, bound={},
                    kinds=kinds or {}, params=dict.fromkeys(args or {}, ""))


# --------------------------------------------------------------------------------------------------------------
# 1. only English descriptions become actions


def test_descriptions_in_another_language_or_script_or_a_signature_do_not_read_as_english():
    assert not reads_as_english("Gibt die Anzahl der Gerichte im Kochbuch zurück")
    assert not reads_as_english("Convertit une couleur en RGB pour le web")
    assert not reads_as_english("获取所有菜谱")
    assert not reads_as_english("eval(expr) -> float")
    assert reads_as_english("Returns the current branch")
    assert reads_as_english("Tangent function")
    assert reads_as_english("Look up a café by name")


def test_type_talk_and_signatures_are_cut_from_a_description():
    assert first_clause("Current moment as dict") == "Current moment"
    assert first_clause("Eval Python expressions -> list of results") == "Eval Python expressions"
    assert action("Eval Python expressions -> list of results").imperative() == "evaluate python expressions"


def test_a_description_that_is_not_english_falls_back_to_the_verb_of_the_tools_name():
    assert action("Gibt alle Rezepte zurück", "list_recipes").imperative() == "list recipes"
    assert action("获取所有菜谱", "mcp_cookbook_getAllRecipes").imperative() == "get all recipes"
    with pytest.raises(Unwordable, match="description not usable"):
        action("不知道吃什么？根据人数推荐菜品", "whatToEat")


def test_a_description_that_opens_with_what_it_is_given_is_said_from_its_verb():
    assert action("Given a 'requestId', return the next pending task (not done yet).").imperative() == \
        "get the next pending task"


def test_a_long_description_is_never_cut_on_a_dangling_word():
    act = action("Get a detailed listing of all files and directories in a specified path with their sizes")
    assert act.imperative() == "get the detailed listing of all files"


def test_a_nominal_description_with_nothing_to_apply_it_to_is_looked_up():
    assert GENERIC.fuzzy(_view("Current moment as dict")) == "look up the current moment"


def test_with_no_usable_description_or_verb_in_the_name_the_output_says_what_is_looked_up():
    v = _view("根据客人数量安排会议室", "roomPlan", {"guestCount": 3}, {"guestCount": "number"})
    with pytest.raises(Unwordable):
        GENERIC.fuzzy(v)
    v.collections = output_collections('{"guestCount": 3, "rooms": [{"name": "a"}], "notes": []}')
    assert v.collections == ["rooms"]
    assert GENERIC.fuzzy(v) == "look up the rooms for 3 guests"


# --------------------------------------------------------------------------------------------------------------
# 2. arrays and objects said as words


def test_array_and_object_arguments_are_said_as_words():
    assert structured_words(["2 ** 10"], "expression") == "2 to the power of 10"
    assert structured_words([{"path": "a.pdf"}, {"path": "b.pdf"}]) == "a.pdf and b.pdf"
    assert structured_words({"unit": "km", "value": 5}) == "unit km and a value of 5"
    v = _view("Summarise documents", "summarise", {"files": [{"path": "a.pdf"}, {"path": "b.pdf"}]},
              {"files": None})
    assert GENERIC.fuzzy(v) == "summarise documents with the files a.pdf and b.pdf"
    v = _view("Eval arithmetic expressions -> list of results", "calc", {"expressions": ["2 ** 10"]},
              {"expressions": "[expression]"})
    assert GENERIC.fuzzy(v) == "work out 2 to the power of 10"
    v = _view("Count tokens in texts", "count", {"texts": ["alpha beta"], "model": "m1"},
              {"texts": None, "model": None})
    said = GENERIC.fuzzy(v)
    assert "the text alpha beta" in said and "[" not in said, said


def test_a_count_of_things_is_said_as_that_many_things():
    from task_synth.wording import named_value

    assert [named_value(p, "3") for p in ("peopleCount", "guest_count", "row_count", "page_number")] == \
        ["3 people", "3 guests", "3 rows", "a page number of 3"]


# --------------------------------------------------------------------------------------------------------------
# 3. a long set-up text is pasted, not worked in


def test_a_long_set_up_text_is_said_as_what_it_is_and_pasted_after_the_question():
    text = ("Our government and agriculture customers (city, country, customer since): Tejo River Authority (Lisbon, "
            "Portugal, 2019); Alentejo Growers (Évora, Portugal, 2021)")
    pre = [StepView(index=0, server="desk", tool="open", description="", args={"source": text}, bound={})]
    assert setup_context(pre) == ", working from the list of government and agriculture customers below"
    assert pasted_after(pre) == "\n\n" + text
    products = "Our sensor products with their SKUs, categories and list prices (EUR): Air Quality Monitor (BW-AQ-310)"
    pre = [StepView(index=0, server="desk", tool="open", description="", args={"source": products}, bound={})]
    assert setup_context(pre) == ", working from the list of sensor products below"
    short = [StepView(index=0, server="desk", tool="open", description="", args={"path": "repo"}, bound={})]
    assert (setup_context(short), pasted_after(short)) == (", working in repo", "")


# --------------------------------------------------------------------------------------------------------------
# 4. a page is asked of a field labelled as one


def test_a_link_inside_some_text_is_never_the_page_asked_for():
    raw = '{"notes": "Photos at https://kitchen.example/img/card.png for the printed card", "week": "W49x"}'
    found = salient(raw, "desk/menu")
    assert found is None or found[0].fuzzy != "which page it is"
    assert found is None or not str(extract(found[1], raw)).startswith("https://")


def test_a_field_labelled_as_a_page_is_asked_for_by_its_label():
    raw = '{"title": "Card", "url": "https://kitchen.example/card.html"}'
    ask, rx = salient(raw, "desk/menu", {"Card"})
    assert (ask.fuzzy, extract(rx, raw)) == ("what the url is", "https://kitchen.example/card.html")
    ask, rx = salient("https://kitchen.example/card.html", "desk/menu")
    assert ask.fuzzy == "which page it is"


# --------------------------------------------------------------------------------------------------------------
# 5. the writer drops what it cannot say, and the rule catches what slips through


def test_a_lone_read_whose_description_and_name_give_no_action_is_dropped_with_the_reason():
    fleet = live()
    from mcpbench.catalog import Catalog, ToolEntry

    fleet.catalog = Catalog([ToolEntry(server="desk", name="whatToEat", description="不知道吃什么？根据人数推荐菜品",
                                       input_schema={"type": "object", "properties": {}})])
    st = SynthState(options=Options(servers=["desk"], seed=1, min_hops=1), live=fleet, entries=[], builtins={})
    st.graph = ToolGraph(nodes=[ToolNode(server="desk", tool="whatToEat", sha256="w", params={})])
    out = '{"dishes": 3, "soup": "Caldo Verde"}'
    g = Grounded(chain_id="w", steps=[GroundedStep(server="desk", tool="whatToEat", arguments={}, outputs=[out, out])])
    with pytest.raises(WriteFailed, match=r"^wording: description not usable"):
        write_templates(g, st)


def test_the_wording_rule_rejects_pasted_scripts_literals_and_type_talk_but_not_a_value_of_the_task():
    bad = ["Could you work out the 获取所有菜谱, and tell me what the count is?",
           "Would you work out the eval Python expressions -> list of ['2 ** 10'], and tell me the number?",
           "Can you look up the current moment as dict, and tell me what the minute is?",
           "Please summarise documents for [{'path': 'a.pdf'}], and tell me the title?"]
    assert all(wording_problems(t) for t in bad), [wording_problems(t) for t in bad]
    assert wording_problems("Could you look up the recipe 宫保鸡丁, and tell me how long it takes?", {"宫保鸡丁"}) == []
    assert wording_problems("Could you work out π times 2, and tell me what it comes to?") == []


# --------------------------------------------------------------------------------------------------------------
# 6. a real server over stdio


def _spec() -> ServerSpec:
    return ServerSpec(name="kitchen", command=sys.executable, args=[str(SERVERS / "kitchen_server.py")])


@pytest.mark.anyio
async def test_lone_reads_on_a_server_with_foreign_and_signature_descriptions_paste_nothing_and_recite_no_repr(
        tmp_path):
    with anyio.fail_after(300):
        async with Fleet.open([_spec()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["kitchen"], n=6, seed=1, seed_world=False),
                                     work=tmp_path / "w")
            write_outputs(state, tmp_path / "k.jsonl", "kitchen")
    tasks = Suite.load(tmp_path / "k.jsonl").tasks
    assert len(tasks) >= 4, [r.reasons for r in state.rejected]
    for t in tasks:
        assert wording_problems(t.fuzzy, argument_values(t)) == [], t.fuzzy
        assert not re.search(r"[^\x00-\u024f]", t.fuzzy), t.fuzzy
        assert not re.search(r"\[|\]|\{|->|as dict|which page it is", t.fuzzy), t.fuzzy
        assert not re.search(r"\b(?:gibt|der|und)\b", t.fuzzy, re.IGNORECASE), t.fuzzy
    said = " ".join(t.fuzzy for t in tasks)
    assert "count dishes" in said and "look up the kitchen facts" in said
    assert "work out 2 to the power of 10" in said or "work out 1250 times 0.23" in said
    assert any("wording: description not usable (opening_hours)" in r for x in state.rejected for r in x.reasons)
