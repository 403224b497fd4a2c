"""Which field of a one-hop read's output its question asks: the one the tool is about.

A lone read (sampling.lone_reads) is one call and one question, so the question is the whole task. The generic
choice (writing.salient) takes the first quantity, labelled line or typed value of the output, which is often
boilerplate a server puts first — a status token ("summary_ready"), a counter, an id. Here a JSON output's scalar
fields are ranked instead:

1. left out: ids (`id`, `…_id`, `…Id`, `uuid`), boilerplate keys (status, message, success, version, timestamp, …),
   machine tokens as values (`match_found`, `requests_listed`: lower-case words joined by `_`), booleans, long texts,
   values the step was given and fields named like its parameters (wording.asks_back), labels no question can be
   built on (wording.askable_label);
2. first the field whose name shares most words with what the tool is about — its name (minus the leading verb),
   counted twice, and its description's first sentence ("rainfall_summary", "Summarise this week's rainfall…" →
   `total_rainfall_mm`);
3. then numbers before text, then the order of the output.

None when the output is not a JSON object or nothing is left: the caller falls back to the generic choice.
Nothing here names a server or tool.
"""

from __future__ import annotations

import json
import re
from typing import Any

from task_synth.binding import extract
from task_synth.grammar import copula, what_the
from task_synth.phrases import Ask
from task_synth.wording import askable_label, asks_back, figure_question, humanize

BOILERPLATE = frozenset({
    "status", "message", "msg", "success", "ok", "error", "errors", "warning", "warnings", "version", "api version",
    "server", "tool", "method", "operation", "action", "timestamp", "generated at", "request id", "took", "elapsed",
    "elapsed ms", "duration ms", "code", "status code", "note", "notes", "hint", "instructions", "next step",
})
"""Keys (as words) that say how the call went, not what it found."""
_RECORD_TIME = re.compile(r"^(?:(?:date |time )?(?:created|updated|modified|saved|logged|inserted|generated|stored)"
                          r"(?: (?:at|on|time|date))?|(?:creation|modification|last (?:updated|modified)) "
                          r"(?:time|date)|last (?:updated|modified))$")
"""Keys (as words) of the time a record was written ('created_at', 'updatedAt'): the store's bookkeeping, the moment
the task's own calls ran, never what a person asks about."""
_ID = re.compile(r"(^|\s)(id|ids|uuid|guid)$")
_TOKEN = re.compile(r"[a-z]+(?:_[a-z]+)+")
_READ_VERBS = frozenset({"get", "list", "show", "fetch", "read", "find", "search", "view", "describe", "lookup",
                         "look", "query", "retrieve", "return", "returns", "summarise", "summarize", "compute",
                         "calculate", "count", "check", "display", "print", "all", "the", "a", "an", "of", "for",
                         "in", "and", "or", "to", "with", "by", "this", "that", "its", "their", "across", "from"})
MAX_TEXT = 80


def boilerplate(key: str, value: Any) -> bool:
    """The field says how the call went, not what it found: an id, a status-like key, or a machine token as value
    ('match_found', 'requests_listed')."""
    words = humanize(key)
    return bool(_ID.search(words)) or words in BOILERPLATE or bool(_RECORD_TIME.match(words)) \
        or (isinstance(value, str) and bool(_TOKEN.fullmatch(value)))


def _stem(word: str) -> str:
    w = word.lower()
    for tail in ("ies", "es", "s"):
        if w.endswith(tail) and len(w) > len(tail) + 2:
            return w[: -len(tail)] + ("y" if tail == "ies" else "")
    return w


def about_words(tool: str, description: str) -> dict[str, int]:
    """Word stem -> weight of what a tool is about: its name's words (2) and its description's first sentence's
    (1), reading verbs and function words left out."""
    weights: dict[str, int] = {}
    first = re.split(r"(?<=[.!?])\s|\n", (description or "").strip(), maxsplit=1)[0]
    for text, weight in ((first, 1), (tool, 2)):
        for w in humanize(text).split():
            if w not in _READ_VERBS and len(w) > 2:
                weights[_stem(w)] = max(weights.get(_stem(w), 0), weight)
    return weights


_GENERIC_LEAF = frozenset({"value", "val", "raw", "numeric", "number", "num", "formatted", "display", "amount",
                           "figure", "estimate"})
"""Field names that say only that a value is there: the object they sit in names what it is
(`"Annual Mean Wage": {"raw": "134940", "numeric": 134940}`)."""


def _leaves(node: Any, depth: int = 0, parent: str = "") -> list[tuple[str, Any, str]]:
    """(key, scalar value, what it is) of a JSON object's fields, nested objects included (not lists), in output
    order; what it is is the key, or the key of the object it sits in when the key says only 'value'
    (_GENERIC_LEAF)."""
    out: list[tuple[str, Any, str]] = []
    if isinstance(node, dict) and depth <= 3:
        for k, v in node.items():
            if isinstance(v, dict):
                out += _leaves(v, depth + 1, str(k))
            elif not isinstance(v, list):
                generic = bool(parent) and str(k).lower() in _GENERIC_LEAF and askable_label(parent)
                out.append((str(k), v, parent if generic else str(k)))
    return out


def _regex(key: str, value: Any, raw: str) -> str | None:
    """A regex whose first match in `raw` reads this field's value, or None (the key comes earlier with another)."""
    k = re.escape(key)
    if isinstance(value, int | float):
        rx = rf'"{k}"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)'
        got = extract(rx, raw)
        return rx if got is not None and float(got) == float(value) else None
    rx = rf'"{k}"\s*:\s*"([^"\n]{{1,{MAX_TEXT}}})"'
    return rx if extract(rx, raw) == value else None


def focused(raw: str, tool: str, description: str, given: set[str], inputs: dict[str, Any],
            about_only: bool = False) -> tuple[Ask, str] | None:
    """The Ask and regex of the field a one-hop read's question is about (see the module doc), or None;
    `about_only`: only a field whose name shares a word with what the tool is about (another question of a lone
    read, refill.py: the python version of a health check is not what it is about)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    about = about_words(tool, description)
    ranked: list[tuple[int, int, int, str, Any, str]] = []
    for order, (key, value, label) in enumerate(_leaves(data)):
        words = humanize(label)
        if isinstance(value, bool) or value is None or boilerplate(key, value) or not askable_label(label):
            continue
        if isinstance(value, str) and (not value.strip() or len(value) > MAX_TEXT or "\n" in value):
            continue
        if str(value) in given or asks_back(key, value, inputs):
            continue
        score = sum(about.get(_stem(w), 0) for w in words.split())
        if about_only and score == 0:
            continue
        ranked.append((-score, 0 if isinstance(value, int | float) else 1, order, key, value, label))
    for _, _, _, key, value, label in sorted(ranked, key=lambda r: r[:3]):
        rx = _regex(key, value, raw)
        if rx is None:
            continue
        words, unit = _unit(humanize(label))
        verb = copula(words)
        question = figure_question(words) if isinstance(value, int | float) else what_the(words)
        asked = f"{question}{f', in {unit}' if unit else ''}"
        said = f"The {words} {verb} {{value}}{f' {unit}' if unit else ''}."
        return Ask(None, "numeric" if isinstance(value, int | float) else "contains", asked,
                   f"Report the {label} in the result.", said), rx
    return None


UNITS = frozenset({"mm", "cm", "km", "m", "kg", "g", "ms", "s", "min", "h", "eur", "usd", "gbp", "kb", "mb",
                   "gb", "kwh", "kw", "mph", "kmh"})
"""Unit abbreviations a field name may end in ('total_rainfall_mm'): said after the question, not inside it."""


def _unit(words: str) -> tuple[str, str]:
    """('total rainfall', 'mm') from 'total rainfall mm'; the words unchanged and '' when none ends them."""
    head, _, last = words.rpartition(" ")
    return (head, last) if head and last in UNITS else (words, "")


__all__ = ["BOILERPLATE", "UNITS", "about_words", "boilerplate", "focused"]
