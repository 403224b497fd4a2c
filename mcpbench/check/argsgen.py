"""Deterministic tool arguments from a JSON Schema: schema-valid ones to exercise a tool, invalid ones to see how it
refuses them. No randomness: the same schema always yields the same calls, so two check runs are comparable.

Values follow the schema (enum/const first, then examples, formats, numeric bounds, string lengths, array sizes) and a
few property-name hints (a `timezone` gets "UTC", an `expression` gets "1 + 1") so real servers do real work instead of
rejecting placeholders. Every generated valid set is verified with jsonschema; a set that does not validate is dropped.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema.validators import validator_for

FORMATS = {
    "date-time": "2025-01-15T12:00:00Z", "date": "2025-01-15", "time": "12:00:00", "email": "user@example.com",
    "uri": "https://example.com/", "url": "https://example.com/", "uri-reference": "https://example.com/",
    "iri": "https://example.com/", "uuid": "123e4567-e89b-42d3-a456-426614174000", "ipv4": "127.0.0.1",
    "ipv6": "::1", "hostname": "example.com", "duration": "PT1M", "regex": ".*",
}
NAME_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"time_?zone|^tz$", re.IGNORECASE), "UTC"),
    (re.compile(r"expression|formula", re.IGNORECASE), "1 + 1"),
    (re.compile(r"url|uri|link|href", re.IGNORECASE), "https://example.com/"),
    (re.compile(r"e_?mail", re.IGNORECASE), "user@example.com"),
    (re.compile(r"^(time|hour)$", re.IGNORECASE), "12:00"),
    (re.compile(r"date", re.IGNORECASE), "2025-01-15"),
    (re.compile(r"path|dir|folder|file", re.IGNORECASE), "."),
    (re.compile(r"lang", re.IGNORECASE), "en"),
    (re.compile(r"query|search|topic|text|message|prompt|content|input", re.IGNORECASE), "hello"),
]
_MAX_DEPTH = 6
_FAILURE_WORD = re.compile(r"error|fail|invalid|exception|crash", re.IGNORECASE)


def _deref(schema: Any, root: dict[str, Any]) -> Any:
    """Follow local '#/...' $refs (one level at a time, bounded)."""
    for _ in range(8):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#")):
            return schema
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return {}
            node = node[part]
        schema = node
    return schema


def _merged(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """allOf folded into one schema (properties and required unioned)."""
    if "allOf" not in schema:
        return schema
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = _merged(_deref(part, root), root) if isinstance(part, dict) else {}
        for k, v in part.items():
            if k == "properties":
                out["properties"] = {**out.get("properties", {}), **v}
            elif k == "required":
                out["required"] = sorted(set(out.get("required", [])) | set(v))
            else:
                out.setdefault(k, v)
    return out


def _type_of(schema: dict[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), t[0] if t else None)
    if t is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
    return t


def _string(schema: dict[str, Any], name: str) -> str:
    candidates: list[str] = []
    if schema.get("format") in FORMATS:
        candidates.append(FORMATS[schema["format"]])
    for pattern, value in NAME_HINTS:
        if pattern.search(name):
            candidates.append(value)
            break
    candidates += ["example", "a", "1", "abc", "123", "A1", "example-1"]
    lo, hi = int(schema.get("minLength", 0)), schema.get("maxLength")
    regex = schema.get("pattern")
    for c in candidates:
        if len(c) < lo:
            c = c + c[-1] * (lo - len(c))
        if hi is not None and len(c) > int(hi):
            c = c[: int(hi)]
        if regex:
            try:
                if not re.search(regex, c):
                    continue
            except re.error:
                pass
        return c
    return "x" * max(lo, 1)


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    if isinstance(schema.get("exclusiveMinimum"), (int, float)):
        lo = schema["exclusiveMinimum"] + (1 if integer else 0.5)
    if isinstance(schema.get("exclusiveMaximum"), (int, float)):
        hi = schema["exclusiveMaximum"] - (1 if integer else 0.5)
    value: float = 1
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0 and value % step:
        value = (value // step + 1) * step
    if integer:
        return int(-(-value // 1)) if not float(value).is_integer() else int(value)
    return int(value) if float(value).is_integer() else value


def example_value(schema: Any, root: dict[str, Any], *, name: str = "", full: bool = False, depth: int = 0) -> Any:
    """One schema-conforming value (best effort; the caller validates)."""
    schema = _deref(schema, root)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return "example"
    schema = _merged(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        # the happy path: skip values that ask for a failure ('error', 'fail') when there is another choice
        options = [v for v in schema["enum"] if v is not None] or schema["enum"]
        return next((v for v in options if not (isinstance(v, str) and _FAILURE_WORD.search(v))), options[0])
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            options = [_deref(o, root) for o in schema[key]]
            pick = next((o for o in options if isinstance(o, dict) and o.get("type") != "null"), options[0])
            return example_value(pick, root, name=name, full=full, depth=depth + 1)
    t = _type_of(schema)
    if t == "string":
        return _string(schema, name)
    if t in ("integer", "number"):
        return _number(schema, t == "integer")
    if t == "boolean":
        return True
    if t == "null":
        return None
    if t == "array":
        items = schema.get("items", {})
        n = max(int(schema.get("minItems", 1)), 1)
        if schema.get("maxItems") is not None:
            n = min(n, int(schema["maxItems"]))
        if isinstance(items, list):  # draft-7 tuple form
            return [example_value(s, root, full=full, depth=depth + 1) for s in items]
        values = [example_value(items, root, name=name, full=full, depth=depth + 1) for _ in range(n)]
        if schema.get("uniqueItems") and len(values) > 1 and all(v == values[0] for v in values):
            values = values[:1]
        return values
    if t == "object" or t is None:
        return object_value(schema, root, full=full, depth=depth + 1)
    return "example"


def object_value(schema: dict[str, Any], root: dict[str, Any], *, full: bool, depth: int = 0) -> dict[str, Any]:
    props = schema.get("properties") or {}
    required = [r for r in schema.get("required", []) if isinstance(r, str)]
    keys = list(props) if full else [k for k in props if k in required]
    keys += [r for r in required if r not in keys]
    return {k: example_value(props.get(k, {"type": "string"}), root, name=k, full=full, depth=depth) for k in keys}


def _validator(schema: dict[str, Any]) -> Any:
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema)


def valid_argument_sets(schema: Any) -> list[tuple[str, dict[str, Any]]]:
    """Schema-valid argument sets: ('required', only the required properties) and ('all', every property) when they
    differ. Returns [] when the schema has no object root or nothing valid could be generated."""
    if not isinstance(schema, dict) or _type_of(schema) not in ("object", None):
        return []
    try:
        validator = _validator(schema)
    except SchemaError:
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    for variant, full in (("required", False), ("all", True)):
        try:
            args = object_value(_merged(schema, schema), schema, full=full)
        except (RecursionError, TypeError, ValueError):
            continue
        required = set(schema.get("required") or [])
        ok = False
        for _ in range(len(args) + 1):
            try:
                errors = list(validator.iter_errors(args))
            except Exception:
                break
            if not errors:
                ok = True
                break
            # drop optional properties we could not fill validly, keep trying with the rest
            bad = {e.path[0] for e in errors if e.path and e.path[0] in args and e.path[0] not in required}
            if not bad:
                break
            args = {k: v for k, v in args.items() if k not in bad}
        if ok and not any(args == a for _, a in out):
            out.append((variant, args))
    return out


def _wrong_value(prop: dict[str, Any]) -> Any:
    """A value of the wrong JSON type for `prop` (hard to coerce into the right one)."""
    if isinstance(prop.get("enum"), list):
        return "__not_one_of_the_allowed_values__"
    t = _type_of(prop)
    if t == "string":
        return {"unexpected": "object"}
    if t in ("integer", "number"):
        return "not-a-number"
    if t == "boolean":
        return "not-a-boolean"
    if t == "array":
        return 12345
    if t == "object":
        return "not-an-object"
    return None


def invalid_argument_set(schema: Any) -> tuple[str, dict[str, Any]] | None:
    """One argument set the schema forbids, or None when the schema allows anything (then nothing can be invalid).

    Missing required arguments when there are any; otherwise a wrong type for the first typed property.
    """
    if not isinstance(schema, dict) or _type_of(schema) not in ("object", None):
        return None
    schema_m = _merged(schema, schema)
    props = schema_m.get("properties") or {}
    required = [r for r in schema_m.get("required", []) if isinstance(r, str)]
    candidates: list[tuple[str, dict[str, Any]]] = []
    if required:
        candidates.append(("missing-required", {}))
    for key, prop in props.items():
        wrong = _wrong_value(_deref(prop, schema))
        if wrong is not None:
            base = object_value(schema_m, schema, full=False)
            candidates.append((f"wrong-type:{key}", {**base, key: wrong}))
            break
    try:
        validator = _validator(schema)
    except SchemaError:
        return None
    for variant, args in candidates:
        try:
            if not validator.is_valid(args):
                return variant, args
        except Exception:
            continue
    return None


__all__ = ["example_value", "invalid_argument_set", "object_value", "valid_argument_sets"]
