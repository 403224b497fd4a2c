"""Two parameters one of which must exceed the other: the lower and upper ends of an interval.

Figures drawn apart for `a` and `b` of "integrate f on [a, b] (b > a)" came out as a = 128, b = 7.5, and a real
numerical-methods server refused about thirty calls ("b must be greater than a"). The order is read from what the
tool says (`b > a`, "xf: Final x (must be > x0)", "upper must be greater than lower") and from names that pair
(`x_min`/`x_max`, `min_price`/`max_price`, `start_year`/`end_year`, `lower_bound`/`upper_bound`); at grounding
(`fit_order`, beside `places.fit_place`) a call whose two free figures are the wrong way round has them swapped,
and equal ones are moved apart. No draw: the same seed gives the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

_ENDS = (("min", "max"), ("minimum", "maximum"), ("start", "end"), ("lower", "upper"), ("low", "high"),
         ("from", "to"), ("first", "last"))
"""Words that name the two ends of one range, as prefixes or suffixes of a parameter name."""
_GREATER = r"(?:>|is greater than|must be greater than|must exceed|greater than)"
_LESS = r"(?:<|is less than|must be less than|less than)"


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _named_pairs(params: list[str]) -> list[tuple[str, str]]:
    """(lower, upper) for parameter names that differ only by the words of one range's ends, as a word of a snake
    or camel name: `x_min`/`x_max`, `minPrice`/`maxPrice`, `startYear`/`endYear`."""
    out: list[tuple[str, str]] = []
    for p in params:
        for lo, hi in _ENDS:
            for rx, to in ((rf"(?:(?<=_)|^){lo}(?=_|$|[A-Z0-9])", hi),
                           (rf"(?<=[a-z0-9]){lo.capitalize()}(?=[A-Z0-9]|$)", hi.capitalize())):
                q = re.sub(rx, to, p, count=1)
                if q != p and q in params and (p, q) not in out:
                    out.append((p, q))
    return out


def said_orders(description: str, params: list[str]) -> list[tuple[str, str]]:
    """(lower, upper) pairs the tool's words state between two of its parameters: 'b > a', 'a < b', and a
    parameter's own line 'xf: Final x (must be > x0)'."""
    names = set(params)
    out: list[tuple[str, str]] = []
    for m in re.finditer(rf"\b(\w+)\s*{_GREATER}\s*(\w+)\b", description):
        if m.group(1) in names and m.group(2) in names:
            out.append((m.group(2), m.group(1)))
    for m in re.finditer(rf"\b(\w+)\s*{_LESS}\s*(\w+)\b", description):
        if m.group(1) in names and m.group(2) in names:
            out.append((m.group(1), m.group(2)))
    for m in re.finditer(r"(?m)^\s*(\w+)\s*:[^\n]*?\bmust be\s*(?:>|greater than)\s*(\w+)\b", description):
        if m.group(1) in names and m.group(2) in names:
            out.append((m.group(2), m.group(1)))
    return [p for i, p in enumerate(out) if p[0] != p[1] and p not in out[:i]]


def fit_order(props: dict[str, dict[str, Any]], args: dict[str, Any], bound: set[str], description: str) -> None:
    """ARGS (a call about to be made; PROPS its schema's properties, DESCRIPTION its tool's words) with each pair of
    free figures that must be in order put in order: swapped when the wrong way round, the upper one moved up by 1
    when equal. Bound figures (an earlier result) are never moved."""
    params = list(props) or list(args)
    pairs = said_orders(description, params) + [p for p in _named_pairs(params) if p not in said_orders(
        description, params)]
    for lo, hi in pairs:
        if lo in bound or hi in bound or not (_number(args.get(lo)) and _number(args.get(hi))):
            continue
        if args[lo] > args[hi]:
            args[lo], args[hi] = args[hi], args[lo]
        elif args[lo] == args[hi]:
            args[hi] = args[hi] + 1


__all__ = ["fit_order", "said_orders"]
