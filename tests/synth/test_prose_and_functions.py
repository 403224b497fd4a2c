"""Free text is recognised by the words of a parameter's name, a required plain string nothing else recognises
takes a sentence of the world (prose), and an expression in a variable ('func_str: Math expression in x') takes a
function of that variable, never prose or a constant.

Regressions pinned: `description` was no free text because it contains 'script' (and `profile` 'file', `zipcode`
'code'); `func_str` took a world sentence because it ends in `_str`, and the server answered "Unknown or forbidden
token"; `musing`, `roughIdea` or `resoconto` had no kind at all, so their tools were in no chain.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.artifacts import ToolGraph
from task_synth.documented import with_documented_expressions
from task_synth.freetext import PROSE, TEXT, assign_prose, classify, is_free_text, is_prose, name_words, world_prose
from task_synth.graph import build_node
from task_synth.kinds import KINDS, expression_variable, param_kind
from tests.synth._baselines import stateful_fixture, valid_tasks

S = {"type": "string"}


def _entry(name: str, props: dict, required: list[str], description: str = "") -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"type": "object", "properties": props, "required": required})


def test_a_name_is_split_into_words_at_case_and_separator_boundaries():
    assert name_words("roughIdea") == ["rough", "idea"]
    assert name_words("HTMLBody") == ["html", "body"]
    assert name_words("expr_str") == ["expr", "str"]
    assert name_words("source-code2") == ["source", "code"]


def test_a_format_counts_only_as_a_whole_word_of_the_name():
    for name in ("description", "profile_description", "text", "message_body"):
        assert is_free_text(name, S), name
    for name in ("json_text", "jsonText", "rawjson", "jsonstr", "html_body", "source_code", "file_path", "code",
                 "input_json", "htmlcontent", "source_files", "expr_str", "func_str", "g_str"):
        assert not is_free_text(name, S), name


def test_a_plain_string_of_an_unknown_name_is_prose_but_a_handle_or_setting_never_is():
    for name in ("musing", "roughIdea", "resoconto", "analysis", "ostacoli"):
        assert is_prose(name, {**S, "description": "思維內容"}), name
        assert not is_prose(name, S), name  # nothing says it is a text at all
    assert is_prose("musing", {**S, "minLength": 50})
    assert is_prose("analysis", {**S, "minLength": 100, "description": "詳細的分析內容"})
    for name in ("taskId", "api_key", "user_name", "file_path", "status", "language", "priority", "currentState",
                 "variables", "lower_bound"):
        assert not is_prose(name, {**S, "description": "Testo"}), name
    assert not is_prose("musing", {**S, "pattern": "^[0-9a-f]{8}$"})
    assert not is_prose("musing", {**S, "maxLength": 12})
    assert not is_prose("musing", {**S, "enum": ["a", "b"]})
    assert not is_prose("rimando", {**S, "description": "任務的唯一ID"})
    assert not is_prose("ref_of", {**S, "description": "An existing entry"})
    assert not is_prose("func_str", {**S, "description": "Math expression in x."})


def test_prose_is_the_last_resort_for_what_is_still_of_no_kind_and_meets_a_long_minimum_length():
    said = {**S, "description": "Breve descrizione del lavoro"}
    entries = [_entry("reflect", {"summary": S, "analysis": {**S, "minLength": 100}}, ["summary", "analysis"]),
               _entry("aggiungi", {"cantiere": said, "resoconto": said}, ["cantiere", "resoconto"]),
               _entry("get", {"taskId": S}, ["taskId"]),
               _entry("plan", {"block": S}, ["block"])]
    nodes = [build_node(e) for e in entries]
    for n in nodes:
        n.read_only = True
    nodes[0].params.update(classify(entries[0], nodes[0].params))
    nodes[3].params["block"] = "network"  # what an earlier assigner gave stays
    graph = ToolGraph(nodes=nodes)
    assign_prose(graph, entries)
    assert [n.params for n in nodes] == [{"summary": TEXT, "analysis": PROSE},
                                         {"cantiere": PROSE, "resoconto": PROSE}, {"taskId": None},
                                         {"block": "network"}]
    assert graph.pools[PROSE] == world_prose()
    assert any(len(t) >= 100 for t in world_prose()) and all(len(t) >= 40 for t in world_prose())


def test_the_variable_of_an_expression_is_read_from_its_description():
    assert expression_variable('Math expression in x, e.g. "x**2 - 4".') == "x"
    assert expression_variable("Math expression for the iteration function g(x).") == "x"
    assert expression_variable("Right-hand side f(x, y).") == "x"
    assert expression_variable("The forcing, a function of t.") == "t"
    for desc in ("Point where f(x) is evaluated.", "Regular expression in x", "Name of a function",
                 "An arithmetic expression such as 2*3", "expression of a product", ""):
        assert expression_variable(desc) is None, desc


def test_an_expression_in_a_variable_takes_a_function_of_it_not_prose_or_a_constant():
    assert param_kind("func_str", {**S, "description": "Math expression in x."}) == "function"
    assert param_kind("expression", {**S, "description": "Expression in x to integrate"}) == "function"
    assert param_kind("forcing", {**S, "description": "An expression in t"}) == "function.t"
    assert param_kind("expression", {**S, "description": "Arithmetic to evaluate"}) == "expression"
    assert all("x" in f for f in KINDS["function"].seeds)
    assert all("t" in f and "exp(-x)" not in f for f in KINDS["function.t"].seeds)
    assert "exp(-t)" in KINDS["function.t"].seeds


def test_a_parameter_documented_only_in_the_tools_args_section_is_described_by_its_line():
    doc = 'Find a root.\n\n    Args:\n        func_str: Math expression in x, e.g. "x**2 - 4".\n        a: Left end.\n'
    e = with_documented_expressions(_entry("root", {"func_str": S, "a": {"type": "number"}, "label": S},
                                           ["func_str", "a"], doc))
    props = e.input_schema["properties"]
    assert props["func_str"]["description"].startswith("Math expression in x")
    assert "description" not in props["a"] and "description" not in props["label"]
    e = with_documented_expressions(_entry("mc2d", {"func_str": S}, ["func_str"], "Integrate f(x, y) on a box."))
    assert param_kind("func_str", e.input_schema["properties"]["func_str"]) == "function"
    # a parameter of no function name, or a tool that writes no function, is left alone
    e = with_documented_expressions(_entry("mc2d", {"label": S}, ["label"], "Integrate f(x, y) on a box."))
    assert "description" not in e.input_schema["properties"]["label"]


SERVERS = Path(__file__).parent / "servers"


def test_a_server_of_numerical_methods_on_expressions_in_x_yields_verified_tasks(tmp_path):
    """Before: every `func_str` took a world sentence and the server refused it; 0 tasks."""
    spec = ServerSpec(name="quadrature", command=sys.executable, args=[str(SERVERS / "quadrature_server.py")])
    tasks = valid_tasks(spec, tmp_path / "quadrature.jsonl", n=8, seed=3)
    assert len(tasks) >= 5
    given = [s["arguments"][p] for t in tasks for s in t["reference"] for p in ("func_str", "g_str")
             if p in s["arguments"]]
    assert given and all(v in KINDS["function"].seeds or v == "x**2 - 4" for v in given), given
    assert {s["tool"] for t in tasks for s in t["reference"]} >= {"integrate", "fixed_point"}


def test_a_diary_whose_parameters_are_named_in_italian_yields_verified_tasks(tmp_path):
    """Before: `pensiero`, `resoconto`, `analisi` had no kind and their tools were in no chain; 0 tasks."""
    spec = stateful_fixture("diario", SERVERS / "diario_server.py")
    tasks = valid_tasks(spec, tmp_path / "diario.jsonl", n=8, seed=3)
    assert len(tasks) >= 5
    analyses = [s["arguments"]["analisi"] for t in tasks for s in t["reference"] if s["tool"] == "valuta_analisi"]
    assert analyses and all(a in world_prose() and len(a) >= 100 for a in analyses)
    assert all('the analisi "' in t["fuzzy"] for t in tasks if any(
        s["tool"] == "valuta_analisi" for s in t["reference"]))  # each sentence is said with the name it goes to
    assert {s["tool"] for t in tasks for s in t["reference"]} & {"registra_pensiero", "aggiungi_voce"}
