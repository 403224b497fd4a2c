"""Stage 2, chain sampling: seeded random walks over the tool graph.

Every step after the first consumes an earlier step's output (an edge of the graph), so chains are dependency
chains, not lists of unrelated calls. Diversity: start tools are drawn with weights that fall as a tool is used
(coverage across tools), a tool sequence appears at most `max_per_signature` times, and a chain identical to an
earlier one (same tools, same literal arguments) is never drawn twice. Single- and cross-server chains are mixed by
`cross_server_share`.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from task_synth import freetext, unreached
from task_synth.artifacts import BindIntent, Chain, ChainStep, Edge, ToolNode
from task_synth.graph import HANDLE, LITERAL_ONLY, handle_source, literal_values
from task_synth.handles import with_handles
from task_synth.kinds import composers_into
from task_synth.registry import step

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

HOP_WEIGHTS = {2: 4, 3: 4, 4: 2, 5: 1}
"""Relative frequency of chain lengths (longer chains are rarer: each hop is a chance to fail grounding)."""


_FOLDER = re.compile(r"director|folder|\bdirs?\b|tree", re.IGNORECASE)


def paths_for(node: ToolNode, param: str, vals: list[Any]) -> list[Any]:
    """Of a pool of paths, the folders for a tool that works on a directory (its name, the parameter or its
    description's first sentence says directory, folder or tree), else the files; all of them when none fit."""
    first = re.split(r"(?<=\.)\s", node.description.strip(), maxsplit=1)[0] if node.description else ""
    folder = bool(_FOLDER.search(f"{node.tool} {param} {first}"))
    fit = [v for v in vals if isinstance(v, str) and (not PurePosixPath(v).suffix) == folder]
    return fit or vals


class _Walker:
    def __init__(self, state: SynthState, rng: random.Random):
        self.state = state
        self.graph = state.graph
        self.rng = rng
        setups = {f"{srv}/{su['tool']}" for srv, su in self.graph.setups.items()}
        self.nodes = {n.key: n for n in self.graph.nodes if n.read_only and n.key not in setups}
        self.schemas = {f"{e.server}/{e.name}": (e.input_schema or {}).get("properties") or {} for e in state.entries}
        self.uses: Counter[str] = Counter()

    def literal(self, node: ToolNode, param: str, avoid: list[Any] = ()) -> Any:  # type: ignore[assignment]
        kind = node.params[param]
        vals = literal_values(self.graph, kind or "", self.schemas.get(node.key, {}).get(param),
                              node.server, param) if kind else []
        if kind and kind.split("@")[0] == "path":
            vals = paths_for(node, param, vals)
        vals = [v for v in vals if v not in avoid] or vals
        return self.rng.choice(vals) if vals else None

    def fillable(self, node: ToolNode, bound: set[str]) -> bool:
        return all(p in bound or (k is not None and self.literal_probe(node, p))
                   or (k is None and handle_source(self.graph, node.server, p) is not None)
                   for p, k in node.params.items())

    def literal_probe(self, node: ToolNode, param: str) -> bool:
        kind = node.params[param]
        return bool(kind and literal_values(self.graph, kind, self.schemas.get(node.key, {}).get(param),
                                            node.server, param))

    def weighted(self, items: list[Any], weights: list[float]) -> Any:
        return self.rng.choices(items, weights=weights, k=1)[0]

    def start(self) -> ToolNode | None:
        # a read whose server needs a set-up call, or a handle another tool opens, is a chain of two on its own
        # (the set-up or the opener is a hop to find)
        cands = [n for k, n in sorted(self.nodes.items())
                 if self.fillable(n, set()) and (n.server in self.graph.setups or None in n.params.values()
                                                 or any(e.dst in self.nodes for e in self.graph.out_edges(k)))]
        if not cands:
            return None
        return self.weighted(cands, [1.0 / (1 + self.uses[n.key]) for n in cands])

    def next_edges(self, steps: list[ChainStep], cross: bool) -> list[Edge]:
        """Edges out of the last step (chains are linear: each step consumes its predecessor's output)."""
        servers = {s.server for s in steps}
        last = steps[-1]
        out: list[Edge] = []
        for e in self.graph.out_edges(f"{last.server}/{last.tool}"):
            dst = self.nodes.get(e.dst)
            if dst is None or not self.fillable(dst, {e.param}):
                continue
            if not cross and dst.server not in servers:
                continue
            same_tool = [s for s in steps if (s.server, s.tool) == (dst.server, dst.tool)]
            if same_tool and (e.via == "direct" or any(len(steps) - 1 in s.depends_on for s in same_tool)):
                continue
            out.append(e)
        return out

    def extend(self, steps: list[ChainStep], cross: bool) -> bool:
        options = self.next_edges(steps, cross)
        if not options:
            return False
        servers = {s.server for s in steps}
        last = len(steps) - 1

        def weight(e: Edge) -> float:
            w = 1.0 / (1 + self.uses[e.dst])
            if cross and len(servers) == 1 and e.dst.split("/", 1)[0] not in servers:
                w *= 4.0
            return w

        edge = self.weighted(options, [weight(e) for e in options])
        dst = self.nodes[edge.dst]
        src = self.nodes[edge.src]
        param = edge.param
        if edge.via == "direct":
            # of several parameters of one kind, the first takes the value (convert *from* that timezone)
            param = next(p for p, k in dst.params.items() if k == dst.params[edge.param])
        bindings: dict[str, str] = {}
        if edge.kind == HANDLE:  # the handle the last step returned, re-read with its producer's own regex
            hs = next(h for h in self.graph.handles if h.key == edge.src and h.param == edge.param)
            binds, bindings = [], {edge.param: f"step[{last}]:{hs.extract}"}
        else:
            binds = [self._bind(edge, param, last)]
            folder = self._listed_folder(steps[-1], src)
            if folder and edge.via == "direct" and str(edge.kind).split("@")[0] == "path":
                # a name a folder's listing gives is relative to that folder: `meetings` lists `ops.md`
                binds = [binds[0].model_copy(update={"template": f"{folder}/{{}}"})]
        bound_kinds = {dst.params[param]}
        args: dict[str, Any] = {}
        for p, kind in dst.params.items():
            if p == param or kind is None:  # handles are bound once the walk is done (handles.with_handles)
                continue
            # keep the chain coherent: a parameter whose kind the previous step also produced takes it from
            # there (convert *that* time from *that* timezone) — one parameter per kind
            if kind in src.produces and kind not in LITERAL_ONLY and kind not in bound_kinds:
                binds.append(BindIntent(param=p, source=last, kind=kind or ""))
                bound_kinds.add(kind)
            elif (same := self.same_choice(steps[-1], dst, p)) is not None:
                args[p] = same
            else:
                args[p] = self.literal(dst, p, avoid=self._used(steps, kind))
        in_order(args)
        freetext.complete(dst, args, self.rng, freetext.chain_text([self.nodes[f"{s.server}/{s.tool}"] for s in steps],
                                                                   [s.arguments for s in steps]))
        steps.append(ChainStep(server=dst.server, tool=dst.tool, arguments=args, binds=binds, bindings=bindings,
                               depends_on=[last]))
        return True

    def same_choice(self, prev: ChainStep, node: ToolNode, param: str) -> Any:
        """The value the previous step of the same server chose under the same name, when it is a choice of NODE's
        schema (an enum): what the chain read holds for that choice (the outline of edition 2025 lists titles of
        2025, so the search they feed is of 2025 too); None otherwise."""
        options = (self.schemas.get(node.key, {}).get(param) or {}).get("enum")
        v = prev.arguments.get(param)
        return v if prev.server == node.server and options and v in options else None

    @staticmethod
    def _listed_folder(step: ChainStep, node: ToolNode) -> str | None:
        """The folder a step listed (a tool working on a directory, given a relative folder), else None."""
        for p, v in step.arguments.items():
            kind = node.params.get(p) or ""
            if kind.split("@")[0] == "path" and isinstance(v, str) and v and not PurePosixPath(v).suffix \
                    and not v.startswith(("/", "$", ".")) and paths_for(node, p, [v, "x.txt"]) == [v]:
                return v.rstrip("/")
        return None

    def _used(self, steps: list[ChainStep], kind: str | None) -> list[Any]:
        out = []
        for s in steps:
            node = self.nodes[f"{s.server}/{s.tool}"]
            out += [v for p, v in s.arguments.items() if node.params.get(p) == kind]
        return out

    def _bind(self, edge: Edge, param: str, source: int) -> BindIntent:
        if edge.via == "direct":
            return BindIntent(param=param, source=source, kind=edge.kind)
        dst_kind = self.nodes[edge.dst].params[param] or ""
        comp = next(c for c in composers_into(dst_kind) if c.source == edge.kind)
        j = self.rng.randrange(len(comp.templates))
        return BindIntent(param=param, source=source, kind=edge.kind, template=comp.templates[j],
                          phrase=comp.phrases[j] if j < len(comp.phrases) else "")

    def walk(self, hops: int, cross: bool) -> list[ChainStep] | None:
        first = self.start()
        if first is None:
            return None
        args: dict[str, Any] = {}
        for p in (q for q, k in first.params.items() if k is not None):
            args[p] = self.literal(first, p, avoid=[v for q, v in args.items() if first.params[q] == first.params[p]])
        in_order(args)
        freetext.complete(first, args, self.rng)
        steps = [ChainStep(server=first.server, tool=first.tool, arguments=args)]
        while len(steps) < hops and self.extend(steps, cross):
            pass
        return steps


_ENDS = (("start", "end"), ("from", "to"), ("since", "until"), ("begin", "end"), ("min", "max"), ("first", "last"))


def in_order(args: dict[str, Any]) -> dict[str, Any]:
    """ARGS with the two ends of a range in order (`start_date` before `end_date`, `min_price` under `max_price`):
    literals drawn one by one may come out reversed, and a range that ends before it starts finds nothing."""
    for lo, hi in _ENDS:
        for p in list(args):
            m = re.fullmatch(rf"(\w*?)({lo})(_?\w*)", p, re.IGNORECASE)
            if not m:
                continue
            q = next((k for k in args if k.lower() == f"{m.group(1)}{hi}{m.group(3)}".lower()), None)
            if q is None:
                continue
            a, b = args[p], args[q]
            if type(a) is type(b) and _ordered_kind(a) and a > b:
                args[p], args[q] = b, a
    return args


def _ordered_kind(v: Any) -> bool:
    """A figure, an ISO date or a time of day: values whose order is a range's (never units or places)."""
    if isinstance(v, str):
        return bool(re.fullmatch(r"\d{4}-\d\d-\d\d(?:[T ][\d:.]+Z?)?|\d\d:\d\d(?::\d\d)?", v))
    return isinstance(v, int | float) and not isinstance(v, bool)


REBOUND = 2
"""Extra draws of a walk that reads a listed value, when the graph allows no more distinct walks."""


def rebound(chains: list[Chain], want: int, prefix: str, seed: int) -> list[Chain]:
    """When the walks left the run short of `want`, the walks that bind a value read from an earlier output (the
    k-th message a listing gives) drawn again, up to REBOUND more times each: grounded under another seed, each binds
    another listed item (a list → read walk on a small mailbox asks of another message). A draw that binds the same
    item gives the same answer and is dropped as a duplicate later."""
    bound = [c for c in chains if any(s.binds for s in c.steps)]
    out: list[Chain] = []
    for _ in range(REBOUND):
        for c in bound:
            if len(chains) + len(out) >= want:
                return out
            cid = f"{prefix}-c{len(chains) + len(out):04d}"
            out.append(c.model_copy(update={"id": cid, "seed": f"{seed}:{cid}"}))
    return out


LONE_PER_TOOL = 3
"""One-hop chains per read tool of a lone server (each with other literal arguments), times `variants`."""


def lone_reads(state: SynthState, walker: _Walker, rng: random.Random, chains: list[Chain], want: int,
               first_id: int | None = None) -> list[Chain]:
    """One-hop chains for the read tools no walk reached, while the walks left the run short of chains: the tool of
    a single-tool server, or reads that feed nothing another read takes (a converter, a page fetcher, a profiler
    alone, a document's statistics). Each is one read and one question, worded with a purpose like any walk, and
    allowed one hop by the `hops` rule (`SynthState.single_hop`); they fill only what the walks could not (`want`):
    multi-hop tasks are the point. A read that needs a set-up or a handle is not lone (its opener makes it a walk of
    two)."""
    o = state.options
    reached = {f"{s.server}/{s.tool}" for c in chains for s in c.steps}
    nodes = [n for k, n in sorted(walker.nodes.items()) if k not in reached and n.server not in state.graph.setups
             and None not in n.params.values() and walker.fillable(n, set()) and not _unsaid_choice(walker, n)]
    out: list[Chain] = []
    seen: set[str] = set()
    given: dict[str, list[Any]] = {}  # literals a tool was already given: the next chain takes another
    for _ in range(LONE_PER_TOOL * o.variants):
        for node in nodes:
            if len(chains) + len(out) >= want:
                break
            args: dict[str, Any] = {}
            for p in (q for q, k in node.params.items() if k is not None):
                used = [v for q, v in args.items() if node.params[q] == node.params[p]]
                args[p] = walker.literal(node, p, avoid=used + given.get(f"{node.key}/{p}", []))
                given.setdefault(f"{node.key}/{p}", []).append(args[p])
            in_order(args)
            freetext.complete(node, args, rng)
            key = json.dumps([node.key, args], sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            cid = f"{o.id_prefix}-c{(len(chains) if first_id is None else first_id) + len(out):04d}"
            out.append(Chain(id=cid, steps=[ChainStep(server=node.server, tool=node.tool, arguments=args)],
                             seed=f"{o.seed}:{cid}"))
            state.single_hop.add(cid)
    if out:
        where = ", ".join(sorted({f"{c.steps[0].server}/{c.steps[0].tool}" for c in out}))
        state.notes.append(f"sample:walk: {len(out)} one-hop chains on {where} (no walk reached those tools)")
    return out


@step("ground", "lone")
class LoneRetry:
    """Lone reads for the reads whose every sampled walk failed grounding (or, `after_write`, was not written). Lone
    reads are made at sampling only for reads no walk reaches; a read that walks reach but that no walk grounds (an
    earlier output that has no value to feed it) would otherwise get no task at all. Each new one-hop chain is
    grounded here, for what the grounded chains leave short of `n × oversample`."""

    name = "lone"

    def __init__(self, after_write: bool = False):
        self.after_write = after_write
        """Run again after writing: the reads whose every walk grounded but lost its purpose (a number of days fed
        as goals) get lone reads too, written by the writer step that follows."""

    async def run(self, state: SynthState) -> None:
        o = state.options
        if state.walker is None or not o.lone_reads:
            return
        ok = set(state.drafts) if self.after_write else {g.chain_id for g in state.grounded}
        kept = [c for c in state.chains if c.id in ok or c.id in state.single_hop]  # a lone read made once stays
        rng = random.Random(f"task_synth:lone-retry:{o.seed}")
        more = lone_reads(state, state.walker, rng, kept, o.n * o.oversample, first_id=len(state.chains))
        if not more:
            return
        state.chains.extend(more)
        from task_synth.grounding import LiveGrounding

        await LiveGrounding().run(state)


def redrawn(state: SynthState, chain: Chain, rng: random.Random, taken: dict[tuple[int, str], list[Any]]
            ) -> list[ChainStep] | None:
    """The chain's steps with every literal argument of a known kind drawn again from its pool, avoiding the values
    `taken` (step, parameter -> values that position had in the chain and its earlier redraws; extended here): the
    same shape asked of other records (refill.py). Bound arguments, free text and set-up calls stay. None when no
    argument can take another value."""
    walker = _Walker(state, rng)
    out: list[ChainStep] = []
    changed = False
    used: dict[str, list[Any]] = {}  # kind -> literals of the new chain so far: no zone compared with itself
    for i, s in enumerate(chain.steps):
        node = walker.nodes.get(f"{s.server}/{s.tool}")
        if node is None:  # a set-up call
            out.append(s)
            continue
        args = dict(s.arguments)
        bound = set(s.bindings) | {b.param for b in s.binds}
        for p in sorted(args):
            kind = node.params.get(p)
            if kind is None or p in bound:
                continue
            if out and i - 1 in s.depends_on and (same := walker.same_choice(out[-1], node, p)) is not None:
                args[p] = same  # the choice the step it reads made (the edition whose outline it was given)
                changed = changed or same != s.arguments[p]
                continue
            seen = taken.setdefault((i, p), [args[p]])
            alike = [v for q, v in args.items() if q != p and node.params.get(q) == kind] + used.get(kind, [])
            value = walker.literal(node, p, avoid=seen + alike)
            if value is None or value in seen or value in alike:
                continue
            seen.append(value)
            args[p] = value
            changed = True
        for p, v in args.items():
            if (kind := node.params.get(p)) is not None and p not in bound:
                used.setdefault(kind, []).append(v)
        out.append(s.model_copy(update={"arguments": args}))
    return out if changed else None


def _unsaid_choice(walker: _Walker, node: ToolNode) -> bool:
    """A required choice among several (an enum with no default) that only shapes the answer (`format`, `sort`:
    phrases.is_setting): the request does not recite it, so a one-hop task on it would not say which one it asks
    about. A choice of what to look at (`version: 5.0`, `category: seafood`) is said, and does not count."""
    from task_synth.phrases import is_setting

    props = walker.schemas.get(node.key, {})
    return any(len(enum := (props.get(p) or {}).get("enum") or []) > 1 and "default" not in (props.get(p) or {})
               and is_setting(p, enum[0]) for p in node.params)


def with_setups(state: SynthState, steps: list[ChainStep]) -> list[ChainStep]:
    """The walk's steps after the set-up calls their servers need (graph.setups, learnt from probe errors): a
    prerequisite step per server, in order of first use; the walk's bindings move along."""
    pre = [ChainStep(server=srv, tool=state.graph.setups[srv]["tool"],
                     arguments=dict(state.graph.setups[srv]["arguments"]))
           for srv in dict.fromkeys(s.server for s in steps) if srv in state.graph.setups]
    if not pre:
        return steps
    k = len(pre)
    at = {p.server: i for i, p in enumerate(pre)}  # a step needs its server's set-up done first
    return pre + [_shift(s, k, {at[s.server]} if s.server in at else set()) for s in steps]


def _shift(s: ChainStep, k: int, extra: set[int] | None = None) -> ChainStep:
    def move(spec: str) -> str:
        return re.sub(r"step\[(\d+)\]", lambda m: f"step[{int(m.group(1)) + k}]", spec)

    return s.model_copy(update={"binds": [b.model_copy(update={"source": b.source + k}) for b in s.binds],
                                "bindings": {p: move(v) for p, v in s.bindings.items()},
                                "depends_on": sorted({d + k for d in s.depends_on} | (extra or set()))})


@step("sample", "walk")
class WalkSampler:
    """Seeded random walks; `n × oversample` chains of `min_hops`..`max_hops` steps."""

    name = "walk"

    def __init__(self, max_per_signature: int = 2, attempts_per_chain: int = 40):
        self.max_per_signature = max_per_signature
        self.attempts_per_chain = attempts_per_chain

    async def run(self, state: SynthState) -> None:
        o = state.options
        rng = random.Random(f"task_synth:sample:{o.seed}")
        walker = _Walker(state, rng)
        want = o.n * o.oversample
        hops_range = [h for h in sorted(HOP_WEIGHTS) if o.min_hops <= h <= o.max_hops] or [o.min_hops]
        seen: Counter[str] = Counter()
        per_sig: Counter[tuple[str, ...]] = Counter()
        chains: list[Chain] = []
        attempts = 0
        while len(chains) < want and attempts < want * self.attempts_per_chain:
            attempts += 1
            hops = walker.weighted(hops_range, [HOP_WEIGHTS.get(h, 1) for h in hops_range])
            cross = rng.random() < o.cross_server_share
            steps = freetext.trim_text_ends(walker.walk(hops, cross), walker.nodes)
            if not steps:
                continue
            full = with_setups(state, with_handles(state.graph, steps, rng))
            if len(full) < o.min_hops:
                continue
            if cross and len({s.server for s in steps}) < 2 and len(o.servers) > 1:
                continue
            chain = Chain(id=f"{o.id_prefix}-c{len(chains):04d}", steps=full)
            key = json.dumps([(s.server, s.tool, s.arguments, [b.model_dump() for b in s.binds], s.bindings)
                              for s in full], sort_keys=True, default=str)
            sig = chain.signature()
            # with variants, a chain that reads an earlier output may be drawn again: it is grounded with another
            # seed, so it binds another of the listed values (another table, another commit) or is dropped later as a
            # duplicate task
            repeats = o.variants if any(s.binds or s.bindings for s in full) else 1
            if seen[key] >= repeats or per_sig[sig] >= self.max_per_signature * o.variants:
                continue
            seen[key] += 1
            per_sig[sig] += 1
            for s in steps:
                walker.uses[f"{s.server}/{s.tool}"] += 1
            chains.append(chain.model_copy(update={"seed": f"{o.seed}:{chain.id}"}))
        chains += rebound(chains, want, o.id_prefix, o.seed)
        if o.lone_reads:
            chains += lone_reads(state, walker, rng, chains, want)
            state.walker = walker
        unreached.record(state, walker, chains)
        state.chains.extend(chains)
        if len(chains) < want:
            state.notes.append(f"sample:walk: only {len(chains)} distinct chains of the {want} wanted "
                               f"(the graph of {', '.join(o.servers)} allows no more)")


__all__ = ["HOP_WEIGHTS", "LONE_PER_TOOL", "REBOUND", "LoneRetry", "WalkSampler", "in_order", "lone_reads", "paths_for",
           "rebound", "redrawn", "with_setups"]
