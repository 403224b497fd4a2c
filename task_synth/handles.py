"""Handles: tools that work on something another tool of their server opens and names (a session, a deck, a request).

A common shape among MCP servers: `load(file)` answers `{"session_id": "…"}` and every other tool takes that
`session_id`. Nothing in the world's pools can fill such a parameter, so without this module those tools are never
probed, the graph has no edges through them and walks are empty. Here:

1. **Handle parameters** are required parameters of no known kind named like an id, a handle or a session
   (fill.role 'id').
2. **Openers** are found per server: tools whose output schema has the handle's key, or whose name or description
   says load/open/create/new/start/init/connect (never a removal). They are tried only on servers the fleet isolates
   per episode (the sandbox: they may create in-sandbox state), filled from what the fleet provides — the world's
   files the server sees in its working directory, the names its isolation copies, `${WORLD}`, the kinds' pools,
   else a world topic's records. An argument set after which the output carries the handle is kept with the regex
   that re-reads it (`id_regex`: a key named like it, or the id said in text: "Created collection 3"), so bindings
   re-resolve it in every episode (`step[i]:<regex>`).
3. **Reads that carry a handle** in their probe output (a listing that shows each task's id) become producers too,
   on any server: their handles are real, never made up.
4. Probing and walks put the producer (an opener with one of its argument sets, drawn by the walk's seed) before a
   tool that needs the handle and bind it; a read that needs a handle is never called without one.

Nothing here names a server or tool: every choice comes from schemas, descriptions and outputs.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import ChainStep, HandleSource, ToolGraph, ToolNode
from task_synth.binding import BindingError, expand, resolve_binding
from task_synth.fill import INT_ID, Unfillable, file_format, fill, id_noun, key_regex, role
from task_synth.graph import handle_source
from task_synth.kinds import param_kind

if TYPE_CHECKING:
    from task_synth.pipeline import EpisodeCalls, SynthState

_OPENS = re.compile(r"(^|[_\-. ])(load|open|create|new|start|init|initiali[sz]e|connect|begin|register|import)",
                    re.IGNORECASE)
_OPENS_DESC = re.compile(r"^\W*(loads?|opens?|creates?|starts?|initiali[sz]es?|connects?|begins?|registers?|"
                         r"imports?)\b", re.IGNORECASE)
_REMOVES = re.compile(r"(^|[_\-. ])(delete|remove|close|clear|drop|reset|destroy|purge|unset|undo|kill|stop)",
                      re.IGNORECASE)
_NAMED = re.compile(r"handle|session", re.IGNORECASE)
_DATA_EXT = re.compile(r"\.?\b(csv|tsv|xlsx|xls|json|parquet|pptx|docx|md|txt|db|sqlite)\b", re.IGNORECASE)
OPENER_TRIES = 6
"""Argument sets tried per candidate opener (one episode for all of them)."""
KEPT_ARGUMENTS = 4
"""Working argument sets kept per opener (a walk draws one: variety of files)."""
CANDIDATES = 4
"""Candidate openers tried per server."""
FILES = 8
"""World files offered per server."""
HIDDEN = "-"
"""What a handle is written as in the outputs writers and checks read: too short for any ask, still a value."""
MARK = "<handle>"
"""What a handle value is written as when outputs are compared (it is drawn anew in every episode)."""


_ID_VALUE = r"((?=[\w-]*\d)[A-Za-z0-9][\w-]*|-(?![\w-]))"
"""An id said in text: a token with a digit in it ('42', 'r-17', '3f9a2c1b'), never a plain word; or HIDDEN, what a
drawn id is written as in stored outputs, so the binding still re-reads them."""


def _noun_forms(noun: str) -> set[str]:
    w = noun.split()[-1] if noun else ""
    if len(w) < 2:
        return set()
    out = {w, w + "s", w + "es"}
    if w.endswith("y"):
        out.add(w[:-1] + "ies")
    return out


def _about(node: ToolNode) -> set[str]:
    """The words of a tool's name and of its description's first sentence, lower case."""
    first = re.split(r"(?<=[.!?])\s|\n", (node.description or "").strip(), maxsplit=1)[0]
    return {w.lower() for w in re.findall(r"[A-Za-z][a-z]*", f"{node.tool.replace('_', ' ')} {first}")}


def id_fits(graph: ToolGraph, server: str, tool: str, param: str, taker: str | None = None) -> bool:
    """Whether a bare `id` in TOOL's output may be taken as PARAM (`<noun>_id`): the tool is about that noun
    (`make_invoice` or "List invoices" for `invoice_id`), or it names no other thing an id parameter of the server
    names. `open_account` answers the account's `id`, never the `invoice_id` another tool takes. A bare `id`
    parameter takes any, unless its tool TAKER acts on a thing the server makes (`read_page(id)` where `add_page`
    exists): then it is that thing's id, and a section's `id` from `add_section` is no page's."""
    noun = id_noun(param)
    made: set[str] = set()
    if not noun and taker is not None:
        made = {tool_noun(n.tool) for n in graph.nodes if n.server == server and MAKES.search(n.tool)} - {""}
        noun = tool_noun(taker) if tool_noun(taker) in made else ""
    node = graph.node(f"{server}/{tool}")
    if not noun or node is None:
        return True
    about = _about(node)
    if _names(noun, about):
        return True
    rivals = {id_noun(p) for n in graph.nodes if n.server == server for p in [*n.params, *n.optional]} | made
    return not any(_names(r, about) for r in rivals - {noun, ""})


MAKES = re.compile(r"^(create|add|new|make|insert|register)(?:[_\-. ]|(?=[A-Z]))", re.IGNORECASE)


def tool_noun(tool: str) -> str:
    """The thing a tool acts on, from its name's last word ('read_page', 'getSection' -> 'page', 'section'), singular;
    '' for a one-word name."""
    words = re.findall(r"[A-Za-z][a-z]*", tool.replace("_", " "))
    if len(words) < 2:
        return ""
    w = words[-1].lower()
    return w[:-3] + "y" if w.endswith("ies") else w[:-1] if w.endswith("s") and not w.endswith("ss") else w


def _names(noun: str, words: set[str]) -> bool:
    """WORDS name NOUN: its last word, singular or plural, or a word it shortens (`doc` of 'document')."""
    last = noun.split()[-1] if noun else ""
    return bool(_noun_forms(noun) & words) or (len(last) >= 3 and any(w.startswith(last) for w in words))


def id_regex(param: str, output: str, generic: bool = True) -> str | None:
    """A regex reading the id `param` takes from an output: a key named like it (fill.key_regex: JSON or 'key: value'
    lines), else the id said in text — after the noun the parameter names ('Created collection 3' for
    `collection_id`, 'Basket b7f3a9c2 is ready' for `basketId`) or after 'id' ('saved (id: r-17)'); for an item's
    number (`old_id`, `memoryId`: any name ending in id) also the first number written '#3' ('Logged entry #3
    (fact)'). A bare 'id' is read only when GENERIC (the output is about what PARAM names: id_fits). None when the
    output says none (for a bare `id` PARAM too: its tool acts on another thing, id_fits' TAKER)."""
    if not generic and not id_noun(param) and param.lower() == "id":
        return None
    rx = key_regex(param, output, generic)
    if rx:
        return rx
    words = re.findall(r"[A-Za-z][a-z]*", re.sub(r"(?i)[_-]?ids?$", "", param))
    forms = [rf"(?i)\b{re.escape(words[-1].lower())}s?\b\s*(?:id|no\.?|number)?\s*[:=#]?\s*#?{_ID_VALUE}"] \
        if words else []
    if generic:
        forms.append(rf"(?i)\bid\b\s*[:=#]?\s*#?{_ID_VALUE}")
    if INT_ID.search(param):  # an item's number said as '#3' ("Logged entry #3", "Stored memory #3 (fact)")
        forms.append(r"(?<![\w#&])#(\d+)\b")
    return next((f for f in forms if re.search(f, output, re.DOTALL)), None)


def is_handle_param(name: str, schema: dict[str, Any], kind: str | None) -> bool:
    """A required parameter of no known kind named like an id, a handle or a session."""
    if kind is not None:
        return False
    return role(name, schema or {}) == "id" or bool(_NAMED.search(name))


def numbered_items(graph: ToolGraph, entries: list[ToolEntry], isolated: list[str]) -> None:
    """On servers isolated per episode, a required integer named like an item's id (`id`, `task_id`: fill.role 'id')
    is a handle, not a number: a fresh store has no item 1 until something makes it, and a count read from another
    output is no item's id. Such parameters lose the `number` kind, so openers give them (learn_openers) and walks
    put the tool that made the item first; on shared servers they keep it (their items already exist)."""
    props = {f"{e.server}/{e.name}": (e.input_schema or {}).get("properties") or {} for e in entries}
    for node in graph.nodes:
        if node.server not in isolated:
            continue
        for p, k in list(node.params.items()):
            ps = props.get(node.key, {}).get(p) or {}
            if k == "number" and role(p, ps) == "id":
                node.params[p] = None


def handle_keys(graph: ToolGraph) -> set[tuple[str, str]]:
    """(server, parameter) of every handle with a known source."""
    return {(h.server, h.param) for h in graph.handles}


def context_tools(graph: ToolGraph) -> set[tuple[str, str]]:
    """(server, tool) of steps that set the scene rather than answer anything: learnt set-ups and openers. A request
    names what they were given ("in orders.csv"), never the calls themselves."""
    return ({(srv, str(su["tool"])) for srv, su in graph.setups.items()}
            | {(h.server, h.tool) for h in graph.handles if h.opener})


def server_files(state: SynthState, server: str) -> list[str]:
    """The world's files the server sees from its working directory (names relative to it), data files its own
    descriptions name first; [] when its working directory is not the world's or a copy of it. A server synthesis
    gave files (task_synth.offered) sees those."""
    offered = state.offered.get(server)
    if offered:  # the files synthesis gave it (task_synth.offered): in its sandbox, where it runs
        return _ranked(state, server, list(offered))
    specs = getattr(state.live, "specs", None) or {}
    spec = specs.get(server)
    world = state.builtins.get("WORLD")
    cwd = str(getattr(spec, "cwd", None) or "")
    if spec is None or not world or not cwd:
        return []
    root = Path(world)
    found: list[str] = []
    if cwd.startswith("${WORLD}"):
        base = root / cwd[len("${WORLD}"):].strip("/")
        found = [str(p.relative_to(base)) for p in _files(base)]
    elif cwd.startswith("${EPISODE_DIR}"):
        rest = Path(cwd[len("${EPISODE_DIR}"):].strip("/"))
        iso = getattr(spec, "isolation", None)
        for c in getattr(iso, "copy_", None) or []:
            for p in _files(root / str(c)):
                rel = p.relative_to(root)
                if rest == Path() or rest in rel.parents:
                    found.append(str(rel.relative_to(rest)))
    return _ranked(state, server, found)


def _ranked(state: SynthState, server: str, found: list[str]) -> list[str]:
    """Data files the server's own descriptions name first, shallow ones first; at most FILES."""
    texts = " ".join(e.description + " " + str(e.input_schema or {}) for e in state.entries if e.server == server)
    named = {m.group(1).lower() for m in _DATA_EXT.finditer(texts)}
    ranked = sorted(dict.fromkeys(found), key=lambda f: (Path(f).suffix.lstrip(".").lower() not in named,
                                                          f.count("/"), f))
    return ranked[:FILES]


def _files(base: Path) -> list[Path]:
    if base.is_file():
        return [base]
    if not base.is_dir():
        return []
    out: list[Path] = []
    for p in sorted(base.rglob("*")):
        if len(out) >= 200:
            break
        rel = p.relative_to(base)
        if p.is_file() and len(rel.parts) <= 3 and not any(x.startswith(".") for x in rel.parts):
            out.append(p)
    return out


def opener_candidates(state: SynthState, server: str, params: set[str],
                      sourced: frozenset[str] | set[str] = frozenset()) -> list[ToolEntry]:
    """Tools of `server` that may open what `params` name: the output schema has the key, else the name or the
    description says load/open/create/…; never a removal, never one that itself takes one of `params` (unless it is
    one of `sourced`, handles another opener gives)."""
    def out_keys(e: ToolEntry) -> set[str]:
        keys: set[str] = set()

        def walk(node: Any, depth: int) -> None:
            if isinstance(node, dict) and depth < 3:
                for k, sub in (node.get("properties") or {}).items():
                    keys.add(str(k))
                    walk(sub, depth + 1)
        walk(e.output_schema or {}, 0)
        return keys

    ranked: list[tuple[int, int, str, ToolEntry]] = []
    for e in state.entries:
        req = set((e.input_schema or {}).get("required") or [])
        if e.server != server or (req & params) - set(sourced) or _REMOVES.search(e.name):
            continue
        if params & out_keys(e):
            score = 0
        elif _OPENS.search(e.name):
            score = 1
        elif _OPENS_DESC.match(e.description or ""):
            score = 2
        else:
            continue
        ranked.append((score, len(req), e.name, e))
    return [e for *_, e in sorted(ranked, key=lambda r: r[:3])]


def argument_sets(state: SynthState, entry: ToolEntry, bound: frozenset[str] | set[str] = frozenset()
                  ) -> list[dict[str, Any]]:
    """Argument sets to try an opener with: files the server sees for file parameters, then what a learnt set-up
    would be filled from (probe.setup_values), else a world topic's records; [] when a parameter has no value.
    Parameters in BOUND (handles an earlier opener gives) are left out."""
    from task_synth.probe import setup_values
    from task_synth.topics import world_topics

    schema = entry.input_schema or {}
    props = schema.get("properties") or {}
    required = [str(p) for p in schema.get("required") or [] if p not in bound]
    files = server_files(state, entry.server)
    fmt = file_format([e.description for e in state.entries if e.server == entry.server])
    options: list[list[Any]] = []
    for p in required:
        ps = props.get(p) or {}
        r, k = role(p, ps), param_kind(p, ps)
        vals: list[Any] = list(files) if r == "file" or k == "path" else []
        if k is not None or r == "file":
            vals += [v for v in setup_values(state, entry.server, p, ps) if v not in vals]
        if not vals:  # a name or records to open something with: the world's
            for topic in list(world_topics())[:3]:
                try:
                    args, _, _ = fill(schema, topic, fmt)
                except Unfillable:
                    continue
                if p in args and args[p] not in vals:
                    vals.append(args[p])
        if not vals and r == "":
            vals = setup_values(state, entry.server, p, ps)
        if not vals:
            return []
        options.append(vals)
    made_with = _made_with(state, entry, set(required) | set(bound))
    if not required:
        return [made_with]
    n = min(OPENER_TRIES, max(len(o) for o in options))
    return [{**made_with, **{p: o[min(i, len(o) - 1)] for p, o in zip(required, options, strict=True)}}
            for i in range(n)]


_WITH = re.compile(r"\bwith\b([^.;\n]{1,120})", re.IGNORECASE)


def _made_with(state: SynthState, entry: ToolEntry, taken: set[str]) -> dict[str, Any]:
    """The optional parameters the opener's first sentence says it makes its item with ("Create an account with an
    opening balance and a currency" -> `balance`), each given its first literal value when it has one: an item made
    without them may exist but be of no use to what takes it (a charge on an account holding nothing fails)."""
    from task_synth.graph import literal_values

    m = _WITH.search(re.split(r"(?<=[.!?])\s", (entry.description or "").strip(), maxsplit=1)[0])
    if not m:
        return {}
    said = {w.lower() for w in re.findall(r"[A-Za-z]+", m.group(1))}
    props = (entry.input_schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for p in sorted(props):
        ps = props[p] if isinstance(props[p], dict) else {}
        words = {w.lower() for w in re.findall(r"[A-Za-z][a-z]*", p)}
        kind = param_kind(p, ps)
        if p in taken or not words or not words <= said or kind is None:
            continue
        vals = literal_values(state.graph, kind, ps, entry.server, p)
        if vals:
            out[p] = vals[0]
    return out


def _ok(out: Any) -> bool:
    from task_synth.probe import looks_like_error

    return bool(out.ok) and not looks_like_error(out.content)


async def learn_openers(state: SynthState, servers: list[str]) -> None:
    """Find, for each handle parameter of `servers` (isolated per episode), a tool that opens it (graph.handles).
    Each candidate is tried with all its argument sets in one sandbox episode. A second round tries tools that need
    a handle the first round found (`book_visit(owner_id, …)` opens the `visit_id` other tools take once
    `add_owner` opens the `owner_id`): the handle's opener runs first and the new opener records it as a need."""
    schemas = {f"{e.server}/{e.name}": (e.input_schema or {}).get("properties") or {} for e in state.entries}
    for server in servers:
        wanted = sorted({p for n in state.graph.nodes if n.server == server for p, k in n.params.items()
                         if is_handle_param(p, schemas.get(n.key, {}).get(p) or {}, k)}
                        - {h.param for h in state.graph.handles if h.server == server})
        if not wanted:
            continue
        tried: set[str] = set()
        for _round in range(2):
            sourced = {h.param for h in state.graph.handles if h.server == server} if _round else set()
            todo = [p for p in wanted if p not in sourced]
            if not todo or (_round and not sourced):
                break
            cands = [c for c in opener_candidates(state, server, set(todo), sourced) if c.name not in tried
                     and (not _round or sourced & set((c.input_schema or {}).get("required") or []))]
            for cand in cands[:CANDIDATES]:
                tried.add(cand.name)
                await _try_opener(state, server, cand, wanted, sourced)


async def _try_opener(state: SynthState, server: str, cand: ToolEntry, wanted: list[str], sourced: set[str]) -> None:
    from task_synth.probe import _run_setups

    todo = [p for p in wanted if not any(h.server == server and h.param == p for h in state.graph.handles)]
    needs = sorted(set((cand.input_schema or {}).get("required") or []) & sourced)
    sets = argument_sets(state, cand, set(needs))
    if not todo or not sets:
        return
    try:
        pre, bound = prelude(state.graph, server, needs)
    except KeyError:
        return
    worked: dict[str, list[tuple[dict[str, Any], str]]] = {}
    async with state.live.episode(f"synth-open-{server}-{cand.name}", servers=[server],
                                  call_timeout_s=state.options.call_timeout_s) as tools:
        await _run_setups(state, tools, [server])
        outs = await run_prelude(state, tools, pre) if pre else []
        if isinstance(outs, str):
            return
        for args in sets:
            given = expand(dict(args), state.builtins)
            try:
                given.update({q: resolve_binding(bound[q], outs) for q in needs})
            except BindingError:
                return
            out = await tools.call_real(server, cand.name, given, state.options.call_timeout_s)
            if not _ok(out):
                continue
            for p in todo:
                rx = id_regex(p, out.content, id_fits(state.graph, server, cand.name, p))
                if rx:
                    worked.setdefault(p, []).append((args, rx))
    for p, found in sorted(worked.items()):
        state.graph.handles.append(HandleSource(server=server, tool=cand.name, param=p, extract=found[0][1],
                                                arguments=[a for a, _ in found][:KEPT_ARGUMENTS],
                                                needs={q: q for q in needs}))
        state.notes.append(f"graph:probe: {server}/{cand.name} opens the {p} other tools take")


def observe(state: SynthState, node: ToolNode, args: dict[str, Any], raw: str) -> None:
    """A read whose probe output carries a handle other tools of its server take becomes a producer of it."""
    schemas = {f"{e.server}/{e.name}": (e.input_schema or {}).get("properties") or {} for e in state.entries
               if e.server == node.server}
    wanted = {p for n in state.graph.nodes if n.server == node.server and n.key != node.key
              for p, k in n.params.items() if is_handle_param(p, schemas.get(n.key, {}).get(p) or {}, k)}
    own = {p for p, k in node.params.items() if k is None}
    for p in sorted(wanted - own):
        if any(h.server == node.server and h.tool == node.tool and h.param == p for h in state.graph.handles):
            continue
        rx = key_regex(p, raw, id_fits(state.graph, node.server, node.tool, p))
        if rx:
            state.graph.handles.append(HandleSource(
                server=node.server, tool=node.tool, param=p, extract=rx,
                arguments=[{k: v for k, v in args.items() if k not in own}], needs={q: q for q in sorted(own)},
                opener=False))


async def confirm_producers(state: SynthState) -> None:
    """Keep a read as a producer only when, on a fresh instance (after its own producers), its output carries the
    handle: a listing that showed the sessions other probes had opened shows none in an episode of its own."""
    reads = [h for h in state.graph.handles if not h.opener]
    for hs in reads:
        state.graph.handles.remove(hs)
        try:
            pre, bound = prelude(state.graph, hs.server, sorted(set(hs.needs.values())))
        except KeyError:
            continue
        step = ChainStep(server=hs.server, tool=hs.tool, arguments=dict(hs.arguments[0] if hs.arguments else {}),
                         bindings={q: bound[h] for q, h in hs.needs.items()})
        async with state.live.episode(f"synth-producer-{hs.server}-{hs.tool}", servers=[hs.server],
                                      call_timeout_s=state.options.call_timeout_s) as tools:
            outs = await run_prelude(state, tools, [*pre, step])
        fits = id_fits(state.graph, hs.server, hs.tool, hs.param)
        if not isinstance(outs, str) and key_regex(hs.param, outs[-1], fits) == hs.extract:
            state.graph.handles.append(hs)


def prelude(graph: ToolGraph, server: str, params: list[str], rng: random.Random | None = None,
            offset: int = 0, steps: list[ChainStep] | None = None) -> tuple[list[ChainStep], dict[str, str]]:
    """The steps that produce `params` on `server` (appended to `steps`, whose first step will be at index `offset`
    of the chain) and a binding per parameter ('step[i]:<regex>'). An opener's argument set is drawn with `rng`
    (the first without). Raises KeyError when a parameter has no source."""
    steps = [] if steps is None else steps
    bound: dict[str, str] = {}
    for p in params:
        hs = handle_source(graph, server, p)
        if hs is None:
            raise KeyError(p)
        at = next((i for i, s in enumerate(steps) if s.server == server and s.tool == hs.tool), None)
        if at is None:
            _, needs = prelude(graph, server, sorted(set(hs.needs.values())), rng, offset, steps)
            args = dict(rng.choice(hs.arguments) if rng and hs.arguments else (hs.arguments or [{}])[0])
            bindings = {q: needs[h] for q, h in hs.needs.items()}
            steps.append(ChainStep(server=server, tool=hs.tool, arguments=args, bindings=bindings,
                                   depends_on=sorted({int(b[5:b.index("]")]) for b in bindings.values()})))
            at = len(steps) - 1
        bound[p] = f"step[{offset + at}]:{hs.extract}"
    return steps, bound


def unbound_handles(graph: ToolGraph, step: ChainStep) -> list[str]:
    """The step's handle parameters (graph.handles) that no argument or binding fills yet."""
    node = graph.node(f"{step.server}/{step.tool}")
    keys = handle_keys(graph)
    taken = set(step.arguments) | set(step.bindings) | {b.param for b in step.binds}
    return [p for p, k in (node.params.items() if node else []) if k is None and (step.server, p) in keys
            and p not in taken]


def _shift(s: ChainStep, k: int) -> ChainStep:
    def move(spec: str) -> str:
        return re.sub(r"step\[(\d+)\]", lambda m: f"step[{int(m.group(1)) + k}]", spec)

    return s.model_copy(update={"binds": [b.model_copy(update={"source": b.source + k}) for b in s.binds],
                                "bindings": {p: move(v) for p, v in s.bindings.items()},
                                "depends_on": [d + k for d in s.depends_on]})


def with_handles(graph: ToolGraph, steps: list[ChainStep], rng: random.Random) -> list[ChainStep]:
    """The walk's steps with every handle they need bound: to an earlier step of the chain that returns it, else to
    a producer put before the walk (an opener, one of its argument sets drawn with `rng`)."""
    needs: list[tuple[int, str, str]] = []
    for i, s in enumerate(steps):
        for p in unbound_handles(graph, s):
            needs.append((i, s.server, p))
    if not needs:
        return steps
    pre: list[ChainStep] = []
    outside: dict[tuple[str, str], str] = {}
    inside: dict[tuple[int, str], int] = {}
    for i, server, p in needs:
        earlier = [j for j in range(i) if steps[j].server == server
                   and any(h.tool == steps[j].tool and h.server == server and h.param == p for h in graph.handles)]
        if earlier:
            inside[(i, p)] = earlier[-1]
        elif (server, p) not in outside:
            _, bound = prelude(graph, server, [p], rng, 0, pre)
            outside[(server, p)] = bound[p]
    k = len(pre)
    out = list(pre)
    for i, s in enumerate(steps):
        moved = _shift(s, k)
        extra: dict[str, str] = {}
        for (j, p), src in inside.items():
            if j == i:
                hs = next(h for h in graph.handles if h.server == s.server and h.tool == steps[src].tool
                          and h.param == p)
                extra[p] = f"step[{src + k}]:{hs.extract}"
        for (server, p), spec in outside.items():
            if server == s.server and p in unbound_handles(graph, s) and p not in extra:
                extra[p] = spec
        if extra:
            deps = {int(v[5:v.index("]")]) for v in extra.values()}
            moved = moved.model_copy(update={"bindings": {**moved.bindings, **extra},
                                             "depends_on": sorted(set(moved.depends_on) | deps)})
        out.append(moved)
    return out


async def run_prelude(state: SynthState, tools: EpisodeCalls, steps: list[ChainStep]) -> list[str] | str:
    """Run producer steps in order (bindings resolved); their outputs, or the reason one failed."""
    outputs: list[str] = []
    for s in steps:
        args = expand(dict(s.arguments), state.builtins)
        try:
            for p, spec in s.bindings.items():
                args[p] = resolve_binding(spec, outputs)
        except BindingError as e:
            return f"{s.tool}: {e}"
        out = await tools.call_real(s.server, s.tool, args, state.options.call_timeout_s)
        if not _ok(out):
            return f"{s.tool}: {(out.error or out.content)[:160]}"
        outputs.append(out.content)
    return outputs


def mask(text: str, values: list[Any], mark: str = MARK) -> str:
    """`text` with every handle value (drawn anew each episode) written as `mark`."""
    for v in sorted({str(v) for v in values if isinstance(v, str | int) and len(str(v)) >= 4}, key=len,
                    reverse=True):
        text = text.replace(v, mark)
    return text


__all__ = [
    "HIDDEN",
    "MAKES",
    "MARK",
    "argument_sets",
    "confirm_producers",
    "context_tools",
    "handle_keys",
    "id_fits",
    "id_regex",
    "is_handle_param",
    "learn_openers",
    "mask",
    "numbered_items",
    "observe",
    "opener_candidates",
    "prelude",
    "run_prelude",
    "server_files",
    "tool_noun",
    "unbound_handles",
    "with_handles",
]
