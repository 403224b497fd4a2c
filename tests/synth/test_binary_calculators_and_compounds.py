"""Two default-fleet servers gave no task at all (issue 21): a toy calculator whose only computing tool adds two
numbers and answers in prose, and a chemistry server whose every parameter is a compound. Two general mechanisms:

- a third calculator shape for world calculations (task_synth/binarycalc.py): a tool with exactly two required numbers
  whose words name one binary operation; an adder totals a world topic's figures by repeated additions, each bound to
  the previous result read from a sentence, and the answer is checked against the world's own total;
- a compound kind (task_synth/compounds.py): SMILES-named or SMILES-described parameters, and compound-named ones of
  chemistry tools, take a pool of common, valid molecules of water treatment.

Fast tests pin the rules on hand-made schemas; the live tests run the pipeline against fixture servers over real
stdio (tests/synth/servers/abacus_server.py, molecule_server.py), whose every call is logged. On the old code both
fixtures gave 0 tasks: the adder was "nothing to ask" and no compound parameter could be filled.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import ToolGraph
from task_synth.binarycalc import _regex, binary_op, sum_questions
from task_synth.binding import extract
from task_synth.compounds import COMPOUNDS, compound_words
from task_synth.graph import build_node, seed_pools
from task_synth.kinds import param_kind
from task_synth.phrases import StepView

SERVERS = Path(__file__).parent / "servers"
sys.path.insert(0, str(SERVERS))
from molecule_server import composition  # noqa: E402

NUM = {"type": "number"}


def _tool(name: str, description: str, props: dict, required: list[str] | None = None) -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"properties": props, "required": list(props) if required is None else required})


def test_a_tool_taking_two_numbers_whose_words_name_one_operation_is_a_binary_calculator():
    assert binary_op(_tool("get-sum", "Returns the sum of two numbers", {"a": NUM, "b": NUM})) == ("+", "a", "b")
    assert binary_op(_tool("multiply", "Multiply two numbers.", {"x": NUM, "y": NUM})) == ("*", "x", "y")
    assert binary_op(_tool("subtract", "", {"minuend": NUM, "subtrahend": NUM}))[0] == "-"
    assert binary_op(_tool("quotient", "Divide a by b.", {"a": NUM, "b": {"type": "integer"}}))[0] == "/"
    # three numbers, a text, or words naming two operations: not this shape
    assert binary_op(_tool("add", "Add numbers.", {"a": NUM, "b": NUM, "c": NUM})) is None
    assert binary_op(_tool("add", "Add a note.", {"a": NUM, "note": {"type": "string"}})) is None
    assert binary_op(_tool("calc", "Add or multiply two numbers.", {"a": NUM, "b": NUM})) is None
    assert binary_op(_tool("compare", "Which of two numbers is larger.", {"a": NUM, "b": NUM})) is None


def test_a_sum_is_read_from_a_sentence_whatever_the_other_numbers_are():
    rx = _regex("The sum of 210 and 480 is 690.", 690)
    assert rx is not None
    assert extract(rx, "The sum of 7390.5 and 10540 is 17930.5.") == "17930.5"
    assert extract(_regex('{"a": 1, "b": 2, "result": 3}', 3) or "", '{"a": 10, "b": 25, "result": 35}') == "35"
    assert _regex("The sum of 210 and 480 is 690.", 700) is None


def test_totals_cover_each_money_topic_its_subsets_and_its_groups_with_the_worlds_own_sums():
    qs = {q.key: q for q in sum_questions()}
    assert {"products", "weather-line", "orders-2026", "orders-2026-all"} <= set(qs)
    assert qs["orders-2026"].value == qs["orders-2026"].topic.answer  # the topic's own question, condition kept
    assert qs["products"].value == round(sum(r[3] for r in qs["products"].topic.rows), 2)
    assert all(len(q.rows) >= 2 for q in qs.values())
    assert "orders-2026-pending" in qs and qs["orders-2026-pending"].ask.startswith("what the pending ones")


def test_a_parameter_named_or_described_as_smiles_takes_compounds_and_a_chemistry_tools_molecules_do_too():
    from task_synth import compounds

    s = {"type": "string"}
    assert param_kind("smiles", s) == "compound" and param_kind("input_smiles", s) == "compound"
    assert param_kind("structure", {"type": "string", "description": "SMILES string of the molecule"}) == "compound"
    draw = _tool("draw", "Draw a molecule from SMILES.", {"molecule": s, "structures": {"type": "array", "items": s},
                                                          "name_or_smiles": s})
    money = _tool("interest", "Compound interest on a deposit.", {"compound": s, "structures": {
        "type": "array", "items": s}})
    g = ToolGraph(nodes=[build_node(draw), build_node(money)], pools=seed_pools([draw, money], None))
    compounds.assign(g, [draw, money])
    assert g.node("s/draw").params == {"molecule": "compound", "structures": "[compound]",
                                       "name_or_smiles": "compound_name"}
    assert g.node("s/interest").params == {"compound": None, "structures": None}  # not a chemistry tool
    assert g.pools["compound"][0] == "CN1C=NC2=C1C(=O)N(C(=O)N2C)C" and g.pools["compound_name"][0] == "caffeine"


def test_every_pool_compound_is_smiles_whose_atoms_agree_with_its_formula():
    for name, smiles, formula in COMPOUNDS:
        heavy = {el: int(n or 1) for el, n in __import__("re").findall(r"([A-Z][a-z]?)(\d*)", formula) if el != "H"}
        assert composition(smiles) == heavy, name


def test_a_compound_is_said_with_its_common_name_and_its_smiles():
    assert compound_words("CCO") == "ethanol (SMILES CCO)"
    assert compound_words("C1CC1") == "C1CC1"
    v = StepView(index=0, server="s", tool="t", description="", args={"smiles": "CC(=O)O"}, bound={},
                 kinds={"smiles": "compound"})
    from task_synth.phrases import named

    assert named(v, "smiles") == "acetic acid (SMILES CC(=O)O)"


def _spec(name: str, log: Path) -> ServerSpec:
    return ServerSpec(name=name, command=sys.executable, args=[str(SERVERS / f"{name}_server.py")],
                      env={f"{name.upper()}_LOG": str(log)})


async def _synth(tmp: Path, name: str, label: str, n: int) -> tuple[bytes, object]:
    async with Fleet.open([_spec(name, tmp / f"{label}.calls.jsonl")]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=[name], n=n, seed=1), work=tmp / f"{label}.work")
        out = tmp / f"{label}.jsonl"
        write_outputs(state, out, name)
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_a_two_number_adder_answering_in_prose_totals_the_worlds_figures_in_verified_tasks(tmp_path):
    """Pins: the adder was 'nothing to ask' (a sum of two seeds has no purpose) and world calculations knew only
    expression and code tools, so the fixture gave 0 tasks."""
    with anyio.fail_after(600):
        a, state = await _synth(tmp_path, "abacus", "a", 8)
        b, _ = await _synth(tmp_path, "abacus", "b", 8)
        assert a == b  # same seed, same bytes
        suite = Suite.load(tmp_path / "a.jsonl")
        sums = [t for t in suite.tasks if "binary" in t.tags]
        assert len(sums) >= 5, [r.reasons for r in state.rejected]
        totals = {round(q.value, 2) for q in sum_questions()}
        for t in sums:
            assert {s.tool for s in t.reference} <= {"add", "multiply"}
            assert all(s.tool != "add" or i == 0 or "a" in s.bindings for i, s in enumerate(t.reference))
            (check,) = t.checks
            expected = float(check.value)
            # the answer is the world's own total, or that total with a purpose (VAT, the discount) applied
            assert any(abs(expected - v * f) < 0.01 for v in totals for f in (1, 1.23, 0.85)), (t.fuzzy, expected)
            assert str(int(expected)) not in t.fuzzy  # the request gives the figures, never the total
        assert any(len(t.reference) >= 4 for t in sums)  # a total over five records: four additions
        assert any(t.reference[-1].tool == "multiply" for t in sums)  # a purpose applied by the multiplier
        calls = [json.loads(x) for x in (tmp_path / "a.calls.jsonl").read_text().splitlines()]
        assert {"a": 1350.0, "b": 95.0} in [c["args"] for c in calls if c["tool"] == "add"]  # the world's prices
        async with Fleet.open([_spec("abacus", tmp_path / "v.calls.jsonl")]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


@pytest.mark.anyio
async def test_a_chemistry_server_taking_smiles_is_called_with_the_compound_pool_and_gives_verified_tasks(tmp_path):
    """Pins: no kind filled a SMILES string or a chemistry tool's `structures`, so the fixture's tools were never
    called and it gave 0 tasks."""
    with anyio.fail_after(600):
        _, state = await _synth(tmp_path, "molecule", "a", 6)
        calls = [json.loads(x) for x in (tmp_path / "a.calls.jsonl").read_text().splitlines()]
        pool = {s for _, s, _ in COMPOUNDS}
        assert {c["tool"] for c in calls} == {"heavy_atoms", "compare_molecules"}
        assert all(c["args"]["smiles"] in pool for c in calls if c["tool"] == "heavy_atoms")
        assert all(set(c["args"]["structures"]) <= pool and len(c["args"]["structures"]) >= 2
                   for c in calls if c["tool"] == "compare_molecules")
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 3, [r.reasons for r in state.rejected]
        for t in suite.tasks:
            assert "(SMILES " in t.fuzzy  # said with the compound's common name and its SMILES
        async with Fleet.open([_spec("molecule", tmp_path / "v.calls.jsonl")]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
