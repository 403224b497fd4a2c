"""One place for the parameters that say where.

A tool that takes a latitude and a longitude, and perhaps a place's name, a timezone or a country beside them, was
given each drawn apart: "New York, a latitude of 3, a longitude of 12 and the timezone of Denver" — a request no one
makes, answered by the server with times for a point in the sea. At grounding (`fit_place`, beside
`freetext.fit_parts`), such a call takes all of them from one of the world's office cities, chosen by the values
drawn for them (no draw of its own, so the same seed gives the same bytes; a name a tool's example gives, always the
same, does not make every call one place). A name bound to an earlier result is not drawn: such a call is left alone.
A call with two points (from and to) is left alone: which name goes with which point is not said.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

from task_synth.wording import humanize


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    latitude: float
    longitude: float
    timezone: str


PLACES = (
    Place("Lisbon", "Portugal", 38.7223, -9.1393, "Europe/Lisbon"),
    Place("Denver", "United States", 39.7392, -104.9903, "America/Denver"),
    Place("Singapore", "Singapore", 1.3521, 103.8198, "Asia/Singapore"),
    Place("Auckland", "New Zealand", -36.8485, 174.7633, "Pacific/Auckland"),
)
"""The world's office cities (mcpbench/data/world), where they are."""

_LAT = re.compile(r"(?:\w+_)?lat(?:itude)?")
_LON = re.compile(r"(?:\w+_)?(?:lon|lng|long|longitude)")
_NAME = re.compile(r"(?:location|city|place|town|locality)(?:_name)?|(?:location|city|place)_?label")
_TZ = re.compile(r"(?:\w+_)?time_?zone(?:_id|_name)?|tz")
_COUNTRY = re.compile(r"country(?:_name)?")


def _number(schema: dict[str, Any] | None) -> bool:
    t = (schema or {}).get("type")
    types = set(t) if isinstance(t, list) else {t}
    return bool(types & {"number", "integer"}) or types == {None}


def _fits(schema: dict[str, Any] | None, value: float) -> bool:
    s = schema or {}
    return s.get("minimum", -1e9) <= value <= s.get("maximum", 1e9)


def fit_place(props: dict[str, dict[str, Any]], args: dict[str, Any], bound: set[str]) -> None:
    """ARGS (a call about to be made, PROPS its schema's properties) with its latitude, longitude, place name,
    timezone and country taken from one place, when it has exactly one latitude and one longitude and no place name
    that an earlier step gave (BOUND: parameters bound to an output). Changes nothing otherwise."""
    if any(_NAME.fullmatch(humanize(p).replace(" ", "_")) for p in bound):
        return
    free = {p: humanize(p).replace(" ", "_") for p in args if p not in bound}
    lats = [p for p, s in free.items() if _LAT.fullmatch(s) and _number(props.get(p))]
    lons = [p for p, s in free.items() if _LON.fullmatch(s) and _number(props.get(p))]
    if len(lats) != 1 or len(lons) != 1:
        return
    names = [p for p, s in free.items() if _NAME.fullmatch(s) and isinstance(args[p], str)]
    drawn = ":".join(str(args[p]) for p in (lats[0], lons[0], *names))
    place = PLACES[zlib.crc32(drawn.encode()) % len(PLACES)]
    if not (_fits(props.get(lats[0]), place.latitude) and _fits(props.get(lons[0]), place.longitude)):
        return
    integral = [(props.get(p) or {}).get("type") == "integer" for p in (lats[0], lons[0])]
    args[lats[0]] = round(place.latitude) if integral[0] else place.latitude
    args[lons[0]] = round(place.longitude) if integral[1] else place.longitude
    for p in names:
        args[p] = place.city
    for p, s in free.items():
        if _TZ.fullmatch(s) and isinstance(args[p], str) and "enum" not in (props.get(p) or {}):
            args[p] = place.timezone
        elif _COUNTRY.fullmatch(s) and isinstance(args[p], str) and "enum" not in (props.get(p) or {}):
            args[p] = place.country


__all__ = ["PLACES", "Place", "fit_place"]
