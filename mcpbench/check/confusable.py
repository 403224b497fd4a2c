"""Confusable tools: pairs a model will mix up, by lexical similarity over name, description and parameters.

Three signals per pair (formulas in docs/check.md, "Confusable tools"):
- names one edit apart (`get_user` / `get_users`, `sin` / `sinh`), or a name similarity ≥ NAME_RATIO;
- descriptions sharing ≥ DESCRIPTION_JACCARD of their content words (Jaccard over `mcpbench.search.tokenize`);
- a combined similarity 0.25·name + 0.5·description + 0.25·parameters ≥ COMBINED;
- with `--embeddings` (mcpbench.embeddings, when installed), a cosine similarity ≥ EMBEDDING_COSINE.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from itertools import combinations

from pydantic import BaseModel

from mcpbench.catalog import ToolEntry
from mcpbench.check.rubric import params_of, unique_tools
from mcpbench.search import tokenize

NAME_RATIO = 0.9
DESCRIPTION_JACCARD = 0.6
COMBINED = 0.7
EMBEDDING_COSINE = 0.8
"""With `--embeddings`: unit-vector cosine similarity of two tools' texts at or above which they are flagged."""
MIN_WORDS = 4
"""Descriptions with fewer content words are too short to compare (schemas.description_quality flags them)."""


class Pair(BaseModel):
    """Two tools a model may confuse, with the similarities that flagged them."""

    a: str
    b: str
    name: float
    description: float
    parameters: float
    combined: float
    embedding: float | None = None
    """Cosine similarity of the tools' embeddings (only with `--embeddings`)."""
    reasons: list[str]

    def line(self) -> str:
        return f"{self.a} ↔ {self.b}: {'; '.join(self.reasons)}"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings: tool names)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y) if x | y else 0.0


def tool_text(t: ToolEntry) -> str:
    """What is embedded for a tool: its name, description and parameter names."""
    return " ".join([t.name, t.description, *params_of(t)])


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = sum(x * x for x in a) ** 0.5, sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def compare(t: ToolEntry, u: ToolEntry, vectors: dict[str, list[float]] | None = None) -> Pair | None:
    """The pair (t, u) when any signal says a model may confuse them, else None. `vectors`: optional embeddings
    by tool name."""
    na, nb = t.name.lower(), u.name.lower()
    name = SequenceMatcher(None, na, nb).ratio()
    wa, wb = set(tokenize(t.description)), set(tokenize(u.description))
    desc = jaccard(wa, wb) if min(len(wa), len(wb)) >= MIN_WORDS else 0.0
    pa, pb = set(params_of(t)), set(params_of(u))
    params = jaccard(pa, pb) if pa and pb else float(not pa and not pb)
    combined = 0.25 * name + 0.5 * desc + 0.25 * params
    reasons: list[str] = []
    if min(len(na), len(nb)) >= 3 and edit_distance(na, nb) <= 1:
        reasons.append("names differ by one character")
    elif name >= NAME_RATIO:
        reasons.append(f"names {name:.0%} alike")
    if desc >= DESCRIPTION_JACCARD:
        reasons.append(f"descriptions share {desc:.0%} of their words")
    if not reasons and combined >= COMBINED:
        reasons.append(f"name, description and parameters {combined:.0%} alike")
    emb = cosine(vectors[t.name], vectors[u.name]) if vectors and t.name in vectors and u.name in vectors else None
    if emb is not None and emb >= EMBEDDING_COSINE:
        reasons.append(f"embeddings {emb:.0%} alike")
    if not reasons:
        return None
    if pa and pa == pb:
        reasons.append("same parameters")
    return Pair(a=t.name, b=u.name, name=round(name, 3), description=round(desc, 3), parameters=round(params, 3),
                combined=round(combined, 3), embedding=round(emb, 3) if emb is not None else None, reasons=reasons)


def confusable_pairs(tools: list[ToolEntry], vectors: dict[str, list[float]] | None = None) -> list[Pair]:
    """Every flagged pair among distinct tool names, most similar first."""
    unique = unique_tools(tools)
    pairs = [p for t, u in combinations(unique, 2) if (p := compare(t, u, vectors)) is not None]
    return sorted(pairs, key=lambda p: (-max(p.combined, p.description, p.name), p.a, p.b))


__all__ = ["COMBINED", "DESCRIPTION_JACCARD", "EMBEDDING_COSINE", "NAME_RATIO", "Pair", "compare", "confusable_pairs",
           "cosine", "edit_distance", "jaccard", "tool_text"]
