"""A search with no listing of its own takes the names a listing gives when that listing needs only a choice of the
schema, and the choice carries along the chain.

Shown on tests/synth/servers/manual_server.py (a manual in two editions: every tool takes the edition as an enum,
the outline lists section titles of one edition, the search's query has no example and no other source):

- the outline is a listing though it takes an argument, because an enum fills it (listers._closed), so its titles
  become the search's values ("no value for query (a search)" before);
- a step given a choice under the same name as the step it reads (the edition) makes the same one, in a walk and
  in its redraws (sampling same_choice): the search for a title of the 2024 outline is a search of 2024;
- the choice is said where the tool's words leave it open: "the section ids and titles of edition 2024 of the pump
  manual", not "… of one edition of the pump manual of 2024" (phrases._generic_fuzzy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mcpbench.config import ServerSpec
from tests.synth._baselines import synthesized, validated_and_scored

MANUAL = Path(__file__).parent / "servers" / "manual_server.py"


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_an_outline_that_takes_an_edition_feeds_the_search_of_that_edition(tmp_path):
    spec = ServerSpec(name="manual", command=sys.executable, args=[str(MANUAL)])
    state, suite = await synthesized(spec, tmp_path, 6, 1)
    searches = [t for t in suite.tasks if [s.tool for s in t.reference] == ["manual_outline", "manual_search"]]
    assert len(searches) >= 4, ([r.reasons for r in state.rejected][:10], [t.reference for t in suite.tasks])
    titles = {"2024": {"Unpacking", "Mounting", "Priming", "Maintenance"},
              "2025": {"Unpacking", "Mounting", "Priming", "Wiring", "Maintenance"}}
    for t in searches:
        outline, search = t.reference
        assert search.arguments["edition"] == outline.arguments["edition"], t.reference
        assert search.arguments["query"] in titles[outline.arguments["edition"]]
        assert "query" in search.bindings  # read from the outline, not a literal
        # the choice said where the description leaves it open ("of one edition of the pump manual")
        assert f"titles of edition {outline.arguments['edition']} of the pump manual" in t.fuzzy, t.fuzzy
    await validated_and_scored(spec, suite, tmp_path)
