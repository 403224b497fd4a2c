"""Stage 2d, carried answers: tasks that join two servers by a purpose a person has, "find it there, keep it here".

Walks join servers only where a value one server outputs is one the other takes (a kind in common: a number into a
calculator). Servers unrelated by their values are still used together: a person looks something up with one tool
and keeps what they found with another (a note, a row of a spreadsheet, a memory). For a selection of two or more
servers, this step takes

- a read-only task already drafted on one server (its chain grounded, its answer read from an output, the same in
  both groundings and at least three characters long), and
- a write that seeding found working on another, isolated server (seeding.WorldSeeding, `SynthState.writers`),

and makes one chain: the read's steps, then the write given the answer (filled like any seeded record: a line of
text, a row, an object), then the read that shows it. The chain is grounded twice like any other, and the verifying
read is also made on a fresh instance, so `do_nothing_fails` can prove the final-state check tells the two apart.

The task asks the first question as it was worded, then to keep the answer in the named place ("… Once you have it,
keep it in a spreadsheet named brightwater-follow-ups.xlsx, so it's on record."). It is scored on the answer (the
first task's checks) *and* on the final state (the answer shows in the read). Tagged `stateful`, `carried` and
`final-state`. Nothing here names a server or tool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, Grounded
from task_synth.assemble import own_tags
from task_synth.binding import BindingError, extract
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.registry import step
from task_synth.seeding import (
    NO_PLACE,
    Plan,
    SeedFailed,
    WritePlanner,
    as_phrase,
    fresh_reads,
    in_order,
    made_phrase,
    named_thing,
    shifted,
    state_read,
    where_words,
)
from task_synth.task import StateRead, state_key
from task_synth.topics import Topic

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState



def answer_of(draft: Draft, g: Grounded) -> tuple[CheckSpec, str] | None:
    """The check of a drafted task whose value a person would write down (what the task asks), and that value as
    text (read from the grounded output when the check reads one: the same in both groundings); None when the task
    asks nothing that can be carried (no value, one that changed, or one too short to find again)."""
    for c in draft.checks:
        if c.kind not in ("contains", "numeric") or isinstance(c.value, bool):
            continue
        if c.extract is not None and c.step is not None and 0 <= c.step < len(g.steps):
            try:
                seen = {extract(c.extract, g.raw_outputs(run)[c.step]) for run in (0, 1)}
            except BindingError:
                continue
            value = seen.pop() if len(seen) == 1 else None
        else:
            value = c.value
        text = str(value).strip() if value is not None else ""
        if len(text) >= 3 and "\n" not in text:
            return c, text
    return None


def finding_topic(label: str, value: str) -> Topic:
    """The one record a carried task writes: what was asked and what was found ('the weekday', 'Tuesday')."""
    return Topic(key="follow-ups", title="findings to follow up", noun="finding", columns=["Question", "Answer"],
                 rows=[[label, value]], markers=[value], question="", precise="", answer=0, answer_text="")


def _label(check: CheckSpec) -> str:
    """'the weekday' from 'Report the weekday in the result.' (the check's own description), else 'the answer'."""
    d = check.description.strip().rstrip(".")
    for head in ("Report ", "report "):
        if d.startswith(head):
            d = d[len(head):]
    d = d.removesuffix(" in the result").strip()
    return d if 3 <= len(d) <= 60 else "the answer"


def carried_draft(first: Draft, value: str, where: tuple[str, str], kind: str,
                  reads: list[StateRead | None], thing: str = "") -> Draft:
    """The first task's wording and checks, then the keeping: 'Once you have it, keep it in …, so it's on record.'
    (WHERE: seeding.where_words of the write's chain; KIND: ' as a note'; THING: what the write makes, 'a new todo',
    for a place with no name). Final-state checks look for VALUE in each verifying read."""
    if where[0] != NO_PLACE[0]:
        fuzzy_where = f"keep it in {where[0]}{kind}"
    else:
        fuzzy_where = f"save it{kind}" if kind else f"save it as {thing}" if thing else "write it down"
    precise_where = f"record that answer in {where[1]}{kind}" if where[1] != NO_PLACE[1] else \
        f"record that answer with the other server's write tool{kind}"
    fuzzy = f"{first.fuzzy.rstrip()} Once you have it, {fuzzy_where}, so it's on record."
    precise = f"{first.precise.rstrip()} Then {precise_where}, so that a later read shows it."
    # state checks first: check i's final-state read is kept under state_key(i) (as seeding does)
    checks = [CheckSpec(kind="state", value=value, read=r, description=f"after the episode, the final state shows "
                                                                      f"{value!r}") for r in reads if r is not None]
    checks += list(first.checks)
    tags = own_tags(first.tags)
    tags += [t for t in ("stateful", "carried") + (("final-state",) if any(c.kind == "state" for c in checks) else ())
             if t not in tags]
    return Draft(precise=precise, fuzzy=fuzzy, answer=first.answer, checks=checks, writer="carry", tags=tags)


def as_chain(g: Grounded) -> list[ChainStep]:
    """A grounded chain's steps as chain steps again (arguments as sent, bindings kept), to ground anew."""
    return [ChainStep(server=s.server, tool=s.tool, arguments=dict(s.arguments), bindings=dict(s.bindings),
                      depends_on=list(s.depends_on)) for s in g.steps]


_Carried = tuple[Chain, Grounded, Draft, tuple[list[dict[int, str]], dict[int, str]] | None]
"""A carried chain as made: the chain, its grounding, its draft, and its final-state reads (after each run, before)."""


@step("sample", "carry")
class CarriedAnswers:
    """Cross-server tasks that keep one server's answer with another's write (see the module doc)."""

    name = "carry"

    def __init__(self, per_server: int = 4):
        self.per_server = per_server

    async def run(self, state: SynthState) -> None:
        writers = {s: plans for s, plans in sorted(state.writers.items()) if plans}
        if len(state.options.servers) < 2 or not writers:
            return
        sources: list[tuple[Grounded, Draft, CheckSpec, str]] = []
        for g in state.grounded:
            d = state.drafts.get(g.chain_id)
            servers = {s.server for s in g.steps}
            if d is None or len(servers) != 1 or g.live_varying or "stateful" in d.tags or d.writer == "carry" \
                    or g.chain_id in state.filtered:
                continue
            asked = answer_of(d, g)
            if asked is not None:
                sources.append((g, d, *asked))
        per = self.per_server * state.options.variants
        candidates: list[tuple[str, Grounded, Draft, str, str, Plan]] = []
        for b, plans in writers.items():
            others = [x for x in sources if x[0].steps[0].server != b]
            by_server: dict[str, list[tuple[Grounded, Draft, CheckSpec, str]]] = {}
            for x in others:
                by_server.setdefault(x[0].steps[0].server, []).append(x)
            picked = [x for batch in zip(*by_server.values(), strict=False) for x in batch] if by_server else []
            picked += [x for x in others if x not in picked]
            for k, (g, d, check, value) in enumerate(picked[:per]):
                plan = plans[k % len(plans)]
                if len(g.steps) + len(plan[1]) > state.options.max_hops:
                    continue
                candidates.append((f"carry-{g.chain_id}-{b}-{k}", g, d, _label(check), value, plan))
        limiter = anyio.CapacityLimiter(state.options.concurrency)
        made: dict[str, _Carried] = {}

        async def one(cid: str, g: Grounded, d: Draft, label: str, value: str, plan: Plan) -> None:
            async with limiter:
                try:
                    made[cid] = await self._carry(state, cid, g, d, label, value, plan)
                except (SeedFailed, GroundingFailed) as e:
                    state.reject(cid, "carry", [str(e)])
                except Exception as e:  # a server fault while trying: recorded, never fatal
                    state.reject(cid, "carry", [f"{type(e).__name__}: {e}"[:300]])

        async with anyio.create_task_group() as tg:
            for c in candidates:
                tg.start_soon(one, *c)
        for cid, g, *_ in candidates:  # in the seeded order, whatever order grounding finished in
            if cid in made:
                chain, grounded, draft, states = made[cid]
                state.chains.append(chain)
                state.grounded.append(grounded)
                state.drafts[cid] = draft
                state.parts[cid] = [g.chain_id]
                if states is not None:
                    state.states[cid] = states

    async def _carry(self, state: SynthState, cid: str, g: Grounded, d: Draft, label: str, value: str,
                     plan: Plan) -> _Carried:
        _, steps, fmt = plan
        b = steps[-1].server
        write = state.entry(b, steps[-2].tool)
        if write is None:
            raise SeedFailed(f"{steps[-2].tool}: not in the catalog")
        topic = finding_topic(label, value)
        kept, _ = await WritePlanner(state, b, fmt).plan(write, topic)
        first = as_chain(g)
        chain = Chain(id=cid, steps=in_order(first + shifted(kept, len(first))), seed=f"{state.options.seed}:{cid}")
        grounded = await ground_chain(state, chain)
        last = len(chain.steps) - 1
        read = state_read(grounded, last)
        reads = [(last, read)]
        before = await fresh_reads(state, cid, reads, chain.servers, 1)
        first_tool = state.entry(b, kept[0].tool)
        where = where_words(kept, fmt, made_phrase(first_tool.description if first_tool else ""))
        thing = named_thing([], write.name)
        draft = carried_draft(d, value, where, as_phrase(write.description), [read],
                              "" if thing == "a new record set" else thing)
        outs = [grounded.raw_outputs(run)[last] for run in (0, 1)]
        return chain, grounded, draft, ([{state_key(0): o} for o in outs], before) if read is not None else None


__all__ = ["CarriedAnswers", "answer_of", "as_chain", "carried_draft", "finding_topic"]
