"""Keyword searches that verify a write: the read is given words of what was written.

Stores for assistants' long-term memory, journals and note books often show what they keep only through a search
("`query` should be a few keywords describing the task"), ranked over the words of the stored texts. Such a read
proves a write only when it is given words the write put there, and never the very values the state check then looks
for (a search that repeats its query would pass on nothing: seeding.echoes). So the query is a few distinctive words
of the written text that are not part of the check's values, tried from several words down to one (a store that
matches the whole query as one phrase finds a single word).
"""

from __future__ import annotations

import re
from typing import Any

from mcpbench.catalog import ToolEntry
from task_synth.kinds import param_kind

_SEARCH_NAME = re.compile(r"q|keywords|terms|search_?(?:query|terms?|text)|query_?text", re.IGNORECASE)
_STOP = frozenset((
    "about", "above", "after", "again", "also", "among", "because", "been", "before", "being", "below", "between",
    "both", "could", "does", "doing", "down", "during", "each", "every", "from", "further", "have", "having", "here",
    "into", "just", "more", "most", "much", "must", "other", "over", "same", "should", "some", "such", "than",
    "that", "their", "them", "then", "there", "these", "they", "this", "those", "through", "under", "until", "very",
    "were", "what", "when", "where", "which", "while", "will", "with", "would", "your", "ours", "ourselves"))
QUERY_WORDS = 3
"""Words in the longest query tried."""


def search_param(entry: ToolEntry) -> str | None:
    """The required text parameter through which a read searches (the `search` kind: `query`, `search`, `keyword`,
    …, or a name such as `keywords`, `q`), or None when the read takes none."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    for p in schema.get("required") or []:
        ps = props.get(p) or {}
        if not isinstance(ps, dict) or "enum" in ps or ps.get("type") not in ("string", None):
            continue
        if param_kind(str(p), ps) == "search" or _SEARCH_NAME.fullmatch(str(p)):
            return str(p)
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", text)


def keyword_queries(written: list[Any], avoid: list[str]) -> list[str]:
    """Queries made of distinctive words of the WRITTEN values (texts, lists, objects' values), most words first:
    words of four letters or more, no common function words, none that is a word of AVOID (the values the state
    check looks for); [] when the text has none. ('Our sensor products with their SKUs …: Air Quality Monitor …'
    avoiding 'Air Quality Monitor' -> ['sensor products SKUs', 'sensor products', 'sensor'].)"""
    texts: list[str] = []

    def add(v: Any, depth: int = 0) -> None:  # texts, lists of them, objects' values (rows written as items)
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, list | tuple) and depth < 3:
            for x in v:
                add(x, depth + 1)
        elif isinstance(v, dict) and depth < 3:
            for x in v.values():
                add(x, depth + 1)

    for v in written:
        add(v)
    banned = {w.casefold() for a in avoid for w in _words(str(a))}
    picked: list[str] = []
    for w in _words(" ".join(texts)):
        key = w.casefold()
        if len(w) < 4 or key in _STOP or key in banned or key in {p.casefold() for p in picked}:
            continue
        picked.append(w)
        if len(picked) == QUERY_WORDS:
            break
    return list(dict.fromkeys(" ".join(picked[:n]) for n in range(len(picked), 0, -1)))


__all__ = ["QUERY_WORDS", "keyword_queries", "search_param"]
