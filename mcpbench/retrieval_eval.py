"""Retrieval quality of the tool rankers on a labelled query set (after ToolRet): recall@k per ranker.

The query set ships in mcpbench/data/retrieval_queries.jsonl: plain-language needs written from what the default
fleet's tools do, each with the tools that meet it. A query has one or more *needs*; each need lists the tools that
would each satisfy it (alternatives, e.g. a deprecated and a current file reader). recall@k of a query is the share of
its needs with at least one of their tools among the ranker's top k; a ranker's recall@k is the mean over queries
(docs/metrics.md). `benchmarks/retrieval.py` prints it for every ranker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.search import rank_tools


class LabelledQuery(BaseModel):
    """A plain-language need and the tools that meet it."""

    query: str
    needs: list[list[str]] = Field(min_length=1)
    """One list per need: the 'server/tool' ids of which any one satisfies it."""


class RankerQuality(BaseModel):
    ranker: str
    queries: int
    recall: dict[int, float]
    """k -> mean recall@k over the queries."""
    misses: list[str] = Field(default_factory=list)
    """Queries with recall@max(k) < 1 (for reading, not for tuning)."""
    halves: dict[str, dict[int, float]] = Field(default_factory=dict)
    """recall@k on the even- and odd-numbered queries apart ('even', 'odd'; 0-based line order): the rankers'
    settings were chosen on the even half, so the odd half is their held-out figure."""


def default_queries_path() -> Path:
    return Path(str(resources.files("mcpbench") / "data" / "retrieval_queries.jsonl"))


def load_queries(path: Path | None = None) -> list[LabelledQuery]:
    """The labelled queries of a JSONL file (default: the shipped set). Raises ValueError naming a bad line."""
    p = path or default_queries_path()
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(LabelledQuery.model_validate_json(line))
            except ValueError as e:
                raise ValueError(f"{p}:{i}: {e}") from None
    return out


def recall_at_k(ranked: Sequence[str], needs: Iterable[Iterable[str]], k: int) -> float:
    """Share of needs with at least one of their tools among the first k of `ranked` ('server/tool' ids)."""
    top = set(ranked[:k])
    sets = [set(n) for n in needs]
    return sum(1 for n in sets if n & top) / len(sets)


def evaluate(entries: list[ToolEntry], queries: list[LabelledQuery], ranker: str,
             ks: Sequence[int] = (1, 5)) -> RankerQuality:
    """recall@k of one ranker over the queries, searching all of `entries`."""
    depth = max(ks)
    per: dict[int, list[float]] = {k: [] for k in ks}
    misses = []
    for q in queries:
        ranked = [f"{h.server}/{h.name}" for h in rank_tools(entries, q.query, top_k=depth, ranker=ranker)]
        for k in ks:
            per[k].append(recall_at_k(ranked, q.needs, k))
        if recall_at_k(ranked, q.needs, depth) < 1:
            misses.append(q.query)

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    return RankerQuality(ranker=ranker, queries=len(queries), recall={k: mean(v) for k, v in per.items()},
                         misses=misses, halves={"even": {k: mean(v[0::2]) for k, v in per.items()},
                                                "odd": {k: mean(v[1::2]) for k, v in per.items()}})


def catalog_from_dump(rows: list[dict[str, Any]]) -> list[ToolEntry]:
    """The searchable tools of a `mcpbench servers tools --json` dump: what the fleet would search. A tool the dump
    marks quarantined (for any reason, including ones a rebuilt Catalog cannot re-derive, such as a definition the
    SDK refused) stays out, as at run time. Raises ValueError naming a row without a server or a name."""
    entries = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or not r.get("server") or not r.get("name"):
            raise ValueError(f"catalog row {i}: needs 'server' and 'name'")
        entries.append(ToolEntry(server=r["server"], name=r["name"], title=r.get("title"),
                                 description=r.get("description") or "", input_schema=r.get("input_schema") or {},
                                 output_schema=r.get("output_schema"), annotations=r.get("annotations"),
                                 quarantined=r.get("quarantined") or None))
    return Catalog(entries).entries()


def queries_to_json(queries: list[LabelledQuery]) -> str:
    return "\n".join(json.dumps(q.model_dump(), ensure_ascii=False) for q in queries) + "\n"


__all__ = ["LabelledQuery", "RankerQuality", "catalog_from_dump", "default_queries_path", "evaluate", "load_queries",
           "recall_at_k"]
