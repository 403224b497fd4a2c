"""Action variants: a tool whose `action` (operation, mode) parameter selects what it does is several tools.

Many servers fold a family of operations into one tool: `diagram(action, name, file_path, …)` whose description lists
its actions ("create — Create a new empty diagram. Params: name, page_format.", "list — List all diagrams.") and whose
other parameters are "for save/load" or "required for create". As one tool it is unusable: the request does not
recite enum values, a read whose required choice has no default is left out, and a write cannot be filled without
knowing which parameters the chosen action needs. So each documented action becomes a tool of its own for synthesis:

- its **name** is the tool's name and the action (`"diagram create"`: a space cannot occur in an MCP tool name, so the
  name never collides with a real tool);
- its **description** is the action's own text, its parameters list cut off;
- its **parameters** are the ones the action's text lists ("Params: a, b?, c"), the ones the tool's argument list or
  their own description ties to the action ("for save/load", "required for create"), and the ones tied to no action
  at all; parameters of other actions are left out. A parameter is **required** when the action lists it (not marked
  optional: "b?", "(optional)", "if omitted") or its description says "required for" the action, and it has no
  default (or an empty one). An array parameter the action documents as "list of {label, x, y?}" gets that item
  shape (its unmarked fields required);
- it is **read-only only when its words say so**: the server's readOnlyHint, a tool described as read-only, or an
  action whose own text starts with a reading verb and names no change; anything else is a write (tried only on
  sandboxed instances, as every write is).

Every call synthesis makes goes to the real tool with the action argument added (`VariantFleet`), and tasks name the
real tool with the action among its arguments (`real_grounded`, `real_draft`): nothing outside synthesis ever sees a
variant. Nothing here names a server or a tool: the shape (a selector parameter, a block of documented actions) is
all it reads.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcpbench.catalog import ToolEntry

if TYPE_CHECKING:
    from mcpbench.catalog import Catalog
    from mcpbench.outcomes import ToolOutcome
    from task_synth.artifacts import Draft, Grounded
    from task_synth.pipeline import EpisodeCalls, LiveTools

SELECTOR = re.compile(r"^(?:action|operation|op|mode|command|cmd|subcommand)$", re.IGNORECASE)
"""Names of a parameter that selects what the tool does."""
_HEADING = re.compile(r"^\s*(?:available\s+|supported\s+)?(?:actions?|operations?|modes?|commands?)\s*:\s*$",
                      re.IGNORECASE)
_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]{1,30}:\s*$")
"""The next section of a docstring ('Args:', 'Returns:') ends the block of actions."""
_ITEM = re.compile(r"^(\s*)[-*•]?\s*[`'\"]?([a-z][a-z0-9_]*(?:[-.][a-z0-9_]+)*)[`'\"]?\s*"
                   r"(?:—|–|--|->|=>|-|:)\s+(\S.*)$")
_PARAMS = re.compile(r"\b(?:params|parameters|requires|required params|arguments|takes)\s*:\s*", re.IGNORECASE)
_NO_PARAMS = re.compile(r"\s*\bNo (?:params|parameters|arguments)(?: (?:needed|required))?\.?", re.IGNORECASE)
_OPTIONAL = re.compile(r"\boptional\b|\bif omitted\b|\bomit\b|\bdefaults? to\b", re.IGNORECASE)
_READ_ONLY = re.compile(r"\bread[- ]only\b", re.IGNORECASE)
_READ_LEAD = re.compile(r"^(?:get|list|read|search|show|describe|find|query|count|view|fetch|look ?up|inspect|"
                        r"return|check|print|display)s?\b", re.IGNORECASE)
MIN_ACTIONS = 2
"""A tool is split only when at least this many of its actions are documented."""


@dataclass(frozen=True)
class Variant:
    """One documented action of a tool, as synthesis sees it."""

    entry: ToolEntry
    """The variant as a tool: name 'tool action', the action's description and parameters."""
    tool: str
    """The real tool."""
    param: str
    """The selector parameter."""
    value: str
    """The action."""
    wrap: str = ""
    """Not an action: the tool takes its parameters in this one object (shapes.unwrapped); `param`, `value` are ''."""

    @property
    def key(self) -> str:
        return f"{self.entry.server}/{self.entry.name}"


def selector(entry: ToolEntry) -> str | None:
    """The tool's parameter that selects what it does: a string (or enum) named like an action, required or with no
    default; None when it has none."""
    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    for name, ps in props.items():
        if not isinstance(ps, dict) or not SELECTOR.match(name):
            continue
        if ps.get("type") not in (None, "string") and "enum" not in ps:
            continue
        if name in required or ps.get("default") in (None, ""):
            return str(name)
    return None


def action_blocks(description: str, values: list[str] | None = None) -> dict[str, str]:
    """Action -> its documented text, in the description's order: the items of a block headed 'Actions:' (or
    'Operations:', 'Modes:'), or lines that start with one of VALUES; an item's indented continuation lines belong to
    it."""
    lines = (description or "").splitlines()
    out: dict[str, str] = {}
    in_block = False
    current: str | None = None
    indent = 0
    for line in lines:
        if _HEADING.match(line):
            in_block, current = True, None
            continue
        if in_block and _SECTION.match(line) and not _ITEM.match(line):
            in_block, current = False, None
            continue
        m = _ITEM.match(line)
        if m and (in_block or (values and m.group(2) in values)):
            current, indent = m.group(2), len(m.group(1))
            out[current] = m.group(3).strip()
            continue
        if current is not None and line.strip() and len(line) - len(line.lstrip()) > indent:
            out[current] += " " + line.strip()
            continue
        if not line.strip() or (current is not None and not in_block):
            current = None
    return out


@dataclass(frozen=True)
class Listed:
    """A parameter an action's text lists."""

    name: str
    optional: bool
    note: str
    """What follows it in parentheses ('list of {label, x, y?}', 'all if omitted')."""


def _top_level_split(text: str) -> tuple[list[str], str]:
    """Comma-separated items at bracket depth 0, up to the first top-level sentence end; and the text after it."""
    parts, cur, depth = [], "", 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        if depth == 0 and ch == "." and (i + 1 == len(text) or text[i + 1].isspace()):
            parts.append(cur)
            return [p for p in parts if p.strip()], text[i + 1:]
        if depth == 0 and ch == ",":
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()], ""


def split_params(text: str, props: dict[str, Any]) -> tuple[str, list[Listed]]:
    """(the action's description without its parameter list, the parameters it lists that the schema has)."""
    text = _NO_PARAMS.sub("", text)
    m = _PARAMS.search(text)
    if m is None:
        return " ".join(text.split()), []
    items, rest = _top_level_split(text[m.end():])
    listed: list[Listed] = []
    for item in items:
        im = re.match(r"\s*`?(\w+)`?\s*(\?)?\s*(?:\((.*)\))?", item, re.DOTALL)
        if im is None or im.group(1) not in props:
            continue
        note = (im.group(3) or "").strip()
        listed.append(Listed(im.group(1), bool(im.group(2)) or bool(_OPTIONAL.search(note)), note))
    desc = (text[:m.start()] + " " + rest).strip()
    return " ".join(desc.split()), listed



def _arg_lines(description: str, props: dict[str, Any]) -> dict[str, str]:
    """Parameter -> its line in the description's argument list ('name: … for save/load …'), continuations joined."""
    out: dict[str, str] = {}
    current: str | None = None
    indent = 0
    for line in (description or "").splitlines():
        m = re.match(r"^(\s*)[-*]?\s*`?(\w+)`?\s*(?:\([^)]*\))?\s*:\s*(.*)$", line)
        if m and m.group(2) in props:
            current, indent = m.group(2), len(m.group(1))
            out[current] = m.group(3).strip()
        elif current is not None and line.strip() and len(line) - len(line.lstrip()) > indent:
            out[current] += " " + line.strip()
        else:
            current = None
    return out


def tied_actions(text: str, values: list[str]) -> tuple[set[str], bool]:
    """(the actions a parameter's description ties it to, whether it says it is required for them): 'for save/load',
    'for add_vertices / build_full', '(create only)', 'required for create and update', 'used with action=x'."""
    if not re.search(r"\bfor\b|\bonly\b|\brequired\b|\bused (?:with|by|in)\b|\bwhen\b|\bwith action\b", text,
                     re.IGNORECASE):
        return set(), False
    found = {v for v in values if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)}
    required = bool(found) and bool(re.search(r"\brequired (?:for|by|with|when)\b", text, re.IGNORECASE))
    return found, required


def _empty_default(ps: dict[str, Any]) -> bool:
    return ps.get("default") in (None, "", [], {})


_FIELDS = re.compile(r"\{([^{}]*)\}")


def item_shape(note: str) -> dict[str, Any] | None:
    """'list of {label, x, y, width?}' -> an object item schema (the unmarked fields required), else None."""
    if not re.search(r"\b(?:list|array)s? of\b", note, re.IGNORECASE):
        return None
    m = _FIELDS.search(note)
    if m is None:
        return None
    props: dict[str, Any] = {}
    required: list[str] = []
    for part in m.group(1).split(","):
        fm = re.match(r"\s*(\w+)\s*(\?)?\s*$", part)
        if fm is None:
            continue
        props[fm.group(1)] = {}
        if not fm.group(2):
            required.append(fm.group(1))
    if not props:
        return None
    return {"type": "object", "properties": props, "required": required}


def _with_items(ps: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
    """An array parameter (or one of its anyOf alternatives) whose object items have no properties, given SHAPE."""
    def fix(s: dict[str, Any]) -> dict[str, Any]:
        items = s.get("items")
        if s.get("type") == "array" and isinstance(items, dict) and not items.get("properties") \
                and items.get("type") in (None, "object"):
            return {**s, "items": {**items, **shape}}
        return s

    if "anyOf" in ps:
        return {**ps, "anyOf": [fix(a) if isinstance(a, dict) else a for a in ps["anyOf"]]}
    return fix(ps)


def _not_null(ps: dict[str, Any]) -> dict[str, Any]:
    """A parameter an action requires, without the null its schema allows for the other actions: its one non-null
    `anyOf` alternative (keeping title and description), or the schema as it is."""
    alts = [a for a in ps.get("anyOf") or [] if isinstance(a, dict) and a.get("type") != "null"]
    if "anyOf" not in ps or len(alts) != 1:
        return ps
    rest = {k: v for k, v in ps.items() if k not in ("anyOf", "default")}
    return {**alts[0], **rest}


def _first_clause(text: str) -> str:
    return re.split(r"(?<=[.!?])\s|:", " ".join(text.split()), maxsplit=1)[0]


def _read_only(entry: ToolEntry, description: str) -> bool:
    """A variant reads only when its words say so (module docstring)."""
    from task_synth.graph import MUTATING_VERBS

    ann = entry.annotations or {}
    if ann.get("readOnlyHint") is True:
        return True
    if ann.get("readOnlyHint") is False or ann.get("destructiveHint") is True:
        return False
    first_paragraph = re.split(r"\n\s*\n", (entry.description or "").strip(), maxsplit=1)[0]
    if _READ_ONLY.search(first_paragraph):
        return True
    clause = _first_clause(description)
    return bool(_READ_LEAD.match(clause)) and not re.search(rf"\b(?:{MUTATING_VERBS})\b", clause, re.IGNORECASE)


def variants(entry: ToolEntry) -> list[Variant]:
    """The tool's documented actions as variants; [] when it has no selector or fewer than MIN_ACTIONS documented
    actions."""
    param = selector(entry)
    if param is None:
        return []
    schema = entry.input_schema or {}
    props: dict[str, Any] = schema.get("properties") or {}
    enum = [str(v) for v in (props.get(param) or {}).get("enum") or []]
    blocks = action_blocks(entry.description, enum)
    if enum:  # documented choices that are also described come first, in the enum's order
        blocks = {**{v: blocks[v] for v in enum if v in blocks}, **blocks}
    blocks = {v: t for v, t in blocks.items() if v not in props}
    if len(blocks) < MIN_ACTIONS:
        return []
    values = list(blocks)
    lines = _arg_lines(entry.description, props)
    ties = {p: tied_actions(f"{(props[p] or {}).get('description', '')} {lines.get(p, '')}", values)
            for p in props if p != param}
    base_required = [p for p in schema.get("required") or [] if p != param]
    parsed = {value: split_params(text, props) for value, text in blocks.items()}
    for value, text in blocks.items():  # "Same params as horizontal."
        m = re.search(r"\bsame (?:params|parameters|arguments) as [`'\"]?([\w.-]+)", text, re.IGNORECASE)
        other = m.group(1).rstrip(".") if m else ""
        if other in parsed and other != value and not parsed[value][1]:
            desc = re.sub(r"\s*\bSame (?:params|parameters|arguments) as [^.]*\.?", "", parsed[value][0],
                          flags=re.IGNORECASE)
            parsed[value] = (desc.strip() or parsed[other][0], parsed[other][1])
    for value, (_, listed) in parsed.items():  # a parameter an action lists is that action's
        for li in listed:
            if li.name in ties:
                ties[li.name] = (ties[li.name][0] | {value}, ties[li.name][1])
    out: list[Variant] = []
    for value, (desc, listed) in parsed.items():
        if not desc:
            continue
        names = {li.name for li in listed}
        keep = [p for p in props if p != param and (p in names or value in ties[p][0] or not ties[p][0]
                                                  or p in base_required)]
        new_props = {p: props[p] for p in keep}
        required = list(base_required)
        for li in listed:
            if not li.optional and _empty_default(props[li.name] or {}) and li.name not in required:
                required.append(li.name)
                new_props[li.name] = _not_null(props[li.name] or {})
            shape = item_shape(li.note)
            if shape is not None:
                new_props[li.name] = _with_items(new_props[li.name] or {}, shape)
        for p in keep:
            if value in ties[p][0] and ties[p][1] and p not in required:
                required.append(p)
        vschema = {**{k: v for k, v in schema.items() if k not in ("properties", "required")},
                   "properties": new_props, "required": required}
        read = _read_only(entry, desc)
        ann = {**(entry.annotations or {}), "readOnlyHint": read}
        if not read:
            ann["destructiveHint"] = bool((entry.annotations or {}).get("destructiveHint"))
        v_entry = entry.model_copy(update={"name": f"{entry.name} {value}", "description": desc,
                                           "input_schema": vschema, "annotations": ann,
                                           "exposed_name": ""})
        out.append(Variant(entry=v_entry, tool=entry.name, param=param, value=value))
    return out if len(out) >= MIN_ACTIONS else []


def expand(entries: list[ToolEntry]) -> tuple[list[ToolEntry], dict[str, Variant]]:
    """The entries with every tool that has documented actions replaced by its variants (in place, in order), and the
    variants by 'server/name'."""
    from task_synth.pipeline import prepared
    from task_synth.shapes import unwrapped

    out: list[ToolEntry] = []
    table: dict[str, Variant] = {}
    for e in entries:
        flat = unwrapped(e)
        if flat is not None:  # the tool as if it took its wrapped object's fields
            v = Variant(entry=prepared(flat[0]), tool=e.name, param="", value="", wrap=flat[1])
            out.append(v.entry)
            table[v.key] = v
            continue
        vs = variants(e)
        if not vs:
            out.append(e)
            continue
        for v in vs:
            out.append(v.entry)
            table[v.key] = v
    return out, table


def real_call(table: dict[str, Variant], server: str, tool: str, arguments: dict[str, Any]
              ) -> tuple[str, dict[str, Any]]:
    """(the real tool, the arguments with the action added) for a call to TOOL; unchanged for a real tool."""
    v = table.get(f"{server}/{tool}")
    if v is None:
        return tool, arguments
    if v.wrap:
        return v.tool, {v.wrap: arguments}
    return v.tool, {v.param: v.value, **arguments}


class _Calls:
    """An episode whose calls to variants go to their real tools."""

    def __init__(self, inner: EpisodeCalls, table: dict[str, Variant]):
        self._inner = inner
        self._table = table

    async def call_real(self, server: str, tool: str, arguments: dict[str, Any],
                        timeout: float | None = None) -> ToolOutcome:
        real, args = real_call(self._table, server, tool, arguments)
        return await self._inner.call_real(server, real, args, timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VariantFleet:
    """The live fleet as synthesis sees it when some tools were split into variants (LiveTools): episodes route a
    variant's calls to its real tool; everything else is the fleet's own."""

    def __init__(self, inner: LiveTools, table: dict[str, Variant]):
        self._inner = inner
        self.table = table
        self.catalog: Catalog = inner.catalog
        self.builtins: dict[str, str] = inner.builtins

    def episode(self, episode_id: str | None = None, servers: list[str] | None = None,
                call_timeout_s: float | None = None, files: Mapping[str, Mapping[str, str]] | None = None
                ) -> AbstractAsyncContextManager[EpisodeCalls]:
        return self._episode(episode_id, servers, call_timeout_s, files)

    @asynccontextmanager
    async def _episode(self, episode_id: str | None, servers: list[str] | None, call_timeout_s: float | None,
                       files: Mapping[str, Mapping[str, str]] | None) -> AsyncIterator[EpisodeCalls]:
        async with self._inner.episode(episode_id, servers=servers, call_timeout_s=call_timeout_s,
                                       files=files) as ep:
            yield _Calls(ep, self.table)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def real_grounded(g: Grounded, table: dict[str, Variant]) -> Grounded:
    """The grounded chain with every variant step calling its real tool (the action among its arguments)."""
    if not any(f"{s.server}/{s.tool}" in table for s in g.steps):
        return g
    steps = []
    for s in g.steps:
        tool, args = real_call(table, s.server, s.tool, s.arguments)
        v = table.get(f"{s.server}/{s.tool}")
        bindings = {f"{v.wrap}.{k}": b for k, b in s.bindings.items()} if v is not None and v.wrap else s.bindings
        steps.append(s.model_copy(update={"tool": tool, "arguments": args, "bindings": bindings}))
    return g.model_copy(update={"steps": steps})


def real_draft(d: Draft, table: dict[str, Variant]) -> Draft:
    """The draft with final-state reads of variants made on their real tools, and the precise statement naming the
    real tool and its action."""
    precise = d.precise
    for key, v in sorted(table.items(), key=lambda kv: -len(kv[0])):
        if not v.wrap:
            precise = precise.replace(key, f"{v.entry.server}/{v.tool} with {v.param}={v.value}")
    checks = []
    for c in d.checks:
        if c.read is not None and f"{c.read.server}/{c.read.tool}" in table:
            v = table[f"{c.read.server}/{c.read.tool}"]
            tool, args = real_call(table, c.read.server, c.read.tool, c.read.arguments)
            made = {f"{v.wrap}.{k}": src for k, src in c.read.from_calls.items()} if v.wrap else c.read.from_calls
            c = c.model_copy(update={"read": c.read.model_copy(update={"tool": tool, "arguments": args,
                                                                       "from_calls": made})})
        checks.append(c)
    return d.model_copy(update={"precise": precise, "checks": checks})


__all__ = [
    "MIN_ACTIONS",
    "SELECTOR",
    "Listed",
    "Variant",
    "VariantFleet",
    "action_blocks",
    "expand",
    "item_shape",
    "real_call",
    "real_draft",
    "real_grounded",
    "selector",
    "split_params",
    "tied_actions",
    "variants",
]
