"""Stage 4, writing: a precise task, a fuzzy request, a reference answer and an answer-key recipe per grounded chain.

The `templates` writer is deterministic (phrases.py); the `llm` writer (llm.py) asks a model for the wording and
keeps the rule-derived answer key. Expected values are never written by hand or by a model: every check reads its
value from a reference step's output (CheckSpec.step + extract), so the key is grounded by construction.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from task_synth.artifacts import CheckSpec, Draft, Grounded, GroundedStep
from task_synth.binding import TEMPLATE, binding_sources, extract, placeholder
from task_synth.kinds import pick_references
from task_synth.phrases import Ask, StepView, phrasing
from task_synth.registry import step

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

SALIENT_KINDS = ("revision", "entity", "url", "path", "table", "timezone", "date", "time")
_QUOTED = re.compile(r"""(["'])([A-Za-z_][\w ]{0,40})\1\s*:\s*(["'])([^"'\n]{3,80})\3""")
_PLACEHOLDER_REF = re.compile(r"\{\{step\[\d+\]:.*?\}\}", re.DOTALL)
OPENERS = ("Could you", "Can you", "I need you to", "Would you")


class WriteFailed(Exception):
    """Nothing sensible can be asked of this chain; the message is the rejection reason."""


def views(g: Grounded, state: SynthState) -> list[StepView]:
    out: list[StepView] = []
    for i, s in enumerate(g.steps):
        entry = state.entry(s.server, s.tool)
        bound = {p: (binding_sources(spec) or [i - 1])[0] for p, spec in s.bindings.items()}
        picks = {p: (r.kind, r.ordinal, r.count) for p, r in s.refs.items()}
        templates = {p: _PLACEHOLDER_REF.sub("X", spec[len(TEMPLATE):]) for p, spec in s.bindings.items()
                     if spec.startswith(TEMPLATE)}
        refs = {j: phrasing(g.steps[j].tool).ref for j in set(bound.values())}
        param_refs = {p: phrasing(g.steps[bound[p]].tool).ref_for(r.kind, r.label)
                      for p, r in s.refs.items() if p in bound}
        out.append(StepView(index=i, server=s.server, tool=s.tool, description=entry.description if entry else "",
                            args={k: v for k, v in s.arguments.items() if k not in s.bindings}, bound=bound,
                            composed={p: r.phrase for p, r in s.refs.items() if r.phrase}, templates=templates,
                            refs=refs, picks=picks, param_refs=param_refs))
    return out


def salient(raw: str, key: str) -> tuple[Ask, str] | None:
    """A generic thing to ask of an output: a quantity, else a typed value, else a quoted field."""
    refs = pick_references("number", raw, key)
    if refs:
        return Ask(None, "numeric", "the number it comes to", "Report the number in the result.",
                   "It comes to {value}."), refs[0][1]
    for kind in SALIENT_KINDS:
        refs = pick_references(kind, raw, key)
        if refs:
            return Ask(None, "contains", f"which {kind} it points to", f"Report the {kind} in the result.",
                       "It is {value}."), refs[0][1]
    m = _QUOTED.search(raw)
    if m:
        field = m.group(2)
        rx = re.escape(m.group(1) + field + m.group(1)) + r"\s*:\s*" + re.escape(m.group(3)) + r"([^\"'\n]{3,80})"
        if extract(rx, raw) == m.group(4):
            return Ask(None, "contains", f"what its {field} is", f"Report the {field} in the result.",
                       f"Its {field} is {{value}}."), rx
    return None


_CLOCK = re.compile(r"^\d\d?:\d\d")


def askable(regex: str, step: GroundedStep) -> bool:
    """The regex reads a value from every run, and not a clock reading from a fast-varying step (the agent's call
    and the evaluation replay happen minutes apart, so the minute would differ)."""
    values = [extract(regex, r) for r in (step.raw or step.outputs)]
    if any(v is None for v in values):
        return False
    return not (step.fast_varying and any(_CLOCK.match(str(v)) for v in values))


def choose_ask(g: Grounded) -> tuple[Ask, str]:
    """The first hand-written ask of the last tool that can be asked, else a generic one. Raises WriteFailed."""
    last = g.steps[-1]
    raw = (last.raw or last.outputs)[0]
    key = f"{last.server}/{last.tool}"
    for ask in phrasing(last.tool).asks:
        regex = ask.regex or (salient(raw, key) or (None, None))[1]
        if regex and askable(regex, last):
            return ask, regex
    found = salient(raw, key)
    if found is None or not askable(found[1], last):
        raise WriteFailed(f"nothing to ask of the last step's output ({key})")
    return found


def check_for(ask: Ask, regex: str, step_index: int, raw: str) -> CheckSpec:
    value = extract(regex, raw)
    if ask.check == "numeric" and _is_number(value):
        integral = float(value).is_integer()
        return CheckSpec(kind="numeric", step=step_index, extract=regex, tolerance=0.0 if integral else 0.005,
                         relative=not integral, description=ask.precise)
    return CheckSpec(kind="contains", step=step_index, extract=regex, description=ask.precise)


def _is_number(value: object) -> bool:
    """A quantity's value that reads as a number (an enum member such as 'single' is checked as text instead)."""
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def join_clauses(clauses: list[str]) -> str:
    if len(clauses) == 1:
        return clauses[0]
    middle = "".join(f", then {c}" for c in clauses[1:-1])
    return f"{clauses[0]}{middle}, and finally {clauses[-1]}"


def setup_context(pre: list[StepView]) -> str:
    """A set-up step (learnt from a read's error) is where the work happens, not something to recite: the request
    names what it was given ("working in repo")."""
    vals = [str(val) for v in pre for _, val in sorted(v.args.items()) if isinstance(val, str | int | float)]
    return f", working in {', '.join(vals)}" if vals else ""


def write_templates(g: Grounded, state: SynthState) -> Draft:
    """Deterministic wording for one grounded chain (seeded by its id). Raises WriteFailed."""
    rng = random.Random(f"task_synth:write:{state.options.seed}:{g.chain_id}")
    vs = views(g, state)
    ask, regex = choose_ask(g)
    k = len(g.steps) - 1
    setup = {(srv, su["tool"]) for srv, su in state.graph.setups.items()}
    pre = [v for v in vs if (v.server, v.tool) in setup]
    clauses = [phrasing(v.tool, v).fuzzy(v) for v in vs if (v.server, v.tool) not in setup]
    opener = rng.choice(OPENERS)
    fuzzy = f"{opener} {join_clauses(clauses)}{setup_context(pre)}? I'd like to know {ask.fuzzy}."
    precise = " ".join(f"({i + 1}) {phrasing(v.tool, v).precise(v)}" for i, v in enumerate(vs)) + f" {ask.precise}"
    answer = ask.answer.replace("{value}", placeholder(k, regex))
    raw = (g.steps[-1].raw or g.steps[-1].outputs)[0]
    return Draft(precise=precise, fuzzy=fuzzy, answer=answer,
                 checks=[check_for(ask, regex, k, raw)], writer="templates")


@step("write", "templates")
class TemplateWriter:
    """Deterministic templates: acceptable English without a model."""

    name = "templates"

    async def run(self, state: SynthState) -> None:
        for g in state.grounded:
            if g.chain_id in state.plans or g.chain_id in state.drafts:
                continue
            try:
                state.drafts[g.chain_id] = write_templates(g, state)
            except WriteFailed as e:
                state.reject(g.chain_id, "write", [str(e)], g)


__all__ = ["OPENERS", "TemplateWriter", "WriteFailed", "check_for", "choose_ask", "join_clauses", "salient",
           "setup_context", "views", "write_templates"]
