"""Stage 2e, two asks in one request: multi-server tasks for read-only servers that share no value.

A person often needs two things from unrelated tools at once ("for the handover, I need the next working day after
the holiday, and the contrast of our two brand colours"). When two or more servers are selected and read-only walks
cannot join them (no value one outputs is one the other takes), this step joins two read-only tasks already drafted
on different servers into one request (answers carried into a store, carry.py, are stateful tasks and do not stop
it: the read-only tasks get their joined share too):

- the chain is the first task's steps, then the second's (renumbered), grounded again twice like any chain;
- the wording is the first request, then "Also, …" and the second request without its lead-in;
- the checks are both tasks' checks (the second's read from its renumbered steps), and the answer both answers.

Only tasks of a few hops are joined (the sum within `max_hops`), each task at most once, servers alternating. Tagged
`compound`. A selection where read-only walks already join the servers gets none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import anyio

from task_synth.artifacts import Chain, CheckSpec, Draft, Grounded
from task_synth.assemble import own_tags
from task_synth.carry import as_chain
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.registry import step
from task_synth.seeding import renumbered, shifted
from task_synth.wording import LEADS, OPENERS

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

_LEAD_IN = re.compile(rf"^(?:{'|'.join(re.escape(x) for x in LEADS)})\s+(?P<opener>{'|'.join(OPENERS)})\s+",
                      re.IGNORECASE)


def request_body(fuzzy: str) -> tuple[str, str] | None:
    """(opener, the rest) of a request that starts with a lead-in ('For the weekly status report, could you …'),
    None when it does not (a seeded or carried request words itself)."""
    m = _LEAD_IN.match(fuzzy)
    if m is None:
        return None
    return m.group("opener").lower(), fuzzy[m.end():].strip()


def _moved(check: CheckSpec, offset: int) -> CheckSpec:
    return check.model_copy(update={
        "step": None if check.step is None else check.step + offset,
        "claims": [c.model_copy(update={"step": c.step + offset}) for c in check.claims]})


def compound_draft(first: Draft, second: Draft, offset: int) -> Draft | None:
    """Both requests as one ('…? Also, could you …?'), both answers, both tasks' checks (the second's steps moved by
    OFFSET, the first's length); None when the second request has no lead-in to drop."""
    body = request_body(second.fuzzy)
    if body is None:
        return None
    opener, rest = body
    fuzzy = f"{first.fuzzy.rstrip()} Also, {opener} {rest}"
    precise_second = re.sub(r"\((\d+)\)|\b(step )(\d+)\b", lambda m: f"({int(m.group(1)) + offset})" if m.group(1)
                            else f"{m.group(2)}{int(m.group(3)) + offset}", second.precise)
    answer_second = renumbered(second.answer, offset)
    tags = own_tags(first.tags)
    tags += [t for t in [*own_tags(second.tags), "compound"] if t not in tags]
    return Draft(precise=f"{first.precise.rstrip()} Then: {precise_second}", fuzzy=fuzzy,
                 answer=f"{first.answer.rstrip()} {answer_second}",
                 checks=list(first.checks) + [_moved(c, offset) for c in second.checks],
                 writer="compound", tags=tags)


@step("sample", "compound")
class TwoAsks:
    """Read-only tasks of two servers joined into one request (see the module doc)."""

    name = "compound"

    def __init__(self, per_pair: int = 4):
        self.per_pair = per_pair

    async def run(self, state: SynthState) -> None:
        servers = state.options.servers
        if len(servers) < 2:
            return
        if any(len({s.server for s in g.steps}) > 1 and "stateful" not in state.drafts[g.chain_id].tags
               for g in state.grounded if g.chain_id in state.drafts):
            state.notes.append("compound: walks already join the servers; none made")
            return
        by_server: dict[str, list[tuple[Grounded, Draft]]] = {}
        for g in state.grounded:
            d = state.drafts.get(g.chain_id)
            if d is None or g.live_varying or "stateful" in d.tags or d.writer in ("carry", "compound") \
                    or len({s.server for s in g.steps}) != 1 or request_body(d.fuzzy) is None:
                continue
            by_server.setdefault(g.steps[0].server, []).append((g, d))
        names = [s for s in servers if by_server.get(s)]
        if len(names) < 2:
            return
        pairs: list[tuple[str, tuple[Grounded, Draft], tuple[Grounded, Draft]]] = []
        used: set[str] = set()
        for k in range(self.per_pair * state.options.variants * (len(names) - 1)):
            a, b = names[k % len(names)], names[(k + 1) % len(names)]
            first = next((x for x in by_server[a] if x[0].chain_id not in used), None)
            second = next((x for x in by_server[b] if x[0].chain_id not in used), None)
            if first is None or second is None:
                break
            used |= {first[0].chain_id, second[0].chain_id}
            if len(first[0].steps) + len(second[0].steps) <= state.options.max_hops:
                pairs.append((f"both-{first[0].chain_id}-{second[0].chain_id}", first, second))
        limiter = anyio.CapacityLimiter(state.options.concurrency)
        made: dict[str, tuple[Chain, Grounded, Draft]] = {}

        async def one(cid: str, first: tuple[Grounded, Draft], second: tuple[Grounded, Draft]) -> None:
            a, b = as_chain(first[0]), as_chain(second[0])
            draft = compound_draft(first[1], second[1], len(a))
            if draft is None:
                return
            chain = Chain(id=cid, steps=a + shifted(b, len(a)), seed=f"{state.options.seed}:{cid}")
            async with limiter:
                try:
                    made[cid] = (chain, await ground_chain(state, chain), draft)
                except GroundingFailed as e:
                    state.reject(cid, "compound", [str(e)], chain)

        async with anyio.create_task_group() as tg:
            for cid, first, second in pairs:
                tg.start_soon(one, cid, first, second)
        for cid, first, second in pairs:  # in the seeded order, whatever order grounding finished in
            if cid in made:
                chain, g, draft = made[cid]
                state.chains.append(chain)
                state.grounded.append(g)
                state.drafts[cid] = draft
                state.parts[cid] = [first[0].chain_id, second[0].chain_id]


__all__ = ["TwoAsks", "compound_draft", "request_body"]
