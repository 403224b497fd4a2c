"""Refill: more distinct, verified tasks from the chain shapes that worked, when the distinct chains run short.

A server with few tools has few distinct chains, and each chain gave one task: a three-tool lookup service or a
notes store stopped at four or six tasks when ten were wanted. After the filter, when fewer than `n` tasks came out,
the chain of every kept task (in the order the tasks were kept) is the base of variants, made in rounds until `n`
tasks, the rounds or the budget run out:

- **ask** — the same grounded chain asked something else: for a chain the writer words, another field of its last
  output (the writer skips every value a sibling already asks: `SynthState.asked`); for a chain that words its own
  draft (seeding), another question of the same records (`SynthState.askers`, `topics.Topic.others`). No call is
  made: the calls and outputs are the base's, grounded live; the answer key is read from them as always.
- **redraw** — the same walk with its literal arguments drawn again from their pools, avoiding every value the base
  and earlier redraws took at that place (other zones, other tables, other times: `sampling.redrawn`), with a seed of
  its own, so grounding binds another listed value too. It is grounded live twice like every chain.

Each variant then goes through the pipeline's writer and every rule filter (a variant that asks what another task
asks with the same calls is `same calls and checks`), and must have an answer no earlier task of the same shape
(tools in order) has: other records that give the same figure again are not another task. Those dropped are in
rejected.jsonl, their reasons led by 'variant (ask|redraw) of <chain>'. At most `n × oversample` variants per run
and `rounds` rounds; none at all when the distinct chains gave `n` tasks, so large catalogs pay nothing. New tasks
beyond `n` are surplus. Deterministic: bases in the order their tasks were kept, literals drawn by a generator
seeded with the run's seed, variant ids from their base's ('<chain>~a1', '<chain>~r1'). Chains worded by their own
step with no other question (world calculations) get no variants here (`SynthOptions.variants` multiplies those).
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

import anyio

from task_synth.artifacts import Chain, Grounded, Rejection
from task_synth.binding import BindingError, extract
from task_synth.registry import StepRef, step
from task_synth.sampling import redrawn

if TYPE_CHECKING:
    from task_synth.artifacts import Draft
    from task_synth.pipeline import SynthState
    from task_synth.task import Task

WORDED = ("templates", "llm:")
"""Writers of drafts a variant may be re-worded by (the pipeline's writer): the rest word their own chains."""


def asked_values(g: Grounded, draft: Draft) -> list[str]:
    """The values a draft's checks read from the chain's outputs (what its task asks)."""
    raw = g.raw_outputs(0)
    out: list[str] = []
    for c in draft.checks:
        if c.step is None or not c.extract or not 0 <= c.step < len(raw):
            continue
        try:
            v = extract(c.extract, raw[c.step])
        except BindingError:
            continue
        if v is not None:
            out.append(str(v))
    return out


def shape(task: Task) -> str:
    """A task's chain shape: its tools in order."""
    return " > ".join(f"{s.server}/{s.tool}" for s in task.reference)


def answer_key(task: Task) -> str:
    """What a task's answer is: its checks' kinds and expected values."""
    return json.dumps([(c.kind, c.value) for c in task.checks], sort_keys=True, default=str)


class _Family:
    """One base chain and the variants made of it so far."""

    def __init__(self, base: str):
        self.base = base
        self.asks = 0
        self.redraws = 0
        self.ask_done = False
        self.redraw_done = False
        self.taken: dict[tuple[int, str], list[Any]] = {}
        """(step, parameter) -> literal values the base and its redraws took there."""
        self.asked: list[str] = []
        """Chain ids of its ask variants the writer words (their drafts say what is asked already)."""
        self.pending = False
        """An ask variant made this round is not worded yet: the next one waits for the next round."""


@step("sample", "refill")
class Refill:
    """Variants of the kept tasks' chains while the run is short of `n` tasks (see the module doc). It runs after
    the filters and runs the pipeline's own writer and filters on what it makes."""

    name = "refill"

    def __init__(self, rounds: int = 3, writer: str = "templates", scored: bool = False):
        self.rounds = rounds
        self.writer = writer
        """The registered write step that words walk variants ('templates' or 'llm')."""
        self.scored = scored
        """Also run the model's scoring filter (filter:llm) on the new tasks."""

    async def run(self, state: SynthState) -> None:
        o = state.options
        if not o.refill or len(state.tasks) >= o.n:
            return
        # half the stage's deadline: a slow server ends the refill, never the run (the tasks made so far stay)
        with anyio.move_on_after(o.stage_timeout_s / 2) as scope:
            await self._rounds(state)
        if scope.cancelled_caught:
            state.notes.append(f"sample:refill: stopped after {o.stage_timeout_s / 2:g} s with {len(state.tasks)} "
                               f"tasks (the variants of the unfinished round are dropped)")

    async def _rounds(self, state: SynthState) -> None:
        o = state.options
        budget = o.n * o.oversample
        rng = random.Random(f"task_synth:refill:{o.seed}")
        families: dict[str, _Family] = {}
        origin: dict[str, tuple[str, str]] = {}  # variant chain id -> (how, base chain id)
        made = kept = 0
        for _ in range(self.rounds):
            short = o.n - len(state.tasks)
            if short <= 0 or made >= budget:
                break
            bases = list(dict.fromkeys(origin.get(c, ("", c))[1] for t in state.tasks
                                       if (c := state.task_chain.get(t.id)) is not None))
            for b in bases:
                families.setdefault(b, _Family(b)).pending = False
            want = min(2 * short, budget - made)
            new = self._variants([families[b] for b in bases], state, rng, want, origin)
            if not new:
                break
            made += len(new)
            mark, earlier = len(state.rejected), list(state.tasks)
            before = len(earlier)
            try:
                await self._pipeline(state)
            except anyio.get_cancelled_exc_class():
                state.tasks = earlier  # the unfinished round's tasks are not kept half-filtered
                raise
            fresh = self._distinct(state, before)
            for t in fresh[short:]:  # more than wanted: the first ones stay
                state.reject(t.id, "select", [f"surplus: {o.n} tasks were wanted (variant)"], t)
            state.tasks = state.tasks[:before] + fresh[:short]
            kept += min(len(fresh), short)
            self._explain(state, mark, origin)
        if made:
            hows = [h for h, _ in origin.values()]
            state.notes.append(f"sample:refill: {made} variants ({hows.count('ask')} asked otherwise, "
                               f"{hows.count('redraw')} redrawn) of {len(families)} chains, {kept} kept")

    def _variants(self, families: list[_Family], state: SynthState, rng: random.Random, want: int,
                  origin: dict[str, tuple[str, str]]) -> list[str]:
        """Up to `want` new variant chains, one of each kind per base in turn; their ids."""
        chains = {c.id: c for c in state.chains}
        grounded = {g.chain_id: g for g in state.grounded}
        out: list[str] = []
        while len(out) < want:
            before = len(out)
            for f in families:
                for how in ("ask", "redraw"):
                    if len(out) >= want:
                        break
                    base_g, base_c = grounded.get(f.base), chains.get(f.base)
                    if base_g is None or base_c is None:
                        f.ask_done = f.redraw_done = True
                        continue
                    vid = (self._ask(f, base_g, base_c, state) if how == "ask"
                           else self._redraw(f, base_c, state, rng))
                    if vid is not None:
                        origin[vid] = (how, f.base)
                        out.append(vid)
            if len(out) == before:
                break
        return out

    def _ask(self, f: _Family, g: Grounded, chain: Chain, state: SynthState) -> str | None:
        if f.ask_done:
            return None
        draft = state.drafts.get(f.base)
        if draft is None:
            f.ask_done = True
            return None
        vid = f"{f.base}~a{f.asks + 1}"
        asker = state.askers.get(f.base)
        if asker is not None:
            other = asker(vid, f.asks + 1)
            if other is None:
                f.ask_done = True
                return None
            state.drafts[vid] = other
        elif draft.writer.startswith(WORDED):
            if f.pending:
                return None
            taken: list[str] = []
            for cid in [f.base, *f.asked]:
                d = state.drafts.get(cid)
                if d is None:  # a sibling found nothing else to ask: neither will this one
                    f.ask_done = True
                    return None
                taken += asked_values(g, d)
            state.asked[vid] = sorted(set(taken))
            f.asked.append(vid)
            f.pending = True
        else:
            f.ask_done = True
            return None
        f.asks += 1
        state.chains.append(chain.model_copy(update={"id": vid, "seed": f"{state.options.seed}:{vid}"}))
        state.grounded.append(g.model_copy(update={"chain_id": vid}))
        if f.base in state.states:
            state.states[vid] = state.states[f.base]
        if f.base in state.single_hop:
            state.single_hop.add(vid)
        return vid

    def _redraw(self, f: _Family, chain: Chain, state: SynthState, rng: random.Random) -> str | None:
        draft = state.drafts.get(f.base)
        if f.redraw_done or draft is None or not draft.writer.startswith(WORDED):
            f.redraw_done = True
            return None
        steps = redrawn(state, chain, rng, f.taken)
        if steps is None:
            f.redraw_done = True
            return None
        f.redraws += 1
        vid = f"{f.base}~r{f.redraws}"
        state.chains.append(Chain(id=vid, steps=steps, seed=f"{state.options.seed}:{vid}"))
        if f.base in state.single_hop:
            state.single_hop.add(vid)
        return vid

    @staticmethod
    def _distinct(state: SynthState, before: int) -> list[Task]:
        """The new tasks whose answer differs from that of every earlier task of the same chain shape (its tools in
        order): a variant that asks other records but gets the same answer (0 shared hours again) is not another
        task."""
        answers: dict[str, dict[str, str]] = {}  # shape -> answer key -> task id
        for t in state.tasks[:before]:
            answers.setdefault(shape(t), {}).setdefault(answer_key(t), t.id)
        fresh: list[Task] = []
        for t in state.tasks[before:]:
            family = answers.setdefault(shape(t), {})
            twin = family.get(answer_key(t))
            if twin is not None:
                state.reject(t.id, "filter", [f"same answer as task {twin}, from the same chain shape"], t)
                continue
            family[answer_key(t)] = t.id
            fresh.append(t)
        state.tasks = state.tasks[:before] + fresh
        return fresh

    async def _pipeline(self, state: SynthState) -> None:
        """Ground, word and filter what is new (each step takes only chains it has not decided on)."""
        before = len(state.tasks)
        for ref in (StepRef("ground", "live"), StepRef("write", self.writer), StepRef("filter", "rules")):
            await ref.build().run(state)
        if self.scored:  # only the new tasks are scored
            earlier, state.tasks = state.tasks[:before], state.tasks[before:]
            try:
                await StepRef("filter", "llm").build().run(state)
            finally:
                state.tasks = earlier + state.tasks

    @staticmethod
    def _explain(state: SynthState, mark: int, origin: dict[str, tuple[str, str]]) -> None:
        """Lead the reasons of variants dropped in this round with what they were a variant of."""
        for i in range(mark, len(state.rejected)):
            r = state.rejected[i]
            cid = r.id if r.id in origin else state.task_chain.get(r.id, "")
            if cid not in origin:
                continue
            how, base = origin[cid]
            state.rejected[i] = Rejection(id=r.id, stage=r.stage, candidate=r.candidate,
                                          reasons=[f"variant ({how}) of {base}: {x}" for x in r.reasons])


__all__ = ["WORDED", "Refill", "answer_key", "asked_values", "shape"]
