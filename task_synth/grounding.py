"""Stage 3, live grounding: execute each chain on the live fleet, twice, each run in its own episode.

Run 1 turns bind intents into concrete bindings: it picks (seeded) one value of the wanted kind in the source step's
output and writes a regex that re-reads it (kinds.reference_regex). Run 2 re-derives every bound argument through
`binding.resolve_arguments` — exactly what the oracle and the live replay do — so a chain whose bindings do not
re-resolve never becomes a task. Chains with a failing step are dropped with the reason. A step is live-varying when
its two outputs differ, when its output mentions today's date, or when it consumes a live-varying step.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import anyio

from task_synth import bounds, freetext
from task_synth.artifacts import BoundRef, Chain, ChainStep, Grounded, GroundedStep
from task_synth.binding import (
    TEMPLATE,
    BindingError,
    binding_sources,
    coerce,
    expand,
    placeholder,
    placeholders,
    resolve_arguments,
    resolve_binding,
)
from task_synth.handles import HIDDEN, is_handle_param, mask
from task_synth.kinds import KINDS, field_label, pick_references
from task_synth.normalise import VARIES, clock_dependent, clock_reading
from task_synth.orders import fit_order
from task_synth.places import fit_place
from task_synth.probe import looks_like_error, normalise_output
from task_synth.registry import step
from task_synth.replay import AgentCall, read_states
from task_synth.task import ReferenceStep, StateRead

if TYPE_CHECKING:
    from task_synth.pipeline import EpisodeCalls, SynthState


_EMPTY = ("", "[]", "{}", "null", "None", '""')


def quiet_steps(steps: list[ChainStep] | list[ReferenceStep]) -> set[int]:
    """Steps whose empty output is acceptable: not the last, and no later step binds to their output."""
    read = {j for s in steps for spec in s.bindings.values() for j in binding_sources(spec)}
    read |= {j for s in steps if isinstance(s, ChainStep) for b in s.binds for j in [b.source]}
    return {i for i in range(len(steps) - 1) if i not in read}


class GroundingFailed(Exception):
    """A chain could not be executed as planned; the message is the rejection reason."""


def _prop(state: SynthState, s: ChainStep, param: str) -> dict[str, Any]:
    entry = state.entry(s.server, s.tool)
    return dict((((entry.input_schema if entry else {}) or {}).get("properties") or {}).get(param) or {})


def _like(state: SynthState, s: ChainStep, param: str) -> Any:
    """A value of the parameter's JSON type, so extracted strings are converted (ints stay ints)."""
    t = _prop(state, s, param).get("type")
    return 0 if t == "integer" else 0.0 if t == "number" else ""


async def _call(tools: EpisodeCalls, state: SynthState, i: int, s: ChainStep | ReferenceStep,
                args: dict[str, Any], quiet_ok: bool = False) -> str:
    out = await tools.call_real(s.server, s.tool, args, state.options.call_timeout_s)
    if not out.ok:
        raise GroundingFailed(f"step {i} {s.server}/{s.tool}: {out.outcome} ({out.error_kind}): "
                              f"{(out.error or out.content)[:200]}")
    if quiet_ok and out.content.strip() in _EMPTY:
        return out.content  # a write that returns nothing: later steps read its effect, not its output
    if looks_like_error(out.content):
        raise GroundingFailed(f"step {i} {s.server}/{s.tool}: output is empty or an error: {out.content[:200]!r}")
    return out.content


async def _first_run(state: SynthState, chain: Chain, tools: EpisodeCalls
                     ) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[str], list[dict[str, BoundRef]]]:
    rng = random.Random(f"task_synth:ground:{chain.seed or chain.id}")
    args_out: list[dict[str, Any]] = []
    bindings_out: list[dict[str, str]] = []
    refs_out: list[dict[str, BoundRef]] = []
    outputs: list[str] = []
    quiet = quiet_steps(chain.steps)
    for i, s in enumerate(chain.steps):
        bindings = dict(s.bindings)
        refs_here: dict[str, BoundRef] = {}
        for b in s.binds:
            if not 0 <= b.source < i:
                raise GroundingFailed(f"step {i}: binds to step {b.source}, which is not an earlier step")
            refs = pick_references(b.kind, outputs[b.source], f"{chain.steps[b.source].server}/"
                                   f"{chain.steps[b.source].tool}") if b.kind in KINDS else []
            if not refs:
                raise GroundingFailed(f"step {i} {s.server}/{s.tool}: no {b.kind} in the output of step {b.source}")
            allowed = list(range(len(refs)))
            if not b.template:  # a value passed on as it is must fit the parameter's schema (bounds, type)
                prop, like = _prop(state, s, b.param), _like(state, s, b.param)
                allowed = [j for j, r in enumerate(refs) if bounds.fits(prop, coerce(r[0], like))]
                if not allowed:
                    why = bounds.why_not(prop, coerce(refs[0][0], like))
                    raise GroundingFailed(f"step {i} {s.server}/{s.tool}: no {b.kind} of step {b.source} fits "
                                          f"'{b.param}' ({why})")
            # one draw whatever the output, and the last value of a clock-dependent output (the place a conversion
            # ends in — "there" to a reader): how many values a live output lists can change with the date, and
            # must not change the choices that follow
            draw = rng.random()
            live_src = clock_dependent(outputs[b.source], state.now) or clock_reading(outputs[b.source], state.now)
            k = allowed[-1] if live_src else allowed[int(draw * min(len(allowed), 4))]
            rx = refs[k][1]
            refs_here[b.param] = BoundRef(source=b.source, kind=b.kind, ordinal=k, count=1 if live_src else len(refs),
                                          template=b.template, phrase=b.phrase,
                                          label=field_label(outputs[b.source], rx))
            bindings[b.param] = (TEMPLATE + b.template.replace("{}", placeholder(b.source, rx)) if b.template
                                 else f"step[{b.source}]:{rx}")
        literal = expand(dict(s.arguments), state.builtins)
        try:
            for arg, spec in bindings.items():
                literal[arg] = resolve_binding(spec, outputs, _like(state, s, arg))
        except BindingError as e:
            raise GroundingFailed(f"step {i} {s.server}/{s.tool}: {e}") from None
        literal = expand(literal, state.builtins)  # templates may hold ${VAR} around the bound part
        freetext.fit_parts(state.graph.node(f"{s.server}/{s.tool}"), literal, set(bindings), rng)
        entry = state.entry(s.server, s.tool)
        props = ((entry.input_schema if entry else {}) or {}).get("properties") or {}
        fit_place(props, literal, set(bindings))
        fit_order(props, literal, set(bindings), entry.description or "" if entry else "")
        outputs.append(await _call(tools, state, i, s, literal, i in quiet))
        args_out.append(literal)
        bindings_out.append(bindings)
        refs_out.append(refs_here)
    return args_out, bindings_out, outputs, refs_out


async def _second_run(state: SynthState, steps: list[ReferenceStep], tools: EpisodeCalls
                      ) -> tuple[list[str], list[dict[str, Any]]]:
    outputs: list[str] = []
    sent: list[dict[str, Any]] = []
    quiet = quiet_steps(steps)
    for i, s in enumerate(steps):
        try:
            args = resolve_arguments(s, outputs, builtins=state.builtins)
        except BindingError as e:
            raise GroundingFailed(f"step {i} {s.server}/{s.tool}: binding did not re-resolve: {e}") from None
        outputs.append(await _call(tools, state, i, s, args, i in quiet))
        sent.append(args)
    return outputs, sent


def drawn_ids(recorded: list[ReferenceStep], first: list[dict[str, Any]], second: list[dict[str, Any]]
              ) -> tuple[list[str], list[str], set[tuple[int, str]]]:
    """Bound text values that differ between the two runs (a handle a server draws anew in every episode: a session
    id): their values in run 1 and run 2, and the (step, parameter) that took them. They are masked before outputs
    are compared, so a step is not live-varying only because it repeats its session's id."""
    one: list[str] = []
    two: list[str] = []
    where: set[tuple[int, str]] = set()
    for i, s in enumerate(recorded):
        for p in s.bindings:
            a, b = first[i].get(p), second[i].get(p)
            if isinstance(a, str) and isinstance(b, str) and a != b and min(len(a), len(b)) >= 4 \
                    and is_handle_param(p, {"type": "string"}, None):
                one.append(a)
                two.append(b)
                where.add((i, p))
    return one, two, where


def _calls(chain: Chain, outputs: list[str]) -> list[AgentCall]:
    """A grounding run's calls as an agent's, for final-state reads that take an id the run made."""
    return [AgentCall(s.server, s.tool, o) for s, o in zip(chain.steps, outputs, strict=False)
            if not looks_like_error(o)]


def _plan_state_reads(state: SynthState, chain_id: str) -> list[tuple[int, StateRead]]:
    """The final-state reads of a curated plan's checks, by check index (seeded chains read state as chain steps)."""
    plan = state.plans.get(chain_id)
    return [(i, c.read) for i, c in enumerate(plan.checks) if c.kind == "state" and c.read is not None] if plan else []


async def ground_chain(state: SynthState, chain: Chain) -> Grounded:
    """Execute a chain twice; raises GroundingFailed with the reason when it cannot be grounded."""
    servers = chain.servers
    timeout = state.options.call_timeout_s
    reads = _plan_state_reads(state, chain.id)
    async with state.live.episode(f"{chain.id}.g1", servers=servers, call_timeout_s=timeout,
                                  files=chain.files) as tools:
        args, bindings, raw1, refs = await _first_run(state, chain, tools)
        after1 = await read_states(reads, tools, builtins=state.builtins, calls=_calls(chain, raw1)) if reads else {}
    recorded = [ReferenceStep(server=s.server, tool=s.tool, arguments=placeholders(a, state.builtins), bindings=b)
                for s, a, b in zip(chain.steps, args, bindings)]
    async with state.live.episode(f"{chain.id}.g2", servers=servers, call_timeout_s=timeout,
                                  files=chain.files) as tools:
        raw2, args2 = await _second_run(state, recorded, tools)
        after2 = await read_states(reads, tools, builtins=state.builtins, calls=_calls(chain, raw2)) if reads else {}
    if reads:  # a curated plan's final-state checks: read after each run, and on a fresh instance where nothing ran
        async with state.live.episode(f"{chain.id}.before", servers=servers, call_timeout_s=timeout,
                                      files=chain.files) as tools:
            state.states[chain.id] = ([after1, after2], await read_states(reads, tools, builtins=state.builtins))
    one, two, drawn = drawn_ids(recorded, args, args2)
    for i, p in drawn:
        recorded[i].arguments[p] = VARIES
    # nothing may be asked of a handle (the next episode draws another): in what writers and checks read it is
    # written as a token too short to be asked, that bindings still re-read
    raw1 = [mask(r, one, HIDDEN) for r in raw1]
    raw2 = [mask(r, two, HIDDEN) for r in raw2]
    steps: list[GroundedStep] = []
    live: list[bool] = []
    fast: list[bool] = []
    for i, (s, ref) in enumerate(zip(chain.steps, recorded)):
        o1 = mask(normalise_output(raw1[i], state.builtins), one)
        o2 = mask(normalise_output(raw2[i], state.builtins), two)
        sources = sorted({j for spec in ref.bindings.values() for j in binding_sources(spec)})
        fast.append(o1 != o2 or clock_reading(raw1[i], state.now) or any(fast[j] for j in sources))
        live.append(fast[-1] or clock_dependent(raw1[i], state.now) or any(live[j] for j in sources))
        steps.append(GroundedStep(server=s.server, tool=s.tool, arguments=ref.arguments, bindings=ref.bindings,
                                  depends_on=sorted(set(s.depends_on) | set(sources)), outputs=[o1, o2],
                                  raw=[raw1[i], raw2[i]], live_varying=live[-1], fast_varying=fast[-1],
                                  refs=refs[i]))
    return Grounded(chain_id=chain.id, steps=steps)


@step("ground", "live")
class LiveGrounding:
    """Ground every chain concurrently (bounded); failed chains go to rejected.jsonl with their reason."""

    name = "live"

    def __init__(self, attempts: int = 3):
        self.attempts = attempts
        """A failed grounding is retried (twice): on a loaded machine slow servers time out, and a real fault fails
        again (the reason recorded is the last attempt's)."""

    async def run(self, state: SynthState) -> None:
        limiter = anyio.CapacityLimiter(state.options.concurrency)
        results: dict[str, Grounded | str] = {}

        async def one(chain: Chain) -> None:
            for _ in range(self.attempts):
                async with limiter:
                    try:
                        results[chain.id] = await ground_chain(state, chain)
                        return
                    except GroundingFailed as e:
                        results[chain.id] = str(e)

        done = {g.chain_id for g in state.grounded} | {r.id for r in state.rejected}
        todo = [c for c in state.chains if c.id not in done]  # seeding grounds its own chains
        async with anyio.create_task_group() as tg:
            for chain in todo:
                tg.start_soon(one, chain)
        for chain in todo:
            r = results[chain.id]
            if isinstance(r, Grounded):
                state.grounded.append(r)
            else:
                state.reject(chain.id, "ground", [r], chain)


__all__ = ["GroundingFailed", "LiveGrounding", "ground_chain"]
