"""Numbers a parameter's meaning makes plausible, so a generated value reads as something a person would ask.

The `number` kind's seeds (12, 7.5, 40, 128, 3) serve a parameter that says nothing about itself; a parameter whose
name or description says what figure it is gets figures of that class instead (wording.figure_class: a rate, a
period, a count, money): "an annual rate of 5%" and "a term of 10 years", never "an annual rate of 128%"; a `year`
is a year on the calendar (2026), never "year 10". A
percentage share (coverage, percent of something) is not a rate of interest. The values are candidates like any
others: `graph.literal_values` keeps only those the schema's bounds allow (bounds.conform), and a bounded parameter
none of them fits takes values its bounds allow.
"""

from __future__ import annotations

import re
from typing import Any

from task_synth import measures
from task_synth.wording import figure_class, humanize

RATES = (5, 3.5, 2.5, 7.5, 4)
"""Interest, growth, inflation, discount: a few percent."""
SHARES = (25, 40, 60, 15, 80)
"""A percentage of something (coverage, a share): anywhere between 0 and 100."""
PERIODS: dict[str, tuple[Any, ...]] = {
    "year": (10, 5, 3, 15, 25),
    "month": (12, 24, 36, 6, 60),
    "week": (4, 2, 12, 8),
    "day": (30, 7, 14, 90),
    "hour": (8, 2, 24, 40),
    "minute": (15, 30, 45, 90),
    "second": (30, 60, 10, 5),
}
"""A period by its unit; a term, a tenure or a life with no unit is in years."""
CALENDAR_YEARS = (2026, 2025, 2024, 2027, 2023)
"""A year on the calendar (the world's 'this year' is 2026): what a parameter named `year` takes."""
COUNTS = (3, 5, 12, 8, 4)
MONEY = (1250, 480, 12500, 75.5, 3200)
IDENTIFIERS = (1, 2, 3)
PREFIX_LENGTHS = (24, 16, 22, 28, 26)
"""The length of an IPv4 network's prefix (`cidr_prefix`, `prefix_length`, `mask_bits`): 0–32, most often 16–28."""
_PREFIX = re.compile(r"(?:\w+_)?(?:cidr(?:_?prefix)?|prefix(?:_?len(?:gth)?)?|mask_?(?:bits|len(?:gth)?)|"
                     r"prefix_?bits)", re.IGNORECASE)

_SHARE = re.compile(r"\b(?:percent|percentage|pct|coverage|share|proportion|fraction of|opacity|probability)\b|%")
_A_YEAR = re.compile(r"(?:^|\s)year$")
"""A parameter's name (humanized) that ends in one 'year' ('year', 'start year', 'fiscal year'), never 'years'."""
_YEARS_COUNTED = re.compile(r"\b(?:number of|how many|count of)\s+years\b|\byears?\s+(?:of|to|until|since|ago)\b|"
                            r"\b(?:duration|term|tenure|period|age|span|horizon)\b", re.IGNORECASE)
"""Description words that make a `year` a number of years (a term), not a year on the calendar."""
_UNIT = re.compile(r"\b(year|month|week|day|hour|minute|second)s?\b")


def calendar_year(param: str, description: str = "") -> bool:
    """A parameter that takes a year on the calendar ("List the holidays of a year": `year`, `startYear`,
    `fiscal_year`), unless its description says it counts years ("number of years", "loan term")."""
    return bool(param and _A_YEAR.search(humanize(param)) and not _YEARS_COUNTED.search(description))


def plausible(param: str, schema: dict[str, Any] | None) -> list[Any]:
    """Figures of the class the parameter's name (first) or description says it is, in order; [] when neither says
    (the kind's own seeds then). A measure (a height, a weight, an age, a temperature, … : measures.py) takes
    realistic values in its unit."""
    schema = schema or {}
    measured = measures.plausible(param, schema)
    if measured:
        return measured
    desc = f"{schema.get('description', '')} {schema.get('title', '')}".strip()
    if calendar_year(param, desc):
        return list(CALENDAR_YEARS)
    if _PREFIX.fullmatch(param) and "integer" in str(schema.get("type", "integer")):
        return list(PREFIX_LENGTHS)
    for words in (param, desc):
        if not words:
            continue
        said = humanize(words) if re.search(r"[_A-Z]", words) else words.lower()
        cls = figure_class(words)
        if cls == "rate":
            return list(SHARES if _SHARE.search(said) and not re.search(r"\b(?:rate|interest|apr|yield|growth|"
                                                                          r"inflation|return)\b", said)
                        else RATES)
        if cls is None and _SHARE.search(said):
            return list(SHARES)
        if cls == "period":
            m = _UNIT.search(said)
            return list(PERIODS[m.group(1)] if m else PERIODS["year"])
        if cls == "count":
            return list(COUNTS)
        if cls == "money":
            return list(MONEY)
        if cls == "identifier":
            return list(IDENTIFIERS)
    return []


__all__ = ["CALENDAR_YEARS", "COUNTS", "IDENTIFIERS", "MONEY", "PERIODS", "PREFIX_LENGTHS", "RATES", "SHARES",
           "calendar_year", "plausible"]
