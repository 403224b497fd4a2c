"""Measures: numeric parameters that are physical quantities, seeded with values a person would give, in their unit.

A `height` seeded 12 and a `weight` seeded 3 make a nonsense request and a nonsense answer (an index of 0.0). Here
a numeric parameter's quantity (a person's height, a body weight, an age, a temperature, a distance, a speed, …)
and its unit are read from its name, title and description (in that order) — the unit also from a unit word or
symbol the texts name ("in cm", "(kg)", "°F", `height_cm`, "身高（米）") — and its candidate values are typical
values of the quantity converted into that unit. When no unit is named, the schema decides where it can (the unit
whose typical values fit its minimum/maximum and default: `height` bounded 0.5–3 is in metres), else the
quantity's conventional unit. A unit with no known quantity (`width_mm`) gets everyday values of that unit.

The values are candidates like any others: the caller's rng picks among them (so the same seed gives the same
value) and `bounds.conform` keeps only those the schema allows. The tables are general knowledge about quantities
and units (their names in English and Chinese), keyed on quantities and units, never on a tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from task_synth import bounds


@dataclass(frozen=True)
class Unit:
    symbol: str
    """How the unit is said after a value ('cm', 'kg', '°C')."""
    dimension: str
    scale: float
    """Base units of the dimension in one of this unit (m, kg, °C, km/h, m², l)."""
    offset: float = 0.0
    """base = value * scale + offset (temperatures)."""
    names: str = r"(?!)"
    """Regex of unambiguous names, matched as whole words anywhere in the texts (case-insensitive)."""
    short: str = r"(?!)"
    """Regex of short symbols matched only where they read as a unit: '(m)', 'in m', 'unit: m', '1.75 m'."""
    cjk: tuple[str, ...] = ()
    """Names in Chinese, matched in brackets ('（米）') or after 单位 (unit)."""
    everyday: tuple[float, ...] = ()
    """Values of this unit a person often gives, for a parameter whose quantity nothing names (`width_mm`)."""


UNITS: tuple[Unit, ...] = (
    Unit("mm", "length", 0.001, names=r"mm|millimet(?:re|er)s?", cjk=("毫米",), everyday=(210, 45, 12, 297, 85)),
    Unit("cm", "length", 0.01, names=r"cm|centimet(?:re|er)s?", cjk=("厘米", "公分"), everyday=(25, 60, 12, 180, 45)),
    Unit("km", "length", 1000.0, names=r"km|kms|kilomet(?:re|er)s?", cjk=("公里", "千米"),
         everyday=(12, 5, 42.2, 120, 3.5)),
    Unit("m", "length", 1.0, names=r"met(?:re|er)s?", short=r"m", cjk=("米", "公尺"), everyday=(2.5, 12, 40, 150, 8)),
    Unit("in", "length", 0.0254, names=r"inch(?:es)?", cjk=("英寸",), everyday=(12, 6, 24, 3.5, 48)),
    Unit("ft", "length", 0.3048, names=r"ft|feet|foot", cjk=("英尺",), everyday=(6, 12, 30, 100, 8)),
    Unit("mi", "length", 1609.344, names=r"miles?", cjk=("英里",), everyday=(3, 12, 26.2, 75, 5)),
    Unit("kg", "mass", 1.0, names=r"kg|kgs|kilograms?|kilogrammes?|kilos?", cjk=("千克", "公斤"),
         everyday=(2.5, 12, 68, 0.8, 25)),
    Unit("g", "mass", 0.001, names=r"grams?|grammes?", short=r"g", cjk=("克",), everyday=(250, 500, 35, 1200, 80)),
    Unit("lb", "mass", 0.45359237, names=r"lbs?|pounds?", cjk=("磅",), everyday=(5, 12, 150, 2.2, 40)),
    Unit("oz", "mass", 0.028349523125, names=r"oz|ounces?", cjk=("盎司",), everyday=(8, 12, 3.5, 16, 6)),
    Unit("°C", "temperature", 1.0, names=r"celsius|centigrade|degc|°c|℃", short=r"C", cjk=("摄氏度", "℃"),
         everyday=(21.5, 18, 25, 30, 12)),
    Unit("°F", "temperature", 5 / 9, offset=-32 * 5 / 9, names=r"fahrenheit|degf|°f|℉", short=r"F",
         cjk=("华氏度", "℉"), everyday=(70, 64, 77, 86, 54)),
    Unit("K", "temperature", 1.0, offset=-273.15, names=r"kelvins?", short=r"K", cjk=("开尔文",),
         everyday=(294.15, 288.15, 298.15, 303.15, 285.15)),
    Unit("km/h", "speed", 1.0, names=r"km/h|kmh|kph|km per hour|kilomet(?:re|er)s per hour",
         cjk=("公里/小时", "千米/小时", "千米每小时"), everyday=(50, 90, 30, 120, 65)),
    Unit("m/s", "speed", 3.6, names=r"m/s|mps|met(?:re|er)s per second", cjk=("米/秒", "米每秒"),
         everyday=(3, 12, 25, 1.5, 8)),
    Unit("mph", "speed", 1.609344, names=r"mph|miles per hour", cjk=("英里/小时",), everyday=(30, 55, 70, 20, 40)),
    Unit("m²", "area", 1.0, names=r"m2|m²|sq ?m|square met(?:re|er)s?", cjk=("平方米",),
         everyday=(85, 120, 60, 250, 45)),
    Unit("ft²", "area", 0.09290304, names=r"ft2|ft²|sq ?ft|square f(?:ee|oo)t", cjk=("平方英尺",),
         everyday=(900, 1200, 650, 2400, 450)),
    Unit("l", "volume", 1.0, names=r"lit(?:re|er)s?", short=r"l|L", cjk=("升",), everyday=(1.5, 0.5, 20, 5, 250)),
    Unit("ml", "volume", 0.001, names=r"ml|millilit(?:re|er)s?", cjk=("毫升",), everyday=(250, 500, 330, 750, 50)),
    Unit("gal", "volume", 3.785411784, names=r"gal|gallons?", cjk=("加仑",), everyday=(5, 12, 1, 20, 3)),
    Unit("years", "age", 1.0, names=r"years?(?: old)?|yrs?", cjk=("岁", "周岁"), everyday=(34, 27, 45, 61, 19)),
)
"""Units by dimension; within a dimension the first is the conventional one when nothing names any."""


@dataclass(frozen=True)
class Quantity:
    name: str
    dimension: str
    words: str
    """Regex searched (case-insensitive, as whole words) in the parameter's name, title or description."""
    typical: tuple[float, ...]
    """Values a person gives, in the dimension's base unit (m, kg, °C, km/h, m², l, years)."""
    unit: str
    """The unit assumed when nothing names one and the schema does not decide."""
    cjk: tuple[str, ...] = ()
    """The quantity's names in Chinese, searched as they are."""


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("body temperature", "temperature", r"body temp(?:erature)?|fever", (36.8, 37.4, 38.2, 36.5, 39.0),
             "°C", ("体温",)),
    Quantity("temperature", "temperature", r"temp|temperature|temperatures", (21.5, 18, 25, 30, 12), "°C",
             ("温度", "气温", "室温")),
    Quantity("height", "length", r"height|stature|tall|body height", (1.62, 1.75, 1.68, 1.83, 1.57), "cm",
             ("身高",)),
    Quantity("parcel weight", "mass", r"(?:parcel|package|shipment|luggage|baggage|item|box) (?:weight|mass)",
             (2.5, 0.8, 12, 5, 1.2), "kg", ("包裹重量",)),
    Quantity("weight", "mass", r"weight|mass|body weight|body mass", (68, 82, 59, 74, 91), "kg",
             ("体重", "重量", "质量")),
    Quantity("age", "age", r"age|age years", (34, 27, 45, 61, 19), "years", ("年龄",)),
    Quantity("altitude", "length", r"altitude|elevation", (350, 1200, 2500, 80, 1750), "m", ("海拔",)),
    Quantity("distance", "length", r"distance|dist|mileage|journey|trip distance|route length",
             (12000, 5000, 42195, 120000, 3500), "km", ("距离", "路程")),
    Quantity("speed", "speed", r"speed|velocity", (50, 90, 30, 120, 65), "km/h", ("速度", "时速")),
    Quantity("floor area", "area", r"area|floor area|floor space|surface area", (85, 120, 60, 250, 45), "m²",
             ("面积",)),
)
"""Quantities a numeric parameter may be, tried in order."""

_BY_SYMBOL = {u.symbol: u for u in UNITS}
_NOT_A_MEASURE = re.compile(r"\b(?:per|ratio|factor|coefficient|percent|percentage|pct|share|fraction|rate|index|"
                            r"score|count|number of|id|code|price|cost|fee|tax|ttl|cache|timeout)\b")
"""Words in a parameter's name that make it something other than the measure it mentions ('price_per_kg',
'weight_factor', 'bmi_index', 'age_count')."""
_NOT_PHYSICAL = re.compile(r"\b(?:multiplier|factor|ratio|scale|relative|percent|percentage|fraction|coefficient|"
                           r"sampling|randomness|creativity|llm|model|weighting|importance|priority)\b", re.IGNORECASE)
"""Words in a parameter's title or description that make a measure's name mean something else (a sampling
`temperature`, a relative `weight`, a playback `speed` multiplier) when no unit is named."""
_CRYPTIC = frozenset({"value", "val", "input", "arg", "param", "data", "x", "y", "z", "n", "a", "b", "c", "v", "q",
                      "num", "number", "amount", "measure", "measurement", "reading", "quantity"})
"""Names that say nothing of what a figure is: the description names the quantity instead."""


@dataclass(frozen=True)
class Measure:
    quantity: str
    """The quantity's name, or '' when only the unit is known."""
    unit: Unit
    stated: bool
    """The unit was named in the texts or decided by the schema's bounds (not assumed)."""
    values: tuple[float | int, ...]


def _words(name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return " ".join(re.sub(r"[^\w/²°%]+|_", " ", s).split()).lower()


def _unit_in(text: str, dimension: str | None = None) -> Unit | None:
    """The first unit the text names (of `dimension` when given): by name anywhere, by short symbol ('m', 'C')
    only for a known dimension and where it reads as a unit, in Chinese in brackets or after 单位."""
    if not text:
        return None
    found: list[tuple[int, int, Unit]] = []
    for order, u in enumerate(UNITS):
        if dimension and u.dimension != dimension:
            continue
        short = rf"(?:\(|（|\bin |\bunits?\s*[:=：]?\s*|\d\s?)(?:{u.short})(?:\)|）|(?![\w/²]))"
        named = rf"(?<![\w/°])(?:{u.names})(?![\w/²])"
        for rx, flags in ((named, re.IGNORECASE), (short if dimension else r"(?!)", 0)):
            m = re.search(rx, text, flags)
            if m:
                found.append((m.start(), order, u))
        for name in u.cjk:
            m = re.search(rf"[(（\[【]\s*{re.escape(name)}\s*[)）\]】]|单位\s*[:：为是]?\s*{re.escape(name)}", text)
            if m:
                found.append((m.start(), order, u))
    if not found:
        return None
    # at one place, the longest name wins ('厘米' over '米'): sort by place, then prefer the unit listed first
    found.sort(key=lambda f: (f[0], f[1]))
    return found[0][2]


def _quantity_in(text: str) -> Quantity | None:
    if not text:
        return None
    for q in QUANTITIES:
        if re.search(rf"(?<![\w])(?:{q.words})(?![\w])", text, re.IGNORECASE) or any(c in text for c in q.cjk):
            return q
    return None


def _nice(x: float) -> float | int:
    """A value as a person writes it: whole from 100 up, one decimal from 10, two below."""
    r = round(x) if abs(x) >= 100 else round(x, 1) if abs(x) >= 10 else round(x, 2)
    return int(r) if float(r).is_integer() else r


def _convert(base: tuple[float, ...], unit: Unit) -> tuple[float | int, ...]:
    out: list[float | int] = []
    for b in base:
        v = _nice((b - unit.offset) / unit.scale)
        if v not in out:
            out.append(v)
    return tuple(out)


def _integral(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    types = set(t) if isinstance(t, list) else {t}
    return "integer" in types and "number" not in types


def _fitted(values: tuple[float | int, ...], schema: dict[str, Any]) -> list[Any]:
    vals = [round(v) if _integral(schema) else v for v in values]
    return bounds.conform(schema, [v for v in vals if v != 0] or vals)


def _schema_unit(q: Quantity, schema: dict[str, Any]) -> tuple[Unit, bool]:
    """The unit of the quantity's dimension whose typical values the schema's bounds and default allow best, and
    whether the schema decided it (else: its conventional unit, on a tie and when the schema says nothing)."""
    units = [u for u in UNITS if u.dimension == q.dimension]
    units.sort(key=lambda u: u.symbol != q.unit)
    hints = [schema.get("default"), *(schema.get("examples") or [])]
    given = [float(h) for h in hints if isinstance(h, int | float) and not isinstance(h, bool)]

    def score(u: Unit) -> tuple[int, int]:
        vals = _convert(q.typical, u)
        near = sum(min(vals) / 3 <= g <= max(vals) * 3 for g in given) if vals and min(vals) > 0 else 0
        return (near, len(_fitted(vals, schema)))

    best = max(units, key=score)
    return (best, True) if score(best) > score(units[0]) else (units[0], False)


def measure(param: str, schema: dict[str, Any] | None) -> Measure | None:
    """The quantity and unit of a numeric parameter and its candidate values (see the module doc); None when neither
    its name, title nor description names a quantity or a unit, or its name makes it a ratio, a price, a count or
    an id of one ('price_per_kg', 'weight_factor')."""
    schema = schema or {}
    name = _words(param)
    if _NOT_A_MEASURE.search(name):
        return None
    title = str(schema.get("title") or "")
    desc = str(schema.get("description") or "")
    cryptic = name in _CRYPTIC or len(name) <= 2
    q = _quantity_in(name) or _quantity_in(title) or (_quantity_in(desc) if cryptic or not name else None)
    unit = None
    last = name.rsplit(" ", 1)[-1] if " " in name else ""
    if last:
        unit = next((u for u in UNITS if last in (u.symbol.lower(), u.symbol.lower().replace("²", "2"))
                     or re.fullmatch(u.names, last, re.IGNORECASE)
                     or (q is not None and u.dimension == q.dimension and re.fullmatch(u.short, last,
                                                                                        re.IGNORECASE))), None)
    for text in (title, desc):
        if unit is None:
            unit = _unit_in(text, q.dimension if q else None)
    if q is None and (unit is None or unit.dimension == "age"):
        return None  # years alone are a period (magnitudes.PERIODS), not an age
    if q is not None and unit is not None and unit.dimension != q.dimension:
        q = None  # the unit outranks the word: a height in pixels is not a person's height
    if q is None:
        assert unit is not None
        return Measure("", unit, True, unit.everyday)
    if unit is None:
        if _NOT_PHYSICAL.search(f"{title} {desc}"):
            return None
        unit, decided = _schema_unit(q, schema)
        return Measure(q.name, unit, decided, _convert(q.typical, unit))
    return Measure(q.name, unit, True, _convert(q.typical, unit))


def plausible(param: str, schema: dict[str, Any] | None) -> list[Any]:
    """Realistic values of a measure parameter in its unit (integers for an integer parameter, zero left out);
    [] when it is not a measure. The caller keeps those its bounds allow."""
    m = measure(param, schema)
    if m is None:
        return []
    vals = [round(v) if _integral(schema or {}) else v for v in m.values]
    out: list[Any] = []
    for v in vals:
        if v not in out and (v != 0 or len(vals) == 1):
            out.append(v)
    return out


def unit_said(param: str, schema: dict[str, Any] | None) -> str:
    """The unit to say after a value of the parameter ('cm', 'kg', '°C'): only one the texts name or the schema's
    bounds decided, never an assumed one (a request must not claim a unit the tool may not use); '' otherwise."""
    m = measure(param, schema)
    if m is None or not m.stated:
        return ""
    return m.unit.symbol


def param_line(description: str, param: str) -> str:
    """`param`'s own line in a tool description's argument list ('height: 身高（米）' -> '身高（米）'); '' when none."""
    m = re.search(rf"(?m)^\s*[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*[:：](.*)$", description or "")
    return m.group(1).strip() if m else ""


def with_documented_measures(entry: Any) -> Any:
    """`entry` (a ToolEntry) with every numeric parameter that has no description of its own, but whose line in the
    tool's description names a unit or a quantity ('height: 身高（米）'), described by that line, so its values
    and its wording come in that unit; the same entry when none does."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    new: dict[str, Any] = {}
    for name, ps in props.items():
        if not isinstance(ps, dict) or ps.get("description") or ps.get("type") not in ("number", "integer"):
            continue
        line = param_line(entry.description, name)
        if not line:
            continue
        with_line = {**ps, "description": line}
        m = measure(name, with_line)
        if m is not None and (m.stated or measure(name, ps) is None):
            new[name] = with_line
    if not new:
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": {**props, **new}}})


__all__ = ["QUANTITIES", "UNITS", "Measure", "Quantity", "Unit", "measure", "param_line", "plausible", "unit_said",
           "with_documented_measures"]
