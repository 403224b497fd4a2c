"""Stage 4, writing: a precise task, a fuzzy request, a reference answer and an answer-key recipe per grounded chain.

The `templates` writer is deterministic (phrases.py); the `llm` writer (llm.py) asks a model for the wording and
keeps the rule-derived answer key. Expected values are never written by hand or by a model: every check reads its
value from a reference step's output (CheckSpec.step + extract), so the key is grounded by construction.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from task_synth import freetext
from task_synth.artifacts import BoundRef, CheckSpec, Draft, Grounded, GroundedStep
from task_synth.binding import TEMPLATE, binding_sources, extract, nested_values, placeholder
from task_synth.focus import boilerplate, focused
from task_synth.grammar import (
    head_noun,
    how_many,
    is_plural,
    no_article_before_possessive,
    plural,
    singular,
    the_value_is,
    what_the,
)
from task_synth.handles import context_tools, handle_keys
from task_synth.kinds import field_label, pick_references
from task_synth.labels import keyed_by_data, marked_fields, marked_labelled, wide_labelled
from task_synth.phrases import ORDINALS, Ask, StepView, hand_written, noun, output_collections, phrasing
from task_synth.registry import step
from task_synth.wording import (
    ARITHMETIC_PURPOSES,
    LEADS,
    OPENERS,
    Unwordable,
    askable_label,
    asks_back,
    evaluates,
    figure_class,
    figure_misfit,
    figure_question,
    gerund,
    humanize,
    lead_in,
    purpose_fits,
    same_number,
    sql_count_noun,
)

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

SALIENT_KINDS = ("revision", "entity", "url", "path", "table", "timezone", "date", "time", "colour")
_QUOTED = re.compile(r"""(["'])([A-Za-z_][\w ]{0,40})\1\s*:\s*(["'])([^"'\n]{3,80})\3""")
_PLACEHOLDER_REF = re.compile(r"\{\{step\[\d+\]:.*?\}\}", re.DOTALL)


class WriteFailed(Exception):
    """Nothing sensible can be asked of this chain; the message is the rejection reason."""


def views(g: Grounded, state: SynthState) -> list[StepView]:
    out: list[StepView] = []
    handles = handle_keys(state.graph)
    for i, s in enumerate(g.steps):
        entry = state.entry(s.server, s.tool)
        bound = {p: (binding_sources(spec) or [i - 1])[0] for p, spec in s.bindings.items()
                 if (s.server, p) not in handles}  # a handle is where the work happens, not a value to mention
        picks = {p: (r.kind, r.ordinal, r.count) for p, r in s.refs.items()}
        templates = {p: _PLACEHOLDER_REF.sub("X", spec[len(TEMPLATE):]) for p, spec in s.bindings.items()
                     if spec.startswith(TEMPLATE)}
        refs = {j: phrasing(g.steps[j].server, g.steps[j].tool).ref for j in set(bound.values())}
        param_refs = {p: phrasing(g.steps[bound[p]].server, g.steps[bound[p]].tool).ref_for(r.kind, r.label)
                      for p, r in s.refs.items() if p in bound}
        node = state.graph.node(f"{s.server}/{s.tool}")
        props = (entry.input_schema.get("properties") if entry else None) or {}
        params = {p: str(d.get("description") or d.get("title") or "") for p, d in props.items() if isinstance(d, dict)}
        labels = {p: lb for p, r in s.refs.items() if p in bound and (lb := figure_name(g.steps[r.source], r))}
        out.append(StepView(index=i, server=s.server, tool=s.tool, description=entry.description if entry else "",
                            args={k: v for k, v in s.arguments.items() if k not in s.bindings}, bound=bound,
                            composed={p: r.phrase for p, r in s.refs.items() if r.phrase}, templates=templates,
                            refs=refs, picks=picks, param_refs=param_refs, kinds=dict(node.params) if node else {},
                            params=params, labels=labels,
                            collections=output_collections((s.raw or s.outputs or [""])[0])))
    freetext.say_once(out)
    return out


def figure_name(src: GroundedStep, ref: BoundRef) -> str:
    """What a bound figure is, as the request names it: 'the number of customers' (a counting query), 'the future
    value' (the field it was read from); '' when nothing says (the caller then says 'that figure')."""
    if ref.kind != "number":
        return ""
    for p, val in src.arguments.items():
        if p not in src.bindings and isinstance(val, str) and (said := sql_count_noun(val)):
            return said
    label = ref.label.strip()
    if label and label not in ("result", "value", "data", "output") and not re.fullmatch(r"[\d\s]+", label):
        return f"the {label}"
    return ""


_LABELLED = re.compile(r"(?:^|\n|\\n)[ \t]*([A-Z][A-Za-z]{2,20}(?: [A-Za-z]{2,20})?):[ \t]+([^<\n\\\"]{2,60}?)"
                       r"[ \t]*(?=<|\n|\\n|\"|$)")
PEOPLE = re.compile(r"author|tagger|committer|owner|assignee|creator|reporter|reviewer|manager|contact|user|by",
                    re.IGNORECASE)
"""Labels of fields that name a person: asked as 'who the author is'."""


def _labelled(raw: str, given: set[str], inputs: dict[str, Any]) -> tuple[Ask, str] | None:
    """A 'Label: value' line of a text output ('Author: Tomás Reis <…>'), not a value the step was given nor a
    field that names one of its inputs ('Asset Cost: $0.00' of a step given asset_cost)."""
    for m in _LABELLED.finditer(raw):
        label, value = m.group(1), m.group(2).strip()
        if value in given or not askable_label(label):
            continue
        figure = re.search(r"-?\d[\d,]*(?:\.\d+)?", value)
        if asks_back(label, figure.group(0) if figure else None, inputs):
            continue
        if not re.search(r"[A-Za-z]", value):
            amount = _amount_line(label, raw)
            if amount is not None:
                return amount
            continue
        rx = re.escape(label) + r":[ \t]+([^<\n\\\"]{2,60}?)[ \t]*(?=<|\n|\\n|\"|$)"
        if extract(rx, raw) != value:
            continue
        words = humanize(label)
        entry = listing_noun(raw[:m.start(1)])
        if entry:  # 'ASYNC: endArrow=open…' under 'Edge style presets:' is an entry, named by its list's noun
            words = f"{words} {entry}"
        asked = what_the(words, who=not entry and bool(PEOPLE.fullmatch(words.split()[-1])))
        return Ask(None, "contains", asked, f"Report the {label} in the result.",
                   the_value_is(words)), rx
    return None


def listing_noun(before: str) -> str:
    """The noun of the listing an indented 'Label: value' line belongs to, from the heading right above its block
    ('Edge style presets:' -> 'edge style preset'); '' when the line is not in an indented block under a heading.
    Such a label is the name of an entry ('ASYNC'), not a field: asking 'what the async is' names nothing."""
    lines = before.split("\n")
    block: list[str] = []
    for line in reversed(lines[:-1]):
        if re.match(r"[ \t]+\S", line):
            block.append(line)
            continue
        head = re.fullmatch(r"[ \t]*([A-Za-z][A-Za-z ]{2,40}?)[ \t]*:[ \t]*", line)
        if head is None or not re.fullmatch(r"[ \t]+", lines[-1]):
            return ""
        words = humanize(head.group(1)).split()
        return " ".join([*words[:-1], singular(words[-1])]) if words else ""
    return ""


def _amount_line(label: str, raw: str) -> tuple[Ask, str] | None:
    """A 'Label: $3.72' line read as a number (the currency sign and the layout are not part of the answer)."""
    rx = r"(?:^|\n)[ \t]*" + re.escape(label) + r":[ \t]+[$€£]?[ \t]*(-?\d+(?:\.\d+)?)(?![\d,])"
    if extract(rx, raw) is None:
        return None
    words = humanize(label)
    return Ask(None, "numeric", figure_question(words), f"Report the {label} in the result.",
               the_value_is(words)), rx


def salient(raw: str, key: str, given: set[str] | None = None,
            inputs: dict[str, Any] | None = None) -> tuple[Ask, str] | None:
    """A generic thing to ask of an output: a quantity, else a labelled line (in any script: labels.py), else a
    typed value, else a numeric field, else a quoted field; never a value the step was given (`given`: its
    arguments) nor a field named like one of its parameters (`inputs`: parameter -> argument, compared as numbers),
    which would ask back what the request said."""
    given = given or set()
    inputs = inputs or {}

    def back(value: str, label: str) -> bool:
        return value in given or asks_back(label, value, inputs)

    refs = [r for r in pick_references("number", raw, key) if r[0] not in given]
    for value, rx in refs:
        label = keyed_by_data(raw, rx, field_label(raw, rx))
        if back(value, label) or (label and not askable_label(label)):
            continue
        asked = figure_question(label) if label and label not in ("result", "value") else "what number it comes to"
        return Ask(None, "numeric", asked, "Report the number in the result.", "It comes to {value}."), rx
    found = _labelled(raw, given, inputs) or marked_labelled(raw, given, inputs) or wide_labelled(raw, given, inputs)
    if found is not None:
        return found
    for kind in SALIENT_KINDS:
        refs_of = pick_references(kind, raw, key)
        for value, rx in refs_of:
            label = keyed_by_data(raw, rx, field_label(raw, rx))
            if back(value, label) or (label and not askable_label(label)) or not _said_as(kind, label, value, raw) \
                    or (label and boilerplate(label, value)):
                continue
            if not label and len(refs_of) > 1:  # one unlabelled value among several: only "the first" names it
                if value != refs_of[0][0]:
                    continue
                asked = f"what the first {noun(kind)} in it is"
            else:
                asked = what_the(label) if label else (
                    f"what {noun(kind)} it gives" if kind in ("time", "date") else f"which {noun(kind)} it is")
            return Ask(None, "contains", asked, f"Report the {kind} in the result.", "It is {value}."), rx
    numeric = _numeric_field(raw, given, inputs)
    if numeric is not None:
        return numeric
    for m in _QUOTED.finditer(raw):
        field = m.group(2)
        if back(m.group(4), field) or not askable_label(field) or boilerplate(field, m.group(4)):
            continue
        rx = re.escape(m.group(1) + field + m.group(1)) + r"\s*:\s*" + re.escape(m.group(3)) + r"([^\"'\n]{3,80})"
        if extract(rx, raw) == m.group(4):
            return Ask(None, "contains", what_the(humanize(field)), f"Report the {field} in the result.",
                       f"Its {field} is {{value}}."), rx
    return None


LABELS_OF: dict[str, re.Pattern[str]] = {
    "url": re.compile(r"\b(?:url|uri|link|href|page|site|website|homepage|address|src|endpoint)s?\b"),
    "path": re.compile(r"\b(?:path|file|filename|folder|directory|dir|location)s?\b"),
}
"""Kinds whose question names what the value is ('which page it is'): the value must be read from a field whose label
says so, never picked out of some text (an image link inside a description is not 'the page')."""


def _said_as(kind: str, label: str, value: str, raw: str) -> bool:
    """A value of `kind` may be asked for under `label`: kinds outside LABELS_OF always; a page or a file only from
    a field labelled as one, or when the output is that value alone."""
    fit = LABELS_OF.get(kind)
    if fit is None:
        return True
    if label:
        return bool(fit.search(label))
    return raw.strip().strip("\"'") == value


def _numeric_field(raw: str, given: set[str], inputs: dict[str, Any]) -> tuple[Ask, str] | None:
    """A numeric JSON field that is not an input, those whose name says what figure they are (money, a rate, a
    count) first."""
    found: list[tuple[bool, int, str, str]] = []
    for m in _NUMERIC_FIELD.finditer(raw):
        field, value = m.group(2), m.group(3)
        if value in given or asks_back(field, value, inputs) or not askable_label(field):
            continue
        rx = re.escape(m.group(1) + field + m.group(1)) + r"\s*:\s*(-?\d+(?:\.\d+)?)"
        if extract(rx, raw) is not None and str(extract(rx, raw)) == value:
            found.append((figure_class(field) is None, len(found), field, rx))
    if not found:
        return None
    _, _, field, rx = min(found)
    words = keyed_by_data(raw, rx, humanize(field))
    if words != humanize(field):  # one figure per data key ('missing values for SKU'): its class is the parent's
        parent, name = words.split(" for ", 1)
        if figure_class(parent.replace(" ", "_")) in ("count", None) and _plural(parent):
            return Ask(None, "numeric", f"{how_many(parent)} for {name}", f"Report the {words} in the result.",
                       "It comes to {value}."), rx
        return Ask(None, "numeric", what_the(words), f"Report the {words} in the result.", the_value_is(words)), rx
    if figure_class(field) in ("count", None) and _plural(words) and head_noun(words) != words.split()[-1]:
        return Ask(None, "numeric", how_many(words), f"Report the {field} in the result.",
                   "It comes to {value}."), rx
    if figure_class(field) in ("count", None) and _plural(words):
        return Ask(None, "numeric", f"how many {words} it has", f"Report the {field} in the result.",
                   f"It has {{value}} {words}."), rx
    return Ask(None, "numeric", what_the(words), f"Report the {field} in the result.",
               the_value_is(words)), rx


_NUMERIC_FIELD = re.compile(r"""(["'])([A-Za-z_][\w ]{0,40})\1\s*:\s*(-?\d+(?:\.\d+)?)(?![\w.])""")


_CLOCK = re.compile(r"^\d\d?:\d\d")


def askable(regex: str, step: GroundedStep) -> bool:
    """The regex reads a value from every run, and not a clock reading from a fast-varying step (the agent's call
    and the evaluation replay happen minutes apart, so the minute would differ)."""
    values = [extract(regex, r) for r in (step.raw or step.outputs)]
    if any(v is None for v in values):
        return False
    return not (step.fast_varying and any(_CLOCK.match(str(v)) for v in values))


def choose_ask(g: Grounded, state: SynthState | None = None) -> tuple[Ask, str]:
    """The first hand-written ask of the last tool that can be asked, else — for a lone read, the field the tool is
    about (focus.py) — a generic one that does not ask back an input (an argument, or a field named like one of the
    tool's parameters, given or defaulted). Raises WriteFailed."""
    last = g.steps[-1]
    raw = (last.raw or last.outputs)[0]
    key = f"{last.server}/{last.tool}"
    # values a variant's siblings already ask (refill.py): it asks another field
    taken = set(state.asked.get(g.chain_id, [])) if state is not None else set()
    for ask in phrasing(last.server, last.tool).asks:
        regex = ask.regex or (salient(raw, key, taken) or (None, None))[1]
        if regex and askable(regex, last) and str(extract(regex, raw)) not in taken:
            return ask, regex
    entry = state.entry(last.server, last.tool) if state is not None else None
    inputs: dict[str, Any] = dict.fromkeys((entry.input_schema.get("properties") or {}) if entry else ())
    given = given_values(last.arguments) | taken | (constant_fields(state, last.server, last.tool) if state else set())
    if state is not None and g.chain_id in state.single_hop:  # the question is the whole task: what the tool is about
        found = focused(raw, last.tool, entry.description if entry else "", given, {**inputs, **last.arguments},
                        about_only=bool(taken))
        if found is not None and askable(found[1], last):
            return found
        if taken:
            raise WriteFailed(f"nothing else the tool is about in its output ({key})")
    found = salient(raw, key, given, {**inputs, **last.arguments})
    if found is None or not askable(found[1], last):  # a field of a JSON output that is not how the call went
        found = focused(raw, last.tool, entry.description if entry else "", given, {**inputs, **last.arguments})
    if found is None or not askable(found[1], last):  # a plain-text answer: its one value, or the first item listed
        from task_synth.plain import plain_ask

        found = plain_ask(raw, entry.description if entry else "", given)
    if (found is None or not askable(found[1], last)) and state is not None and _works_on_text(state, last):
        from task_synth.plain import changed_text_ask

        found = changed_text_ask(raw, given_values(last.arguments))
    if found is None or not askable(found[1], last):
        raise WriteFailed(f"nothing {'else ' if taken else ''}to ask of the last step's output ({key})")
    return found


def _works_on_text(state: SynthState, step: GroundedStep) -> bool:
    """The step's tool works on a text the request gives (a free-text parameter: freetext.TEXT)."""
    node = next((n for n in state.graph.nodes if n.server == step.server and n.tool == step.tool), None)
    return node is not None and freetext.TEXT in node.params.values()


_STRING_FIELD = re.compile(r"""["']([A-Za-z_][\w ]{0,40})["']\s*:\s*(?:["']([^"'\n]{1,80})["']|(-?\d+(?:\.\d+)?)\b)""")


def constant_fields(state: SynthState, server: str, tool: str) -> set[str]:
    """The values of fields that every grounded output of the tool holds alike, across at least two calls with
    different arguments: what the tool always says (a discriminator such as `"type": "batch"`, a fixed unit, a figure
    that comes out the same whatever the call is given, such as a break-even rate of 50; a markdown field such as
    `**Formula:** …`), never what a call found — so never a question. Empty with fewer than two distinct calls."""
    outputs: dict[str, str] = {}
    for g in state.grounded:
        for s in g.steps:
            if (s.server, s.tool) == (server, tool) and (s.raw or s.outputs):
                outputs.setdefault(json.dumps(s.arguments, sort_keys=True, default=str), (s.raw or s.outputs)[0])
    if len(outputs) < 2:
        return set()
    common = set.intersection(*(set(_STRING_FIELD.findall(o)) for o in outputs.values()))
    marked = set.intersection(*({(label, value) for label, value, _, _ in marked_fields(o)} for o in outputs.values()))
    return {text or number for _, text, number in common} | {value for _, value in marked}


def given_values(arguments: dict[str, Any]) -> set[str]:
    """Every value a step was given, nested ones included (`[{"path": "a.pdf"}]` gave `a.pdf`): never asked back."""
    return {str(v) for v in nested_values(arguments)} - {str(arguments)}


def check_for(ask: Ask, regex: str, step_index: int, raw: str) -> CheckSpec:
    value = extract(regex, raw)
    if ask.check == "numeric" and _is_number(value):
        integral = float(value).is_integer()
        return CheckSpec(kind="numeric", step=step_index, extract=regex, tolerance=0.0 if integral else 0.005,
                         relative=not integral, description=ask.precise)
    return CheckSpec(kind="contains", step=step_index, extract=regex, description=ask.precise,
                     case_sensitive=ask.case_sensitive)


def _is_number(value: object) -> bool:
    """A quantity's value that reads as a number (an enum member such as 'single' is checked as text instead)."""
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def join_clauses(clauses: list[str]) -> str:
    """'a', 'a, then b', 'a, then b, then c' (the question follows with ', and tell me …')."""
    return ", then ".join(clauses)


LONG_VALUE = 80
"""A set-up value longer than this (or on several lines) is a text the person pastes, not a place to work in."""


def setup_context(pre: list[StepView]) -> str:
    """A set-up step (learnt from a read's error) is where the work happens, not something to recite: the request
    names what it was given ("working in repo"). A long text (a list of records) is never 'working in <the whole
    text>': it is 'working from the <what it is> below', and `pasted_after` gives the text for after the question."""
    vals = [str(val) for v in pre for _, val in sorted(v.args.items()) if isinstance(val, str | int | float)]
    short = ["the current folder" if x == "." else x for x in vals if not _long(x)]
    long = [x for x in vals if _long(x)]
    said = [f"working in {', '.join(short)}"] if short else []
    if long:
        said.append(f"working from {'the ' + what if (what := _what_text(long[0])) else 'the text'} below")
    return f", {' and '.join(said)}" if said else ""


def pasted_after(pre: list[StepView]) -> str:
    """The long set-up texts, said after the question (what `setup_context` calls 'below'); '' when none."""
    long = [str(val) for v in pre for _, val in sorted(v.args.items()) if isinstance(val, str) and _long(val)]
    return "".join(f"\n\n{x.strip()}" for x in long)


def _long(value: str) -> bool:
    return len(value) > LONG_VALUE or "\n" in value.strip()


def _what_text(text: str) -> str:
    """What a pasted text is, from its heading ('Our government customers (city, …): …' -> 'list of our government
    customers'); '' when it has no short heading."""
    head = re.match(r"\s*([A-Za-z][A-Za-z ,'’-]{3,100}?)\s*(?:\([^)]{0,80}\))?\s*:", text)
    if not head:
        return ""
    words = re.split(r",| with | \(", head.group(1))[0].strip()
    words = re.sub(r"^(?:our|the|my|these|those)\s+", "", words, flags=re.IGNORECASE)
    return f"list of {words[:1].lower() + words[1:]}" if words else ""


def arithmetic(step: GroundedStep) -> list[tuple[str, str]]:
    """(parameter, composition template) of the step's values made by arithmetic on an earlier number."""
    return [(p, r.template) for p, r in sorted(step.refs.items()) if r.kind == "number" and r.template]


def purposeless_from(g: Grounded, state: SynthState) -> tuple[int, str]:
    """Where a walk stops having a purpose a person would state, and why: (len(g.steps), '') when it never does.

    A walk loses its purpose at a step that repeats the lookup it was just given (the same tool, fed its own result),
    at arithmetic that no purpose explains (ARITHMETIC_PURPOSES), at arithmetic fed to a tool that does not calculate
    (the gamma function of double a number), and at a second piece of arithmetic ("times 60, times 60")."""
    setup = context_tools(state.graph)
    seen_arithmetic = False
    for i, s in enumerate(g.steps):
        if (s.server, s.tool) in setup:
            continue
        prev = [j for j in s.depends_on if (g.steps[j].server, g.steps[j].tool) not in setup]
        direct = [p for p in s.bindings if not (p in s.refs and s.refs[p].template not in (None, "", "{}"))]
        if direct and any((g.steps[j].server, g.steps[j].tool) == (s.server, s.tool) for j in prev):
            return i, "the same lookup again on its own result"
        why = _misfed(g, s, direct, state)
        if why:
            return i, why
        for p, template in arithmetic(s):
            src = g.steps[s.refs[p].source]
            src_entry = state.entry(src.server, src.tool)
            src_node = state.graph.node(f"{src.server}/{src.tool}")
            if src_node and "expression" in src_node.params.values() and not evaluates(
                    src_entry.description if src_entry else "", src.tool):
                return i, "arithmetic on what a tool that does not calculate made of an expression"
            if template not in ARITHMETIC_PURPOSES:
                return i, f"arithmetic with no stated purpose ({template})"
            if not purpose_fits(template, s.refs[p].label):
                what = s.refs[p].label or "an unlabelled number"
                return i, f"arithmetic whose purpose does not fit the figure ({template} on {what})"
            entry = state.entry(s.server, s.tool)
            if not evaluates(entry.description if entry else "", s.tool):
                return i, "arithmetic fed to a tool that does not calculate"
            if seen_arithmetic:
                return i, "a second piece of arithmetic on the same figure"
            seen_arithmetic = True
    return len(g.steps), ""


def _misfed(g: Grounded, s: GroundedStep, direct: list[str], state: SynthState) -> str:
    """Why a figure bound as is into `s` has no purpose ('' when every one has): it only passes on a value the
    earlier step was given (its output echoes its input: a number, one of several dates or names said back, or the
    very text it was given), or
    its kind does not fit the parameter (a count fed as money, money as a number of years, anything as an identifier;
    wording.figure_misfit)."""
    entry = state.entry(s.server, s.tool)
    props = (entry.input_schema.get("properties") if entry else None) or {}
    for p in sorted(direct):
        ref = s.refs.get(p)
        if ref is None or not 0 <= ref.source < len(g.steps):
            continue
        src = g.steps[ref.source]
        value = s.arguments.get(p)
        if ref.kind == freetext.TEXT and isinstance(value, str) and any(
                isinstance(v, str) and v.strip() == value.strip() for v in src.arguments.values()):
            return "passes on a text the earlier step gave back unchanged (sorting or tidying a text that needed none)"
        if ref.kind != "number":
            out = (src.raw or src.outputs or [""])[0]
            given = [v.strip() for v in src.arguments.values() if isinstance(v, str) and v.strip() and v in out]
            if isinstance(value, str) and value.strip() in given and len(given) >= 2:
                # one of several values the step said back ('the second date it lists' of a count between two
                # dates); a lone echo ('that zone', 'there') still names what the person is asking about
                return f"passes on a value the earlier step was only given ({value} into {humanize(p)})"
            continue
        echoed = [a for a, v in src.arguments.items() if not isinstance(v, bool) and isinstance(v, int | float | str)
                  and str(v).strip() and same_number(v, value)]
        if echoed:
            return f"passes on a figure the earlier step was only given ({humanize(echoed[0])} into {humanize(p)})"
        name = figure_name(src, ref)
        desc = props.get(p, {}).get("description", "") if isinstance(props.get(p), dict) else ""
        why = figure_misfit(re.sub(r"^the ", "", name), f"{p}\n{desc}") if name else None
        if why:
            return why
        had = unit_beside((src.raw or src.outputs or [""])[0], value)
        told = [str(v) for a, v in sorted(s.arguments.items()) if isinstance(v, str) and _INPUT_UNIT.search(a)]
        if had and told and not any(_same_unit(had, t) for t in told):
            return f"a figure in {had} fed as one in {told[0]} ({humanize(p)})"
    return ""


_INPUT_UNIT = re.compile(r"^(?:(?:from|source|input|in|original)_?)?units?$|^(?:from|source|input)_?\w*unit",
                         re.IGNORECASE)
"""A parameter saying the unit of the figure a step is given ('from_unit', 'unit', 'sourceUnit')."""


def unit_beside(raw: str, value: Any) -> str:
    """The unit a JSON output states beside the figure VALUE: a key naming a unit in the object that holds it
    (`{"converted_value": 75.4, "converted_unit": "radians"}` -> 'radians'), the one that shares the figure key's
    prefix when there are several; '' when none does."""
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(v for v in node.values() if isinstance(v, dict | list))
        keys = [k for k, v in node.items() if not isinstance(v, bool) and isinstance(v, int | float)
                and same_number(v, value)]
        units = {k: v for k, v in node.items() if isinstance(v, str) and re.search(r"unit", str(k), re.IGNORECASE)}
        if keys and units:
            prefix = re.split(r"[_\W]", keys[0])[0]
            return next((v for k, v in units.items() if k.startswith(prefix)), next(iter(units.values())))
    return ""


def _same_unit(a: str, b: str) -> bool:
    """The same unit, written alike up to case, spaces and a plural 's'."""
    def norm(u: str) -> str:
        return re.sub(r"s$", "", re.sub(r"[\s_-]+", "", u.lower()))
    return norm(a) == norm(b)


def shorten(g: Grounded, state: SynthState) -> Grounded:
    """The walk cut before the step where it loses its purpose (purposeless_from); `g` itself when it never does.
    Raises WriteFailed when what is left is shorter than the run's minimum hops."""
    k, why = purposeless_from(g, state)
    if k == len(g.steps):
        return g
    if k < max(state.options.min_hops, 1):
        raise WriteFailed(f"purposeless walk: {why} (step {k + 1}); shorter than {state.options.min_hops} hops")
    return g.model_copy(update={"steps": list(g.steps[:k])})


def _purpose_of(v: StepView) -> tuple[str, str] | None:
    """(bound parameter, what a person wants computed of it) when the step is arithmetic with a stated purpose."""
    for p, t in sorted(v.templates.items()):
        key = t.replace("X", "{}")
        if key in ARITHMETIC_PURPOSES:
            return p, ARITHMETIC_PURPOSES[key]
    return None


_plural = is_plural


def from_the_question(body: list[StepView], question: str) -> str | None:
    """The request worded from its final question back: the question, the last step that answers it, and each
    earlier step as where a value it uses comes from ("what the total tax is if you calculate income tax with an
    income of the vat amount, where the vat amount comes from calculating VAT with an amount of 7.5"). None when
    an earlier step's result is not named by what it is (arithmetic, an unlabelled figure, a hand-written
    reference such as 'that page'), where the step-by-step form stays."""
    if len(body) < 2 or any(_purpose_of(v) is not None for v in body):
        return None
    names: dict[int, str] = {}
    kind_named: set[int] = set()
    named_body: list[StepView] = []
    for v in body:
        labels = dict(v.labels)
        for p, src in v.bound.items():
            if v.templates.get(p):
                return None
            if p not in labels:
                said = _kind_names(v, p)
                if said is None:
                    return None
                labels[p], name = said
                kind_named.add(src)
            else:
                name = labels[p]
            if names.setdefault(src, name) != name:
                return None
        named_body.append(replace(v, labels=labels))
    if len(set(names.values())) < len(names):  # two results called 'the date': which is which?
        return None
    body = named_body
    earlier = body[:-1]
    if any(v.index not in names for v in earlier) or (kind_named and not kind_named <= {v.index for v in earlier}):
        return None
    last = phrasing(body[-1].server, body[-1].tool, body[-1]).fuzzy(body[-1])
    wheres = [f"{names[v.index]} {'come' if _plural(names[v.index]) else 'comes'} from "
              f"{gerund(phrasing(v.server, v.tool, v).fuzzy(v))}" for v in reversed(earlier)]
    return f"{question} if you {last}, where {'; and '.join(wheres)}"


def _kind_names(v: StepView, p: str) -> tuple[str, str] | None:
    """(how the step refers to its bound value, what the earlier step's result is called) for a value no label
    names, by the noun of its kind: ('the date', 'the date'), or for the k-th of a list ('the third date', 'the
    dates'). None for a hand-written phrasing (its own references, 'there', may not say the name) and a value of
    no known kind."""
    if hand_written(v.server, v.tool) is not None:
        return None
    kind, ordinal, count = v.picks.get(p, ("", 0, 1))
    what = noun(kind) if kind else ""
    if not what or what == "value" or ordinal >= len(ORDINALS):
        return None
    if count > 1:
        return f"the {ORDINALS[ordinal]} {what}", f"the {plural(what)}"
    return f"the {what}", f"the {what}"


def write_templates(g: Grounded, state: SynthState) -> Draft:
    """Deterministic wording for one grounded chain (seeded by its id): a reason, what to find out hop by hop (each
    hop by what it yields, from the tool's description or the default fleet's phrasing), and one question. Raises
    WriteFailed."""
    try:
        return _write_templates(g, state)
    except Unwordable as e:
        raise WriteFailed(f"wording: {e}") from None


def _write_templates(g: Grounded, state: SynthState) -> Draft:
    rng = random.Random(f"task_synth:write:{state.options.seed}:{g.chain_id}")
    vs = views(g, state)
    ask, regex = choose_ask(g, state)
    if ask.case_sensitive:  # the changed text is the answer: how each step changes it must be said
        vs = [replace(v, says_settings=True) for v in vs]
    k = len(g.steps) - 1
    # an opener that makes something (a write: a new customer, a booking) is asked for, not a place to work in
    setup = context_tools(state.graph) - made_here(g, state)
    pre = [v for v in vs if (v.server, v.tool) in setup]
    body = [v for v in vs if (v.server, v.tool) not in setup]
    clauses = []
    question = ask.fuzzy
    for i, v in enumerate(body):
        purpose = _purpose_of(v)
        if purpose is not None:
            said = purpose[1].replace("{x}", v.base_ref(purpose[0]))
            if i == len(body) - 1 and ask.check == "numeric":
                if state.asked.get(g.chain_id):
                    raise WriteFailed("the last step's purpose is the question, so another field cannot be asked")
                question = said
                continue
            clauses.append(f"work out {said}")
            continue
        clauses.append(phrasing(v.server, v.tool, v).fuzzy(v))
    if clauses and len(question.split()) >= 3 and clauses[-1].lower().endswith(question.lower()):
        clauses.pop()  # 'look up whose turn it is, and tell me whose turn it is': the question says it once
    lead, opener = rng.choice(LEADS), rng.choice(OPENERS)
    backward = from_the_question(body, question)
    if backward is not None:
        asked = f"tell me {backward}{setup_context(pre)}"
    elif clauses:
        asked = f"{join_clauses(clauses)}{setup_context(pre)}, and tell me {question}"
    else:
        asked = f"tell me {question}{setup_context(pre)}"
    asked = no_article_before_possessive(asked)
    fuzzy = f"{lead_in(lead, opener)} {asked}?{pasted_after(pre)}{freetext.pasted_pages(body)}"
    precise = " ".join(f"({i + 1}) {phrasing(v.server, v.tool, v).precise(v)}" for i, v in enumerate(vs))
    precise += f" {ask.precise}"
    answer = ask.answer.replace("{value}", placeholder(k, regex))
    raw = (g.steps[-1].raw or g.steps[-1].outputs)[0]
    return Draft(precise=precise, fuzzy=fuzzy, answer=answer, checks=[check_for(ask, regex, k, raw)],
                 writer="templates", tags=["stateful"] if made_here(g, state) else [])


def made_here(g: Grounded, state: SynthState) -> set[tuple[str, str]]:
    """(server, tool) of the chain's steps that change something (openers that create: a customer, then a charge
    on it): the request asks for them, and the task is stateful."""
    setups = {(srv, str(su["tool"])) for srv, su in state.graph.setups.items()}  # set the scene: said 'working in'
    out = set()
    for s in g.steps:
        node = state.graph.node(f"{s.server}/{s.tool}")
        if node is not None and not node.read_only and (s.server, s.tool) not in setups:
            out.add((s.server, s.tool))
    return out


def walk_key(g: Grounded) -> str:
    """The calls of a grounded chain (tools, arguments, bindings): two chains with one key are the same walk."""
    return json.dumps([(s.server, s.tool, s.arguments, s.bindings) for s in g.steps], sort_keys=True, default=str)


@step("write", "templates")
class TemplateWriter:
    """Deterministic templates: acceptable English without a model."""

    name = "templates"

    async def run(self, state: SynthState) -> None:
        written = {walk_key(g) for g in state.grounded if g.chain_id in state.drafts and not state.asked.get(g.chain_id)
                   and state.drafts[g.chain_id].writer == "templates"}  # a later run (refill.py) sees earlier walks
        for i, g in enumerate(list(state.grounded)):
            if g.chain_id in state.plans or g.chain_id in state.drafts or g.chain_id in state.filtered:
                continue
            try:
                short = shorten(g, state)
                key = walk_key(short)
                if key in written and not state.asked.get(g.chain_id):  # an ask variant repeats its base's walk
                    raise WriteFailed(f"once shortened to {len(short.steps)} steps, the same walk as an earlier one")
                written.add(key)
                state.drafts[g.chain_id] = write_templates(short, state)
            except WriteFailed as e:
                state.reject(g.chain_id, "write", [str(e)], g)
                state.filtered.add(g.chain_id)
                continue
            if short is not g:
                state.grounded[i] = short
                state.notes.append(f"write:templates: {g.chain_id} cut to {len(short.steps)} of {len(g.steps)} steps "
                                   f"({purposeless_from(g, state)[1]})")


__all__ = ["TemplateWriter", "WriteFailed", "arithmetic", "check_for", "choose_ask", "figure_name",
           "from_the_question", "join_clauses", "pasted_after", "purposeless_from", "salient", "setup_context",
           "shorten", "views", "walk_key", "write_templates"]
