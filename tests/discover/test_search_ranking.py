"""Tool search rankers on a fixed catalog of real servers' tools, with hand-checked expectations."""

from __future__ import annotations

import json

import pytest

from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.search import RANKERS, rank_tools, tokenize, tool_fields


@pytest.fixture(scope="module")
def entries() -> list[ToolEntry]:
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "discover" / "tools.json"
    return Catalog(ToolEntry(**d) for d in json.loads(path.read_text())).entries()


def top(entries, query, ranker="bm25", k=3):
    return [h.exposed_name for h in rank_tools(entries, query, top_k=k, ranker=ranker)]


@pytest.mark.parametrize("text, words", [
    ("getCurrentTime", ["current", "time"]),
    ("convert_time", ["convert", "time"]),
    ("list-directory", ["list", "directory"]),
    ("HTTPServer parseURL", ["http", "server", "parse", "url"]),
    ("timezones between dates", ["timezone", "between", "date"]),
])
def test_names_split_on_snake_camel_and_kebab_case_with_light_stemming(text, words):
    assert tokenize(text) == words


def test_parameter_names_and_descriptions_are_indexed_including_nested_ones(entries):
    create = next(e for e in entries if e.name == "create_entities")
    fields = tool_fields(create)
    assert fields["params"].split() == ["entities", "name", "entityType", "observations"]
    assert "The type of the entity" in fields["param_text"]


@pytest.mark.parametrize("query, first", [
    ("convert a date between timezones", "time__convert_time"),
    ("run a SQL select query", "sqlite__read_query"),
    ("evaluate a math expression", "calculator__calculate"),
    ("list the files in a folder", "filesystem__list_directory"),
    ("search the knowledge graph", "memory__search_nodes"),
    ("show the commit history", "git__git_log"),
    ("create a new git branch", "git__git_create_branch"),
    ("download a web page as markdown", "fetch__fetch"),
])
def test_bm25_ranks_the_right_tool_first(entries, query, first):
    assert top(entries, query)[0] == first


def test_bm25_scores_are_sorted_and_only_matching_tools_are_returned(entries):
    hits = rank_tools(entries, "evaluate a math expression", top_k=50)
    assert [h.exposed_name for h in hits] == ["calculator__calculate"]
    hits = rank_tools(entries, "timezone", top_k=50)
    assert [h.exposed_name for h in hits] == ["time__convert_time", "time__get_current_time"]
    assert hits[0].score > hits[1].score > 0
    assert hits[0].server == "time" and hits[0].name == "convert_time"
    assert hits[0].description == "Convert time between timezones"


def test_a_query_that_matches_nothing_returns_no_hits(entries):
    assert rank_tools(entries, "quantum chromodynamics", ranker="bm25") == []


def test_the_tool_name_weighs_more_than_a_passing_mention_in_a_description():
    obj = {"type": "object"}
    tools = [ToolEntry(server="a", name="echo", description="Returns what it is given.", input_schema=obj),
             ToolEntry(server="b", name="shout", description="Like echo, but louder and in capitals with extra words.",
                       input_schema=obj)]
    assert top(Catalog(tools).entries(), "echo") == ["a__echo", "b__shout"]


def test_top_k_limits_the_hits(entries):
    assert len(rank_tools(entries, "file", top_k=2)) == 2


def test_unknown_ranker_and_empty_query_are_errors(entries):
    with pytest.raises(ValueError, match="unknown ranker 'tfidf'"):
        rank_tools(entries, "x", ranker="tfidf")
    with pytest.raises(ValueError, match="empty"):
        rank_tools(entries, "  ")
    assert set(RANKERS) >= {"bm25", "embedding", "hybrid"}


@pytest.mark.parametrize("query, first", [
    ("convert a date between timezones", "time__convert_time"),
    ("what time is it now in Tokyo", "time__get_current_time"),  # BM25 puts convert_time first here
    ("grab the html of a website", "fetch__fetch"),
    ("compute 17 times 23", "calculator__calculate"),
])
@pytest.mark.parametrize("ranker", ["embedding", "hybrid"])
def test_the_embedding_and_hybrid_rankers_find_tools_by_meaning(entries, query, first, ranker):
    assert top(entries, query, ranker=ranker)[0] == first


@pytest.mark.parametrize("ranker", ["embedding", "hybrid"])
def test_the_embedding_rankers_find_a_tool_sharing_no_word_with_the_query_among_the_first_two(entries, ranker):
    """all-MiniLM-L6-v2 ranked write_query first here; all-mpnet-base-v2, better on the labelled set as a whole
    (docs/discovery.md), puts sqlite's list_tables (0.32) just above write_query (0.30)."""
    assert "sqlite__write_query" in top(entries, "delete rows from a table", ranker=ranker, k=2)


def test_embedding_scores_are_cosine_similarities_in_descending_order(entries):
    hits = rank_tools(entries, "list the files in a folder", top_k=len(entries), ranker="embedding")
    assert len(hits) == len(entries)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)


def test_the_bm25_index_of_a_catalog_is_reused_but_never_for_a_changed_tool():
    """The index is memoised by a digest of the tools' indexed text: a catalog whose tool changed is re-indexed."""
    from mcpbench import search

    obj = {"type": "object"}
    before = Catalog([ToolEntry(server="a", name="echo", description="Returns what it is given.", input_schema=obj),
                      ToolEntry(server="b", name="shout", description="Louder.", input_schema=obj)]).entries()
    assert top(before, "returns given") == ["a__echo"]
    index = search._bm25_index(before)
    assert search._bm25_index([e.model_copy() for e in before]) is index
    after = Catalog([before[0], ToolEntry(server="b", name="shout", description="Returns what it is given, louder.",
                                          input_schema=obj)]).entries()
    assert search._bm25_index(after) is not index
    assert set(top(after, "returns given")) == {"a__echo", "b__shout"}


def test_bm25_weighs_the_description_s_first_sentence_four_times_its_rest_by_hand():
    """BM25F by hand (docs/discovery.md): tool x/echo's fields are name 'echo' (×3), server 'x' (×1), lead 'repeat text'
    (×2) and rest 'never change text' (×0.5): tf(repeat) = 2, tf(change) = 0.5, length = 3 + 1 + 2·2 + 3·0.5 = 9.5;
    tool y/shout: 'shout' ×3, 'y' ×1, lead 'print loudly' ×2, length 8; avg 8.75; idf = ln(1 + 1.5/1.5) = ln 2.
    score = idf·tf·2.2 / (tf + 1.2·(0.25 + 0.75·9.5/8.75)) → 0.930642 for 'repeats', 0.429038 for 'changes'."""
    obj = {"type": "object"}
    entries = Catalog([ToolEntry(server="x", name="echo", description="Repeats text. Never changes text.",
                                 input_schema=obj),
                       ToolEntry(server="y", name="shout", description="Prints loudly.", input_schema=obj)]).entries()
    assert tool_fields(entries[0])["lead"] == "Repeats text."
    assert tool_fields(entries[0])["description"] == " Never changes text."
    assert [(h.name, h.score) for h in rank_tools(entries, "repeats")] == [("echo", pytest.approx(0.930642, abs=1e-6))]
    assert [(h.name, h.score) for h in rank_tools(entries, "changes")] == [("echo", pytest.approx(0.429038, abs=1e-6))]


def test_hybrid_adds_w_over_one_plus_lambda_times_the_min_max_normalised_bm25_score(monkeypatch):
    """hybrid = dense + w·bm25n / (1 + λ) with λ = 0.5, w = 0.15 (docs/discovery.md). With the dense scores fixed at
    0.25 (x/echo) and 0.30 (y/shout): echo is the only BM25 match for 'repeats', so bm25n = 1 for it and 0 for shout
    → echo 0.25 + 0.15/1.5 = 0.35, shout 0.30."""
    from mcpbench import search

    obj = {"type": "object"}
    entries = Catalog([ToolEntry(server="x", name="echo", description="Repeats text. Never changes text.",
                                 input_schema=obj),
                       ToolEntry(server="y", name="shout", description="Prints loudly.", input_schema=obj)]).entries()
    monkeypatch.setattr(search, "embedding_scores", lambda es, q: [0.25, 0.30])
    hits = rank_tools(entries, "repeats", ranker="hybrid")
    assert [(h.name, h.score) for h in hits] == [("echo", pytest.approx(0.35)), ("shout", pytest.approx(0.30))]
