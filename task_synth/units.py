"""Unit names: the `from_unit`/`to_unit` of a converter, the `unit` of a measurement.

A unit parameter with an enum is a choice like any other. Otherwise its values come, in this order, from the units
its description or its line in the tool's description quotes or lists ("e.g. 'km', 'mi'", "Source unit — gsm,
lb_text, or lb_cover"), else from a small general vocabulary of common units of the dimension the tool's name and
descriptions speak of (length, mass, temperature, …; length when none). The values of one tool are one run-local
kind `unit@<server>~<tool>`, so a converter's `from` and `to` come from the same dimension and, as two parameters of
one kind, differ (kilometres to miles, never kilometres to kilograms).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from task_synth.documented import documented_choices, documented_examples

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph

UNIT_PARAM = re.compile(r"(?:(?:from|to|source|target|src|dst|dest|input|output|in|out|base|old|new)_?)?units?"
                        r"(?:_?(?:from|to|in|out|name|symbol))?|(?:from|to)_?(?:unit|uom|measure)|uom", re.IGNORECASE)
_BARE_FROM_TO = re.compile(r"from|to|source|target", re.IGNORECASE)

VOCABULARY: dict[str, tuple[str, ...]] = {
    "length": ("km", "mi", "m", "ft", "cm", "in"),
    "mass": ("kg", "lb", "g", "oz"),
    "temperature": ("celsius", "fahrenheit", "kelvin"),
    "volume": ("l", "gal", "ml", "cup"),
    "time": ("h", "min", "s", "day"),
    "speed": ("km/h", "mph", "m/s"),
    "area": ("m2", "ft2", "ha", "acre"),
    "data": ("MB", "GB", "KB"),
    "energy": ("kWh", "J", "kcal"),
}
"""Common units by dimension, for a unit parameter nothing documents."""
DIMENSIONS: dict[str, re.Pattern[str]] = {
    "temperature": re.compile(r"temperature|celsius|fahrenheit|kelvin|\bdegrees?\b", re.IGNORECASE),
    "mass": re.compile(r"\bmass\b|weight|kilogram|\bpounds?\b|\bgrams?\b|\bounces?\b", re.IGNORECASE),
    "volume": re.compile(r"volume|lit(?:re|er)s?\b|gallons?|\bcups?\b", re.IGNORECASE),
    "speed": re.compile(r"speed|velocity|\bmph\b|km/h", re.IGNORECASE),
    "area": re.compile(r"\barea\b|hectares?|acres?|square", re.IGNORECASE),
    "data": re.compile(r"\bdata size|\bbytes?\b|megabytes?|gigabytes?|file size|storage", re.IGNORECASE),
    "energy": re.compile(r"energy|calories|joules?|kwh", re.IGNORECASE),
    "time": re.compile(r"duration|\btime units?\b", re.IGNORECASE),
    "length": re.compile(r"length|distance|height|width|metres?|meters?|miles?|\bfeet\b|inch", re.IGNORECASE),
}
"""Words that say which dimension a converter works in (tried in order)."""
_QUOTED = re.compile(r"""['"`]([^'"`\s,]{1,12})['"`]""")


def is_unit_param(name: str, schema: dict[str, Any]) -> bool:
    """A parameter that takes a unit name: named so ('from_unit', 'to_unit', 'unit', 'uom'), or a bare 'from'/'to'
    described as a unit."""
    if schema.get("type") not in ("string", None) or "enum" in schema:
        return False
    if UNIT_PARAM.fullmatch(name):
        return True
    return bool(_BARE_FROM_TO.fullmatch(name) and re.search(r"\bunits?\b", str(schema.get("description", "")),
                                                           re.IGNORECASE))


def documented_units(param: str, schema: dict[str, Any], description: str) -> list[str]:
    """Units the parameter's description or its line of the tool's description quotes or lists, in order."""
    own = str(schema.get("description", ""))
    line = next((m.group(1) for m in re.finditer(rf"(?m)^\s*[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*:(.*)$",
                                                 description or "")), "")
    out: list[str] = []
    for text in (own, line):
        found = documented_choices(text) or _QUOTED.findall(text) or _listed(text)
        out += [u.rstrip(".,;") for u in found if u.rstrip(".,;") not in out]
    out += [str(e) for e in documented_examples(description, param) if str(e) not in out]
    return out


def _listed(text: str) -> list[str]:
    """'Source unit — gsm, lb_text, or lb_cover' -> the series after the dash or colon."""
    m = re.search(r"(?:—|–|:| - )\s*([\w/°.-]{1,12}(?:,\s*[\w/°.-]{1,12})+,?\s+(?:or|and)\s+[\w/°.-]{1,12})", text)
    if not m:
        return []
    return [u for u in re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", m.group(1)) if u]


def dimension(texts: list[str]) -> str:
    """The dimension the texts speak of first by DIMENSIONS' order; 'length' when none."""
    joined = " ".join(texts)
    return next((d for d, rx in DIMENSIONS.items() if rx.search(joined)), "length")


def assign(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """Give every required unit parameter with no kind its tool's run-local unit kind and pool (graph.init_graph
    calls it once)."""
    by_key = {f"{e.server}/{e.name}": e for e in entries}
    for node in graph.nodes:
        entry = by_key.get(node.key)
        if entry is None:
            continue
        props = (entry.input_schema or {}).get("properties") or {}
        params = [p for p, k in node.params.items() if k is None and is_unit_param(p, props.get(p) or {})]
        if not params:
            continue
        pool: list[str] = []
        for p in params:
            pool += [u for u in documented_units(p, props.get(p) or {}, entry.description) if u not in pool]
        if len(pool) < 2:
            texts = [entry.name.replace("_", " "), entry.description]
            texts += [str((s or {}).get("description", "")) for s in props.values() if isinstance(s, dict)]
            pool += [u for u in VOCABULARY[dimension(texts)] if u not in pool]
        kind = f"unit@{node.server}~{node.tool}"
        graph.pools[kind] = pool
        for p in params:
            node.params[p] = kind


__all__ = ["DIMENSIONS", "UNIT_PARAM", "VOCABULARY", "assign", "dimension", "documented_units", "is_unit_param"]
