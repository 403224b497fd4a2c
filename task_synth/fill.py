"""Filling a write tool's parameters from the world, by parameter name, description and JSON type.

No tool is named here: a parameter is a *handle* (where things go: a file, a sheet, a cell, a list's name, an id), a
*content* slot (rows, text, items: what is written) or a count that follows from the content; anything else is left
to its default, or the tool cannot be filled. Handles are literal names built from the topic, except ids, which are
bound to an earlier step's output where a key of that name appears.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from task_synth import bounds
from task_synth.topics import Topic

_FILE = re.compile(r"(^|_)(path|file|filename|file_?path|file_?name|workbook|document|doc|presentation|deck|"
                   r"spreadsheet|db|database)$", re.IGNORECASE)
_SHEET = re.compile(r"(^|_)(sheet|sheet_?name|worksheet|tab)$", re.IGNORECASE)
_CELL = re.compile(r"(^|_)(at|cell|start_?cell|anchor|top_?left)$", re.IGNORECASE)
_NAME = re.compile(r"(^|_)(name|title|label|project|list|collection|topic|subject|heading|original_?request|"
                   r"category|group)$",
                   re.IGNORECASE)
_NAMED = re.compile(r"\s*(?:the\s+|an?\s+)?((?:[A-Za-z]+\s+){0,2}?[A-Za-z]+)\s+name\b(?!\s+(?:of|or)\b)",
                    re.IGNORECASE)
"""A description that starts by saying what the value names ("Binder name", "Target section name")."""
_NAME_OF = re.compile(r"\s*(?:the\s+)?name\s+of\s+(?:the\s+|an?\s+)?((?:[A-Za-z]+\s+){0,2}?[A-Za-z]+)\b", re.IGNORECASE)
"""The same said the other way round ("Name of the exercise")."""
_ID = re.compile(r"(^|_)(id|session|session_?id|request_?id|handle|key|uuid)$|[a-z]Id$", re.IGNORECASE)
_TEXT = re.compile(r"(^|_)(text|content|contents|body|note|notes|message|description|desc|details|markdown|paragraph|"
                   r"observations?|memo|comment|summary|data|values?|input|entry|entries|items|tasks|rows|records|"
                   r"lines)$|(^|_)(input|source|raw|plain)_?(string|str)$", re.IGNORECASE)
INT_ID = re.compile(r"(^|_)id$|[a-z]Id$", re.IGNORECASE)
"""An integer named like an item's id (`id`, `task_id`, `memoryId`): a number the store gave the item, never a count."""
_ROWS_N = re.compile(r"^(rows|row_?count|num_?rows|n_?rows)$", re.IGNORECASE)
_COLS_N = re.compile(r"^(cols|columns|col_?count|num_?cols|n_?cols|num_?columns)$", re.IGNORECASE)
_EXT = re.compile(r"\.(xlsx|xlsm|xls|csv|docx|pptx|md|txt|json|db|sqlite)\b", re.IGNORECASE)
FORMATS = (("spreadsheet", ".xlsx", re.compile(r"\b(excel|workbook|spreadsheet|xlsx)\b", re.IGNORECASE)),
           ("document", ".docx", re.compile(r"\b(word document|docx)\b", re.IGNORECASE)),
           ("presentation", ".pptx", re.compile(r"\b(powerpoint|presentation|slide deck|pptx)\b", re.IGNORECASE)))
"""File formats a server's descriptions may name, with the extension a new file of that format takes."""


class Unfillable(Exception):
    """A required parameter has no value we can give."""


def json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema allows, through its anyOf / oneOf alternatives (null aside)."""
    t = schema.get("type")
    out = set(t) if isinstance(t, list) else {t} if t else set()
    for alt in schema.get("anyOf") or schema.get("oneOf") or []:
        if isinstance(alt, dict):
            out |= json_types(alt)
    if not out and isinstance(schema.get("default"), str):
        out = {"string"}  # an unannotated parameter defaulting to "" (`note=""`) takes text
    return out - {"null"}


def file_format(texts: list[str]) -> tuple[str, str]:
    """('spreadsheet', '.xlsx') from the server's descriptions: an extension they name, else a format word."""
    exts = Counter(m.group(1).lower() for t in texts for m in _EXT.finditer(t))
    words = Counter(noun for t in texts for noun, _, rx in FORMATS if rx.search(t))
    if words:
        noun = words.most_common(1)[0][0]
        return noun, next(ext for n, ext, _ in FORMATS if n == noun)
    if exts:
        ext = exts.most_common(1)[0][0]
        return "file", f".{ext}"
    return "file", ""


def role(name: str, schema: dict[str, Any]) -> str:
    """'file' · 'sheet' · 'cell' · 'name' · 'id' · 'rows_n' · 'cols_n' · 'content' · 'enum' · 'flag' · '' (unknown)."""
    types = json_types(schema)
    desc = str(schema.get("description", ""))
    if "enum" in schema:
        return "enum"
    if types == {"boolean"}:
        return "flag"
    if types & {"integer", "number"} and not types & {"string", "array"}:
        if re.search(r"(^|_)(index|idx|position)$|[a-z]Index$", name):
            return "index"
        if "integer" in types and INT_ID.search(name):  # an item's number: bound from what made the item
            return "id"
        return "rows_n" if _ROWS_N.match(name) else "cols_n" if _COLS_N.match(name) else ""
    if "array" in types and name.lower().endswith("s") and any(_items_are_text(a) for a in _alternatives(schema)):
        single = role(name[:-1], {"type": "string", "description": desc})
        if single in ("file", "sheet", "cell", "name"):
            return f"{single}_list"
    if types == {"string", "array"} and all(_items_are_text(a) for a in _alternatives(schema) if "items" in a):
        # one or several ("x" or ["x", "y"]): a handle, given as one string
        single = role(name, {"type": "string", "description": desc})
        if single in ("file", "sheet", "cell", "name", "id"):
            return single
    if "array" in types or "object" in types:
        return "content"
    if _FILE.search(name):
        return "file"
    if _named(name, schema, desc):
        return "name"  # "Binder name (used as the file name when saved)", "Section name": its name
    if re.search(r"\bpath to\b|\bfile ?name\b", desc, re.IGNORECASE):
        return "file"
    if _SHEET.search(name):
        return "sheet"
    if _CELL.search(name) or re.search(r"\b(top-left|upper-left|start(ing)?) cell\b", desc, re.IGNORECASE):
        return "cell"
    if _ID.search(name):
        return "id"
    if _NAME.search(name):
        return "name"
    if _TEXT.search(name):
        return "content"
    return ""


def _named(name: str, schema: dict[str, Any], desc: str) -> bool:
    """A text parameter whose description starts by naming it ("Binder name" or "Name of the binder" for `binder`,
    "Binder name (used as the file name when saved)" for `name`), of no kind with values of its own ("Timezone name
    (IANA)" is a time zone's)."""
    from task_synth.kinds import param_kind

    m = _NAMED.match(desc) or _NAME_OF.match(desc)
    if not m or not json_types(schema) <= {"string"} or param_kind(name, schema) is not None:
        return False
    noun = m.group(1).lower().split()[-1]
    own = re.split(r"_|(?<=[a-z])(?=[A-Z])", name)[-1].lower()
    return noun != "file" and (own == "name" or noun == own)


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself and the alternatives of its anyOf / oneOf."""
    alts = [a for a in schema.get("anyOf") or schema.get("oneOf") or [] if isinstance(a, dict)]
    return [schema, *alts]


def _items_are_text(schema: dict[str, Any]) -> bool:
    items = schema.get("items") or {}
    return isinstance(items, dict) and json_types(items) == {"string"}


def _scalar_items(schema: dict[str, Any]) -> set[str]:
    items = schema.get("items") or {}
    return json_types(items) if isinstance(items, dict) else set()


def content_value(schema: dict[str, Any], topic: Topic) -> Any:
    """The topic's records in the shape the parameter takes: rows (header first), lines, objects or one text."""
    types = json_types(schema)
    if "array" in types:
        items = schema.get("items") or {}
        inner = json_types(items) if isinstance(items, dict) else set()
        if "array" in inner:
            cell_types = _scalar_items(items)
            as_text = cell_types and not cell_types & {"number", "integer"}
            return [list(topic.columns)] + [[str(v) if as_text else v for v in r] for r in topic.rows]
        if inner and inner <= {"number", "integer"}:
            return numeric_column(topic, integers=inner == {"integer"})
        if "object" in inner:
            return _objects(schema, items, topic)
        return topic.lines()
    if "object" in types:
        return {c: v for c, v in zip(topic.columns, topic.rows[0], strict=False)}
    return f"{topic.title[0].upper()}{topic.title[1:]}: " + "; ".join(topic.lines()) + "."


def numeric_column(topic: Topic, integers: bool = False) -> list[Any]:
    """The first column of the records whose every value is a figure (integers only when asked), as a list: what an
    array of numbers takes. Raises Unfillable when the records have none."""
    for i in range(len(topic.columns)):
        col = [r[i] for r in topic.rows if i < len(r)]
        if col and len(col) == len(topic.rows) and all(
                isinstance(x, int) if integers else isinstance(x, int | float) for x in col) and \
                not any(isinstance(x, bool) for x in col):
            return col
    raise Unfillable("an array of numbers the records have no column for")


_HEADING = re.compile(r"head|title", re.IGNORECASE)
_PARAGRAPH = re.compile(r"^(text|paragraph|para|p|body|plain|prose)$", re.IGNORECASE)
_NO_VALUE = object()


def fixed(schema: dict[str, Any]) -> Any:
    """The one value a property allows (`const`, or an enum of one): a discriminator's tag. _NO_VALUE when free."""
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and len(enum) == 1 else _NO_VALUE


def _variants(items: dict[str, Any]) -> list[dict[str, Any]]:
    """The object shapes an array's items take: the item schema itself, or each object alternative of its anyOf /
    oneOf, nested ones flattened (content blocks tagged by a discriminator: a heading, a paragraph, an image)."""
    alts = [a for a in items.get("anyOf") or items.get("oneOf") or []
            if isinstance(a, dict) and "object" in json_types(a)]
    return [items] if items.get("properties") or not alts else [v for a in alts for v in _variants(a)]


def _tag(variant: dict[str, Any]) -> str:
    props: dict[str, Any] = variant.get("properties") or {}
    return " ".join(str(v) for v in (fixed(ps or {}) for ps in props.values()) if v is not _NO_VALUE)


def _carries_text(variant: dict[str, Any]) -> bool:
    """The item holds a text of its own (a `text`, `content` or `body` string), so a record can be written in it."""
    props: dict[str, Any] = variant.get("properties") or {}
    return any(fixed(ps or {}) is _NO_VALUE and role(p, ps or {}) == "content" and json_types(ps or {}) == {"string"}
               for p, ps in props.items())


def _objects(schema: dict[str, Any], items: dict[str, Any], topic: Topic) -> list[dict[str, Any]]:
    """The records as an array of objects. One shape: one object per record. Tagged shapes (content blocks): of
    the shapes that carry text, a heading with the topic's title when there is one, then one paragraph-like item
    per record. Within minItems / maxItems (a heading is dropped first), else Unfillable."""
    variants = _variants(items)
    rows = list(zip(topic.rows, topic.lines(), strict=True))
    if len(variants) == 1:
        out = [_object(variants[0], topic, r, line) for r, line in rows]
        head: list[dict[str, Any]] = []
    else:
        texts = [v for v in variants if _carries_text(v)]
        headings = [v for v in texts if _HEADING.search(_tag(v))]
        bodies = sorted((v for v in texts if v not in headings), key=lambda v: not _PARAGRAPH.match(_tag(v)))
        out = []
        for body in bodies:
            try:
                out = [_object(body, topic, r, line) for r, line in rows]
                break
            except Unfillable:
                continue
        if not out:
            raise Unfillable("items of which none carries a text")
        title = f"{topic.title[0].upper()}{topic.title[1:]}"
        head = []
        for h in headings[:1]:
            try:
                head = [_object(h, topic, [title], title)]
            except Unfillable:
                pass
    low, high = int(schema.get("minItems") or 0), schema.get("maxItems")
    if high is not None and len(head) + len(out) > int(high):
        head = []
    if len(out) + len(head) < low or (high is not None and len(out) > int(high)):
        raise Unfillable(f"{len(out)} records in an array of {low} to {high} items")
    return head + out


def _cell(prop: str, schema: dict[str, Any], columns: list[str], row: list[Any]) -> Any:
    """The record's value in the column a property is named for ('list_price_eur' or 'listPriceEur' for 'List price
    EUR'), as the property's type takes it; _NO_VALUE when no column has its name or the value does not fit."""
    key = re.sub(r"[^a-z0-9]", "", prop.lower())
    col = next((i for i, c in enumerate(columns) if re.sub(r"[^a-z0-9]", "", c.lower()) == key), None)
    if col is None or len(row) != len(columns):
        return _NO_VALUE
    value, types = row[col], json_types(schema)
    if types == {"string"}:
        value = str(value)
    elif types and types <= {"number", "integer"} and (not isinstance(value, int | float) or isinstance(value, bool)):
        return _NO_VALUE
    return value if bounds.fits(schema, value) else _NO_VALUE


def _object(schema: dict[str, Any], topic: Topic, row: list[Any], line: str) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    required = list(schema.get("required") or [])
    out: dict[str, Any] = {}
    for p in list(dict.fromkeys(required + list(props))):
        ps = props.get(p) or {}
        r = role(p, ps)
        cell = _cell(p, ps, topic.columns, row)
        if fixed(ps) is not _NO_VALUE:
            out[p] = fixed(ps)  # a discriminator: the tag of the item's shape
        elif cell is not _NO_VALUE:
            out[p] = cell
        elif r == "name" and re.search(r"category|group", p, re.IGNORECASE) and "string" in json_types(ps):
            out[p] = topic.noun  # an item's category is what the records are, never one record's name
        elif r == "name" or (r == "id" and p.lower().endswith("name")):
            out[p] = str(row[0])
        elif r == "id" and p not in required:
            continue  # an optional id is the store's to give
        elif r == "id" and "string" in json_types(ps):
            out[p] = slug(str(row[0])).replace("-", "_")  # the id the caller gives the item: its name's slug
        elif r == "content" and "object" in json_types(ps) and p not in required:
            continue  # free fields of the item: none needed
        elif r == "content":
            out[p] = [line] if "array" in json_types(ps) else line
        elif r == "enum" and p in required:
            out[p] = ps["enum"][0]
        elif p in required:
            if "string" in json_types(ps):
                out[p] = topic.noun if re.search(r"type|kind|category", p, re.IGNORECASE) else line
            else:
                raise Unfillable(f"item property '{p}'")
    filled = [p for p in required if out.get(p) == line and role(p, props.get(p) or {}) != "content"]
    if len(filled) > 1:  # `from` and `to` of a relation: it links two things, it keeps no record
        raise Unfillable(f"items that relate two things ({', '.join(filled)})")
    return out


def handle_value(r: str, topic: Topic, fmt: tuple[str, str], files: Sequence[str] = ()) -> Any:
    """A literal handle built from the topic: 'brightwater-products.xlsx', 'Sheet1', 'A1', 'Brightwater products'.
    A server that cannot make files and was given some (FILES: task_synth.offered) writes into one of those of the
    format, not the topic's own table (else any), drawn by the topic's key so topics spread over the files."""
    if r == "file" and files:
        ext = fmt[1] or ".md"
        fits = [f for f in files if f.endswith(ext) and not f.startswith(f"{topic.key}.")] or list(files)
        return fits[sum(map(ord, topic.key)) % len(fits)]
    if r == "file":
        return f"brightwater-{topic.key}{fmt[1]}"
    if r == "sheet":
        return "Sheet1"
    if r == "cell":
        return "A1"
    if r == "name":
        return f"Brightwater {topic.key.replace('-', ' ')}"
    raise Unfillable(r)


def id_noun(param: str) -> str:
    """The thing an id parameter names, lower case ('charge_id', 'chargeId', 'line_item_id' -> 'charge', 'charge',
    'line item'); '' for a bare `id` or a name that is no id."""
    m = re.fullmatch(r"(.+?)[_-]?(?:id|Id|ID)", param)
    if not m:
        return ""
    return " ".join(w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[0-9]+", m.group(1)))


def key_regex(param: str, output: str, generic: bool = True) -> str | None:
    """A regex reading the value of a key named like `param` in an output (JSON or 'key: value'), or None. A
    `<noun>_id` falls back on a bare `id` key only when GENERIC (the output is about that noun: handles.id_fits)."""
    names = [param] + ([param[:-2] + "_id"] if param.endswith("Id") else [])
    if generic and (param.endswith("Id") or param.endswith("_id")):
        names.append("id")
    for name in names:
        for rx in (rf'"{re.escape(name)}"\s*:\s*"([^"\n]+)"', rf'"{re.escape(name)}"\s*:\s*(\d+)',
                   rf"(?im)^\W*{re.escape(name)}\W*[:=]\s*([\w.-]+)"):
            if re.search(rx, output):
                return rx
    return None


FOLDER = re.compile(r"folder|dir(?:ectory)?(?:_|$)|Dir", re.IGNORECASE)
_SLUG_ONLY = re.compile(r"filename[- ]safe|alphanumeric|no spaces|without spaces|\bslug\b|hyphens?(?:,| and| or) "
                        r"underscores?|\[a-z0-9_-\]|\[A-Za-z0-9_-\]|\\w", re.IGNORECASE)


def slug(text: str) -> str:
    """'Brightwater products' -> 'brightwater-products' (for names that must be identifier-like)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def fill(schema: dict[str, Any], topic: Topic, fmt: tuple[str, str], *, with_content: bool = True,
         description: str = "", titled: bool = False, files: Sequence[str] = ()
         ) -> tuple[dict[str, Any], list[str], list[str]]:
    """(arguments, id params left to bind, content params filled). Raises Unfillable naming the parameter.

    Optional content slots are filled too (a table whose data is optional), optional handles only when a required
    parameter is not a handle of the same role. A name the parameter's or the tool's DESCRIPTION says must be
    identifier-like ('filename-safe', 'alphanumeric, hyphens, underscores') or that fails its pattern is a slug.
    TITLED (without content): a required text content parameter takes the topic's name instead of its records (a
    creator that needs a text to make the item at all: a todo's text, a note's body).
    """
    from task_synth.freetext import is_prose  # freetext uses fill.role

    props: dict[str, Any] = (schema or {}).get("properties") or {}
    required = list((schema or {}).get("required") or [])
    args: dict[str, Any] = {}
    ids: list[str] = []
    contents: list[str] = []
    for p in required + [p for p in props if p not in required]:
        ps = props.get(p) or {}
        r = role(p, ps)
        need = p in required
        if r == "content" and with_content and (need or _plain_content(p, ps)):
            args[p] = content_value(ps, topic)
            contents.append(p)
        elif r == "content" and titled and need and json_types(ps) == {"string"}:
            args[p] = handle_value("name", topic, fmt)
        elif r == "file" and need and files and FOLDER.search(p):
            args[p] = "."  # the folder the given files sit in: where the server runs
        elif r in ("file", "sheet", "cell", "name") and need:
            args[p] = handle_value(r, topic, fmt, files)
            if r == "name" and (_SLUG_ONLY.search(f"{ps.get('description', '')} {description}")
                                or not bounds.fits(ps, args[p])):
                args[p] = slug(args[p])
        elif r.endswith("_list") and need:
            args[p] = [handle_value(r.removesuffix("_list"), topic, fmt, files)]
        elif r == "id" and need:
            ids.append(p)
        elif r == "index" and need:
            args[p] = int(ps.get("minimum", 0) or 0)  # the first one (0-based unless the schema says otherwise)
        elif r == "rows_n" and need:
            args[p] = _bounded(p, ps, len(topic.rows) + 1)
        elif r == "cols_n" and need:
            args[p] = _bounded(p, ps, len(topic.columns))
        elif r == "enum" and need:
            args[p] = ps.get("default", ps["enum"][0])
        elif r == "flag" and need:
            args[p] = bool(ps.get("default", False))
        elif need and "default" not in ps:
            value = kind_value(p, ps, description)
            if value is None and is_prose(p, ps):
                # a text of a name no list knows (`musing`, `resoconto`): what is written, as content is
                value = content_value(ps, topic) if with_content else handle_value("name", topic, fmt)
                if not bounds.fits(ps, value):
                    raise Unfillable(f"'{p}' ({bounds.why_not(ps, value)})")
                contents += [p] if with_content else []
            if value is None:
                raise Unfillable(f"'{p}'")
            args[p] = value
    if with_content and "rows_n" in {role(p, props.get(p) or {}) for p in args} and not contents:
        raise Unfillable("a table size without its data")
    return args, ids, contents


def kind_value(name: str, schema: dict[str, Any], description: str = "") -> Any:
    """A value for a parameter that is no handle, content or count, by the kind its name, description, format or its
    tool's DESCRIPTION give it (kinds.py, addresses.py): a date, a figure of its class (money for an `amount`), an
    e-mail or IPv4 address; None when it has no kind with values. Typed or not (`amount: {}` takes money as
    `amount: number` does)."""
    from task_synth.addresses import role_kind
    from task_synth.kinds import KINDS, param_kind

    kind = param_kind(name, schema) or role_kind(name, schema, description)
    if kind is None or kind not in KINDS:
        return None
    fit = bounds.conform(schema, kind_values(name, kind, schema))
    return fit[0] if fit else None


def kind_values(name: str, kind: str, schema: dict[str, Any] | None = None) -> list[Any]:
    """The values `kind_value` chooses from for a parameter of KIND: figures of the class its name says (numbers),
    else the kind's seeds."""
    from task_synth.kinds import KINDS
    from task_synth.magnitudes import plausible

    schema = schema or {}
    if kind == "number":
        typed = schema if json_types(schema) else {**schema, "type": "number"}
        return plausible(name, typed) or list(KINDS["number"].seeds)
    return list(KINDS[kind].seeds) if kind in KINDS else []


def _bounded(name: str, schema: dict[str, Any], value: int) -> int:
    """A size the records need, when the parameter's bounds allow it. Raises Unfillable naming the bound."""
    why = bounds.why_not(schema, value)
    if why:
        raise Unfillable(f"'{name}' ({value} records, {why})")
    return value


def _plain_content(name: str, schema: dict[str, Any]) -> bool:
    """An optional slot worth filling: named like content, and shaped as text or rows of scalars."""
    if not _TEXT.search(name):
        return False
    types = json_types(schema)
    if types == {"string"}:
        return True
    items = schema.get("items") or {}
    return "array" in types and isinstance(items, dict) and "array" in json_types(items)


def writes_content(schema: dict[str, Any]) -> bool:
    """The tool takes something to write (rows, text, items), not only handles."""
    props: dict[str, Any] = (schema or {}).get("properties") or {}
    return any(role(p, ps or {}) == "content" for p, ps in props.items())


def sql_identifier(text: str) -> str:
    return re.sub(r"\W+", "_", text.strip().lower()).strip("_") or "c"


def _sql_literal(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def sql_statements(topic: Topic) -> tuple[str, str, str, str]:
    """(table, CREATE TABLE, INSERT, SELECT) writing the topic's records into a new table (standard SQL)."""
    table = "brightwater_" + sql_identifier(topic.key)
    cols = [sql_identifier(c) for c in topic.columns]
    types = ["REAL" if all(isinstance(r[i], (int, float)) for r in topic.rows) else "TEXT" for i in range(len(cols))]
    create = f"CREATE TABLE {table} (" + ", ".join(f'"{c}" {t}' for c, t in zip(cols, types, strict=True)) + ")"
    values = ", ".join("(" + ", ".join(_sql_literal(v) for v in r) + ")" for r in topic.rows)
    return table, create, f"INSERT INTO {table} VALUES {values}", f"SELECT * FROM {table}"


def describe_args(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, ensure_ascii=False)[:200]


__all__ = ["FOLDER", "FORMATS", "INT_ID", "Unfillable", "content_value", "file_format", "fill", "handle_value",
           "id_noun", "json_types", "key_regex", "kind_value", "kind_values", "role", "sql_statements",
           "writes_content"]
