"""Stage 2b', act then verify: stateful tasks from writes that take no content.

Seeding (seeding.py) writes the world's records through a tool that takes content (a text, rows). Many writes take
none: they act on what the store already holds through ids and choices — put a product in a cart and place the
order, move a card to another column, complete a task, take an item. For each such write W of a server isolated per
episode (not a removal), this step

1. in a sandbox episode runs the server's set-up and opens the ids W needs (seeding.WritePlanner: the probe's
   openers, else creators run first); an id the caller chooses ("Client-generated cart handle, e.g. cart-123") is
   the example the description gives; a choice takes the last value the schema offers that is not its default (what
   an item becomes: 'done', not 'todo');
2. reads each of the server's reads R that the chain's ids fill twice before W and once after it, and keeps an R
   whose output names a new value (`changed`: the first JSON leaf, or `key: value` line, that changed or appeared,
   fields that differ between the two reads before aside — clocks, counters of calls); a read that takes an id W
   itself answered (an order's id) shows something that did not exist before, its first leaf that is not an id;
3. grounds the chain (set-up and opening steps, W, R) twice, reads R on a fresh instance (what a do-nothing agent
   leaves), and drafts a request: what to do, with every value the agent needs said (ids it cannot discover, the
   chosen cart id, the choice), worded from the tools' descriptions (phrases.GENERIC), then the changed field asked.

Scored on the answer (the changed field read from R's output) and the final state (a `state` check that R shows
the new value after the episode). Tagged `stateful`, `acted`, `final-state`. Nothing here names a server or tool.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import anyio

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, Grounded
from task_synth.binding import BindingError, binding_sources, extract, placeholder
from task_synth.documented import described_examples
from task_synth.fill import Unfillable, file_format, fill, id_noun, role, writes_content
from task_synth.graph import REMOVES, is_read_only
from task_synth.handles import id_regex
from task_synth.normalise import VARIES
from task_synth.phrases import GENERIC, StepView
from task_synth.plain import _VALUE, value_question
from task_synth.recall import search_param
from task_synth.registry import step
from task_synth.seeding import (
    _CHOSEN,
    _GIVEN,
    OPENERS,
    SeedFailed,
    WritePlanner,
    _named_tools,
    ground_fresh,
    in_order,
    isolated_servers,
    state_read,
)
from task_synth.task import state_key
from task_synth.topics import Topic, world_topics
from task_synth.wording import Unwordable, humanize, listing

if TYPE_CHECKING:
    from task_synth.pipeline import EpisodeCalls, SynthState

Change = tuple[str, Any, Any]
"""(the field's key, its value before — None when it appeared —, its value after)."""

_CLIENT = re.compile(r"\bclient[- ](?:generated|chosen|supplied|side)\b|\byour own\b|\bany (?:string|name|id)\b",
                     re.IGNORECASE)
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d|^\d{10}(?:\.\d+)?$")
_TIME_KEY = re.compile(r"(?:^|_)(?:created|updated|modified|timestamp|time|date|at|on)$|[a-z](?:At|On|Time)$",
                       re.IGNORECASE)


def is_time(key: str, value: Any) -> bool:
    """The field holds a moment ('2026-12-07T11:50', an epoch 1765100000 under `created`): when the write ran, never
    what it changed."""
    if isinstance(value, str):
        return bool(_TIMESTAMP.match(value))
    return isinstance(value, int | float) and not isinstance(value, bool) and bool(_TIME_KEY.search(key)) and \
        (1e9 <= value < 1e10 or 1e12 <= value < 1e13)


def leaves(text: str) -> list[tuple[str, Any]]:
    """(path, value) of every scalar of a JSON output, in document order ('items.0.qty'), or of its `key: value`
    lines when it is not JSON, or ('', the value) when the output is one short value ('white', a bare JSON 5)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        out = []
        for line in (text or "").splitlines():
            m = re.match(r"^\W*([A-Za-z][\w .-]{0,40}?)\s*[:=]\s*(\S.*?)\s*$", line)
            if m:
                out.append((m.group(1).strip(), m.group(2)))
        if not out and _VALUE.match(text or ""):  # a read that answers one short value ('white'): the whole output
            out.append(("", (text or "").strip()))
        return out
    out = []

    def walk(v: Any, path: str) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{path}.{k}" if path else str(k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}.{i}" if path else str(i))
        else:
            out.append((path, v))

    walk(data, "")
    return out


def _key(path: str) -> str:
    """The field a leaf is named by: its own key, or its array's ('tags.0' -> 'tags')."""
    return next((p for p in reversed(path.split(".")) if not p.isdigit()), path)


def changed(before: str, after: str, again: str | None = None) -> Change | None:
    """The first field of AFTER whose value differs from BEFORE's or that BEFORE did not have ('stock_qty', 42, 40);
    fields that differ between BEFORE and AGAIN (a second read before the write: a clock, a call counter), that
    hold a moment (`is_time`) or a yes/no (asked, 'true' would fail an agent that answers 'yes'), or whose key is not
    a word are not a change. None when nothing changed."""
    old = dict(leaves(before))
    other = dict(leaves(again)) if again is not None else old
    noisy = {p for p in set(old) | set(other) if old.get(p) != other.get(p)}
    for path, value in leaves(after):
        key = _key(path)
        if path in noisy or key.isdigit() or is_time(key, value) or isinstance(value, bool):
            continue
        if path not in old or old[path] != value:
            return key, old.get(path), value
    return None


def appeared(after: str, given: list[Any]) -> Change | None:
    """What a read of an item that did not exist before shows: its first number that is no id (its own before those
    of a list it holds), else its first word-valued field that is not one of the values it was GIVEN (an order's
    total, its status)."""
    fields = [(p, v) for p, v in leaves(after) if not _key(p).isdigit() and v not in given
              and not re.search(r"(?:^|_)id$|Id$", _key(p)) and v is not None and not isinstance(v, bool)]
    # the item's own figures (an order's total) before those of what it lists (an item's price)
    numbers = sorted(((p, v) for p, v in fields if isinstance(v, int | float)),
                     key=lambda f: any(x.isdigit() for x in f[0].split(".")))
    for p, v in numbers + fields:
        if not is_time(_key(p), v) and str(v).strip():
            return _key(p), None, v
    return None


def value_regex(key: str, value: Any, output: str) -> str | None:
    """A regex reading KEY's value from OUTPUT (JSON or `key: value`), when KEY occurs once there and the regex
    reads VALUE; None otherwise."""
    if key == "":  # the output is the value
        rx = r"\A\s*([^\n]*?\S)\s*\Z"
        m = re.match(rx, output)
        return rx if m and m.group(1) == (json.dumps(value) if isinstance(value, bool) else str(value)) else None
    k = re.escape(key)
    for rx in (rf'"{k}"\s*:\s*"([^"\n]*)"', rf'"{k}"\s*:\s*(-?\d+(?:\.\d+)?)', rf'"{k}"\s*:\s*(true|false)',
               rf"(?im)^\W*{k}\s*[:=]\s*(\S[^\n]*?)\s*$"):
        found = re.findall(rx, output)
        if len(found) == 1 and str(found[0]) == (json.dumps(value) if isinstance(value, bool) else str(value)):
            return rx
    return None


def shown(rx: str, output: str) -> str:
    """The text of the field the regex reads, as the output spells it ('"stock_qty": 40'): what a state check looks
    for (a bare '40' could be any other figure of the read)."""
    m = re.search(rx, output)
    return m.group(0).strip() if m else ""


def chosen_id(entry: ToolEntry, param: str) -> str | None:
    """The value a caller gives an id it chooses itself ("Client-generated cart handle, e.g. cart-123"): the
    description's example, else '<noun>-1'; None for an id of something that exists."""
    desc = str((((entry.input_schema or {}).get("properties") or {}).get(param) or {}).get("description", ""))
    own = re.search(rf"{re.escape(param)}\s*:\s*(.*?)(?:\.\s+[A-Z]|\n|$)", entry.description or "")
    desc = desc or (own.group(1) if own else "")
    if not (_CLIENT.search(desc) or (_CHOSEN.search(desc) and not _GIVEN.search(desc))) or _GIVEN.search(desc):
        return None
    examples = described_examples(desc)
    return examples[0] if examples else f"{id_noun(param) or 'item'}-1"


def choices(entry: ToolEntry) -> dict[str, Any]:
    """Each required choice (an enum) set to the last value offered that is not its default: what an item becomes
    ('done' of todo/doing/done)."""
    props = (entry.input_schema or {}).get("properties") or {}
    out = {}
    for p in (entry.input_schema or {}).get("required") or []:
        ps = props.get(p) or {}
        offered = [v for v in ps.get("enum") or [] if v != ps.get("default")]
        if offered:
            out[p] = offered[-1]
    return out


_QUANTITY = re.compile(r"(?:^|_)(?:qty|quantity|count|amount|units|number)$", re.IGNORECASE)


def quantities(entry: ToolEntry) -> dict[str, Any]:
    """Optional quantities with a default ('qty' 1) given that default: the request then says how many, so an
    agent has no reason to take another number (a stock count read back would differ)."""
    props = (entry.input_schema or {}).get("properties") or {}
    required = set((entry.input_schema or {}).get("required") or [])
    return {p: ps["default"] for p, ps in props.items() if p not in required and _QUANTITY.search(p)
            and isinstance(ps, dict) and isinstance(ps.get("default"), int) and not isinstance(ps["default"], bool)}


class ActPlanner:
    """Tries one content-free write of one server in a sandbox and finds the reads that show what it changed."""

    def __init__(self, planner: WritePlanner, topic: Topic):
        self.p = planner
        self.topic = topic

    def _step(self, entry: ToolEntry, done: list[tuple[ChainStep, str]]) -> ChainStep:
        """ENTRY filled with no content: chosen ids and choices given, other ids bound to DONE. Raises Unfillable."""
        given = {p: v for p in (entry.input_schema or {}).get("required") or []
                 if (v := chosen_id(entry, p) or self._known(entry, p)) is not None
                 and not any(id_regex(p, o) for _, o in done)}
        given.update(choices(entry))
        given.update(quantities(entry))
        return self.p._fill_step(entry, self.topic, done, content=False, given=given)

    def _known(self, entry: ToolEntry, param: str) -> Any:
        """A value of PARAM's kind the probe found or its schema exemplifies (the graph's pools: 'SKU-1001'), for an
        id no output of the chain names under its own key (a product read answers `sku`, the cart takes
        `product_id`): an item of a store that starts full, which the request then names."""
        graph = self.p.state.graph
        node = graph.node(f"{self.p.server}/{entry.name}")
        kind = node.params.get(param) if node is not None else None
        pool = (graph.pools.get(kind) or []) if kind else []
        return pool[0] if pool and isinstance(pool[0], str | int) else None

    async def _ready(self, tools: EpisodeCalls, entry: ToolEntry, done: list[tuple[ChainStep, str]],
                     depth: int = 0) -> None:
        """Open the ids ENTRY needs (the probe's openers), else run a creator (itself made ready) that gives them."""
        try:
            ids = [p for p in fill(entry.input_schema, self.topic, self.p.fmt, with_content=False,
                                   description=entry.description, files=self.p.files)[1]
                   if chosen_id(entry, p) is None]
        except Unfillable:
            return
        missing = [p for p in ids if not any(id_regex(p, o) for _, o in done)]
        if missing:
            await self.p._open(tools, missing, self.topic, done)
        missing = [p for p in ids if not any(id_regex(p, o) for _, o in done) and self._known(entry, p) is None]
        if not missing or depth > 1:
            return
        for creator in self.p._creators(entry)[:4]:
            if is_read_only(creator):
                continue
            await self._ready(tools, creator, done, depth + 1)
            try:
                s = self._step(creator, done)
            except Unfillable:
                continue
            ok, out = await self.p._run(tools, s, done, self.topic)
            if ok:
                done.append((s, out))
                if all(any(id_regex(p, o) for _, o in done) for p in missing):
                    return

    async def _prefix(self, write: ToolEntry) -> list[ChainStep]:
        """The steps that make WRITE work, found in a throwaway sandbox: the set-up, the openers of its ids, and,
        when it fails, a creator its description or error names, or any creator (a cart 'created by add_to_cart'
        under the same chosen id), before one more try. Raises SeedFailed."""
        p = self.p
        async with p.state.live.episode(f"act-prep.{p.server}.{write.name}", servers=[p.server],
                                        call_timeout_s=p.state.options.call_timeout_s) as tools:
            done: list[tuple[ChainStep, str]] = []
            await p._setup(tools, done)
            await self._ready(tools, write, done)
            try:
                w = self._step(write, done)
            except Unfillable as e:
                raise SeedFailed(f"{write.name}: cannot fill {e}") from None
            ok, out = await p._run(tools, w, done, self.topic)
            if not ok:
                named = _named_tools(f"{out} {write.description}", p.tools, write.name)
                creators = [c for c in {c.name: c for c in [*named, *p._creators(write)]}.values()
                            if not is_read_only(c) and not REMOVES.search(c.name)]
                for creator in creators[:4]:
                    await self._ready(tools, creator, done, 1)
                    try:
                        c = self._step(creator, done)
                    except Unfillable:
                        continue
                    made, made_out = await p._run(tools, c, done, self.topic)
                    if not made:
                        continue
                    done.append((c, made_out))
                    try:
                        w = self._step(write, done)
                    except Unfillable:
                        continue
                    ok, out = await p._run(tools, w, done, self.topic)
                    if ok:
                        break
            if not ok:
                raise SeedFailed(f"{write.name}: the write failed: {out[:160]!r}")
            return [st for st, _ in done] + [w]

    @staticmethod
    def _new_item(r: ChainStep, done: list[tuple[ChainStep, str]], iw: int) -> bool:
        """The read R takes an id the write answered that no earlier step was given (an order's id, not the product
        id a cart echoes)."""
        given = {str(v) for st, _ in done for v in st.arguments.values()}
        for spec in r.bindings.values():
            m = re.match(rf"^step\[{iw}\]:(.*)$", spec, re.DOTALL)
            if m is None:
                continue
            try:
                value = extract(m.group(1), done[iw][1])
            except BindingError:
                continue
            if value is not None and str(value) not in given:
                return True
        return False

    async def plan(self, write: ToolEntry, per_write: int) -> list[tuple[list[ChainStep], Change]]:
        """Up to PER_WRITE chains (set-up and opening steps, the write, a read) with the change each read shows.
        Raises SeedFailed with the reason when none."""
        p = self.p
        prefix = await self._prefix(write)
        async with p.state.live.episode(f"act-try.{p.server}.{write.name}", servers=[p.server],
                                        call_timeout_s=p.state.options.call_timeout_s) as tools:
            done: list[tuple[ChainStep, str]] = []
            for st in prefix[:-1]:
                ok, out = await p._run(tools, st, done)
                if not ok:
                    raise SeedFailed(f"{st.tool}: a step before the write failed again: {out[:160]!r}")
                done.append((st, out))
            reads = [r for r in p._ranked_reads(write) if search_param(r) is None]
            before: dict[str, tuple[ChainStep, str, str]] = {}
            for read in reads:
                try:
                    r = self._step(read, done)
                except Unfillable:
                    continue
                ok, out = await p._run(tools, r, done)
                ok2, again = await p._run(tools, r, done) if ok else (False, "")
                if ok and ok2:
                    before[read.name] = (r, out, again)
            w = prefix[-1]
            ok, out = await p._run(tools, w, done)
            if not ok:
                raise SeedFailed(f"{write.name}: the write failed again: {out[:160]!r}")
            done.append((w, out))
            iw = len(done) - 1
            found: list[tuple[list[ChainStep], Change]] = []
            for read in reads:
                fresh: ChainStep | None
                try:  # a read of what the write answered (an order's id) shows an item that did not exist
                    fresh = p._fill_step(read, self.topic, done, content=False)
                except Unfillable:
                    fresh = None
                if fresh is None or not self._new_item(fresh, done, iw):
                    if read.name not in before:
                        continue
                    r, old, again = before[read.name]
                    ok, new = await p._run(tools, r, done)
                    change = changed(old, new, again) if ok else None
                else:
                    r = fresh
                    ok, new = await p._run(tools, r, done)
                    ok2, again = await p._run(tools, r, done) if ok else (False, "")
                    change = appeared(new, list(r.arguments.values())) if ok and ok2 and new == again else None
                if change is not None and value_regex(change[0], change[2], new):
                    found.append(([s for s, _ in done] + [r], change))
                if len(found) >= per_write:
                    break
        if not found:
            raise SeedFailed(f"{write.name}: no read shows what it changed")
        return found


def made_here(g: Grounded, state: SynthState) -> list[set[str]]:
    """Per step, its parameters bound to what an earlier write of the chain answered and no earlier step was given
    (the customer id a create call returned): the agent takes them from its own calls, so the request never says
    them (they may differ on every run). A chosen id the chain gave first (a cart id) is said."""
    made = {i for i, s in enumerate(g.steps) if (e := state.entry(s.server, s.tool)) is None or not is_read_only(e)}
    out: list[set[str]] = []
    for i, s in enumerate(g.steps):
        before = {str(v) for j, t in enumerate(g.steps[:i]) for k, v in t.arguments.items() if k not in out[j]}
        out.append({k for k, spec in s.bindings.items() if set(binding_sources(spec)) & made
                    and str(s.arguments.get(k)) not in before})
    return out


_NOT_PARTICIPLES = frozenset(("need", "speed", "seed", "feed", "bed", "red", "shed"))


def field_words(key: str, value: Any) -> str:
    """A field's name as words: a figure named by a lone past participle is the amount it counts ('refunded' 1250 ->
    'amount refunded'), never 'the refunded of the charge'."""
    what = humanize(key).lower()
    if re.fullmatch(r"[a-z]{3,}ed", what) and what not in _NOT_PARTICIPLES and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return f"amount {what}"
    return what


def _view(entry: ToolEntry | None, s: Any, i: int, hidden: Collection[str] = (), precise: bool = False) -> StepView:
    """A step as the generic phrasing sees it, every value said as it was sent (bound ones too: the agent is told
    them, it cannot discover a chosen cart id), except the HIDDEN ones its own earlier calls answer: left out of the
    request, said as where they come from in the PRECISE one ('the customer id in the result of step 1')."""
    props = ((entry.input_schema if entry else {}) or {}).get("properties") or {}
    args = {k: v for k, v in s.arguments.items() if v != VARIES and k not in hidden}
    bound = {k: binding_sources(s.bindings[k])[0] for k in hidden if precise and binding_sources(s.bindings[k])}
    return StepView(index=i, server=s.server, tool=s.tool, description=(entry.description if entry else "") or "",
                    args=args, bound=bound, params={k: str((props.get(k) or {}).get("description", "")) for k in props},
                    kinds={k: ("enum" if (props.get(k) or {}).get("enum") else None) for k in args})


def asked(g: Grounded, change: Change) -> Change:
    """What the request asks of the read: the change, unless its new value is one the agent was given (a column
    it was told to move a card to: asking it back proves nothing and gives the answer away) — then the read's first
    other field that was not given (the card's title), which the agent reports from the read it makes."""
    given = {str(v) for s in g.steps[:-1] for v in s.arguments.values()}
    if str(change[2]) not in given:
        return change
    return appeared(g.raw_outputs(0)[-1], [*given, change[2]]) or change


def draft_for(state: SynthState, g: Grounded, change: Change, rng: random.Random) -> Draft:
    """The request (do each write with its values said, then ask the changed field of the read), the answer read
    from the read's output, and a final-state check that the read shows the new value. Raises Unwordable, and
    ValueError when the read's output cannot be read again."""
    from task_synth.handles import tool_noun

    last = len(g.steps) - 1
    raw = g.raw_outputs(0)[last]
    ask = asked(g, change)
    rx, state_rx = value_regex(ask[0], ask[2], raw), value_regex(change[0], change[2], raw)
    if rx is None or state_rx is None:
        raise ValueError(f"{ask[0]}: the read does not show {ask[2]!r} once")
    hidden = made_here(g, state)
    said = []
    for i, s in enumerate(g.steps[:-1]):
        entry = state.entry(s.server, s.tool)
        if entry is None or is_read_only(entry):
            continue
        said.append(GENERIC.fuzzy(_view(entry, s, i, hidden[i])))
    read = g.steps[-1]
    sr = state_read(g, last)
    made = {i for i, s in enumerate(g.steps) if (e := state.entry(s.server, s.tool)) is None or not is_read_only(e)}
    given = {str(v) for i, s in enumerate(g.steps[:-1]) for k, v in s.arguments.items() if k not in hidden[i]}
    # an id a write of the chain answered (not one it echoes) is the agent's to make: 'the order', never a number
    # it has not seen yet
    items = [f"{id_noun(k) or tool_noun(read.tool) or 'item'} {v}" for k, v in (sr.arguments if sr else {}).items()
             if role(k, {"type": "string"}) == "id" and isinstance(v, str | int)
             and (str(v) in given or not set(binding_sources(read.bindings.get(k, ""))) & made)]
    what = field_words(ask[0], ask[2])
    nouns = [id_noun(k) for k in sorted(read.bindings) if role(k, {"type": "string"}) == "id" and id_noun(k)]
    noun = nouns[0] if nouns else tool_noun(read.tool)
    of = f" of {items[0]}" if items else f" of the {noun}" if noun else ""
    question = f"what the {what}{of} is"
    if ask[0] == "":  # a read that answers one value: the question its description asks ('whose turn it is')
        entry = state.entry(read.server, read.tool)
        q = value_question(entry.description or "") if entry is not None else None
        if q is None:
            raise Unwordable(f"{read.tool}: its description asks nothing of the one value it answers")
        question, what = q, "value the tool answers"
    if ask is change and change[1] is not None and not re.search(r"\b(?:now|yet|still|currently)\b", question):
        question += " now"
    opener = rng.choice(OPENERS)
    fuzzy = f"{opener} Could you {listing(said)}, and then tell me {question}?"
    precise = (" ".join(GENERIC.precise(_view(state.entry(s.server, s.tool), s, i, hidden[i], precise=True))
                        for i, s in enumerate(g.steps))
               + f" Report the {what} the last call shows.")
    checks: list[CheckSpec] = []
    if sr is not None:
        checks.append(CheckSpec(kind="state", value=shown(state_rx, raw), read=sr,
                                description=f"after the episode, the final state shows the new "
                                            f"{humanize(change[0]).lower()}"))
    numeric = isinstance(ask[2], int | float) and not isinstance(ask[2], bool)
    checks.append(CheckSpec(kind="numeric" if numeric else "contains", step=last, extract=rx,
                            description=f"report the {what}"))
    return Draft(precise=precise, fuzzy=fuzzy, answer=f"The {what} is {placeholder(last, rx)}.", checks=checks,
                 writer="act", tags=["stateful", "acted"] + (["final-state"] if sr is not None else []))


@step("sample", "act")
class ActThenVerify:
    """Stateful chains that act on an isolated server through a write that takes no content, then read what changed
    (see the module doc)."""

    name = "act"

    def __init__(self, per_server: int = 4, per_write: int = 2):
        self.per_server = per_server
        self.per_write = per_write

    async def run(self, state: SynthState) -> None:
        topic = next(iter(world_topics()))  # names a creator may need (a list, a board) come from the world
        limiter = anyio.CapacityLimiter(state.options.concurrency)
        plans: dict[tuple[str, str], list[tuple[list[ChainStep], Change]] | str] = {}

        async def one(planner: WritePlanner, w: ToolEntry) -> None:
            async with limiter:
                try:
                    plans[(planner.server, w.name)] = await ActPlanner(planner, topic).plan(w, self.per_write)
                except SeedFailed as e:
                    plans[(planner.server, w.name)] = str(e)
                except Exception as e:  # a server fault while trying: recorded, never fatal
                    plans[(planner.server, w.name)] = f"{w.name}: {type(e).__name__}: {e}"[:300]

        tried: list[tuple[str, str]] = []
        async with anyio.create_task_group() as tg:
            for server in isolated_servers(state):
                entries = [e for e in state.entries if e.server == server]
                planner = WritePlanner(state, server, file_format([e.description for e in entries]))
                writes = [w for w in planner.writes if not writes_content(w.input_schema)
                          and not REMOVES.search(w.name)]
                for w in sorted(writes, key=lambda e: e.name):
                    tried.append((server, w.name))
                    tg.start_soon(one, planner, w)
        candidates: list[tuple[str, list[ChainStep], Change]] = []
        count: dict[str, int] = {}
        for server, name in tried:
            res = plans[(server, name)]
            if isinstance(res, str):
                state.reject(f"act.{server}.{name}", "act", [res])
                continue
            for k, (steps, change) in enumerate(res):
                if count.get(server, 0) < self.per_server * state.options.variants:
                    count[server] = count.get(server, 0) + 1
                    candidates.append((f"act-{server}-{name}-{k}", steps, change))
        await self._ground_all(state, candidates)

    async def _ground_all(self, state: SynthState, candidates: list[tuple[str, list[ChainStep], Change]]) -> None:
        chains = {cid: Chain(id=cid, steps=in_order(steps), seed=f"{state.options.seed}:{cid}")
                  for cid, steps, _ in candidates}
        results = await ground_fresh(state, chains, lambda _, g: ([(len(g.steps) - 1,
                                                                    state_read(g, len(g.steps) - 1))], 1))
        for cid, _, change in candidates:
            state.chains.append(chains[cid])
            r = results[cid]
            if isinstance(r, str):
                state.reject(cid, "ground", [r], chains[cid])
                continue
            g, before = r
            last = len(g.steps) - 1
            outs = [g.raw_outputs(run)[last] for run in (0, 1)]
            rx = value_regex(change[0], change[2], outs[0])
            try:
                same = rx is not None and extract(rx, outs[0]) == extract(rx, outs[1])
            except BindingError:
                same = False
            if rx is None or not same:
                state.reject(cid, "act", [f"{change[0]}: the grounded read does not show {change[2]!r} twice"])
                continue
            try:
                draft = draft_for(state, g, change, random.Random(f"task_synth:act:{state.options.seed}:{cid}"))
            except (Unwordable, ValueError) as e:
                state.reject(cid, "act", [f"wording: {e}"])
                continue
            state.grounded.append(g)
            state.drafts[cid] = draft
            state.states[cid] = ([{state_key(0): o} for o in outs], before)


__all__ = ["ActPlanner", "ActThenVerify", "Change", "appeared", "changed", "choices", "chosen_id", "draft_for",
           "field_words", "is_time", "leaves", "made_here", "shown", "value_regex"]
