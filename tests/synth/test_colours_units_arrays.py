"""Parameters that had no kind or took implausible values: colours and palettes, unit names, arrays of objects, and
figures with a meaning (a rate, a term, a count, money).

Fast tests pin the mechanisms on hand-made schemas; the live test runs the pipeline against the fixture server
tests/synth/servers/swatch_server.py over real stdio, whose every call is logged. Before these mechanisms that
server's colour tools could not be filled (no kind), its converter got no units, its order tool no items, and its
loan calculator was sent "an annual rate of 128".
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
from task_synth.colours import colour_name, colour_words, palette_words
from task_synth.documented import documented_range, with_documented_ranges
from task_synth.graph import build_node, literal_values, seed_pools
from task_synth.kinds import composers_into, find_values, param_kind
from task_synth.phrases import GENERIC, StepView
from task_synth.shapes import shape_kind, values, with_inlined_refs
from tests.synth._cli import run_mcpbench

SWATCH = Path(__file__).parent / "servers" / "swatch_server.py"
DEVSET = Path(__file__).resolve().parents[2] / "benchmarks" / "devset.servers.yaml"


def _graph(*entries: ToolEntry) -> ToolGraph:
    from task_synth import colours, units

    g = ToolGraph(nodes=[build_node(e) for e in entries], pools=seed_pools(list(entries), None))
    colours.assign(g, list(entries))
    units.assign(g, list(entries))
    return g


def test_a_parameter_named_or_described_as_a_colour_takes_colours_and_a_palette_takes_several():
    s = {"type": "string"}
    assert [param_kind(n, s) for n in ("color", "base_colour", "fg", "bg", "text_color", "hex")] == ["colour"] * 6
    assert param_kind("palette", s) == "palette" and param_kind("colors", s) == "palette"
    assert param_kind("base", {"type": "string", "description": "Hex colour, e.g. #1f77b4"}) == "colour"
    # a colour *mode* or *space* is a choice of model, not a colour; text drawn in a colour is text
    assert param_kind("color_mode", s) is None and param_kind("color_space", s) is None
    assert param_kind("text", {"type": "string", "description": "Text to draw in the given color"}) is None
    g = _graph()
    assert literal_values(g, "colour", s)[:2] == ["#1F77B4", "#2CA02C"]
    assert all(len(p.split(",")) >= 3 for p in literal_values(g, "palette", s))


def test_colour_codes_are_read_from_outputs_and_bare_codes_compose_into_colours():
    out = 'palette: 1F77B4 5D6AB9 017F94\n{"suggested": "#000000", "css": "rgb(31, 119, 180)", "year": "202612"}'
    assert [v for _, _, v in find_values("colour", out)] == ["#000000", "rgb(31, 119, 180)"]
    # a bare code needs digits and letters: a six-digit number or a word is no colour
    assert [v for _, _, v in find_values("hexcode", out + " decade 123456")] == ["1F77B4", "5D6AB9", "017F94"]
    assert [c.templates for c in composers_into("colour")] == [("#{}",)]


def test_a_colour_is_said_with_its_common_name():
    assert colour_name("#1F77B4") == "blue" and colour_name("#FFFFFF") == "white"
    assert colour_name("#0B3C5D") == "dark blue" and colour_name("rgb(214, 39, 40)") == "red"
    assert colour_words("#FF7F0E") == "the orange #FF7F0E" and colour_words("navy") == "navy"
    assert colour_name("not a colour") == ""
    assert palette_words("#264653,#2A9D8F,#E9C46A") == "the colours #264653, #2A9D8F and #E9C46A"


def test_a_parameter_named_by_its_role_in_a_colour_tool_takes_colours():
    harmony = ToolEntry(server="s", name="harmony", description="Generate a palette from a seed colour.",
                        input_schema={"required": ["base"], "properties": {"base": {"type": "string"}}})
    other = ToolEntry(server="s", name="shout", description="Say a text louder.",
                      input_schema={"required": ["base"], "properties": {"base": {"type": "string"}}})
    g = _graph(harmony, other)
    assert g.node("s/harmony").params == {"base": "colour"}
    assert g.node("s/shout").params == {"base": None}


def test_unit_parameters_take_the_units_their_tool_documents_else_a_vocabulary_of_its_dimension():
    documented = ToolEntry(server="s", name="convert", description=(
        "Convert paper weights.\n\n    Args:\n        value: the weight\n        from_unit: Source unit — gsm, "
        "lb_text, or lb_cover.\n        to_unit: Target unit — gsm, lb_text, or lb_cover.\n"),
        input_schema={"required": ["value", "from_unit", "to_unit"], "properties": {
            "value": {"type": "number"}, "from_unit": {"type": "string"}, "to_unit": {"type": "string"}}})
    quoted = ToolEntry(server="s", name="length", description="Convert a distance.", input_schema={
        "required": ["unit"], "properties": {"unit": {"type": "string", "description": "Unit, e.g. 'km', 'mi'"}}})
    bare = ToolEntry(server="s", name="convert_temperature", description="Convert a temperature.", input_schema={
        "required": ["from", "to", "value"], "properties": {
            "from": {"type": "string", "description": "Source unit"}, "to": {"type": "string",
                                                                           "description": "Target unit"},
            "value": {"type": "number"}}})
    g = _graph(documented, quoted, bare)
    conv = g.node("s/convert").params
    assert conv["from_unit"] == conv["to_unit"] == "unit@s~convert"
    assert g.pools["unit@s~convert"] == ["gsm", "lb_text", "lb_cover"]
    assert g.pools[g.node("s/length").params["unit"]] == ["km", "mi"]
    temp = g.node("s/convert_temperature").params
    assert temp["from"] == temp["to"] and g.pools[temp["from"]] == ["celsius", "fahrenheit", "kelvin"]


def test_numbers_are_chosen_by_what_the_parameter_means_and_stay_within_its_bounds():
    g = _graph()
    num = {"type": "number"}
    assert max(literal_values(g, "number", num, param="annual_rate")) <= 10  # never "an annual rate of 128 %"
    assert set(literal_values(g, "number", {"type": "integer"}, param="years")) <= set(range(1, 31))
    assert set(literal_values(g, "number", {"type": "integer"}, param="quantity")) <= set(range(1, 13))
    assert min(literal_values(g, "number", num, param="principal")) >= 50
    assert set(literal_values(g, "number", num, param="coverage_percent")) <= set(range(0, 101))
    assert literal_values(g, "number", num, param="loan_term_months")[0] == 12
    assert literal_values(g, "number", {"type": "integer", "maximum": 3}, param="years") == [3]
    assert literal_values(g, "number", {"type": "integer", "minimum": 50, "maximum": 60}, param="years") == [50, 55, 60]
    assert literal_values(g, "number", num, param="x") == [12, 7.5, 40, 128, 3]  # says nothing: the kind's seeds


def test_a_range_given_in_words_bounds_a_numeric_parameter():
    assert documented_range("Cyan (0-100).") == (0, 100)
    assert documented_range("Bar density factor (0.0-1.0, default 0.5)") == (0.0, 1.0)
    assert documented_range("A weight between 1 and 10") == (1, 10)
    assert documented_range("Press sheet width in millimeters (e.g. 700).") is None
    entry = ToolEntry(server="s", name="ink", description="Ink.\n\n    Args:\n        c: Cyan (0-100).\n",
                      input_schema={"required": ["c", "k"], "properties": {
                          "c": {"type": "number"}, "k": {"type": "integer", "description": "Black (0-100)"}}})
    props = with_documented_ranges(entry).input_schema["properties"]
    assert (props["c"]["minimum"], props["c"]["maximum"]) == (0, 100) and props["k"]["maximum"] == 100
    g = _graph()
    assert all(0 <= v <= 100 for v in literal_values(g, "number", props["c"], param="c"))


def test_an_array_of_objects_is_filled_item_by_item_from_its_item_schema():
    g = _graph()
    entry = with_inlined_refs(ToolEntry(server="s", name="total", description="Total an order.", input_schema={
        "$defs": {"Item": {"type": "object", "required": ["quantity", "unit_price", "kind"], "properties": {
            "quantity": {"type": "integer"}, "unit_price": {"type": "number"},
            "kind": {"type": "string", "enum": ["goods", "service"]}}}},
        "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}}}))
    items = entry.input_schema["properties"]["items"]
    kind = shape_kind(g, "items", items, None)
    assert kind == "[{quantity:number,unit_price:number,kind:enum}]"
    first = values(g, kind, items)[0]
    assert first == [{"quantity": 3, "unit_price": 1250, "kind": "goods"}]
    # an array of colours is a palette of three, an array of expressions one expression
    colours = {"type": "array", "items": {"type": "string"}}
    assert shape_kind(g, "palette", colours, None) == "[colour]"
    assert values(g, "[colour]", colours)[0] == ["#1F77B4", "#2CA02C", "#D62728"]
    assert values(g, shape_kind(g, "expressions", colours, None) or "", colours)[0] == ["12 * 7"]
    assert values(g, "[colour]", {**colours, "minItems": 4})[0] == ["#1F77B4", "#2CA02C", "#D62728", "#FF7F0E"]


def _view(tool: str, description: str, args: dict, kinds: dict) -> StepView:
    return StepView(index=0, server="s", tool=tool, description=description, args=args, bound={}, kinds=kinds,
                    params={p: "" for p in args})


def test_colours_units_and_items_are_said_as_words_in_a_request():
    contrast = _view("contrast", "Contrast for one fg/bg pair.", {"fg": "#1F77B4", "bg": "#FFFFFF"},
                     {"fg": "colour", "bg": "colour"})
    assert GENERIC.fuzzy(contrast) == ("work out the contrast for one fg/bg pair with the blue #1F77B4 as the "
                                       "foreground colour and the white #FFFFFF as the background colour")
    seed = _view("harmony", "Generate a harmony palette from a seed colour.", {"base": "#D62728"}, {"base": "colour"})
    assert GENERIC.fuzzy(seed) == "generate a harmony palette from the red #D62728"
    convert = _view("convert", "Convert a distance between units.",
                    {"value": 40, "from_unit": "km", "to_unit": "mi"},
                    {"value": "number", "from_unit": "unit@s~convert", "to_unit": "unit@s~convert"})
    assert GENERIC.fuzzy(convert) == "convert a distance between units with a value of 40 from km to mi"
    order = _view("total", "Calculate the total of an order.",
                  {"items": [{"quantity": 3, "unit_price": 1250}]},
                  {"items": "[{quantity:number,unit_price:number}]"})
    assert GENERIC.fuzzy(order) == ("calculate the total of an order for the item with a quantity of 3 and a unit "
                                    "price of 1250")
    score = _view("score", "Score a palette.", {"palette": "#264653,#2A9D8F,#E9C46A"}, {"palette": "palette"})
    assert GENERIC.fuzzy(score) == "score the colours #264653, #2A9D8F and #E9C46A"


# --- live: the pipeline on the fixture server ---------------------------------------------------------------------


def _spec(log: Path) -> ServerSpec:
    return ServerSpec(name="swatch", command=sys.executable, args=[str(SWATCH)], env={"SWATCH_LOG": str(log)})


async def _synth(tmp: Path, label: str) -> tuple[bytes, object]:
    async with Fleet.open([_spec(tmp / f"{label}.calls.jsonl")]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["swatch"], n=8, seed=1, seed_world=False),
                                 work=tmp / f"{label}.work")
        out = tmp / f"{label}.jsonl"
        write_outputs(state, out, "swatch")
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_a_server_of_colours_units_items_and_rates_gives_verified_tasks_with_plausible_arguments(tmp_path):
    """Pins four bugs: colour parameters had no kind (the colour tools were never called), a converter's units had
    none (never called), an array of item objects had none (never called), and a loan calculator was sent the
    number kind's seeds (an annual rate of 128, refused by the server)."""
    with anyio.fail_after(600):
        a, state = await _synth(tmp_path, "a")
        b, _ = await _synth(tmp_path, "b")
        assert a == b  # same seed, same bytes
        calls = [json.loads(line) for line in (tmp_path / "a.calls.jsonl").read_text().splitlines()]
        by_tool: dict[str, list[dict]] = {}
        for c in calls:
            by_tool.setdefault(c["tool"], []).append(c["args"])
        assert {"make_harmony", "check_contrast", "score_palette", "name_colours", "convert_distance", "order_total",
                "loan_payment"} <= set(by_tool)
        literal = [s.arguments for c in state.chains for s in c.steps if s.tool == "loan_payment"]
        assert literal and all(0 < a["annual_rate"] <= 10 for a in literal if "annual_rate" in a)
        assert all(0 < a["years"] <= 30 for a in literal if "years" in a)
        assert all({a["from_unit"], a["to_unit"]} <= {"km", "mi", "m", "ft"} for a in by_tool["convert_distance"])
        assert all(it["quantity"] > 0 and it["unit_price"] > 0 for a in by_tool["order_total"] for it in a["items"])
        suite = Suite.load(tmp_path / "a.jsonl")
        assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected]
        tools = {s.tool for t in suite.tasks for s in t.reference}
        assert tools & {"make_harmony", "check_contrast", "score_palette", "name_colours"}, tools
        colour_tasks = [t for t in suite.tasks if tools & {"make_harmony", "check_contrast"}]
        for t in suite.tasks:
            assert not any(s.tool in t.fuzzy for s in t.reference)  # no tool-name leaks
        assert any("#" in t.fuzzy and (" the " in t.fuzzy) for t in colour_tasks)
        async with Fleet.open([_spec(tmp_path / "v.calls.jsonl")]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


@pytest.mark.integration
@pytest.mark.devset("palettes")
@pytest.mark.timeout(1800)
@pytest.mark.anyio
async def test_a_real_palette_server_never_seen_gets_colours_and_verified_tasks(tmp_path):
    """Pins the dev-set row: every parameter of this third-party server is a colour, a palette string or a role
    name of a colour tool ('base', 'fg'), so before colours had a kind it gave 0 tasks (2 candidates)."""
    code, out, err = await run_mcpbench("synth", "--config", str(DEVSET), "--servers", "palettes", "--n", "5",
                                        "--seed", "1", "--out", "p.jsonl", cwd=tmp_path, timeout=900)
    assert code == 0, out + err
    suite = Suite.load(tmp_path / "p.jsonl")
    assert len(suite.tasks) >= 5
    given = [v for t in suite.tasks for s in t.reference for v in s.arguments.values() if isinstance(v, str)]
    assert any(v.startswith("#") for v in given)
    for t in suite.tasks:
        assert not any(s.tool in t.fuzzy for s in t.reference)  # no tool-name leaks
    code, out, err = await run_mcpbench("tasks", "validate", "p.jsonl", "--config", str(DEVSET), cwd=tmp_path,
                                        timeout=900)
    assert code == 0, out + err
