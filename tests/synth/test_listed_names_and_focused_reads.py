"""A listing's names feed a search query (task_synth/listers.py `learn_searches`), and a one-hop read asks for the
field its tool is about (task_synth/focus.py).

Before: a search tool taking `query` had no literal value (the `search` kind has no pool), so it was never called;
and a lone read asked the first quantity of its output ("what the station count is" of a rainfall summary). The
live test runs the whole pipeline on tests/synth/servers/almanac_server.py over real stdio.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.outcomes import cap_text, truncation_marker
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.binding import extract
from task_synth.focus import about_words, focused
from task_synth.kinds import composers_into, find_values, listed_kind
from task_synth.listers import named_items

ALMANAC = Path(__file__).parent / "servers" / "almanac_server.py"
TRAILS = {"Harbour Loop", "Cliff Path", "Pine Ridge", "Mill Stream Walk"}


def _spec() -> ServerSpec:
    return ServerSpec(name="almanac", command=sys.executable, args=[str(ALMANAC)])


# --- by hand ---------------------------------------------------------------------------------------------------

def test_a_one_hop_read_asks_the_field_its_name_is_about_not_the_first_number():
    raw = json.dumps({"status": "summary_ready", "station_count": 4, "total_rainfall_mm": 42.5})
    ask, rx = focused(raw, "rainfall_summary", "Summarise this week's rainfall across the weather stations.",
                      set(), {}) or (None, "")
    assert ask is not None and extract(rx, raw) == "42.5"
    assert ask.check == "numeric" and ask.fuzzy == "what the total rainfall is, in mm"


def test_a_value_under_a_key_that_says_only_value_is_asked_by_the_key_of_the_object_it_sits_in():
    # a wage server's lookup nests each figure as {"Annual Mean Wage": {"raw": …, "numeric": …}}: it was asked as
    # "what the numeric is"
    raw = json.dumps({"occ_code": "111021", "occ_title": "General and Operations Managers",
                      "wages": {"Annual Mean Wage": {"raw": "134940", "formatted": "$134,940", "numeric": 134940},
                                "Annual Median": {"raw": "105770", "numeric": 105770}}})
    ask, rx = focused(raw, "get_wage_data", "Get wage data for an occupation.", {"111021"},
                      {"occ_code": "111021"}) or (None, "")
    assert ask is not None and extract(rx, raw) == "134940"
    assert ask.fuzzy == "what the annual mean wage is" and "numeric" not in ask.precise
    plain = json.dumps({"total": {"value": 12, "unit": "items"}, "station": {"id": "x"}})
    ask, _ = focused(plain, "count_items", "Count the items.", set(), {}) or (None, "")
    assert ask is not None and ask.fuzzy.startswith("what the total")


def test_ids_boilerplate_machine_tokens_and_given_values_are_never_asked():
    raw = json.dumps({"status": "match_found", "request_id": "r-91", "message": "ok", "found": True,
                      "trail": {"id": 7, "name": "Cliff Path", "kind": "coastal_route", "region": "Coast"}})
    ask, rx = focused(raw, "search_trails", "Search the trails by name.", {"Cliff Path"}, {"query": "Cliff Path"}) \
        or (None, "")
    assert ask is not None and extract(rx, raw) == "Coast"
    assert focused(json.dumps({"status": "done", "id": "x1"}), "get_thing", "", set(), {}) is None
    assert focused("Rainfall: 42.5 mm", "rainfall_summary", "", set(), {}) is None  # not JSON: the generic choice


def test_what_a_tool_is_about_weighs_its_name_above_its_description():
    words = about_words("rainfall_summary", "Summarise this week's rainfall across the weather stations.")
    assert words["rainfall"] == 2 and words["station"] == 1 and "across" not in words


def test_names_are_read_only_from_the_field_items_are_named_by():
    listing = json.dumps({"trails": [{"id": 1, "name": "Harbour Loop"}, {"id": 2, "name": "Cliff Path"}]})
    assert [v for v, _ in named_items(listing, "name")] == ["Harbour Loop", "Cliff Path"]
    assert named_items(json.dumps({"trails": [{"id": 1}, {"id": 2}]}), "name") == []  # ids are not names
    assert named_items(json.dumps({"trail": {"name": "Harbour Loop"}}), "name") == []  # one item lists nothing


def test_a_listing_cut_at_the_output_cap_still_names_its_whole_items():
    # a registry recipe server lists every recipe in one answer, well over the 64 KiB cap: the cut output is not
    # JSON, and its search never got a name
    items = [{"name": f"Trail {i:03d}", "region": "Coast", "notes": "x" * 80} for i in range(40)]
    for listing in (json.dumps(items), json.dumps({"trails": items})):
        text, n, cut = cap_text(listing, 1024)  # as the connection cuts it, with its marker
        assert cut and n > 1024
        names = [v for v, _ in named_items(text, "name")]
        assert 2 <= len(names) < 40 and names == [f"Trail {i:03d}" for i in range(len(names))]
        unmarked = text[: text.index(truncation_marker(n, 1024))]
        assert named_items(unmarked, "name") == []  # not known to be cut: not read as a listing
    one = json.dumps(items[:2])
    assert named_items(one[:-40] + truncation_marker(2000, 1024), "name") == []  # one whole item lists nothing


def test_a_listed_name_is_read_from_the_items_of_the_list_never_from_a_field_nested_in_an_item():
    # a category's recipes each list their ingredients, named too: "the fourth name it lists" was an ingredient
    kind = listed_kind("name", "cookbook-test")
    items = [{"name": "Crab curry", "ingredients": [{"name": "crab"}, {"name": "curry paste"}]},
             {"name": "Steamed cod", "ingredients": [{"name": "cod"}]}]
    text = json.dumps(items)
    assert [v for _, _, v in find_values(kind, text, "cookbook-test/by_category")] == ["Crab curry", "Steamed cod"]
    assert find_values(kind, text, "another-server/by_category") == []  # its own server's outputs only
    assert listed_kind("name", "cookbook-test") == kind  # registered once
    assert any(c.source == kind for c in composers_into("search"))


# --- live: the whole pipeline on the fixture server ------------------------------------------------------------

async def _synth(tmp: Path, label: str) -> tuple[bytes, object]:
    async with Fleet.open([_spec()]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["almanac"], n=6, seed=1), work=tmp / f"{label}.work")
        write_outputs(state, tmp / f"{label}.jsonl", "almanac")
    return (tmp / f"{label}.jsonl").read_bytes(), state


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_a_search_is_given_a_name_the_listing_gives_and_lone_reads_ask_what_they_are_about(tmp_path):
    with anyio.fail_after(800):
        a, state = await _synth(tmp_path, "a")
        b, _ = await _synth(tmp_path, "b")
        assert a == b  # same seed, same bytes
        assert set(state.graph.local_pools["almanac"]["search"]) == TRAILS
        suite = Suite.load(tmp_path / "a.jsonl")
        searches = [t for t in suite.tasks if t.reference[-1].tool == "search_trails"]
        assert searches, [r.reasons for r in state.rejected]
        walks = [t for t in searches if t.reference[-1].bindings]
        assert walks, [t.fuzzy for t in searches]  # the listing feeds the search (a literal name when no walk does)
        for t in searches:
            name = t.reference[-1].arguments["query"]
            if t.reference[-1].bindings:  # a name the listing before it gives, said by its place in the list
                assert [s.tool for s in t.reference] == ["list_trails", "search_trails"], t.reference
                assert re.search(r"the \w+ name it lists", t.fuzzy), t.fuzzy
                continue
            assert name in TRAILS and name in t.fuzzy  # a real name the server knows, said in the request
            assert "match_found" not in json.dumps([c.value for c in t.checks])
        rain = next(t for t in suite.tasks if [s.tool for s in t.reference] == ["rainfall_summary"])
        assert "total rainfall" in rain.fuzzy and rain.checks[0].value == 42.5
        async with Fleet.open([_spec()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
