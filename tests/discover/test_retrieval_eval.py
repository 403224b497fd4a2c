"""The labelled retrieval query set and its recall@k (docs/metrics.md), on hand-computed examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import default_config_path, load_config
from mcpbench.retrieval_eval import LabelledQuery, evaluate, load_queries, recall_at_k
from mcpbench.search import lead


def test_recall_at_k_is_the_share_of_needs_met_by_any_of_their_tools_in_the_top_k():
    ranked = ["s/a", "s/b", "s/c", "s/d", "s/e", "s/f"]
    needs = [["s/x", "s/c"], ["s/f"]]  # the first need is met by x or c
    assert recall_at_k(ranked, needs, 1) == 0.0
    assert recall_at_k(ranked, needs, 3) == 0.5
    assert recall_at_k(ranked, needs, 6) == 1.0
    assert recall_at_k(ranked, [["s/a"]], 1) == 1.0


def test_evaluate_averages_recall_over_queries_and_splits_even_and_odd_halves():
    entries = [ToolEntry(server="clock", name="convert_time", description="Convert a time between time zones."),
               ToolEntry(server="files", name="read_file", description="Read the contents of a file.")]
    queries = [LabelledQuery(query="convert a time between zones", needs=[["clock/convert_time"]]),
               LabelledQuery(query="read the contents of a file", needs=[["clock/convert_time"], ["files/read_file"]])]
    q = evaluate(entries, queries, "bm25", ks=(1, 2))
    # query 1: rank 1 is convert_time -> 1.0 at k=1,2; query 2: bm25 ranks read_file first, convert_time (sharing
    # no term) is not returned -> 1/2 at k=1 and k=2
    assert q.recall == {1: 0.75, 2: 0.75}
    assert q.halves == {"even": {1: 1.0, 2: 1.0}, "odd": {1: 0.5, 2: 0.5}}
    assert q.misses == ["read the contents of a file"]


def test_the_shipped_query_set_has_150_distinct_needs_naming_default_fleet_servers():
    queries = load_queries()
    assert len(queries) >= 150
    assert len({q.query for q in queries}) == len(queries)
    servers = {s.name for s in load_config(default_config_path()).servers}
    for q in queries:
        for need in q.needs:
            assert need, q.query
            for tool in need:
                server, _, name = tool.partition("/")
                assert server in servers and name, (q.query, tool)


def test_a_bad_line_in_a_query_file_is_named(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text(json.dumps({"query": "x", "needs": [["a/b"]]}) + "\n" + json.dumps({"query": "y"}) + "\n")
    with pytest.raises(ValueError, match=r"q.jsonl:2"):
        load_queries(p)


def test_the_lead_of_a_description_is_its_first_sentence_or_as_many_as_asked():
    assert lead("Reads a file. Use with care! Only in allowed dirs? Yes.") == "Reads a file."
    assert lead("Reads a file. Use with care! Only in allowed dirs? Yes.", 2) == "Reads a file. Use with care!"
    assert lead("No full stop") == "No full stop"


@pytest.mark.integration
def test_every_labelled_tool_exists_in_the_default_fleet(tmp_path):
    import anyio

    from mcpbench.catalog_cache import fleet_catalog

    specs = load_config(default_config_path()).enabled()
    catalog, failed, _ = anyio.run(lambda: fleet_catalog(specs))
    assert not failed
    have = {f"{e.server}/{e.name}" for e in catalog.entries()}
    wanted = {t for q in load_queries() for need in q.needs for t in need}
    assert wanted <= have, sorted(wanted - have)
    servers = {e.server for e in catalog.entries()}
    assert servers == {t.partition("/")[0] for t in wanted}, "every server of the default fleet has labelled needs"


def test_the_query_file_is_packaged_data():
    import mcpbench.retrieval_eval as m

    assert m.default_queries_path().is_file()
    assert Path(m.default_queries_path()).name == "retrieval_queries.jsonl"


def test_a_tool_is_embedded_as_server_name_words_first_sentence_and_parameter_names():
    from mcpbench.catalog import ToolEntry
    from mcpbench.search import embedding_text

    tool = ToolEntry(server="fs", name="readTextFile", description="Reads a file. Only in allowed dirs.",
                     input_schema={"type": "object", "properties": {"tail_lines": {}, "path": {}}})
    assert embedding_text(tool) == "fs read text file: Reads a file. (path tail line)"
    bare = ToolEntry(server="clock", name="now", description="The time.", input_schema={"type": "object"})
    assert embedding_text(bare) == "clock now: The time."


def test_a_catalog_dump_leaves_out_the_tools_the_fleet_quarantines():
    """Regression: `benchmarks/retrieval.py --catalog` rebuilt the tools without their `quarantined` field, so a tool
    quarantined for a reason a new Catalog cannot re-derive (a definition the SDK refused) was ranked."""
    from mcpbench.retrieval_eval import catalog_from_dump

    obj = {"type": "object"}
    rows = [{"server": "s", "name": "ok", "description": "fine", "input_schema": obj, "quarantined": None},
            {"server": "s", "name": "refused", "description": "x", "input_schema": obj,
             "quarantined": "invalid tool definition (bad outputSchema)"},
            {"server": "s", "name": "no_items", "description": "x", "quarantined": None,
             "input_schema": {"type": "object", "properties": {"a": {"type": "array"}}}}]
    assert [e.name for e in catalog_from_dump(rows)] == ["ok"]
    with pytest.raises(ValueError, match="row 1"):
        catalog_from_dump([rows[0], {"name": "x"}])
