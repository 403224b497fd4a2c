"""Arrays and objects: a required array parameter gets a one-element value when its items have a known kind.

- items that are strings of a known kind (`timezones: [string]` → the timezone kind) or numbers → `[kind]`;
- items that are objects whose only required property has a known kind, or (none required) whose path or URL
  property can be filled → `[{prop:kind}]`.

A path the tool must read is a file the fleet gives the server: the files under its working directory (`cwd`) or
its per-episode copies of the world (`isolation.copy`), of a format the tool's description names ("PDFs" → .pdf),
as paths relative to where the server runs. They are the run-local kind `path@server` (valid on that server only).
Shaped kinds are literal-only: `graph.literal_values` builds their values from the inner kind's pool.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from task_synth import bounds, magnitudes
from task_synth.binding import expand
from task_synth.freetext import TEXT, is_free_text, world_texts
from task_synth.kinds import KINDS, param_kind

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph

FILES = 6
"""Files kept per server."""
_FORMATS = re.compile(r"\b(pdf|csv|xlsx|docx|pptx|json|markdown|md|txt|html|yaml|xml)s?\b", re.IGNORECASE)
_SHAPE = re.compile(r"^\[(?:\{(\w+):(.+)\}|(.+))\]$")
"""`[kind]`, `[{prop:kind}]` or `[{p:k1,q:k2}]`."""


def _types(schema: dict[str, Any]) -> set[str]:
    t = schema.get("type")
    return (set(t) if isinstance(t, list) else {t} if t else set()) - {"null"}


def singular(name: str) -> str:
    return name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name


def server_files(spec: Any, builtins: dict[str, str], texts: list[str]) -> list[str]:
    """Files of a format `texts` name that the server can read, relative to where it runs (sorted, capped)."""
    exts = sorted({("md" if m.group(1).lower() == "markdown" else m.group(1).lower())
                   for t in texts for m in _FORMATS.finditer(t)})
    if spec is None or not exts:
        return []
    roots: list[tuple[Path, str]] = []
    cwd = expand(spec.cwd or "", builtins)
    if cwd and "${" not in cwd and Path(cwd).is_dir() and "EPISODE_DIR" not in (spec.cwd or ""):
        roots.append((Path(cwd), ""))
    world = builtins.get("WORLD")
    # copies land in the episode directory; seen from a cwd inside it (`${EPISODE_DIR}/office`) the prefix goes
    base = (spec.cwd or "").removeprefix("${EPISODE_DIR}").strip("/") if (spec.cwd or "").startswith(
        "${EPISODE_DIR}") else ""
    for c in getattr(getattr(spec, "isolation", None), "copy_", None) or []:
        if world and (Path(world) / c).is_dir():
            prefix = f"{c}/"
            if base and prefix.startswith(base + "/"):
                prefix = prefix[len(base) + 1:]
            roots.append((Path(world) / c, prefix))
    out: list[str] = []
    for root, prefix in roots:
        for f in sorted(root.rglob("*"))[:2000]:
            if f.is_file() and f.suffix.lstrip(".").lower() in exts:
                out.append(prefix + f.relative_to(root).as_posix())
    return out[:FILES]


def _text_pool(graph: ToolGraph, name: str, schema: dict[str, Any]) -> bool:
    """A free-text property (freetext.is_free_text), with the world's sentences as the text pool."""
    if not is_free_text(name, schema):
        return False
    if not graph.pools.get(TEXT) and world_texts():
        graph.pools[TEXT] = list(world_texts())
    return bool(graph.pools.get(TEXT))


def _scalar_kind(graph: ToolGraph, name: str, schema: dict[str, Any], files_kind: str | None,
                 in_object: bool = False, in_item: bool = False) -> str | None:
    types = _types(schema)
    if in_object and "enum" in schema:
        return "enum"
    if in_object and types == {"boolean"}:
        return "boolean"
    if types & {"integer", "number"} and not types & {"string"}:
        return "number"
    kind = param_kind(name, schema)
    if kind is None and in_item and _text_pool(graph, name, schema):
        return TEXT  # a text item (`{text, fontSize}` to measure or render): a sentence of the world's documents
    if kind == "palette":  # an item of a palette is a colour
        kind = "colour"
    if kind in ("path", "url") and not graph.pools.get(kind) and files_kind and kind == "path":
        return files_kind
    if kind in (None, "enum", "boolean") or not graph.pools.get(kind):
        return files_kind if files_kind and re.search(r"path|file", name, re.IGNORECASE) else None
    return kind


def shape_kind(graph: ToolGraph, name: str, schema: dict[str, Any], files_kind: str | None) -> str | None:
    """The shaped kind of an array parameter, else None: `[kind]` for scalar items, `[{p:kind}]` for objects whose
    one required property has a kind, `[{p:k1,q:k2}]` for objects whose several required properties all have one
    (enums and flags among them), `[{path:…}]` for objects with nothing required and a path or URL."""
    if "array" not in _types(schema):
        return None
    items = schema.get("items") or {}
    if not isinstance(items, dict):
        return None
    if "object" in _types(items):
        props = items.get("properties") or {}
        req = list(items.get("required") or [])
        if req:
            ks = [_scalar_kind(graph, p, props.get(p) or {}, files_kind, in_object=len(req) > 1, in_item=True)
                  for p in req]
            if any(k is None for k in ks) or set(ks) <= {"enum", "boolean"}:
                return None
            return "[{" + ",".join(f"{p}:{k}" for p, k in zip(req, ks, strict=True)) + "}]"
        for p in sorted(props, key=lambda p: (param_kind(p, props[p] or {}) != "path", p)):
            if param_kind(p, props[p] or {}) in ("path", "url"):
                k = _scalar_kind(graph, p, props[p] or {}, files_kind)
                if k:
                    return f"[{{{p}:{k}}}]"
        return None
    k = _scalar_kind(graph, singular(name), items, files_kind)
    return f"[{k}]" if k else None


def _item_pool(graph: ToolGraph, kind: str, prop: str, schema: dict[str, Any]) -> list[Any]:
    """Values of one item (or one item property) of a kind, fitting its schema."""
    if kind == "enum":
        return list(schema.get("enum") or [])
    if kind == "boolean":
        return [bool(schema.get("default", False))]
    pool = (magnitudes.plausible(prop, schema) if kind == "number" else []) or list(graph.pools.get(kind, []))
    return bounds.conform(schema, pool) or bounds.in_bounds(schema) or []


def values(graph: ToolGraph, kind: str, schema: dict[str, Any]) -> list[Any]:
    """Values of a shaped kind, item by item from the item schema and the inner kinds' pools: arrays of one item, or
    of as many as the items' kind says a list of them has (a palette of three colours) or `minItems` asks."""
    m = _SHAPE.match(kind)
    if not m:
        return []
    items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
    items = items or {}
    want = max(int(schema.get("minItems") or 1), 1)
    if not m.group(1):
        inner = m.group(3)
        pool = _item_pool(graph, inner, "", items)
        if items.get("type") == "integer":
            pool = [v for v in pool if isinstance(v, int) and not isinstance(v, bool)]
        n = max(want, KINDS[inner].items if inner in KINDS else 1)
        if n <= 1 or len(pool) < n:
            return [[v] for v in pool]
        return [[pool[(i + j) % len(pool)] for j in range(n)] for i in range(len(pool))]
    props = items.get("properties") or {}
    fields = [f.split(":", 1) for f in f"{m.group(1)}:{m.group(2)}".split(",")]
    pools = {p: _item_pool(graph, k, p, props.get(p) or {}) for p, k in fields}
    if any(not v for v in pools.values()):
        return []
    size = max(len(v) for v in pools.values())
    objs = [{p: pools[p][i % len(pools[p])] for p, _ in fields} for i in range(size)]
    if want <= 1:
        return [[o] for o in objs]
    return [[objs[(i + j) % len(objs)] for j in range(want)] for i in range(len(objs))]


def inlined(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """`schema` with local `$ref`s (`#/$defs/Item`) replaced by what they point to in `root` (bounded depth), so an
    array's item schema is seen whether the server wrote it inline or as a definition."""
    if depth > 6:
        return schema
    if isinstance(schema, list):
        return [inlined(x, root, depth + 1) for x in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict):
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return inlined({**target, **rest}, root, depth + 1)
    return {k: (v if k in ("$defs", "definitions") else inlined(v, root, depth + 1)) for k, v in schema.items()}


def unwrapped(entry: ToolEntry) -> tuple[ToolEntry, str] | None:
    """(the tool as if it took its parameters directly, the name of the one object it wraps them in), or None. A
    tool whose only parameter is an object with fields of its own (`{"params": {"$ref": "#/$defs/LogInput"}}`, as
    servers that validate their input with one model per tool write it) is sampled, filled and bound by those
    fields; its calls put them back in the object (variants.real_call)."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    if len(props) != 1:
        return None
    [(name, inner)] = props.items()
    inner = inlined(inner, schema) if isinstance(inner, dict) else None
    alts = [a for a in (inner or {}).get("anyOf") or [] if isinstance(a, dict) and a.get("type") != "null"]
    if inner is not None and len(alts) == 1 and not inner.get("properties"):
        inner = {**alts[0], **{k: v for k, v in inner.items() if k != "anyOf"}}
    if not isinstance(inner, dict) or not isinstance(inner.get("properties"), dict) or not inner["properties"] \
            or _types(inner) - {"object"}:
        return None
    flat = {"type": "object", "properties": inlined(inner["properties"], schema),
            "required": [p for p in inner.get("required") or [] if p in inner["properties"]]}
    if inner.get("additionalProperties") is False:
        flat["additionalProperties"] = False
    return entry.model_copy(update={"input_schema": flat}), name


def with_inlined_refs(entry: ToolEntry) -> ToolEntry:
    """`entry` with its input schema's local `$ref`s inlined (`inlined`); the same entry when it has none."""
    schema = entry.input_schema or {}
    if "$ref" not in json.dumps(schema.get("properties") or {}):
        return entry
    return entry.model_copy(update={"input_schema": {**schema, "properties": inlined(schema.get("properties") or {},
                                                                                        schema)}})


def assign(graph: ToolGraph, entries: list[ToolEntry], specs: dict[str, Any], builtins: dict[str, str]) -> None:
    """Give required array parameters of read tools a shaped kind (graph.init_graph calls it once)."""
    for node, entry, props in graph.read_nodes(entries):
        open_ = [p for p, k in node.params.items() if k is None and "array" in _types(props.get(p) or {})]
        if not open_:
            continue
        files_kind = f"path@{node.server}"
        if files_kind not in graph.pools:
            texts = [entry.description] + [str(s.get("description", "")) for s in props.values() if isinstance(s, dict)]
            texts += [str(v) for s in props.values() if isinstance(s, dict)
                      for v in ((s.get("items") or {}).get("properties") or {}).values()]
            found = server_files(specs.get(node.server), builtins, texts)
            if found:
                graph.pools[files_kind] = found
        for p in open_:
            k = shape_kind(graph, p, props.get(p) or {}, files_kind if files_kind in graph.pools else None)
            if k:
                node.params[p] = k


__all__ = ["FILES", "assign", "inlined", "server_files", "shape_kind", "singular", "values", "with_inlined_refs"]
