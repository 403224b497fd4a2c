"""Parameters whose values come from a reference table another tool lists, named only in the taker's description.

Tried on a registry data server: `get_wage_data(occ_code)` says "See list_common_soc_codes() for common mappings",
and that listing is a JSON object mapping codes to names. The lister was never found (its name says "soc code", the
parameter "occ code"), and a code-to-name object was not read as a listing, so the server's main tools were never
called: 9 tasks, all about the dataset's metadata. Shown on tests/synth/servers/codebook_server.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import ToolNode
from task_synth.grammar import what_the
from task_synth.listers import code_table, extract_values, points_to

CODEBOOK = Path(__file__).parent / "servers" / "codebook_server.py"
CODES = {"151252", "131082", "132011", "151212"}


def test_a_json_object_mapping_codes_to_names_is_a_listing_of_the_codes():
    listing = json.dumps({"codes": {"151252": "Software Developers", "131082": "Project Management Specialists"}})
    assert extract_values(listing, "occ_code") == [("151252", ["Software Developers"]),
                                                   ("131082", ["Project Management Specialists"])]
    assert code_table({"currencies": {"USD": "US dollar", "EUR": "Euro"}}) == [("USD", ["US dollar"]),
                                                                               ("EUR", ["Euro"])]
    assert code_table({"name": "Harbour Loop", "region": "Coast"}) == []  # field names are no codes
    assert code_table({"151252": "Software Developers"}) == []  # one entry lists nothing
    assert code_table({"a1": 3, "b2": 4}) == []  # codes to numbers: a table of figures, not of names


def test_an_entry_of_a_reference_table_is_asked_what_its_code_stands_for():
    assert what_the("0047900") == "what 0047900 stands for"
    assert what_the("BW-WS-100") == "what BW-WS-100 stands for"
    assert what_the("total") == "what the total is" and what_the("2026") == "what the 2026 is"


def test_a_lister_is_the_tool_the_takers_description_points_to_for_that_parameter():
    about = ("Get pay.\n\n    occ_code: a 6-digit code. See\n    list_common_codes() for mappings.\n\n"
             "    scope: national or state.")
    taker = ToolNode(server="s", tool="get_pay", sha256="x", description=about, params={"occ_code": None},
                     read_only=True)
    lister = ToolNode(server="s", tool="list_common_codes", sha256="x", description="List codes.", read_only=True)
    other = ToolNode(server="s", tool="list_states", sha256="x", description="List states.", read_only=True)
    assert points_to(taker, lister, "occ_code")
    assert not points_to(taker, other, "occ_code")
    assert not points_to(taker, lister, "scope")  # named in another paragraph than the lister


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_a_code_the_reference_table_lists_reaches_the_tool_that_takes_it(tmp_path):
    spec = ServerSpec(name="codebook", command=sys.executable, args=[str(CODEBOOK)])
    with anyio.fail_after(800):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["codebook"], n=6, seed=1), work=tmp_path / "w")
            write_outputs(state, tmp_path / "a.jsonl", "codebook")
        assert set(state.graph.pools.get("occ_code@codebook", [])) <= CODES
        suite = Suite.load(tmp_path / "a.jsonl")
        pay = [t for t in suite.tasks if t.reference[-1].tool == "get_pay"]
        assert len(pay) >= 3, [r.reasons for r in state.rejected]
        for t in pay:
            assert str(t.reference[-1].arguments.get("occ_code")) in CODES or t.reference[-1].bindings
        async with Fleet.open([spec]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
