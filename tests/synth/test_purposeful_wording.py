"""Requests with a purpose from third-party tools (issue 19, item 2): arguments named by what they are, bound figures
by their label, no question that asks back an input, figures fed only where they fit, requests worded from the final
question back, and the `wording` rule that rejects what still slips through. Tool definitions are hand-written in the
styles real servers use; none names a real server's tool."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcpbench.catalog import Catalog, ToolEntry
from task_synth.artifacts import BoundRef, Grounded, GroundedStep, ToolGraph, ToolNode
from task_synth.binding import extract
from task_synth.filters import wording_problems
from task_synth.phrases import GENERIC, StepView
from task_synth.pipeline import SynthOptions, SynthState
from task_synth.task import Suite
from task_synth.wording import asks_back, figure_class, figure_misfit, gerund, named_value, same_number
from task_synth.writing import (
    WriteFailed,
    choose_ask,
    constant_fields,
    figure_name,
    from_the_question,
    purposeless_from,
    salient,
    shorten,
    write_templates,
)
from tests.synth._cli import run_mcpbench as _mcpbench
from tests.synth.catalogs import live

ROOT = Path(__file__).resolve().parents[2]


def _num(desc: str = "") -> dict[str, object]:
    return {"type": "number", "description": desc}


SAVINGS = ToolEntry(server="money", name="project_savings",
                    description="Compute the future value of periodic contributions.",
                    input_schema={"type": "object", "properties": {
                        "monthly_amount": _num("Amount saved each month"), "annual_return": _num("Expected return %"),
                        "years": _num("Number of years")}})
ZAKAT = ToolEntry(server="money", name="levy_due", description="Estimate the levy due on a base amount.",
                  input_schema={"type": "object", "properties": {"levy_base": _num("The base the levy applies to")}})
LOAN = ToolEntry(server="money", name="loan_summary", description="Generate a loan amortization summary.",
                 input_schema={"type": "object", "properties": {
                     "principal": _num("Loan principal"), "annual_rate_pct": _num("Annual interest rate in percent"),
                     "term_years": _num("Term in years")}})
CHANGE = ToolEntry(server="money", name="pct_change", description="Calculate percent change.",
                   input_schema={"type": "object", "properties": {"old_value": _num(), "new_value": _num()}})
QUERY = ToolEntry(server="db", name="run_select", description="Run a read-only SELECT query",
                  input_schema={"type": "object", "properties": {"sql": {"type": "string"}}})

SAVINGS_OUT = ('{"monthly_amount": 40.0, "annual_return": 7.5, "years": 3.0, "total_invested": 1440.0, '
               '"future_value": 1612.34}')
LOAN_OUT = ("Loan Amortization Summary\nPrincipal:       $128.00\nRate:            3.000% APR\n"
            "Term:            3 years (36 months)\nMonthly Payment: $3.72\nTotal Interest:  $5.92")


def _state(min_hops: int = 2) -> SynthState:
    fleet = live()
    fleet.catalog = Catalog([SAVINGS, ZAKAT, LOAN, CHANGE, QUERY])
    st = SynthState(options=SynthOptions(servers=["money", "db"], seed=5, min_hops=min_hops), live=fleet,
                    entries=[], builtins={})
    st.graph = ToolGraph(nodes=[
        ToolNode(server="money", tool=t.name, sha256=t.name, params=dict.fromkeys(t.input_schema["properties"],
                                                                                   "number"))
        for t in (SAVINGS, ZAKAT, LOAN, CHANGE)] + [
        ToolNode(server="db", tool="run_select", sha256="q", params={"sql": "sql"})])
    return st


def _savings(args: dict[str, object] | None = None) -> GroundedStep:
    return GroundedStep(server="money", tool="project_savings",
                        arguments=args or {"monthly_amount": 40, "annual_return": 7.5, "years": 3},
                        outputs=[SAVINGS_OUT, SAVINGS_OUT])


def _fed(tool: str, param: str, field: str, value: object, out: str, others: dict[str, object] | None = None,
         source: int = 0) -> GroundedStep:
    return GroundedStep(server="money", tool=tool, arguments={param: value, **(others or {})},
                        bindings={param: f'step[{source}]:"{field}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?)'}, depends_on=[source],
                        outputs=[out, out],
                        refs={param: BoundRef(source=source, kind="number", label=field.replace("_", " "))})


# --------------------------------------------------------------------------------------------------------------
# 1. arguments named, not listed


def test_a_value_is_said_with_what_its_parameter_is():
    assert named_value("old_value", "7.5") == "an old value of 7.5"
    assert named_value("years", "12") == "12 years"
    assert named_value("term_years", "128") == "a term of 128 years"
    assert named_value("annual_rate_pct", "3") == "an annual rate of 3%"
    assert named_value("years_of_service", "40") == "40 years of service"
    assert named_value("n_periods", "3") == "3 periods"
    assert named_value("a", "3", "First number to add") == "3 as the first number to add"


def test_a_generic_step_names_each_value_in_the_schemas_order_and_never_lists_them():
    v = StepView(index=1, server="money", tool="pct_change", description="Calculate percent change.",
                 args={"new_value": 7.5}, bound={"old_value": 0}, kinds={"old_value": "number", "new_value": "number"},
                 params={"old_value": "", "new_value": ""}, labels={"old_value": "the number of customers"})
    assert GENERIC.fuzzy(v) == ("calculate percent change with an old value of the number of customers and a new "
                                "value of 7.5")
    v = StepView(index=0, server="money", tool="project_savings", description=SAVINGS.description,
                 args={"monthly_amount": 40, "annual_return": 7.5, "years": 3}, bound={},
                 kinds=dict.fromkeys(("monthly_amount", "annual_return", "years"), "number"),
                 params={"monthly_amount": "", "annual_return": "", "years": ""})
    said = GENERIC.fuzzy(v)
    assert said == ("compute the future value of periodic contributions with a monthly amount of 40, an annual return "
                    "of 7.5 and 3 years")
    assert wording_problems(said) == []


# --------------------------------------------------------------------------------------------------------------
# 2. bound values by what they are


def test_a_bound_figure_is_named_by_its_field_or_by_what_a_counting_query_counts():
    count = GroundedStep(server="db", tool="run_select", arguments={"sql": "SELECT COUNT(*) FROM customers"},
                         outputs=["[{'count': 12}]"])
    assert figure_name(count, BoundRef(source=0, kind="number", label="count")) == "the number of customers"
    assert figure_name(_savings(), BoundRef(source=0, kind="number", label="future value")) == "the future value"
    assert figure_name(_savings(), BoundRef(source=0, kind="number", label="")) == ""
    bound_query = count.model_copy(update={"bindings": {"sql": "template:SELECT COUNT(*) FROM {{step[0]:x}}"}})
    assert figure_name(bound_query, BoundRef(source=0, kind="number", label="count")) == "the count"


# --------------------------------------------------------------------------------------------------------------
# 3. never ask back an input


def test_numbers_compare_as_numbers_whatever_their_spelling():
    assert same_number(128, "128.0") and same_number("1,612", 1612) and not same_number("128", "12")
    assert same_number("ae", "ae") and not same_number("ae", "sa")


def test_a_field_named_like_an_input_or_holding_an_argument_asks_it_back():
    assert asks_back("asset cost", "0", {"asset_cost": 0.0})
    assert asks_back("Rate", None, {"annual_rate_pct": 3})
    assert asks_back("year", None, {"year": None})  # a parameter left to its default is still an input
    assert asks_back("principal", "128.0", {"loan": 128})
    assert not asks_back("monthly payment", "3.72", {"principal": 128, "annual_rate_pct": 3})


def test_the_question_is_never_an_input_of_the_last_step():
    args = {"monthly_amount": 40, "annual_return": 7.5, "years": 3}
    ask, rx = salient(SAVINGS_OUT, "money/project_savings", {str(v) for v in args.values()}, args)
    assert (ask.fuzzy, extract(rx, SAVINGS_OUT)) == ("what the total invested is", "1440.0")
    args = {"principal": 128, "annual_rate_pct": 3, "term_years": 3}
    ask, rx = salient(LOAN_OUT, "money/loan_summary", {str(v) for v in args.values()}, args)
    assert (ask.fuzzy, ask.check, extract(rx, LOAN_OUT)) == ("what the monthly payment is", "numeric", "3.72")


def test_a_last_step_with_only_its_inputs_to_report_is_rejected():
    echo = '{"asset_cost": 128.0, "useful_life": 3}'
    g = Grounded(chain_id="e", steps=[GroundedStep(server="money", tool="loan_summary",
                                                   arguments={"asset_cost": 128, "useful_life": 3},
                                                   outputs=[echo, echo])])
    with pytest.raises(WriteFailed, match="nothing to ask"):
        choose_ask(g)


# --------------------------------------------------------------------------------------------------------------
# 4. figures fed where they fit


def test_figures_are_classed_by_the_words_of_their_labels():
    assert [figure_class(w) for w in ("row count", "number of offices", "asset_cost", "annual_rate_pct", "term_years",
                                      "customer_id", "future value", "old value")] == \
        ["count", "count", "money", "rate", "period", "identifier", "money", None]


def test_a_count_is_not_money_money_is_not_a_number_of_years_and_nothing_is_an_identifier():
    assert figure_misfit("number of offices", "principal\nLoan principal") == \
        "a count fed as money (number of offices into principal)"
    assert figure_misfit("future value", "years\nNumber of years").startswith("money fed as a period")
    assert figure_misfit("row count", "order_id") == "a count fed as an identifier (row count into order id)"
    assert figure_misfit("future value", "principal") is None
    assert figure_misfit("number of offices", "old_value") is None  # nothing says what an old value is


def test_a_count_of_things_is_not_a_measure_and_a_measure_is_not_a_count():
    assert figure_class("width_mm") == figure_class("paper weight in gsm") == "measure"
    assert figure_misfit("total sheets", "width_mm\nWidth in millimetres") == \
        "a count fed as a measure (total sheets into width mm)"  # a plural noun counts its things
    assert figure_misfit("spine thickness mm", "page_count").startswith("a measure fed as a count")
    assert figure_misfit("height", "width_mm") is None  # a measure into a measure: nothing said against it
    assert figure_misfit("values", "width_mm") is None  # a plural that says nothing of what it counts
    assert figure_class("real final value today dollars") == "money"  # a currency's plural is money, not a count
    assert figure_misfit("string length", "count") is None  # a length is not taken for a measure


def test_a_walk_is_cut_where_a_count_is_fed_as_money_or_an_input_is_only_passed_on():
    st = _state(min_hops=1)
    count = GroundedStep(server="db", tool="run_select", arguments={"sql": "SELECT COUNT(*) FROM offices"},
                         outputs=['[{"count": 4}]', '[{"count": 4}]'])
    loan = _fed("loan_summary", "principal", "count", 4, LOAN_OUT, {"annual_rate_pct": 3, "term_years": 3})
    k, why = purposeless_from(Grounded(chain_id="m", steps=[count, loan]), st)
    assert (k, why) == (1, "a count fed as money (number of offices into principal)")
    passed_on = _fed("levy_due", "levy_base", "monthly_amount", 40.0, '{"levy_due": 1.0}')
    k, why = purposeless_from(Grounded(chain_id="p", steps=[_savings(), passed_on]), st)
    assert (k, why) == (1, "passes on a figure the earlier step was only given (monthly amount into levy base)")
    with pytest.raises(WriteFailed, match="only given"):
        shorten(Grounded(chain_id="p", steps=[_savings(), passed_on]), _state(min_hops=2))
    fits = _fed("levy_due", "levy_base", "future_value", 1612.34, '{"levy_due": 40.31, "rate": 0.025}')
    assert purposeless_from(Grounded(chain_id="f", steps=[_savings(), fits]), st) == (2, "")


# --------------------------------------------------------------------------------------------------------------
# 5. worded from the final question back


def test_verbs_become_gerunds():
    assert [gerund(c) for c in ("calculate the tax", "get the log", "compute it", "work out 2", "run it", "list all",
                                "tie up")] == \
        ["calculating the tax", "getting the log", "computing it", "working out 2", "running it", "listing all",
         "tying up"]


def test_a_two_step_walk_asks_its_question_and_says_where_its_input_comes_from():
    st = _state()
    levy = _fed("levy_due", "levy_base", "future_value", 1612.34, '{"levy_due": 40.31, "levy_rate": 0.025}')
    d = write_templates(Grounded(chain_id="z", steps=[_savings(), levy]), st)
    assert re.search(r"tell me what the levy due is if you estimate the levy due on a base amount with a levy base of "
                     r"the future value, where the future value comes from computing the future value of periodic "
                     r"contributions with a monthly amount of 40, an annual return of 7\.5 and 3 years\?$", d.fuzzy), \
        d.fuzzy
    assert ", then " not in d.fuzzy and wording_problems(d.fuzzy) == []
    assert "(1) Call money/project_savings" in d.precise  # the precise form still lists the steps


def test_an_unnamed_figure_keeps_the_step_by_step_form():
    view = StepView(index=1, server="money", tool="levy_due", description=ZAKAT.description, args={},
                    bound={"levy_base": 0}, kinds={"levy_base": "number"})
    first = StepView(index=0, server="money", tool="project_savings", description=SAVINGS.description, args={},
                     bound={})
    assert from_the_question([first, view], "what the levy due is") is None


# --------------------------------------------------------------------------------------------------------------
# 6. the wording rule


def test_the_wording_rule_rejects_values_listed_by_position_and_questions_on_a_bare_participle():
    bad = ["Would you compute the future value of periodic contributions for 40, 7.5, 3, and tell me the total?",
           "Could you find out how many items there are, then work out depreciation for that count, 128, and tell "
           "me what the rate is?",
           "Please list the requests, and tell me what the accepted is?"]
    assert all(wording_problems(t) for t in bad)
    good = ["Could you tell me what the percent change is if you calculate percent change with an old value of 7.5 "
            "and a new value of 12?",
            "Here they are: Air Quality Monitor (BW-AQ-310, air, 1350); Soil Stake (BW-SM-050, soil, 95). Tell me what "
            "the table is.",
            "Could you read the file 'for 1, 2, 3' and tell me what the total is?"]
    assert [wording_problems(t) for t in good] == [[], [], []]


# --------------------------------------------------------------------------------------------------------------
# a real server


@pytest.mark.integration
@pytest.mark.timeout(1800)
@pytest.mark.anyio
async def test_synthesis_on_real_finance_servers_names_values_never_asks_back_and_the_same_seed_the_same_bytes(
        tmp_path):
    args = ["synth", "--config", str(ROOT / "servers.yaml"), "--servers", "loans,fincalc,calculator", "--n", "20",
            "--seed", "0"]
    code, out, err = await _mcpbench(*args, "--out", "a.jsonl", cwd=tmp_path, timeout=600)
    assert code == 0, out + err
    code, out, err = await _mcpbench(*args, "--out", "b.jsonl", cwd=tmp_path, timeout=600)
    assert code == 0, out + err
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    tasks = Suite.load(tmp_path / "a.jsonl").tasks
    walks = [t for t in tasks if not t.state_checks and len({s.tool for s in t.reference}) >= 2]
    assert len(walks) >= 3, [t.fuzzy for t in tasks]
    for t in walks:
        assert wording_problems(t.fuzzy) == [], t.fuzzy
        assert not re.search(r"\b(?:for|with) -?\d+(?:\.\d+)?, ", t.fuzzy), t.fuzzy
        last = len(t.reference) - 1
        for c in t.checks:
            if c.from_step == last and c.extract:
                value = extract(c.extract, t.reference[last].output)
                assert not any(same_number(value, a) for a in t.reference[last].arguments.values()
                               if not isinstance(a, bool)), (t.fuzzy, value, t.reference[last].arguments)
    assert any(" comes from " in t.fuzzy or " come from " in t.fuzzy for t in walks), [t.fuzzy for t in walks]
    code, out, err = await _mcpbench("tasks", "validate", "a.jsonl", "--config", str(ROOT / "servers.yaml"),
                                     cwd=tmp_path, timeout=600)
    assert code == 0, out + err


def test_an_unlabelled_value_among_several_of_its_kind_is_asked_as_the_first_one():
    table = "| date | customer | total |\n|---|---|---|\n| 2026-03-02 | Tejo | 10 |\n| 2026-03-05 | Ebro | 12 |\n"
    ask, rx = salient(table, "preview")
    assert ask.fuzzy == "what the first date in it is" and extract(rx, table) == "2026-03-02"
    one = "Orders were last synced on 2026-03-05 by the nightly job."
    ask, rx = salient(one, "status")
    assert ask.fuzzy == "what date it gives" and extract(rx, one) == "2026-03-05"
    window = "The window runs from 2026-03-02 to 2026-03-05."
    assert salient(window, "window", given={"2026-03-02"}) is None  # the first date was given: neither is named


def test_a_field_every_call_of_the_tool_returns_alike_is_never_the_question():
    st = _state(min_hops=1)

    def drawn(names: list[str], n: int) -> GroundedStep:
        out = json.dumps({"type": "batch", "molecules": [{"type": "molecule", "name": x} for x in names],
                          "label": f"{n} structures"})
        return GroundedStep(server="chem", tool="draw_batch", arguments={"names": names}, outputs=[out, out])

    one, two = drawn(["ethanol", "urea"], 2), drawn(["ozone"], 1)
    st.grounded = [Grounded(chain_id="a", steps=[one]), Grounded(chain_id="b", steps=[two])]
    assert constant_fields(st, "chem", "draw_batch") == {"batch", "molecule"}
    ask, rx = choose_ask(st.grounded[0], st)
    assert "type" not in ask.fuzzy and extract(rx, one.outputs[0]) != "batch"
    st.grounded = st.grounded[:1]  # one call alone shows nothing constant
    assert constant_fields(st, "chem", "draw_batch") == set()
    # a figure that comes out alike whatever the call is given (a break-even rate) is no answer either
    def climb(lp: int) -> GroundedStep:
        out = json.dumps({"games_needed": 1000 // lp, "breakeven_rate": 50.0})
        return GroundedStep(server="game", tool="climb", arguments={"lp": lp}, outputs=[out, out])

    st.grounded = [Grounded(chain_id="c", steps=[climb(25)]), Grounded(chain_id="d", steps=[climb(40)])]
    assert constant_fields(st, "game", "climb") == {"50.0"}
    ask, rx = choose_ask(st.grounded[0], st)
    assert extract(rx, st.grounded[0].steps[0].outputs[0]) == "40"  # the games needed, not the rate


def test_a_result_stated_in_prose_is_a_number_to_ask_for_and_an_assignment_or_a_page_is_not():
    """Toy servers answer in sentences ('12 + 3 = 15', 'The result is 15.'): the result is what a request asks."""
    from task_synth.kinds import pick_references

    for raw, given in (("🔢 12 + 3 = 15", {"12", "3"}), ("The result is 15.", set()),
                       ("The sum of 12 and 3 is 15.", {"12", "3"}), ("The total comes to 15 EUR.", set())):
        ask, rx = salient(raw, "calc/add", given)
        assert ask.check == "numeric" and extract(rx, raw) == "15", raw
    for raw in ("x = 3, y = 4", "Your order is 15 days late", "Page 3 of 10", "Version 1.2.3."):
        assert pick_references("number", raw, "k") == [], raw


def test_a_time_span_or_a_rate_is_not_fed_as_a_thing_the_parameter_names_otherwise():
    """A number of days is no number of kills, a latency in ms no points total; a parameter that says nothing of what
    it takes (x, value) takes anything, one that shares a word with the figure takes it, and money and counts go by
    too many names to be judged by words."""
    assert figure_misfit("estimated days", "kills") == "a period fed as something else (estimated days into kills)"
    assert figure_misfit("input added ms avg", "lp_gain").startswith("a period fed as something else")
    assert figure_misfit("minutes per game", "current_lp_total").startswith("a period fed as something else")
    assert figure_misfit("winrate pct", "account_level").startswith("a rate fed as something else")
    assert figure_misfit("estimated hours", "hours") is None
    assert figure_misfit("years", "n_years") is None
    assert figure_misfit("duration seconds", "x") is None
    assert figure_misfit("elapsed days", "old_value") is None
    assert figure_misfit("future value", "levy_base") is None
    assert figure_misfit("kilometres", "length") is None


def test_calculators_whose_figures_mean_nothing_to_each_other_get_lone_reads_not_nonsense_walks(tmp_path):
    """tests/synth/servers/pitchside_server.py: the hours on the road are never fed in as goals or wins; every walk
    loses its purpose at its second step, and the tools get one-hop tasks of their own after writing instead (before,
    lone reads came only for reads no walk reached, so two of the three tools had none)."""
    import sys

    from mcpbench.config import ServerSpec
    from tests.synth._baselines import valid_tasks

    server = Path(__file__).parent / "servers" / "pitchside_server.py"
    spec = ServerSpec(name="pitchside", command=sys.executable, args=[str(server)])
    tasks = valid_tasks(spec, tmp_path / "a.jsonl", n=6, seed=1)
    assert len(tasks) >= 5
    tools = {s["tool"] for t in tasks for s in t["reference"]}
    assert tools == {"travel_time", "match_rating", "league_points"}, tools
    for t in tasks:
        steps = t["reference"]
        for s in steps[1:]:
            assert not s.get("bindings"), (t["fuzzy"], s)  # no figure of one tool is fed to another
        assert "travel hours" not in t["fuzzy"] or steps[0]["tool"] == "travel_time"
