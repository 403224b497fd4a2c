"""Listers: a required string parameter with no kind takes the values a tool of the same server lists.

A *lister* of parameter `p` is a read-only tool of the same server with no required arguments whose name or
description mentions `p` (singular or plural: `country` ← "get_supported_countries", `language` ← "list_languages").
It is probed live, twice in two episodes (a listing that changes is not used), and its values are read from the
output: a JSON list of strings; a list of objects' `p` / `p_code` / `p_id` / `code` / `id` / `key` / `name` field; or a
simple delimited list. The values the world mentions (an office's country, a customer's) are kept when there are two
or more, else the listing's first ones, in listing order: the pool is deterministic and the tasks speak of
Brightwater's places. The parameter's kind becomes the run-local `p@server` (its values are valid on that server
only), a literal pool like any other.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from task_synth.binding import expand

if TYPE_CHECKING:
    from task_synth.artifacts import ToolNode
    from task_synth.pipeline import SynthState

POOL = 8
"""Values kept per listed parameter."""
FIELDS = ("{p}", "{p}_code", "{p}_id", "{p}Code", "{p}Id", "code", "id", "key", "slug", "name", "value")
"""Object fields a listed value is read from, in order of preference."""
GENERIC_TAILS = {"name", "id", "key", "code", "title", "label"}
"""Last words that say nothing of what is listed: a lister of `sheet_name` names sheets."""
_ITEM = re.compile(r"[\w][\w .:/+-]{0,39}")


def forms(param: str) -> list[str]:
    """The words a lister of `param` may use: the last word of the name, singular and plural."""
    words = [x.lower() for x in re.split(r"[_\-\s]+|(?<=[a-z])(?=[A-Z])", param) if x]
    if len(words) > 1 and words[-1] in GENERIC_TAILS:  # `sheet_name` is listed by what lists sheets
        words = words[:-1]
    w = words[-1] if words else ""
    if len(w) < 3:
        return []
    out = {w}
    if w.endswith("y") and w[-2:-1] not in "aeiou":
        out.add(w[:-1] + "ies")
    elif w.endswith(("s", "x", "ch", "sh")):
        out.add(w + "es")
    out.add(w + "s")
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    elif w.endswith("s"):
        out.add(w[:-1])
    return sorted(out)


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in re.split(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])", text) if t}


def mentions(node: ToolNode, param: str) -> bool:
    """The tool's name or its description's first paragraph names the parameter (singular or plural)."""
    words = set(forms(param))
    first = re.split(r"\n\s*\n", node.description.strip(), maxsplit=1)[0] if node.description else ""
    return bool(words & (_tokens(node.tool) | _tokens(first)))


def open_params(state: SynthState) -> dict[str, list[str]]:
    """Server -> required string parameters with no kind (nor enum) on its read tools, in a stable order."""
    out: dict[str, list[str]] = {}
    for node in state.graph.nodes:
        if not node.read_only:
            continue
        entry = state.entry(node.server, node.tool)
        props = ((entry.input_schema if entry else None) or {}).get("properties") or {}
        for p, k in node.params.items():
            schema = props.get(p) or {}
            t = schema.get("type")
            if k is None and "enum" not in schema and t in (None, "string"):
                params = out.setdefault(node.server, [])
                if p not in params:
                    params.append(p)
    return out


def listers(state: SynthState, server: str, param: str) -> list[ToolNode]:
    """The server's read tools that mention `param` and need nothing, or only arguments a tool taking `param` also
    takes and that have literal values (a workbook's sheets are listed for the workbook: `list_sheets(file_path)`
    for `get_schema(file_path, sheet_name)`); those needing nothing first."""
    from task_synth.graph import literal_values

    takers = [set(n.params) - {param} for n in state.graph.nodes
              if n.server == server and n.read_only and n.params.get(param, "") is None]
    schemas = {f"{e.server}/{e.name}": (e.input_schema or {}).get("properties") or {} for e in state.entries
               if e.server == server}

    def dependent(n: ToolNode) -> bool:
        return bool(n.params) and param not in n.params and any(set(n.params) <= t for t in takers) and all(
            k is not None and literal_values(state.graph, k, schemas.get(n.key, {}).get(p), server)
            for p, k in n.params.items())

    named = {n.key for n in state.graph.nodes if n.server == server and n.read_only and not n.params
             and any(points_to(t, n, param) for t in state.graph.nodes
                     if t.server == server and t.read_only and t.params.get(param, "") is None)}
    found = [n for n in state.graph.nodes if n.server == server and n.read_only
             and ((mentions(n, param) and (not n.params or dependent(n))) or n.key in named)]
    return sorted(found, key=lambda n: bool(n.params))


def points_to(taker: ToolNode, lister: ToolNode, param: str) -> bool:
    """The taker's description sends the reader to the lister for `param`: a paragraph (or line) of it that names
    the parameter also names the lister by its tool name ("occ_code: 6-digit code … See list_common_codes() for
    common mappings"), however the parameter's own name differs from what the lister lists."""
    name = re.compile(rf"(?<![\w]){re.escape(lister.tool)}(?![\w])")
    p = re.compile(rf"(?<![\w]){re.escape(param)}(?![\w])")
    return any(p.search(part) and name.search(part) for part in re.split(r"\n\s*\n", taker.description or ""))


def _lists(node: Any) -> list[tuple[str, list[Any]]]:
    """Every list in a JSON value, with the key it sits under ('' at the top), breadth first."""
    out: list[tuple[str, list[Any]]] = []
    queue: list[tuple[str, Any]] = [("", node)]
    while queue:
        key, cur = queue.pop(0)
        if isinstance(cur, list):
            out.append((key, cur))
        elif isinstance(cur, dict):
            queue += [(str(k), v) for k, v in cur.items()]
    return out


def _from_objects(items: list[Any], param: str) -> list[str]:
    return _field_values(items, param)[1]


def _field_values(items: list[Any], param: str) -> tuple[str, list[str]]:
    """(the field, its values) of the objects of a list that give `param` (FIELDS in order); ('', []) when none."""
    objs = [i for i in items if isinstance(i, dict)]
    if not objs:
        return "", []
    nouns = [w for w in forms(param) if w != param]  # `sheet` for sheet_name
    names = [f.format(p=param) for f in FIELDS[:5]] + nouns + [f.format(p=param) for f in FIELDS[5:]]
    for name in names:
        vals = [o.get(name) for o in objs]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip() for v in vals):
            return name, [str(v) for v in vals]
    return "", []


def listed_field(text: str, param: str) -> str:
    """The object field a listing gives `param`'s values under (extract_values' choice); '' when its values are not
    an object list's field (a list of strings, a code table, text)."""
    data = json_values(text)
    if data is None:
        return ""
    plural = set(forms(param))
    for _, items in sorted(_lists(data), key=lambda kv: (kv[0].lower() not in plural, )):
        if items and all(isinstance(i, str) for i in items):
            return ""
        field, vals = _field_values(items, param)
        if vals:
            return field
    return ""


_CUT = re.compile(r"\s*\[\.\.\. mcpbench: output truncated at \d+ bytes; original size \d+ bytes\]\s*$")
"""The marker mcpbench puts after an output it cut at the server's output cap (outcomes.truncation_marker)."""
_LIST_START = re.compile(r'\s*(?:\[|\{\s*"((?:[^"\\]|\\.)*)"\s*:\s*\[)')


def json_values(text: str) -> Any:
    """The JSON in `text`: one value, or several values one after another (a tool answering one content block per
    item) as a list; of an output cut at the output cap, the whole items of the list it starts with (`[...` or
    `{"key": [...`); None when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    if _CUT.search(text):
        return _cut_list(_CUT.sub("", text))
    dec = json.JSONDecoder()
    items: list[Any] = []
    i, t = 0, text.strip()
    while i < len(t):
        try:
            v, i = dec.raw_decode(t, i)
        except ValueError:
            return None
        items.append(v)
        while i < len(t) and t[i].isspace():
            i += 1
    return items if len(items) >= 2 else None


_KEYED_LIST = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*\[')


def _cut_list(text: str) -> Any:
    """The whole items of the list a cut output starts with (as the list, or as {key: list}), else of the longest list
    a top-level key of the cut object holds (`{"count": 236, "filters": {…}, "foods": [{…}, …` -> {"foods": […]});
    None when fewer than two items are whole."""
    m = _LIST_START.match(text)
    if m:
        return _whole_items(text, m)
    best: Any = None
    for km in _KEYED_LIST.finditer(text):
        if text.lstrip().startswith("{") and _depth(text, km.start()) == 1:
            found = _whole_items(text, km, keyed=True)
            if found is not None and (best is None or len(next(iter(found.values()))) > len(next(iter(best.values())))):
                best = found
    return best


def _depth(text: str, end: int) -> int:
    """How many objects and lists are open at END (strings skipped)."""
    depth, in_str, esc = 0, False, False
    for ch in text[:end]:
        if in_str:
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def _whole_items(text: str, m: re.Match[str], keyed: bool = False) -> Any:
    dec = json.JSONDecoder()
    items: list[Any] = []
    i = m.end()
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        try:
            v, i = dec.raw_decode(text, i)
        except ValueError:
            break
        items.append(v)
    if len(items) < 2:
        return None
    return items if m.group(1) is None and not keyed else {json.loads(f'"{m.group(1)}"'): items}


def extract_values(text: str, param: str) -> list[tuple[str, list[str]]]:
    """(value, its labels) pairs a lister's output lists for `param`; [] when it lists nothing recognisable.

    Labels are the item's other string fields (a country code's name), used to rank values the world mentions."""
    data = json_values(text)
    if data is not None:
        plural = set(forms(param))
        lists = sorted(_lists(data), key=lambda kv: (kv[0].lower() not in plural, ))
        if isinstance(data, dict) and not any(k.lower() in plural for k in data):
            lists.append(("", [data]))  # a listing of one item is the item itself
        for _, items in lists:
            if items and all(isinstance(i, str) for i in items):
                return [(i, []) for i in items if i.strip()]
            vals = _from_objects(items, param)
            if vals:
                objs = [i for i in items if isinstance(i, dict)]
                return [(v, [str(x) for x in o.values() if isinstance(x, str) and x != v])
                        for v, o in zip(vals, objs, strict=True)]
        return code_table(data)
    parts = [p.strip().strip("-*• ").strip() for p in re.split(r"[\n,;]", text)]
    parts = [p for p in parts if p]
    if len(parts) >= 2 and all(_ITEM.fullmatch(p) and not re.search(r":(?:\s|$)", p) for p in parts):
        return [(p, []) for p in parts]  # never headings ("All Tags:") nor labelled lines ("Total Files: 0")
    return bulleted(text)


_BULLET = re.compile(r"(?m)^[ \t]*(?:[-*•]|\d{1,3}[.)])[ \t]+(?:\*\*)?([^\n]+)$")
_AFTER_NAME = re.compile(r"\s+(?:\[|\(|—|–|-\s|\|)|:\s|\*\*")


def bulleted(text: str) -> list[tuple[str, list[str]]]:
    """(name, [what follows it]) of a text listing's bulleted lines ("- Invert Binary Tree [Trees, Easy] —
    not_started", "2. Harbour Loop (12 km)"): the words before the first bracket, dash or colon, when two lines or
    more give one; a heading or a closing line around them is left out."""
    out: list[tuple[str, list[str]]] = []
    for m in _BULLET.finditer(text):
        line = m.group(1).strip()
        head = _AFTER_NAME.split(line, maxsplit=1)[0].strip().strip("*`'\"")
        if _ITEM.fullmatch(head) and re.search(r"[A-Za-z]", head):
            out.append((head, [line[len(head):].strip(" -—–:[]()*")] if line != head else []))
    return out if len(out) >= 2 else []


_CODE = re.compile(r"[A-Z0-9][A-Za-z0-9._-]{0,15}")


def code_table(data: Any) -> list[tuple[str, list[str]]]:
    """(code, [its name]) of the first object in DATA (breadth first) that maps two or more codes to names:
    `{"soc_codes": {"151252": "Software Developers", …}}`, `{"USD": "US dollar", …}`. A key is a code when it
    has a digit or is all capitals; an object of field names (`{"name": …, "id": …}`) is no code table."""
    queue: list[Any] = [data]
    while queue:
        cur = queue.pop(0)
        if isinstance(cur, dict):
            keys = [str(k) for k in cur]
            if len(cur) >= 2 and all(isinstance(v, str) and v.strip() for v in cur.values()) and all(
                    _CODE.fullmatch(k) and (any(c.isdigit() for c in k) or k.isupper()) for k in keys):
                return [(k, [str(v)]) for k, v in cur.items()]
            queue += list(cur.values())
        elif isinstance(cur, list):
            queue += cur
    return []


@cache
def world_words() -> frozenset[str]:
    """Capitalised names the world's documents and records mention ('Portugal', 'Lisbon', 'United States')."""
    from mcpbench.world import SOURCE_DIR

    text = "\n".join(f.read_text(encoding="utf-8") for f in sorted((SOURCE_DIR / "docs").rglob("*.md")))
    text += "\n" + (SOURCE_DIR / "db" / "company.sql").read_text(encoding="utf-8")
    return frozenset(m.group(0) for m in re.finditer(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", text))


def rank(values: list[tuple[str, list[str]]]) -> list[str]:
    """The values the world mentions (by value or label) when there are two or more, else the listing's first; in
    listing order, capped."""
    words = world_words()
    known = [v for v, labels in values if v in words or any(lb in words for lb in labels)]
    if len(known) >= 2:  # the places a person at the company asks about, not the alphabet's first
        return list(dict.fromkeys(known))[:POOL]
    return list(dict.fromkeys(v for v, _ in values))[:POOL]


async def _probe(state: SynthState, node: ToolNode, param: str) -> str | None:
    """The lister's output (called with the first literal of each argument it takes) when two calls in two episodes
    list the same values for `param` (a timestamp beside them may change) and it is not an error; else None."""
    from task_synth.probe import looks_like_error, probe_arguments

    args = probe_arguments(state, node)
    outs = []
    for i in range(2):
        async with state.live.episode(f"synth-lister-{node.server}-{i}", servers=[node.server],
                                      call_timeout_s=state.options.call_timeout_s) as ep:
            out = await ep.call_real(node.server, node.tool, expand(dict(args), state.builtins),
                                     state.options.call_timeout_s)
        if not out.ok or looks_like_error(out.content):
            return None
        outs.append(out.content)
    same = [v for v, _ in extract_values(outs[0], param)] == [v for v, _ in extract_values(outs[1], param)]
    return outs[0] if same else None


def _given(state: SynthState, lister: ToolNode) -> dict[str, Any]:
    from task_synth.probe import probe_arguments

    return probe_arguments(state, lister) if lister.params else {}


async def learn(state: SynthState) -> None:
    """Give open string parameters the values their server's listers list (kind `param@server`), then search
    queries and bare names the names a listing of the same subject gives (`learn_searches`)."""
    outputs: dict[str, str | None] = {}
    for _ in range(3):  # a parameter listed for another listed one (a document's chapters) comes a pass later
        if not await _learn_pass(state, outputs):
            break
    await learn_searches(state, outputs)


NAMED_BY = ("name", "title", "label")
"""Item fields a listing names its items by (what a search for one of them is given)."""
SEARCHED = re.compile(r"query|search|keyword|keywords|term|q|name|title", re.IGNORECASE)
"""Parameters a listed name can be given to: a search query, or a bare name or title."""
VAGUE = frozenset({"name", "title", "label", "item", "items", "data", "result", "detail", "information", "info",
                   "match", "best", "specific", "given", "every", "available", "entry", "record", "object"})
"""Words every tool's description may use: two tools sharing only these share no subject."""


def subject(node: ToolNode) -> set[str]:
    """What a tool is about: the word stems of its name and its description's first sentence (focus.about_words),
    vague words left out."""
    from task_synth.focus import about_words

    return {w for w in about_words(node.tool, node.description) if w not in VAGUE}


def search_takers(state: SynthState) -> dict[str, list[tuple[ToolNode, str]]]:
    """Server -> (read tool, parameter) of required string parameters a listed name can fill that have no literal
    value on that server: search queries (kind `search`) and bare `name`/`title` parameters of no kind."""
    from task_synth.graph import literal_values

    out: dict[str, list[tuple[ToolNode, str]]] = {}
    for node in state.graph.nodes:
        entry = state.entry(node.server, node.tool)
        props = ((entry.input_schema if entry else None) or {}).get("properties") or {}
        for p, k in node.params.items():
            schema = props.get(p) or {}
            if not node.read_only or not SEARCHED.fullmatch(p) or schema.get("type") not in (None, "string") \
                    or "enum" in schema or k not in ("search", None):
                continue
            if k == "search" and literal_values(state.graph, k, schema, node.server):
                continue
            out.setdefault(node.server, []).append((node, p))
    return out


def named_items(text: str, field: str) -> list[tuple[str, list[str]]]:
    """(name, its labels) of the items a listing names by `field` exactly (no id or code in its place), or the
    strings of a list of strings; [] when it lists nothing so."""
    data = json_values(text)
    for _, items in _lists(data) if data is not None else []:
        if len(items) >= 2 and all(isinstance(i, str) and i.strip() for i in items):
            return [(i, []) for i in items]
        objs = [i for i in items if isinstance(i, dict)]
        if len(objs) >= 2 and len(objs) == len(items) and all(
                isinstance(o.get(field), str) and o[field].strip() for o in objs):
            return [(o[field], [str(x) for k, x in o.items() if k != field and isinstance(x, str)]) for o in objs]
    return []


def _closed(state: SynthState, node: ToolNode) -> bool:
    """NODE takes no argument, or only ones a choice of the schema fills (an enum: the version of a specification
    whose outline it lists)."""
    from task_synth.graph import literal_values

    entry = state.entry(node.server, node.tool)
    props = ((entry.input_schema if entry else None) or {}).get("properties") or {}
    return all(k is not None and "enum" in (props.get(p) or {})
               and literal_values(state.graph, k, props.get(p), node.server, p) for p, k in node.params.items())


async def learn_searches(state: SynthState, outputs: dict[str, str | None] | None = None) -> None:
    """A search query (or a bare name) takes the names a listing of the same subject lists: a read of the same
    server with no required arguments that shares a subject word with the search (`list_trails` and
    `search_trails(query)`), whose output lists two or more items by a name, title or label (or a list of strings),
    the same in two episodes. A query parameter keeps its kind (`search`: what an entity a walk found may feed) and
    gets the names as the server's own literals (graph.local_pools); a bare name takes the run-local kind
    `param@server`. So "search for <a listed trail> and tell me its ascent" asks about a real name."""
    from task_synth.kinds import listed_kind, listed_param_kind

    outputs = {} if outputs is None else outputs
    for server, takers in sorted(search_takers(state).items()):
        listings = [n for n in state.graph.nodes if n.server == server and n.read_only and _closed(state, n)]
        for node, param in takers:
            about = subject(node)
            for lister in sorted(listings, key=lambda n: n.tool):
                if lister.key == node.key or not about & subject(lister):
                    continue
                values: list[str] = []
                for field in NAMED_BY:
                    key = f"{lister.key}:{field}"
                    if key not in outputs:
                        outputs[key] = await _probe(state, lister, field)
                    text = outputs[key]
                    found = named_items(text, field) if text else []
                    if len(found) >= 2:
                        values = rank(found)
                        break
                if not values:
                    continue
                if node.params[param] == "search":
                    state.graph.local_pools.setdefault(server, {}).setdefault("search", values)
                    listed_kind(field, server)  # its listings (and others naming items so) may feed it in walks
                else:
                    kind = f"{param}@{server}"
                    state.graph.pools.setdefault(kind, values)
                    node.params[param] = kind
                    listed_param_kind(kind, field, server, lister.tool)  # a walk from the listing binds a name
                state.notes.append(f"graph:listers: {node.key} {param} takes the names {lister.tool} lists")
                break


_NAME_LINE = re.compile(r"(?im)^\W*(?:name|title|label)\W*[:=]\s*([^\n]{2,60}?)\s*$")
TRIED_WORDS = 6
"""Names a search is tried with (search_words)."""


def _item_names(text: str) -> list[str]:
    """The names, titles and labels an output gives its items (JSON keys at any depth, or `Name: X` lines)."""
    out: list[str] = []
    queue: list[Any] = [json_values(text)]
    while queue:
        cur = queue.pop(0)
        if isinstance(cur, dict):
            out += [v.strip() for k, v in cur.items() if str(k).lower() in NAMED_BY and isinstance(v, str)]
            queue += list(cur.values())
        elif isinstance(cur, list):
            queue += cur
    out += _NAME_LINE.findall(text)
    return [v for v in dict.fromkeys(out) if 2 <= len(v) <= 60 and any(c.isalpha() for c in v)]


async def search_words(state: SynthState, tried: set[str]) -> bool:
    """A search (or a bare name) that nothing fills takes the names the other reads of its server gave when probed
    (`"name": "Amira Haddad"` in the read of one member): each is tried on the search in a sandbox, and the ones it
    finds (an answer that is no error, not empty, and names what was searched for) become its values, as a listing's
    names do (learn_searches). A search tried once (TRIED: node keys) is not tried again. True when one was learnt."""
    from task_synth.graph import literal_values
    from task_synth.probe import looks_like_error

    learnt = False
    for server, takers in sorted(search_takers(state).items()):
        names = [v for n in sorted(state.graph.nodes, key=lambda n: n.key)
                 if n.server == server and n.probe is not None and n.probe.outcome == "ok" and not n.probe.varying
                 and not looks_like_error(n.probe.output) for v in _item_names(n.probe.output)]
        names = list(dict.fromkeys(names))
        for node, param in takers:
            if node.key in tried or not names:
                continue
            tried.add(node.key)
            entry = state.entry(node.server, node.tool)
            props = ((entry.input_schema if entry else None) or {}).get("properties") or {}
            if any(k is None for q, k in node.params.items() if q != param):
                continue  # an argument of no kind has no value either
            others = {q: literal_values(state.graph, str(k), props.get(q), server, q)
                      for q, k in node.params.items() if q != param}
            if not all(others.values()):
                continue
            base = {q: vals[0] for q, vals in others.items()}
            found: list[str] = []
            async with state.live.episode(f"synth-search-words-{node.server}-{node.tool}", servers=[server],
                                          call_timeout_s=state.options.call_timeout_s) as ep:
                for name in names[:TRIED_WORDS]:
                    out = await ep.call_real(server, node.tool, expand({**base, param: name}, state.builtins),
                                             state.options.call_timeout_s)
                    text = out.content.strip()
                    if out.ok and not looks_like_error(text) and name.lower() in text.lower():
                        found.append(name)
            if not found:
                continue
            learnt = True
            if node.params[param] == "search":
                state.graph.local_pools.setdefault(server, {}).setdefault("search", found[:POOL])
            else:
                kind = f"{param}@{server}"
                state.graph.pools.setdefault(kind, found[:POOL])
                node.params[param] = kind
            state.notes.append(f"graph:listers: {node.key} {param} takes the names other reads gave "
                                f"({', '.join(found[:3])})")
    return learnt


async def _learn_pass(state: SynthState, outputs: dict[str, str | None]) -> bool:
    from task_synth.kinds import listed_param_kind

    learnt = False
    for server, params in sorted(open_params(state).items()):
        for param in params:
            values: list[str] = []
            for lister in listers(state, server, param):
                if f"{lister.key}:{param}" not in outputs:
                    outputs[f"{lister.key}:{param}"] = await _probe(state, lister, param)
                text = outputs[f"{lister.key}:{param}"]
                values = rank(extract_values(text, param)) if text else []
                if values:
                    break
            if not values:
                continue
            kind = f"{param}@{server}"
            state.graph.pools[kind] = values
            learnt = True
            field = listed_field(text or "", param)
            if field and not lister.params:  # the listing feeds it in walks too, not only as a literal
                listed_param_kind(kind, field, server, lister.tool)
            given = _given(state, lister)
            for node in state.graph.nodes:
                if node.server == server and node.params.get(param, "") is None:
                    node.params[param] = kind
                    # the values hold for the arguments the lister was given: a tool taking them takes those too
                    # (a sheet of brightwater.xlsx is asked of brightwater.xlsx), as the pinned kind `q@server~param`
                    for q, v in given.items():
                        if q in node.params:
                            pinned = f"{q}@{server}~{param}"
                            node.params[q] = pinned
                            state.graph.pools[pinned] = [v]
    return learnt


__all__ = ["FIELDS", "GENERIC_TAILS", "NAMED_BY", "POOL", "TRIED_WORDS", "extract_values", "forms", "json_values",
           "learn", "learn_searches", "listed_field", "listers", "mentions", "named_items", "open_params", "rank",
           "search_takers", "search_words", "subject"]
