"""Colours: parameters that take one (`#1F77B4`, `rgb(31, 119, 180)`, `navy`) or several (a palette), and how a
person says one.

Most colour parameters say so by name or description (kinds.py: the `colour` and `palette` kinds). A tool about
colours often names its parameters after their role only (`base`, `seed`, `c1`): a required string parameter with no
kind, named that way, of a tool whose first sentence speaks of a colour, takes colours too (`assign`). Nothing in the
world is a colour, so values come from the kinds' seeds, from examples the schema documents, and from colour codes
earlier outputs list (`#1F77B4`; bare `1F77B4` composes into `#1F77B4`).

A colour is said with its common name, so a request reads as a person would put it: "the blue #1F77B4"
(`colour_words`), a palette as its colours ("the colours #264653, #2A9D8F and #E9C46A").
"""

from __future__ import annotations

import colorsys
import re
from typing import TYPE_CHECKING

from task_synth.documented import first_sentence
from task_synth.kinds import COLOUR_NAMES

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph

_ROLE_NAMES = re.compile(r"(?:base|seed|start|end|input|value|first|second|primary|secondary|"
                         r"accent|c|c?\d|a|b)", re.IGNORECASE)
"""Parameter names that say only a role: a colour when the tool is about colours."""
_ABOUT_COLOUR = re.compile(r"\bcolou?rs?\b|\bhex\b|\bpalette\b|\bcontrast\b|\bhue\b|\bshade\b|\btint\b",
                           re.IGNORECASE)


def assign(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """Give colour role parameters ('base', 'seed', 'c1') of tools whose first sentence speaks of colours the
    `colour` kind (graph.init_graph calls it once)."""
    by_key = {f"{e.server}/{e.name}": e for e in entries}
    for node in graph.nodes:
        entry = by_key.get(node.key)
        if entry is None or not _ABOUT_COLOUR.search(f"{first_sentence(entry.description)} {entry.name}"):
            continue
        props = (entry.input_schema or {}).get("properties") or {}
        for p, k in node.params.items():
            ps = props.get(p) or {}
            if k is None and ps.get("type") in ("string", None) and "enum" not in ps and _ROLE_NAMES.fullmatch(p):
                node.params[p] = "colour"


_HUES = ((15, "red"), (40, "orange"), (65, "yellow"), (160, "green"), (195, "teal"), (255, "blue"), (290, "purple"),
         (335, "pink"), (360, "red"))


def colour_name(value: str) -> str:
    """The common name of a colour code ('#1F77B4' -> 'blue', '#222222' -> 'near-black', 'rgb(255, 255, 255)' ->
    'white'); '' for anything that is not a colour code. A named colour is its own name."""
    v = value.strip()
    if v.lower() in COLOUR_NAMES:
        return v.lower()
    m = re.fullmatch(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})", v)
    if m:
        h = m.group(1) if len(m.group(1)) == 6 else "".join(c * 2 for c in m.group(1))
        r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    else:
        rgb = re.fullmatch(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*[\d.]+\s*)?\)", v)
        if not rgb:
            return ""
        r, g, b = (min(255, int(x)) for x in rgb.groups())
    hue, light, sat = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    if sat < 0.15 or light < 0.06 or light > 0.96:
        for bound, name in ((0.06, "black"), (0.2, "near-black"), (0.45, "dark grey"), (0.7, "grey"),
                            (0.96, "light grey")):
            if light < bound:
                return name
        return "white"
    name = next(n for bound, n in _HUES if hue * 360 < bound)
    return f"dark {name}" if light < 0.25 else f"light {name}" if light > 0.8 else name


def colour_words(value: str) -> str:
    """A colour as a person says it: 'the blue #1F77B4'; a named colour as itself ('navy')."""
    name = colour_name(value)
    if not name or name == value.strip().lower():
        return value
    return f"the {name} {value}"


def palette_words(value: str) -> str:
    """Several colours in one string ('#264653,#2A9D8F,#E9C46A') as 'the colours #264653, #2A9D8F and #E9C46A'."""
    parts = [p.strip() for p in re.split(r"[,;\s]+", value) if p.strip()]
    if len(parts) < 2:
        return colour_words(value)
    return "the colours " + ", ".join(parts[:-1]) + " and " + parts[-1]


__all__ = ["assign", "colour_name", "colour_words", "palette_words"]
