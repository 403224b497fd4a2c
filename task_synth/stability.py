"""Answers that still hold when the evaluation calls the tools again: drawn outputs and cross-run scoring.

The runner scores a live-varying task against a *second* replay of its reference chain, made in its own episode
after the agent is done (mcpbench/executors/base.py): the agent answers from its own calls, the checks re-read their
values from the replay's. A tool that **draws** its answer anew on every call ("recommend dishes for 3 people", "pick
something at random") gives the two different values, so a task whose checked value depends on such a draw fails the
oracle itself, while a replay that renders the answer from the very outputs it checks (the old `tasks validate`)
passes it.

- `drawn_steps` finds the draws of a grounded chain: a read-only step, with no write before it in the chain, whose
  two groundings answered differently although every value it was given came out the same, and neither answer
  reads the clock (a clock is live, not drawn: the writer never asks a clock reading); or a read-only step whose
  tool's two probes answered differently without a date or a clock reading in them (a draw that happened to repeat
  in the groundings).
- `unstable_checks` is the `stable` rule (task_synth.filters): a check is dropped as unstable when
  - its step was given a value read from a drawn step (the agent's draw and the replay's lead to different calls),
    unless the runs drew differently and that value still agreed, or
  - its step is drawn and its two groundings answered alike (the draw repeated by chance: no evidence that the
    checked field does not depend on it), or
  - scored as the runner scores it — the answer rendered from one run, the check re-derived from another run's
    outputs (the state reads of the answering run's own instance) — it fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from judges.checks import evaluate_checks
from task_synth.binding import (
    BindingError,
    binding_refs,
    binding_sources,
    ref_source,
    regex_search,
    render_answer,
    resolve_binding,
)
from task_synth.normalise import clock_dependent, clock_reading
from task_synth.task import Task

if TYPE_CHECKING:
    from task_synth.artifacts import Grounded, ToolGraph
    from task_synth.pipeline import SynthState


def _reads_clock(text: str, now: dt.datetime) -> bool:
    return clock_reading(text, now) or clock_dependent(text, now)


def drawing_tools(graph: ToolGraph, now: dt.datetime) -> set[str]:
    """`server/tool` keys of the tools whose two probes (same arguments) answered differently with no date or clock
    reading to explain it."""
    return {n.key for n in graph.nodes
            if n.probe is not None and n.probe.varying and n.probe.outcome == "ok"
            and not _reads_clock(n.probe.output, now)}


def drawn_steps(g: Grounded, state: SynthState) -> set[int]:
    """Steps of grounded chain `g` whose output is a draw (see the module doc)."""
    from task_synth.graph import is_read_only

    drawing = drawing_tools(state.graph, state.now)
    out: set[int] = set()
    for i, s in enumerate(g.steps):
        earlier = [state.entry(p.server, p.tool) for p in g.steps[:i]]
        entry = state.entry(s.server, s.tool)
        if entry is None or not is_read_only(entry) or any(e is None or not is_read_only(e) for e in earlier):
            continue
        if f"{s.server}/{s.tool}" in drawing:
            out.add(i)
            continue
        sources = {j for spec in s.bindings.values() for j in binding_sources(spec)}
        raw = s.raw or s.outputs
        if (len(s.outputs) >= 2 and s.outputs[0] != s.outputs[1]
                and all(g.steps[j].outputs[0] == g.steps[j].outputs[1] for j in sources)
                and not any(_reads_clock(r, state.now) for r in raw)):
            out.add(i)
    return out


def _fed_by(task: Task, drawn: set[int], runs: Sequence[Sequence[str]]) -> set[int]:
    """Steps given (through their bindings, at any distance) a value read from a drawn step. A value read from a
    drawn step whose runs drew differently while the value itself agreed is no draw (a menu's number of meat dishes,
    beside dishes that change; a result beside a request id)."""
    fed: set[int] = set()
    for i, s in enumerate(task.reference):
        for spec in s.bindings.values():
            sources = set(binding_sources(spec))
            if sources & fed or (sources & drawn and not _agrees_across_draws(spec, sources & drawn, runs)):
                fed.add(i)
                break
    return fed


def in_a_list(regex: str | None, text: str) -> bool:
    """The value `regex` reads from `text` sits inside a JSON array: an item of what a draw lists, which two runs can
    agree on by chance (one of three dishes picked alike twice), never evidence that it does not vary."""
    if not regex:
        return False
    try:
        m = regex_search(regex, text)
    except re.error:
        return False
    if m is None:
        return False
    depth, in_string, escaped = 0, False, False
    for ch in text[:m.start(1) if m.re.groups else m.start()]:
        if escaped:
            escaped = False
        elif ch == "\\" and in_string:
            escaped = True
        elif ch == '"':
            in_string = not in_string
        elif not in_string and ch == "[":
            depth += 1
        elif not in_string and ch == "]":
            depth -= 1
    return depth > 0


def _agrees_across_draws(spec: str, sources: set[int], runs: Sequence[Sequence[str]]) -> bool:
    if len(runs) < 2 or all(all(r[j] == runs[0][j] for r in runs[1:]) for j in sources):
        return False  # the runs drew alike: no evidence either way
    for ref in binding_refs(spec):  # a plain reference, or each placeholder of a template
        j = ref_source(ref)
        if j in sources and in_a_list(ref.split(":", 1)[1], runs[0][j]):
            return False  # an item of the drawn list: its agreement may be chance
    try:
        values = [resolve_binding(spec, dict(enumerate(r))) for r in runs]
    except BindingError:
        return False
    return all(v == values[0] for v in values[1:])


def unstable_checks(task: Task, runs: Sequence[Sequence[str]], states: Sequence[Mapping[int, str]],
                    drawn: set[int]) -> list[str]:
    """Reasons the task's checks would not hold between the agent's calls and the evaluation replay (see the
    module doc); RUNS are the raw outputs of two or more runs of the reference chain, STATES each run's final-state
    reads. A task that is not live-varying is scored on its recorded values (the `reproducible` rule's concern)."""
    out: list[str] = []
    fed = _fed_by(task, drawn, runs)
    for i, c in enumerate(task.checks):
        if c.from_step is None:
            continue
        if c.from_step in fed:
            out.append(f"check {i} ({c.kind}): step {c.from_step} is given a value drawn anew on every call")
        elif c.from_step in drawn and len(runs) >= 2 and all(
                r[c.from_step] == runs[0][c.from_step] for r in runs[1:]):
            out.append(f"check {i} ({c.kind}): step {c.from_step} draws its answer anew on every call")
        elif c.from_step in drawn and runs and in_a_list(c.extract, runs[0][c.from_step]):
            out.append(f"check {i} ({c.kind}): step {c.from_step} reads an item of a list drawn anew on every call")
    if out or not task.live_varying or len(runs) < 2:
        return out
    for r, outputs in enumerate(runs):
        try:
            answer = render_answer(task, dict(enumerate(outputs)))
        except BindingError:
            continue  # the checks_pass rule reports it
        other = runs[(r + 1) % len(runs)]
        live: dict[int, Any] = {**dict(enumerate(other)), **(states[r] if r < len(states) else {})}
        for res in evaluate_checks(task.checks, answer, live_outputs=live):
            if not res.effective_passed and res.kind != "state":
                out.append(f"check {res.index} ({res.kind}): the answer from one run fails on another run's outputs "
                           f"(expected {res.live_expected if res.live_expected is not None else res.expected!r}); "
                           "the evaluation replay would not agree with the agent's calls")
    return list(dict.fromkeys(out))


__all__ = ["drawing_tools", "drawn_steps", "in_a_list", "unstable_checks"]
