"""The model-driven planner (`mcpbench synth --planner provider/model`): a model proposes, execution decides.

One candidate at a time, until `n` tasks are kept or `n × proposals_per_task` proposals are spent:

    select tools (budget) → model proposes scenario + chain → run live with repairs (planner_exec) →
    ground twice (grounding.ground_chain) → answer key from the outputs → model rewrites the request (fuzzy) →
    rule filters (filters.py) → MCP-Bench's solvability/utility filter → keep, and call `state.on_progress`

The model never supplies an expected value: a check reads the value from a grounded step's output, exactly as in the
offline path (the model may only point at the step and field to ask about; the field must be there on both runs).
Every candidate that fails leaves a rejection with its stage and reasons. When the model stops answering
(llm.ModelUnavailable) the planner stops, says so in `state.notes` (a line starting "model unavailable:"), and keeps
the tasks made so far; the stage deadline is honoured the same way.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import anyio

from task_synth.artifacts import Draft, Grounded
from task_synth.assemble import AssembleFailed, assemble
from task_synth.binding import extract, placeholder
from task_synth.filters import RuleContext, apply_rules
from task_synth.graph import is_read_only
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.llm import (
    OUTPUT_CHARS_IN_PROMPT,
    PROMPT_BUDGET_CHARS,
    ModelGuard,
    ModelUnavailable,
    guard_of,
    passes_scores,
    prompt_text,
    render_prompt,
    score_task,
)
from task_synth.offered import with_offered
from task_synth.phrases import Ask
from task_synth.pipeline import generator_label
from task_synth.planner_catalog import select_tools, tool_card
from task_synth.planner_exec import (
    PlannedChain,
    PlanRejected,
    StepFailed,
    execute_proposal,
    field_regex,
    parse_proposal,
    sandboxed,
)
from task_synth.registry import step
from task_synth.writing import WriteFailed, askable, check_for, choose_ask

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState
    from task_synth.task import Task

STAGE_MARGIN_S = 5.0
"""Seconds kept back from the stage deadline so the planner stops on its own, never by the stage's TimeoutError."""


def _words(field: str) -> str:
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", field).replace("_", " ").replace("-", " ").strip().lower()


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [str(value)]


def _field_ask(field: str, value: str, rx: str) -> Ask:
    label = _words(field)
    numeric = re.fullmatch(r"-?\d+(?:\.\d+)?", value.strip()) is not None
    return Ask(rx, "numeric" if numeric else "contains", f"the {label}", f"Report the {label}.",
               f"The {label} is {{value}}.")


def _json_fields(text: str) -> list[tuple[str, str]]:
    """(key, value) of every scalar field of a JSON output, numbers first, in document order otherwise."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    out: list[tuple[str, Any]] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                if isinstance(v, (dict, list)):
                    walk(v)
                elif v is not None and not isinstance(v, bool):
                    out.append((str(k), v))
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(data)
    return [(k, str(v)) for k, v in sorted(out, key=lambda kv: not isinstance(kv[1], (int, float)))]


def answer_key(chain: PlannedChain, g: Grounded) -> tuple[Ask, str, int]:
    """(what to ask, the regex reading it, the step it reads). Never a value the calls were given (what a person
    supplies is no answer). In order: the model's hint when that field is there on every run; the offline writer's
    choice from the last output; the first other field of the last output (numbers first). Raises WriteFailed."""
    given = {leaf for st in g.steps for k2, v in st.arguments.items() if k2 not in st.bindings for leaf in _leaves(v)}
    k = chain.answer_step
    if k is not None and chain.answer_field and 0 <= k < len(g.steps):
        s = g.steps[k]
        try:
            rx, value = field_regex((s.raw or s.outputs)[0], chain.answer_field)
        except StepFailed:
            rx, value = "", ""
        if rx and askable(rx, s) and value not in given:
            return _field_ask(chain.answer_field, value, rx), rx, k
    last = len(g.steps) - 1
    raw = (g.steps[last].raw or g.steps[last].outputs)[0]
    try:
        ask, rx = choose_ask(g)
        if str(extract(rx, raw)) not in given:
            return ask, rx, last
    except WriteFailed:
        pass
    for key, value in _json_fields(raw):
        if value in given or not 1 <= len(value) <= 80:
            continue
        try:
            rx, read = field_regex(raw, key)
        except StepFailed:
            continue
        if read == value and askable(rx, g.steps[last]):
            return _field_ask(key, value, rx), rx, last
    raise WriteFailed("every value the last step returns was given to the calls: nothing to ask")


def _calls_text(g: Grounded, state: SynthState) -> str:
    lines = []
    for i, s in enumerate(g.steps):
        entry = state.entry(s.server, s.tool)
        desc = (entry.description or "").strip().split("\n")[0][:160] if entry else ""
        lines.append(f"{i + 1}. {s.server}/{s.tool} ({desc}) with {json.dumps(s.arguments, ensure_ascii=False)}\n"
                     f"   result: {s.outputs[0][:OUTPUT_CHARS_IN_PROMPT]}")
    return "\n".join(lines)


def _fallback_precise(g: Grounded, ask: Ask) -> str:
    return " ".join(f"({i + 1}) Call {s.server}/{s.tool} with {json.dumps(s.arguments, ensure_ascii=False)}."
                    for i, s in enumerate(g.steps)) + f" {ask.precise}"


async def write_draft(state: SynthState, guard: ModelGuard, chain: PlannedChain, g: Grounded) -> Draft:
    """The answer key (rule-derived) and the wording (the model's rewrite; else the plan's own request). Raises
    WriteFailed when nothing can be asked or no request text exists."""
    ask, rx, k = answer_key(chain, g)
    raw = (g.steps[k].raw or g.steps[k].outputs)[0]
    check = check_for(ask, rx, k, raw)
    answer = ask.answer.replace("{value}", placeholder(k, rx))
    tags = ["planned"] + (["stateful"] if chain.writes else [])
    writer = f"planner:{guard.model.name}"
    try:
        reply, _ = await guard.ask(prompt_text("system"),
                                   render_prompt("rewrite", scenario=chain.scenario or "(none given)",
                                                 calls=_calls_text(g, state), ask=ask.precise),
                                   state.options.seed, "rewrite")
    except ModelUnavailable as e:
        state.notes.append(f"model unavailable: planner: {chain.id}: {e}")
        reply = None
    if reply and isinstance(reply.get("fuzzy"), str) and reply["fuzzy"].strip():
        precise = reply["precise"].strip() if isinstance(reply.get("precise"), str) and reply["precise"].strip() \
            else _fallback_precise(g, ask)
        return Draft(precise=precise, fuzzy=reply["fuzzy"].strip(), answer=answer, checks=[check], writer=writer,
                     tags=tags)
    if not chain.request:
        raise WriteFailed("no usable rewrite from the model and no request in the plan")
    state.notes.append(f"planner: {chain.id}: rewrite unusable, the plan's own request kept")
    return Draft(precise=_fallback_precise(g, ask), fuzzy=chain.request, answer=answer, checks=[check],
                 writer=writer + " (plan request)", tags=tags)


@step("sample", "planner")
class ModelPlanner:
    """Proposals from a model, executed live; see the module docstring. Needs `state.model`."""

    name = "planner"

    def __init__(self, proposals_per_task: int = 3, repairs: int = 2, min_solvability: float = 9,
                 min_utility: float = 5, ground_attempts: int = 2):
        self.proposals_per_task = proposals_per_task
        self.repairs = repairs
        self.min_solvability = min_solvability
        self.min_utility = min_utility
        self.ground_attempts = ground_attempts

    async def run(self, state: SynthState) -> None:
        guard = guard_of(state)
        o = state.options
        entries = [e for e in state.entries if is_read_only(e) or sandboxed(state, e.server)]
        if not entries:
            state.notes.append("planner: no tool the planner may call (write tools need a sandboxed server)")
            return
        cards = {f"{e.server}/{e.name}": tool_card(e, not is_read_only(e)) for e in entries}
        rng = random.Random(f"task_synth:plan:{o.seed}")
        uses: Counter[str] = Counter()
        scenarios: list[str] = []
        deadline = time.monotonic() + o.stage_timeout_s - STAGE_MARGIN_S
        proposals = o.n * self.proposals_per_task
        made = 0
        for i in range(proposals):
            if len(state.tasks) >= o.n:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                state.notes.append(f"planner: the stage deadline ({o.stage_timeout_s:g} s) is spent; stopped after "
                                   f"{made} proposals")
                break
            made += 1
            with anyio.move_on_after(remaining) as scope:
                try:
                    await self.candidate(state, guard, i, entries, cards, rng, uses, scenarios)
                except ModelUnavailable as e:
                    state.notes.append(f"model unavailable: planner stopped after {made} proposals, "
                                       f"{len(state.tasks)} tasks kept: {e}")
                    break
            if scope.cancelled_caught:
                state.notes.append(f"planner: the stage deadline ({o.stage_timeout_s:g} s) ran out during proposal "
                                   f"{i}; {len(state.tasks)} tasks kept")
                break
        state.notes.append(f"planner: {made} proposals, {len(state.tasks)} tasks, {guard.requests} model requests "
                           f"in {guard.seconds:.0f} s")

    async def candidate(self, state: SynthState, guard: ModelGuard, i: int, entries: list[Any],
                        cards: dict[str, str], rng: random.Random, uses: Counter[str], scenarios: list[str]) -> None:
        o = state.options
        cid = f"{o.id_prefix}-p{i:04d}"
        shown, seed = select_tools(entries, cards, PROMPT_BUDGET_CHARS, rng, uses)
        if seed is not None:
            state.notes.append(f"planner: {cid}: {len(shown)} of {len(entries)} tools shown (around "
                               f"{seed.server}/{seed.name})")
        sandbox = any(not is_read_only(e) for e in shown)
        write_rule = ("They run on a private copy made for this task, so use them freely: set up data first, then "
                      "read it back." if sandbox else "None is offered here.")
        avoid = ("\nAlready proposed (propose something different):\n" + "\n".join(f"- {s}" for s in scenarios[-5:])
                 if scenarios else "")
        servers = sorted({e.server for e in shown})
        cross_rule = (f" Use tools of at least two of the servers ({', '.join(servers)}) when a purpose joins them."
                      if len(servers) > 1 else "")
        text = render_prompt("plan", max_steps=o.max_hops, write_rule=write_rule, avoid=avoid, cross_rule=cross_rule,
                             tools="\n".join(cards[f"{e.server}/{e.name}"] for e in shown))
        reply, raw = await guard.ask(prompt_text("system"), text, o.seed + i, "plan")
        try:
            proposal = parse_proposal(reply)
        except PlanRejected as e:
            state.reject(cid, "plan", e.reasons, {"reply": raw[:2000]})
            return
        if proposal.scenario:
            scenarios.append(proposal.scenario)
        try:
            chain = await execute_proposal(state, guard, proposal, cid, self.repairs)
        except PlanRejected as e:
            state.reject(cid, "plan", e.reasons, proposal)
            return
        state.chains.append(chain)
        g = await self._ground(state, chain)
        if g is None:
            return
        try:
            draft = await write_draft(state, guard, chain, g)
        except WriteFailed as e:
            state.reject(cid, "write", [str(e)], g)
            return
        state.drafts[cid] = draft
        task = self._filter(state, g, draft)
        if task is None:
            return
        try:
            scores = await score_task(guard, task, o.seed)
        except ModelUnavailable as e:
            state.notes.append(f"model unavailable: planner: {task.id}: unscored, kept: {e}")
            scores = None
        if scores is None:
            state.notes.append(f"planner: {task.id}: unscored (no parseable scores), kept")
        else:
            why = passes_scores(scores, self.min_solvability, self.min_utility)
            if why is not None:
                state.reject(task.id, "filter", [why], task)
                return
        state.tasks.append(with_offered(task, state.offered))  # written as it comes: with the files it reads
        if state.on_progress is not None:
            state.on_progress(state)

    async def _ground(self, state: SynthState, chain: PlannedChain) -> Grounded | None:
        reason = ""
        for _ in range(self.ground_attempts):
            try:
                g = await ground_chain(state, chain)
            except GroundingFailed as e:
                reason = str(e)
                continue
            state.grounded.append(g)
            return g
        state.reject(chain.id, "ground", [reason], chain)
        return None

    def _filter(self, state: SynthState, g: Grounded, draft: Draft) -> Task | None:
        o = state.options
        try:
            task = assemble(g, draft, task_id_=None, prefix=o.id_prefix, generator=generator_label(o), seed=o.seed,
                            tool_sha256=state.live.catalog.hashes())
        except AssembleFailed as e:
            state.reject(g.chain_id, "filter", [f"assemble: {e}"], g)
            return None
        ctx = RuleContext(task=task, runs=[g.raw_outputs(0), g.raw_outputs(1)], catalog=state.live.catalog,
                          builtins=state.builtins, hops=(o.min_hops, o.max_hops))
        reasons = apply_rules(ctx)
        if any(t.id == task.id for t in state.tasks):
            reasons.append(f"duplicate of task {task.id}")
        if reasons:
            state.reject(task.id, "filter", reasons, task)
            return None
        return task


__all__ = ["ModelPlanner", "answer_key", "write_draft"]
