"""A parameter's JSON-schema bounds, so every value the synthesizer sends respects them.

Servers validate their input: `seats: integer, maximum 10` refuses 12 ("Number must be less than or equal to
10") and 7.5 ("Expected integer, received float"). Literal candidates (kinds' seeds, pools, examples) that do not fit
are not used (`conform`); a numeric parameter none of whose candidates fits takes values its bounds allow
(`in_bounds`); a value bound from an earlier output that does not fit makes the binding unusable (grounding drops
the chain with the reason `why_not`).
"""

from __future__ import annotations

import math
import re
from typing import Any


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    alts = [a for a in (schema.get("anyOf") or schema.get("oneOf") or []) if isinstance(a, dict)]
    return [a for a in alts if a.get("type") != "null"] or [schema]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def why_not(schema: dict[str, Any] | None, value: Any) -> str:
    """'' when `value` fits the parameter's schema, else what it breaks ('maximum 10', 'not an integer').

    Checked: enum, type integer/number, minimum, maximum, exclusiveMinimum/Maximum (numeric or draft-4 boolean),
    multipleOf, and for strings minLength, maxLength and pattern (values holding a ${PLACEHOLDER} skip the pattern).
    Of anyOf/oneOf alternatives, one must fit."""
    if not isinstance(schema, dict) or not schema:
        return ""
    reasons = [_why_not_one(a, value) for a in _alternatives(schema)]
    return "" if any(r == "" for r in reasons) else reasons[0]


def _why_not_one(s: dict[str, Any], value: Any) -> str:
    if "enum" in s and value not in (s.get("enum") or []):
        return "not one of its enum values"
    t = s.get("type")
    types = set(t) if isinstance(t, list) else {t} if t else set()
    n = _number(value)
    if types and types <= {"integer", "number", "null"}:
        if n is None:
            return "not a number"
        if "number" not in types and not isinstance(value, int):
            return "not an integer"
    if n is not None:
        lo, hi = s.get("minimum"), s.get("maximum")
        xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
        if isinstance(xlo, bool):  # draft 4: a flag on minimum
            xlo, lo = (lo, None) if xlo else (None, lo)
        if isinstance(xhi, bool):
            xhi, hi = (hi, None) if xhi else (None, hi)
        nlo, nhi, nxlo, nxhi = _number(lo), _number(hi), _number(xlo), _number(xhi)
        if nlo is not None and n < nlo:
            return f"minimum {lo}"
        if nhi is not None and n > nhi:
            return f"maximum {hi}"
        if nxlo is not None and n <= nxlo:
            return f"exclusive minimum {xlo}"
        if nxhi is not None and n >= nxhi:
            return f"exclusive maximum {xhi}"
        step = _number(s.get("multipleOf"))
        if step and not math.isclose(n / step, round(n / step), abs_tol=1e-9):
            return f"not a multiple of {s['multipleOf']}"
    if isinstance(value, str):
        if isinstance(s.get("minLength"), int) and len(value) < s["minLength"]:
            return f"shorter than {s['minLength']} characters"
        if isinstance(s.get("maxLength"), int) and len(value) > s["maxLength"]:
            return f"longer than {s['maxLength']} characters"
        pattern = s.get("pattern")
        if isinstance(pattern, str) and "${" not in value:
            try:
                if re.search(pattern, value) is None:
                    return f"does not match {pattern}"
            except re.error:
                pass
    return ""


def fits(schema: dict[str, Any] | None, value: Any) -> bool:
    """`value` respects the parameter's schema (see why_not)."""
    return why_not(schema, value) == ""


def _integral(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    types = set(t) if isinstance(t, list) else {t}
    return "integer" in types and "number" not in types


def conform(schema: dict[str, Any] | None, values: list[Any]) -> list[Any]:
    """The candidates that fit the schema, in order (a whole float given to an integer parameter becomes an int)."""
    if not isinstance(schema, dict) or not schema:
        return list(values)
    out: list[Any] = []
    for v in values:
        if isinstance(v, float) and v.is_integer() and any(_integral(a) for a in _alternatives(schema)):
            v = int(v)
        if fits(schema, v) and v not in out:
            out.append(v)
    return out


def in_bounds(schema: dict[str, Any] | None) -> list[Any]:
    """Values a bounded numeric parameter allows, for when no candidate fits: its default, the lower bound, the
    middle and the upper bound (integers for an integer parameter); [] for anything else."""
    if not isinstance(schema, dict):
        return []
    out: list[Any] = []
    for s in _alternatives(schema):
        t = s.get("type")
        types = set(t) if isinstance(t, list) else {t}
        if not types & {"integer", "number"}:
            continue
        integral = _integral(s)
        lo = _number(s.get("minimum"))
        hi = _number(s.get("maximum"))
        xlo, xhi = _number(s.get("exclusiveMinimum")), _number(s.get("exclusiveMaximum"))
        nudge = 1.0 if integral else 0.5
        lo = lo if lo is not None else (xlo + nudge if xlo is not None else None)
        hi = hi if hi is not None else (xhi - nudge if xhi is not None else None)
        if lo is None and hi is None:
            continue
        lo_v = lo if lo is not None else (hi - 10 if hi is not None else 0.0)
        hi_v = hi if hi is not None else lo_v + 10
        cands = [schema.get("default"), lo_v, (lo_v + hi_v) / 2, hi_v]
        for raw in cands:
            num = _number(raw)
            if num is None:
                continue
            c = num
            c2: Any = (math.ceil(c) if c == lo_v else math.floor(c)) if integral else c
            if integral:
                c2 = int(c2)
            step = _number(s.get("multipleOf"))
            if step:
                c2 = math.ceil(c2 / step) * step
                c2 = int(c2) if integral else c2
            out.append(c2)
    return conform(schema, out)


__all__ = ["conform", "fits", "in_bounds", "why_not"]
