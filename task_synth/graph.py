"""Stage 1, the tool graph: which tool's output can feed which tool's input, within and across servers.

Nodes are the fleet's tools with the kind of every required parameter. A tool *produces* a kind when its output
schema or description says so (`schema` evidence), when a live probe's output contains such values (`probe`, see
probe.py), or when a model proposes it (`llm`, see llm.py). Edges follow: src → dst.param when src produces the
parameter's kind, or a kind that composes into it (a number into an arithmetic expression).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mcpbench.catalog import ToolEntry
from task_synth import addresses, bounds, colours, compounds, freetext, magnitudes, shapes, units
from task_synth.artifacts import Edge, Evidence, HandleSource, ToolGraph, ToolNode
from task_synth.conditions import CONDITION, condition_params
from task_synth.documented import documented_examples
from task_synth.kinds import KINDS, composers_into, param_kind, schema_examples
from task_synth.registry import step
from task_synth.wording import first_clause, humanize

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

HANDLE = "handle"
"""The kind of an edge that carries a handle (graph.handles): bound with the source's own regex, never a kind's."""
LITERAL_ONLY = {"enum", "boolean", "repo"}
"""Kinds filled from the schema or seeds only, never bound to an earlier output."""
MUTATING_VERBS = ("write|create|delete|remove|update|insert|move|edit|add|append|set|push|commit|reset|checkout|toggle"
                  "|init|drop|gzip|simulate|trigger|rename|upload|send|post|put|patch|kill|exec|clear|save|store"
                  "|export|close|undo|redo|restore|mark|approve|finalize|complete|register|assign|submit|schedule"
                  "|cancel|archive|publish|enable|disable|start|stop|spawn|mutate|bump|increment|decrement|lock"
                  "|unlock|grant|revoke|modify|change|replace|merge|format|apply|protect|unprotect|copy|customize"
                  "|install|uninstall|deploy|upsert|truncate|purge|erase|overwrite|import|load|attach|detach|link"
                  "|unlink|invite|pay|transfer|remember|memorize|memorise|supersede|revise|persist"
                  "|capture|refund|void|reserve|confirm|reject|decline|accept|dismiss|authorize|authorise|settle"
                  "|withdraw|deposit|dispatch|reply|subscribe|unsubscribe|suspend|resume|pause|activate|deactivate"
                  "|renew|reopen|escalate|unassign|rollback|revert|dispute|redeem|enroll|enrol|pin|unpin|hide"
                  "|unhide|mute|unmute|snooze")
"""Verbs of tools that change something. A tool whose name holds one, or whose description starts with one, is not
read-only unless its server says so (readOnlyHint). Money moves (capture, refund, void, settle, …), decisions on
an item (confirm, reject, accept, dismiss, …) and changes of its state (pause, resume, reopen, …) change it too.
Words that are as often nouns of reading tools are left out ('book_count', 'charge_summary', 'rate', 'order',
'resolve_hostname'): a name that starts with a reading verb reads anyway (_READ_FIRST)."""
REMOVES = re.compile(r"(^|[_\-. ])(delete|remove|clear|drop|reset|destroy|purge|unset|undo)", re.IGNORECASE)
"""A tool name that removes or resets something: never written with, nor used to make or change an item."""
_READ_FIRST = re.compile(r"(?:get|list|read|search|show|describe|find|query|count|view|fetch|lookup|inspect)\b",
                         re.IGNORECASE)
"""A name that starts with a reading verb reads, whatever nouns follow ('get_paragraph_format', 'list_changes')."""
_UNSAFE = re.compile(rf"\b(?:{MUTATING_VERBS})\b", re.IGNORECASE)
"""A mutating verb as a whole word of a name made words ('mark_task_done', 'markTaskDone'; not 'get_settings',
'list_tags' or 'address')."""
_UNSAFE_LEAD = re.compile(rf"^(?:(?:{MUTATING_VERBS})(?:s|es)?\b|(?:log|record|jot)s?\b(?!\s+(?:of|for)\b))",
                          re.IGNORECASE)
"""A description that starts with a verb that changes something, or that keeps something ('Log an entry …', 'Record a
decision …'; only as its first word: `git_log` reads, 'Records of …' is a noun)."""
CHANGES_SAID = ("creates|deletes|removes|inserts|updates|decrements|increments|deducts|adds|appends|drops|purges"
                "|erases|overwrites|modifies|replaces|resets|clears|cancels|archives|reserves|debits|credits|empties"
                "|stores|persists|registers|submits|sends|publishes|moves|renames")
"""Third-person verbs by which a later sentence of a description says what the tool changes in what it keeps
(files a tool writes are writes_a_file's; 'accepts', 'formats' and 'writes … to stdout' say nothing of a store)."""
_SAYS_IT_CHANGES = re.compile(rf"^(?:{CHANGES_SAID})\s+(?!(?:are|is|were|was|to|from|of|and|or|per|every|may|can|will|"
                              r"for)\b)[\w\"'`]", re.IGNORECASE)
"""A sentence that starts by saying what the tool changes ('Removes the pots from the benches, returns a receipt id,
and deletes the tray.'); not one that tells the caller what to do ('Add an item first') nor a plural noun ('Updates
are cached')."""
_WRITE_VERB = (r"(?:writ(?:e|es|ing|ten)|wrote|sav(?:e|es|ed|ing)|export(?:s|ed|ing)?|render(?:s|ed|ing)?"
               r"|dump(?:s|ed|ing)?|stor(?:e|es|ed|ing))")
_FILE_WRITE_WORDS = re.compile(
    rf"\b{_WRITE_VERB}\b[^.;\n]{{0,80}}?\b(?:to|into|in|as|under|on)\s+(?:(?:a|an|the|your|its|this|that)\s+)?"
    r"(?:[\w.-]+\s+){0,3}?(?:file|files|disk|folder|directory)\b", re.IGNORECASE)
"""A description that writes something to a file, disk or folder ("saves the chart to a PNG file", "Render … into
the output directory"; not "Read a file", "Export tokens: css | json")."""
_FILE_WRITE_OBJECT = re.compile(
    rf"\b(?:{_WRITE_VERB}|generat(?:e|es|ed|ing)|produc(?:e|es|ed|ing)|creat(?:e|es|ed|ing)|output(?:s|ted)?)"
    r"\s+(?:a|an|the|one)\s+(?:[\w.-]+\s+){0,2}?file\b", re.IGNORECASE)
"""A description whose verb makes a file ("writes an HTML file", "generates a PDF file")."""
_OUT_PARAM = {"out", "output", "outfile", "save", "dest", "destination", "export"}
_PATH_WORDS = {"path", "file", "filename", "filepath", "dir", "directory", "folder"}
_PATH_DESCRIBED = re.compile(r"\b(?:file|path|directory|folder)\b", re.IGNORECASE)
_FILE_NAME = re.compile(r"[\w./-]*\w\.[A-Za-z][A-Za-z0-9]{0,4}")
_SELECT_ONLY = re.compile(r"\bSELECT\b|SQL query", re.IGNORECASE)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b")


def is_read_only(entry: ToolEntry) -> bool:
    """Safe to call with generated arguments: readOnlyHint when the server gives it, else neither the tool's name
    nor the leading verb of its description changes anything (MUTATING_VERBS: 'mark_task_done', 'format_text',
    "Register a new user request…" are not read-only). Unknown is treated as a write: synthesis calls writes only on
    sandboxed instances."""
    ann = entry.annotations or {}
    if ann.get("readOnlyHint") is True:
        return True
    if ann.get("readOnlyHint") is False or ann.get("destructiveHint") is True:
        return False
    words = humanize(entry.name)
    return ((named_as_read(entry) or not _UNSAFE.search(words))
            and not _UNSAFE_LEAD.search(first_clause(entry.description or "")) and not says_it_changes(entry)
            and not writes_a_file(entry))


def says_it_changes(entry: ToolEntry) -> bool:
    """A sentence of the tool's description starts by saying what it changes ("Ring up a tray. … Removes the pots
    from the benches, returns a receipt id, and deletes the tray."): the first clause may name only what it acts
    on."""
    for paragraph in re.split(r"\n\s*\n|\n\s*[-*•]\s", entry.description or ""):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
            if _SAYS_IT_CHANGES.search(sentence.lstrip("-*• ")):
                return True
    return False


def writes_a_file(entry: ToolEntry) -> bool:
    """The tool's words say it leaves a file where it runs: its description renders, saves, exports or writes to a
    file, disk or folder ("Render the chart to a PNG file", "saves the report to disk", "writes an HTML file"), or it
    takes an output-file parameter (`out` defaulting to 'visualizer.html', `output_path`, `save_to`: an out/save/
    dest-named parameter whose default is a file name or whose name or description speaks of a file or path).
    Whatever its name says (`get_chart` that saves a PNG writes): only readOnlyHint makes it read-only."""
    if _FILE_WRITE_WORDS.search(entry.description or "") or _FILE_WRITE_OBJECT.search(entry.description or ""):
        return True
    props = (entry.input_schema or {}).get("properties") or {}
    for name in sorted(props):
        schema = props[name] if isinstance(props[name], dict) else {}
        words = humanize(name).lower().split()
        if not _OUT_PARAM.intersection(words) or "format" in words or schema.get("type") not in (None, "string"):
            continue
        default = schema.get("default")
        if ((isinstance(default, str) and _FILE_NAME.fullmatch(default)) or _PATH_WORDS.intersection(words)
                or _PATH_DESCRIBED.search(str(schema.get("description") or ""))):
            return True
    return False


def named_as_read(entry: ToolEntry) -> bool:
    """The tool's name starts with a reading verb ('get_profile', 'listItems'): never a write, whatever it takes
    (a read taking `content`-like parameters is a filter, not something that stores them)."""
    return _READ_FIRST.match(humanize(entry.name)) is not None


def _query_only(entry: ToolEntry, params: dict[str, str | None]) -> bool:
    """A general SQL tool we only ever send composed SELECT queries (e.g. DuckDB's execute_query)."""
    return (bool(params) and all(k == "sql" for k in params.values()) and bool(_SELECT_ONLY.search(entry.description))
            and not _WRITES.search(entry.description))


def build_node(entry: ToolEntry) -> ToolNode:
    props = (entry.input_schema or {}).get("properties") or {}
    required = list((entry.input_schema or {}).get("required") or [])
    params = {p: param_kind(p, props.get(p) or {}) for p in required}
    params.update({p: CONDITION for p in condition_params(entry)})  # a filter's condition is built from its data
    return ToolNode(server=entry.server, tool=entry.name, sha256=entry.sha256, description=entry.description,
                    params=params, optional=sorted(p for p in props if p not in required),
                    read_only=is_read_only(entry) or _query_only(entry, params))


def seed_pools(entries: list[ToolEntry], builtins: dict[str, str] | None) -> dict[str, list[Any]]:
    """Literal values per kind: the kinds' seeds, examples quoted in parameter descriptions, the fleet's web root."""
    pools: dict[str, list[Any]] = {}

    def add(kind: str, value: Any) -> None:
        vals = pools.setdefault(kind, [])
        if value not in vals:
            vals.append(value)

    for e in entries:
        props = (e.input_schema or {}).get("properties") or {}
        for name in sorted(props):
            schema = props[name] or {}
            kind = param_kind(name, schema)
            if kind is None or kind in ("enum", "boolean"):
                continue
            k = KINDS.get(kind)
            for ex in schema_examples(schema) + documented_examples(e.description, name):
                if isinstance(ex, str) and k and re.fullmatch(k.pattern, ex) and (k.accept is None
                                                                                  or k.accept(ex, 0, len(ex))):
                    add(kind, ex)
    for kind in sorted(KINDS):
        for s in KINDS[kind].seeds:
            add(kind, s)
    if builtins and builtins.get("WEB_URL"):
        add("url", "${WEB_URL}/")
    return pools


def literal_values(graph: ToolGraph, kind: str, schema: dict[str, Any] | None = None, server: str | None = None,
                   param: str = "") -> list[Any]:
    """Candidate literal values for a parameter of a kind: enum members, the server's own values (graph.local_pools),
    figures its meaning makes plausible (a number named or described as a rate, a period, a count, money:
    magnitudes.plausible), the pool, or pool values composed in; only those the parameter's schema allows
    (bounds.conform: type, range, length, pattern), else, for a bounded number none of whose candidates fits, values
    its bounds allow."""
    schema = schema or {}
    meant = magnitudes.plausible(param, schema) if kind == "number" else []
    vals = meant or addresses.ordered(kind, param, _candidates(graph, kind, schema, server))
    return bounds.conform(schema, vals) or (bounds.in_bounds(schema) if vals else [])


def _candidates(graph: ToolGraph, kind: str, schema: dict[str, Any], server: str | None) -> list[Any]:
    if kind == "enum":
        return list(schema.get("enum") or [])
    if kind == "boolean":
        return [bool(schema.get("default", False))]
    if kind.startswith("["):
        return shapes.values(graph, kind, schema)
    local = graph.local_pools.get(server or "", {}).get(kind)
    if local:
        return list(local)
    vals = list(graph.pools.get(kind, []))
    if vals:
        return vals
    for comp in composers_into(kind):
        for v in graph.pools.get(comp.source, []):
            vals += [t.format(v) for t in comp.templates[:1]]
    return vals


def can_fill(graph: ToolGraph, node: ToolNode, entry_schema: dict[str, Any],
             bound: frozenset[str] | set[str] = frozenset()) -> bool:
    """Every required parameter not in `bound` has a literal candidate, or is a handle a tool of the server returns
    (graph.handles)."""
    props = entry_schema.get("properties") or {}
    return node.read_only and all(
        p in bound or (k is not None and literal_values(graph, k, props.get(p), node.server, p))
        or (k is None and handle_source(graph, node.server, p) is not None) for p, k in node.params.items())


def handle_source(graph: ToolGraph, server: str, param: str, _depth: int = 0) -> HandleSource | None:
    """The first tool of `server` whose output carries the handle `param` and that can itself be filled (an opener
    first, else a read that needs only handles with sources), or None."""
    if _depth > 2:
        return None
    for hs in sorted((h for h in graph.handles if h.server == server and h.param == param),
                     key=lambda h: (not h.opener, len(h.needs), h.tool)):
        if all(handle_source(graph, server, q, _depth + 1) is not None for q in hs.needs.values()):
            return hs
    return None


def connect(graph: ToolGraph) -> None:
    """Recompute the edges from every node's `produces` (sorted, so the graph is the same on every run)."""
    edges: dict[tuple[str, str, str, str, str], set[Evidence]] = {}
    for src in graph.nodes:
        if not src.read_only:
            continue
        for dst in graph.nodes:
            if not dst.read_only:
                continue
            for param, kind in dst.params.items():
                if kind is None or kind in LITERAL_ONLY:
                    continue
                if kind in src.produces and src.key != dst.key:
                    edges.setdefault((src.key, dst.key, param, kind, "direct"), set()).update(src.produces[kind])
                for comp in composers_into(kind):
                    if comp.source in src.produces:
                        edges.setdefault((src.key, dst.key, param, comp.source, "compose"),
                                         set()).update(src.produces[comp.source])
    for hs in graph.handles:  # a tool returns the handle another tool of its server takes
        for dst in graph.nodes:
            if dst.server == hs.server and dst.read_only and dst.key != hs.key and hs.param in dst.params \
                    and dst.params[hs.param] is None:
                edges.setdefault((hs.key, dst.key, hs.param, HANDLE, "direct"), set()).add("probe")
    graph.edges = [Edge(src=s, dst=d, param=p, kind=k, via=v, evidence=sorted(ev))
                   for (s, d, p, k, v), ev in sorted(edges.items())]


def mark_produces(node: ToolNode, kind: str, evidence: Evidence) -> None:
    ev = node.produces.setdefault(kind, [])
    if evidence not in ev:
        ev.append(evidence)
        ev.sort()


def schema_text(entry: ToolEntry) -> str:
    """The tool's description plus its output schema's property names and descriptions (not types or titles:
    `"title": "TimeResult"` says nothing about results)."""
    words: list[str] = [entry.description]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                words.append(name)
                if isinstance(sub, dict) and sub.get("description"):
                    words.append(str(sub["description"]))
                walk(sub)
            for key in ("items", "$defs", "definitions"):
                sub = node.get(key)
                for v in (sub.values() if isinstance(sub, dict) and key != "items" else [sub]):
                    walk(v)

    walk(entry.output_schema or {})
    return "\n".join(words)


def init_graph(state: SynthState) -> None:
    """Nodes and seed pools for the selected tools (once)."""
    if state.graph.nodes:
        return
    state.graph.nodes = [build_node(e) for e in state.entries]
    from task_synth.handles import numbered_items
    from task_synth.seeding import isolated_servers

    numbered_items(state.graph, state.entries, isolated_servers(state))
    state.graph.pools = seed_pools(state.entries, state.builtins)
    freetext.assign(state.graph, state.entries)
    colours.assign(state.graph, state.entries)
    addresses.assign(state.graph, state.entries)
    compounds.assign(state.graph, state.entries)
    units.assign(state.graph, state.entries)
    shapes.assign(state.graph, state.entries, getattr(state.live, "specs", None) or {}, state.builtins)


@step("graph", "schema")
class SchemaSource:
    """Edges from names, types and descriptions: a tool whose output schema or description names a kind
    (a `timezone` field, 'List all tables') produces it."""

    name = "schema"

    async def run(self, state: SynthState) -> None:
        init_graph(state)
        by_key = {f"{e.server}/{e.name}": e for e in state.entries}
        for node in state.graph.nodes:
            text = schema_text(by_key[node.key])
            for kind in sorted(KINDS):
                if re.search(KINDS[kind].produced_by, text, re.IGNORECASE):
                    mark_produces(node, kind, "schema")
        connect(state.graph)


__all__ = [
    "CHANGES_SAID",
    "HANDLE",
    "LITERAL_ONLY",
    "REMOVES",
    "SchemaSource",
    "build_node",
    "can_fill",
    "connect",
    "handle_source",
    "init_graph",
    "is_read_only",
    "literal_values",
    "mark_produces",
    "named_as_read",
    "says_it_changes",
    "schema_text",
    "seed_pools",
    "writes_a_file",
]
