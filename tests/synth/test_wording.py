"""Wording of read-only walks from tool descriptions (task_synth/wording.py, phrases.GENERIC, writing.shorten) and the
`wording` rule. Descriptions are hand-written in the styles real servers use; none names a real server's tool."""

from __future__ import annotations

import anyio

from mcpbench.catalog import Catalog, ToolEntry
from task_synth.artifacts import BoundRef, Grounded, GroundedStep, ToolGraph, ToolNode
from task_synth.binding import extract
from task_synth.filters import wording_problems
from task_synth.phrases import GENERIC, PHRASINGS, StepView, hand_written, phrasing
from task_synth.pipeline import SynthOptions, SynthState
from task_synth.wording import action, expression_words, first_clause, humanize, sql_purpose
from task_synth.writing import TemplateWriter, WriteFailed, purposeless_from, salient, shorten, write_templates
from tests.synth.catalogs import live


def test_a_third_person_description_becomes_an_imperative():
    assert action("Returns a wrap-up checklist: the criteria a session must meet.").imperative() == \
        "get the wrap-up checklist"
    assert action("Lists all loaded presentations.").imperative() == "list all loaded presentations"
    assert action("Applies a filter to the rows").imperative() == "apply a filter to the rows"
    assert action("Searches notes by keyword").imperative() == "search notes by keyword"
    assert action("Retrieves the balance of an account").imperative() == "get the balance of an account"


def test_framing_and_tails_of_a_description_are_cut():
    assert first_clause("This tool lists all open tickets, including closed ones.") == "lists all open tickets"
    assert action("Use this to get the weather for a city.").imperative() == "get the weather for a city"
    assert action("Allows you to search the knowledge base (full text).").imperative() == "search the knowledge base"
    assert action("A tool that shows the working tree status including untracked files").imperative() == \
        "show the working tree status"
    assert action("View the reference logs (reflog) to track updates").imperative() == "view the reference logs"


def test_a_description_that_names_a_thing_is_worded_as_working_it_out():
    assert action("Tangent function").applied("84") == "work out the tangent function of 84"
    # an indirect question is what the person works out; a comma between adjectives does not leave half a phrase
    assert action("How many games a climb takes at a given winrate, or whether it runs backward.").imperative() == \
        "work out how many games a climb takes at a given winrate"
    assert first_clause("Calculate KDA with an honest, role-aware read.") == "Calculate KDA"
    # a word before an article is the imperative even when it is no verb we know
    assert action("Rate a team's match from its goals.").imperative() == "rate a team's match from its goals"
    assert action("Tally the votes of a poll").imperative() == "tally the votes of a poll"
    assert first_clause("Lists files in a directory, including hidden ones.") == "Lists files in a directory"
    assert first_clause("Search notes by a keyword, case-insensitive") == "Search notes by a keyword"
    assert action("Real part").imperative() == "work out the real part"
    assert action("Simplify radicals").applied("84") == "simplify radicals for 84"


def test_a_tool_with_no_description_is_named_by_its_words():
    assert action("", "fetchOpenInvoices").imperative() == "get open invoices"


def test_field_names_become_words():
    assert humanize("currentBranch") == "current branch"
    assert humanize("row_count") == "row count"
    assert humanize("HTTPStatus") == "http status"
    assert humanize("day-of-week") == "day of week"


def test_plain_arithmetic_is_read_out_and_other_text_is_kept():
    assert expression_words("2 ** 10") == "2 to the power of 10"
    assert expression_words("(45 + 15) / 4") == "45 plus 15, divided by 4"
    assert expression_words("1250 * 0.23") == "1250 times 0.23"
    assert expression_words("sin(x) + 1") == "sin(x) + 1"


def test_a_counting_query_is_said_as_what_it_counts_and_other_sql_is_not():
    assert sql_purpose("SELECT COUNT(*) FROM order_items") == "how many order items there are"
    assert sql_purpose("SELECT name FROM customers WHERE id = 3") is None


def _view(description: str, args: dict[str, object] | None = None, bound: dict[str, int] | None = None,
          kinds: dict[str, str | None] | None = None, **kw: object) -> StepView:
    return StepView(index=1, server="desk", tool="thing", description=description, args=args or {},
                    bound=bound or {}, kinds=kinds or {}, **kw)  # type: ignore[arg-type]


def test_the_generic_phrasing_puts_a_bound_value_where_the_description_says_a_thing():
    v = _view("Show details of a git object (commit, tree, blob, or tag)", bound={"object": 0},
              kinds={"object": "revision"}, picks={"object": ("revision", 3, 5)})
    assert GENERIC.fuzzy(v) == "show details of the fourth commit it lists"


def test_the_generic_phrasing_reads_literal_arithmetic_and_timezones_as_words():
    assert GENERIC.fuzzy(_view("Gamma function", {"expr": "2 ** 10"}, kinds={"expr": "expression"})) == \
        "work out the gamma function of 2 to the power of 10"
    assert GENERIC.fuzzy(_view("Gets the sunrise time in a given timezone", {"tz": "America/New_York"},
                               kinds={"tz": "timezone"})) == "get the sunrise time in New York"
    assert GENERIC.fuzzy(_view("Runs a read-only SQL statement", {"sql": "SELECT COUNT(*) FROM orders"},
                               kinds={"sql": "sql"})) == "find out how many orders there are"


def test_enum_settings_and_flag_values_are_not_recited():
    v = _view("Lists the open issues", {"format": "json", "verbose": True},
              kinds={"format": "enum", "verbose": "boolean"})
    assert GENERIC.fuzzy(v) == "list the open issues"
    v = _view("Lists the open issues", {"sort": "newest"}, kinds={"sort": "enum"})
    assert GENERIC.fuzzy(v) == "list the open issues"


def test_an_enum_that_chooses_what_to_look_at_is_said_or_the_request_could_not_be_followed():
    # a recipe server's "recipes by category" step was worded without its category: the answer (the fourth recipe
    # of that category) could not be found from the request
    v = _view("Lists the recipes of a category", {"category": "seafood"}, kinds={"category": "enum"})
    assert GENERIC.fuzzy(v) == "list the recipes of the seafood category"
    v = _view("Lists the open issues", {"label": "bug", "format": "json"}, kinds={"label": "enum", "format": "enum"})
    assert GENERIC.fuzzy(v) == "list the open issues with the label set to bug"


def test_the_default_fleets_phrasings_are_keyed_by_server_so_a_same_named_tool_elsewhere_is_not_caught():
    assert hand_written("sqlite", "list_tables") is not None
    assert hand_written("warehouse", "list_tables") is None
    assert phrasing("mathsrv", "calculate") is GENERIC
    assert phrasing("calculator", "calculate") is PHRASINGS["calculator"]["calculate"]
    # keyed by the default fleet's server names (servers.yaml), never by a pattern
    assert set(PHRASINGS) <= {"time", "calculator", "everything", "sqlite", "duckdb", "memory", "fetch", "git",
                              "filesystem"}


CALC = ToolEntry(server="calc", name="evaluate", description="Evaluates an arithmetic expression.",
                 input_schema={"type": "object", "properties": {"expression": {"type": "string"}},
                               "required": ["expression"]})
COUNT_OPS = ToolEntry(server="calc", name="count_ops", description="Count operations in an expression",
                      input_schema={"type": "object", "properties": {"expr": {"type": "string"}},
                                    "required": ["expr"]})
TRIG = ToolEntry(server="calc", name="tangent", description="Tangent function",
                 input_schema={"type": "object", "properties": {"expr": {"type": "string"}}, "required": ["expr"]})


def _calc_state(min_hops: int = 2) -> SynthState:
    fleet = live()
    fleet.catalog = Catalog([CALC, TRIG, COUNT_OPS])
    st = SynthState(options=SynthOptions(servers=["calc"], seed=3, min_hops=min_hops), live=fleet, entries=[],
                    builtins={})
    st.graph = ToolGraph(nodes=[
        ToolNode(server="calc", tool="evaluate", sha256="x", params={"expression": "expression"}),
        ToolNode(server="calc", tool="tangent", sha256="y", params={"expr": "expression"}),
        ToolNode(server="calc", tool="count_ops", sha256="z", params={"expr": "expression"})])
    return st


def _arith(i: int, template: str, out: str, tool: str = "evaluate", param: str = "expression") -> GroundedStep:
    body = template.replace("{}", f"{{{{step[{i - 1}]:(\\d+(?:\\.\\d+)?)}}}}")
    return GroundedStep(server="calc", tool=tool, arguments={param: template.replace("{}", "1")},
                        bindings={param: "template:" + body}, depends_on=[i - 1], outputs=[out, out],
                        refs={param: BoundRef(source=i - 1, kind="number", template=template)})


def _first(expr: str = "12 * 7", out: str = "84") -> GroundedStep:
    return GroundedStep(server="calc", tool="evaluate", arguments={"expression": expr}, outputs=[out, out])


def test_arithmetic_on_a_figure_is_asked_as_its_purpose_not_as_the_operation():
    st = _calc_state()
    d = write_templates(Grounded(chain_id="a", steps=[_first(), _arith(1, "{} / 4", "21")]), st)
    assert "work out 12 times 7" in d.fuzzy
    assert "what that figure comes to split evenly across our four offices?" in d.fuzzy
    assert "/" not in d.fuzzy and "divided by 4" not in d.fuzzy
    assert d.fuzzy.endswith("?") and wording_problems(d.fuzzy) == []
    assert "`X / 4`" in d.precise  # the judges still see the exact operation


def test_a_second_piece_of_arithmetic_is_cut_off_and_the_walk_kept_when_long_enough():
    st = _calc_state()
    g = Grounded(chain_id="b", steps=[_first(), _arith(1, "{} / 4", "21"), _arith(2, "{} / 4", "5.25")])
    assert purposeless_from(g, st) == (2, "a second piece of arithmetic on the same figure")
    short = shorten(g, st)
    assert [s.outputs[0] for s in short.steps] == ["84", "21"]
    assert write_templates(short, st).fuzzy.count("four offices") == 1


def test_arithmetic_fed_to_a_tool_that_does_not_calculate_drops_a_walk_that_would_be_too_short():
    st = _calc_state()
    g = Grounded(chain_id="c", steps=[_first(), _arith(1, "{} * 2", "0.3", tool="tangent", param="expr")])
    try:
        shorten(g, st)
    except WriteFailed as e:
        assert "arithmetic fed to a tool that does not calculate" in str(e)
    else:
        raise AssertionError("a purposeless two-step walk must be dropped")


def test_arithmetic_on_what_a_non_calculating_tool_made_of_an_expression_is_cut():
    st = _calc_state(min_hops=1)
    first = GroundedStep(server="calc", tool="count_ops", arguments={"expr": "1250 * 0.23"}, outputs=["1", "1"])
    g = Grounded(chain_id="e", steps=[first, _arith(1, "{} * 0.23", "0.23")])
    assert purposeless_from(g, st) == (1, "arithmetic on what a tool that does not calculate made of an expression")


def test_vat_is_asked_of_money_and_never_of_a_row_count():
    st = _calc_state(min_hops=1)
    count = _arith(1, "{} * 0.23", "2.76")
    count.refs["expression"] = count.refs["expression"].model_copy(update={"label": "count"})
    assert purposeless_from(Grounded(chain_id="h", steps=[_first(), count]), st)[1].startswith(
        "arithmetic whose purpose does not fit the figure")
    total = count.model_copy(update={"refs": {"expression": count.refs["expression"].model_copy(
        update={"label": "order total"})}})
    g = Grounded(chain_id="i", steps=[_first(), total])
    assert purposeless_from(g, st) == (2, "")
    assert "what 23% VAT on the order total would be?" in write_templates(g, st).fuzzy


def test_arithmetic_no_purpose_explains_is_not_written():
    st = _calc_state(min_hops=1)
    g = Grounded(chain_id="d", steps=[_first(), _arith(1, "({} - 7) ** 3", "456533")])
    assert purposeless_from(g, st)[1].startswith("arithmetic with no stated purpose")
    assert len(shorten(g, st).steps) == 1


def test_the_wording_rule_catches_salad_and_passes_a_plain_request():
    assert wording_problems("Would you returns a wrap-up protocol for y?")
    assert wording_problems("Could you check the status, and tell me what its currentBranch is?")
    assert wording_problems("Could you work out 12 * 7, then work out that number plus 15, and finally work out "
                            "that number plus 15?")
    assert wording_problems("For the weekly status report, could you look through the recent commits, then look "
                            "at the fourth one it lists, and tell me who wrote it?") == []
    # quoted values, file names and plain words ending in s are not salad
    assert wording_problems('Please keep it in "monthlyTotals" and brightwater-sheet.xlsx; could you process '
                            "it and tell me what it comes to?") == []


def test_a_labelled_line_of_a_text_output_is_asked_for_in_words_and_a_person_as_who():
    raw = '{"object": "v2.4.1", "content": "tag v2.4.1\\nTagger: Ana Lima <ana@x.example>\\nDate:   Tue Jul 28\\n"}'
    ask, rx = salient(raw, "vcs/show_object", {"v2.4.1"})
    assert ask.fuzzy == "who the tagger is" and extract(rx, raw) == "Ana Lima"


def test_a_value_the_step_was_given_is_never_what_is_asked_back():
    raw = '{"object": "v2.4.1", "kind": "annotated tag"}'
    ask, rx = salient(raw, "vcs/show_object", {"v2.4.1"})
    assert ask.fuzzy == "what the kind is" and extract(rx, raw) == "annotated tag"
    assert salient('{"object": "v2.4.1"}', "vcs/show_object", {"v2.4.1"}) is None


def test_a_camel_case_field_is_asked_for_in_words():
    ask, _ = salient('{"currentBranch": "main", "clean": true}', "vcs/status")
    assert ask.fuzzy == "what the current branch is"


def test_the_writer_keeps_a_shortened_walk_in_place_of_the_long_one_and_drops_a_walk_it_duplicates():
    st = _calc_state()
    long = Grounded(chain_id="f", steps=[_first(), _arith(1, "{} / 4", "21"), _arith(2, "{} * 2", "42")])
    same = Grounded(chain_id="g", steps=[_first(), _arith(1, "{} / 4", "21"), _arith(2, "{} + 15", "36")])
    st.grounded = [long, same]
    anyio.run(TemplateWriter().run, st)
    assert [len(g.steps) for g in st.grounded] == [2, 3]
    assert set(st.drafts) == {"f"}
    assert [r.id for r in st.rejected] == ["g"] and "the same walk as an earlier one" in st.rejected[0].reasons[0]


def test_a_number_under_any_field_is_asked_for_when_nothing_else_is_and_the_given_path_is_not():
    """Regression: with the step's own arguments excluded, a word count under "words" was left unasked."""
    raw = '{"path": "notes/plan.md", "words": 42, "lines": 5}'
    ask, rx = salient(raw, "desk/note_stats", {"notes/plan.md"})
    assert (ask.fuzzy, ask.check, extract(rx, raw)) == ("how many words it has", "numeric", "42")
