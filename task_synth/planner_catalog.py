"""What the planner shows a model of the catalog: one compact card per tool, and a selection that fits the budget.

A card is `server/tool(param: type, opt?: type) [writes] — first sentence of the description`. When every card fits
`budget` characters the model sees them all, in a seeded order that differs between proposals. Otherwise a seed tool
is drawn (seeded, least-used first, so successive proposals start from different corners of a large catalog) and the
others are ranked by BM25 of their names, parameter names and descriptions against the seed's; the best are added
until the budget is spent, taking turns between servers so a multi-server selection stays multi-server.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Any

from mcpbench.catalog import ToolEntry

DESCRIPTION_CHARS = 160
_WORD = re.compile(r"[a-z]+|\d+")
_SENTENCE = re.compile(r"(?<=[.!?])\s")


def _type_of(schema: dict[str, Any]) -> str:
    if schema.get("enum"):
        return "|".join(str(v) for v in schema["enum"][:6])
    t = schema.get("type")
    if isinstance(t, list):
        t = "/".join(str(x) for x in t)
    if t == "array":
        return f"list of {_type_of(schema.get('items') or {}) or 'values'}"
    return str(t or "any")


def tool_card(entry: ToolEntry, writes: bool = False) -> str:
    """One line describing a tool to a model."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    params = ", ".join(f"{p}{'' if p in required else '?'}: {_type_of(props[p] or {})}"
                       for p in sorted(props, key=lambda p: (p not in required, p)))
    desc = " ".join((entry.description or "").split())
    first = _SENTENCE.split(desc, maxsplit=1)[0]
    if len(first) > DESCRIPTION_CHARS:
        first = first[:DESCRIPTION_CHARS - 1].rstrip() + "…"
    return f"{entry.server}/{entry.name}({params})" + (" [writes]" if writes else "") + (f" — {first}" if first else "")


def tokens(entry: ToolEntry) -> list[str]:
    """Words of a tool's name, parameter names and description (snake_case and camelCase split)."""
    props = (entry.input_schema or {}).get("properties") or {}
    text = " ".join([entry.name, *props, entry.description or ""])
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ").replace("-", " ")
    return _WORD.findall(text.lower())


def bm25(query: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """Okapi BM25 of every doc against the query."""
    n = len(docs)
    avg = sum(len(d) for d in docs) / n if n else 0.0
    df: Counter[str] = Counter(w for d in docs for w in set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for w in set(query):
            if tf[w]:
                idf = math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))
                s += idf * tf[w] * (k1 + 1) / (tf[w] + k1 * (1 - b + b * len(d) / (avg or 1)))
        scores.append(s)
    return scores


def select_tools(entries: list[ToolEntry], cards: dict[str, str], budget: int, rng: random.Random,
                 uses: Counter[str]) -> tuple[list[ToolEntry], ToolEntry | None]:
    """(tools to show, the seed tool or None when all fit). `cards` maps 'server/tool' to its card; `uses` counts
    how often each tool was a seed (updated here; less-seeded tools are preferred as seeds and ranked up)."""
    keys = [f"{e.server}/{e.name}" for e in entries]
    if sum(len(cards[k]) + 1 for k in keys) <= budget:
        # a different (seeded) order each time: at temperature 0 the same prompt would bring the same plan back
        return rng.sample(list(entries), len(entries)), None
    least = min(uses[k] for k in keys)
    seed = rng.choice([e for e, k in zip(entries, keys) if uses[k] == least])
    uses[f"{seed.server}/{seed.name}"] += 1
    scores = bm25(tokens(seed), [tokens(e) for e in entries])
    by_server: dict[str, list[tuple[float, int]]] = {}
    for i, e in enumerate(entries):
        if e is not seed:
            by_server.setdefault(e.server, []).append((-scores[i] + 0.01 * uses[keys[i]], i))
    for ranked in by_server.values():
        ranked.sort()
    chosen = [seed]
    size = len(cards[f"{seed.server}/{seed.name}"]) + 1
    # turns between servers, the seed's server first
    order = [seed.server, *sorted(s for s in by_server if s != seed.server)]
    queues = {s: list(by_server.get(s, [])) for s in order}
    while any(queues.values()):
        for s in order:
            if not queues[s]:
                continue
            _, i = queues[s].pop(0)
            cost = len(cards[keys[i]]) + 1
            if size + cost > budget:
                queues[s] = []
                continue
            chosen.append(entries[i])
            size += cost
    return chosen, seed


__all__ = ["DESCRIPTION_CHARS", "bm25", "select_tools", "tokens", "tool_card"]
