"""Stage 5, filtering: rule filters every task must pass (at synthesis and in `tasks validate`), and assembly.

Rules (each returns the reasons it rejects a task; none = pass):
- names: the fuzzy request names no tool or server (identifier-shaped names, `server__tool` names, "the X tool").
- step_list: the fuzzy request is not a numbered list of steps.
- given_away: no expected value appears in the fuzzy request.
- checks_pass: the reference answer satisfies every check on every grounding / replay of the reference chain.
- do_nothing_fails: a refusal or an empty answer fails every check (final-state checks: on the state a fresh
  instance shows before anything is done).
- reproducible: a check on a step that is not live-varying reads the same value in every run.
- stable: scored as the runner scores a live-varying task (the answer from one run, the checks re-read from
  another), every check holds, and no check reads what a tool that draws anew on every call led to
  (task_synth.stability).
- arguments: every reference call's arguments (bindings resolved) satisfy the tool's input schema.
- hops: the chain length is within the allowed range.
- not_an_error: no check reads its value from an output that is a failure message ("No presentation is loaded",
  "… does not exist"): a task whose answer is an error message asks nothing a person wants.
- not_local: no check expects a loopback address with a port ("http://localhost:8766", a dashboard a server
  opened): the port is whichever one the run's server found free, so it differs between runs and machines.
- wording: the fuzzy request reads as English: no words in another script that are not a value of the task (a pasted
  description) or a label of a reference output quoted as the tool's name of a field ('for "字符"'), no Python/JSON
  literal syntax (`['…']`, `{'k': …}`, `->`), no type talk ("as dict"), no camelCase
  field name outside quotes ("what its currentBranch is"), no third-person verb after "you"/"please" ("Would you
  returns …"), no clause said twice ("…, then work out that number times 60, and finally work out that number times
  60"), no values listed by position ("… for 40, 7.5, 3", "… for that count, 128"), no question on a bare adjective or
  participle ("what the accepted is").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from judges.checks import evaluate_checks, extract_numbers, json_unescaped, normalise_text
from mcpbench.catalog import Catalog, argument_errors
from mcpbench.models.scripted import DO_NOTHING_ANSWER
from task_synth.assemble import AssembleFailed, assemble
from task_synth.binding import BindingError, extract, nested_values, render_answer, resolve_arguments
from task_synth.pipeline import generator_label
from task_synth.registry import step
from task_synth.stability import drawn_steps
from task_synth.task import Check, Task
from task_synth.variants import real_draft, real_grounded
from task_synth.wording import askable_label, third_person_base

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

REFUSALS = (DO_NOTHING_ANSWER, "I cannot help with that.", "")
_STEP_LIST = re.compile(r"(^|\n)\s*(\d+[.)]\s|step\s+\d|first,.*second,)", re.IGNORECASE | re.DOTALL)
_IDENTIFIER = re.compile(r"[_.]|-[a-z]|[a-z][A-Z]")


@dataclass
class RuleContext:
    task: Task
    runs: list[list[str]]
    """Raw outputs of the reference chain, one list per grounding or replay."""
    catalog: Catalog | None = None
    builtins: dict[str, str] = field(default_factory=dict)
    hops: tuple[int, int] = (1, 6)
    """The hop range a task may have: by default the longest synthesis makes (SynthOptions.max_hops: a seeded task
    that keeps records on two servers takes 6)."""
    states: list[dict[int, str]] = field(default_factory=list)
    """Final-state reads after each run (`state_key(i)` -> output), one dict per entry of `runs`."""
    state_before: dict[int, str] = field(default_factory=dict)
    """Final-state reads on a fresh instance where nothing was done (what a do-nothing agent leaves)."""
    drawn: set[int] = field(default_factory=set)
    """Steps whose output is drawn anew on every call (task_synth.stability.drawn_steps)."""

    def live(self, r: int) -> dict[int, str]:
        """Run r's outputs by step, with its final-state reads."""
        return {**dict(enumerate(self.runs[r])), **(self.states[r] if r < len(self.states) else {})}


Rule = Callable[[RuleContext], list[str]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def deco(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn
    return deco


def forbidden_names(catalog: Catalog | None, servers: list[str]) -> list[str]:
    """Names a fuzzy request must not contain: identifier-shaped tool and server names and exposed names."""
    names: set[str] = set()
    entries = catalog.entries(include_quarantined=True) if catalog is not None else []
    for e in entries:
        names.add(e.exposed_name)
        if _IDENTIFIER.search(e.name):
            names.add(e.name)
    for s in servers + sorted({e.server for e in entries}):
        if _IDENTIFIER.search(s) or s.lower() in ("sqlite", "duckdb", "motherduck"):
            names.add(s)
    return sorted(n for n in names if n)


@rule("names")
def no_tool_or_server_names(ctx: RuleContext) -> list[str]:
    text = ctx.task.fuzzy
    out = [f"fuzzy text names '{n}'" for n in forbidden_names(ctx.catalog, ctx.task.servers)
           if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.IGNORECASE)]
    tools = sorted({s.tool for s in ctx.task.reference} | set(ctx.task.servers))
    for n in tools:
        if re.search(rf"\b(the|a|your)\s+{re.escape(n)}\s+(tool|server|function|api)\b|\b(tool|server|function)\s+"
                     rf"['\"`]?{re.escape(n)}\b", text, re.IGNORECASE):
            out.append(f"fuzzy text refers to the '{n}' tool or server")
    return out


@rule("step_list")
def no_step_list(ctx: RuleContext) -> list[str]:
    return ["fuzzy text is a numbered list of steps"] if _STEP_LIST.search(ctx.task.fuzzy) else []


def expected_values(check: Check, outputs: list[str]) -> list[Any]:
    """What a check expects on one run: re-derived from the outputs when it reads a step, else its value."""
    if check.kind == "claims":
        return list(check.value if isinstance(check.value, list) else [check.value])
    if check.kind == "state":
        return [check.value]
    if check.from_step is not None and 0 <= check.from_step < len(outputs):
        v = extract(check.extract, outputs[check.from_step]) if check.extract else outputs[check.from_step].strip()
        return [v] if v is not None else []
    return [check.value]


@rule("given_away")
def answer_not_given_away(ctx: RuleContext) -> list[str]:
    out = []
    numbers = extract_numbers(ctx.task.fuzzy)
    for i, c in enumerate(ctx.task.checks):
        if c.kind in ("regex", "state"):  # a state check's value is what the request asks to record
            continue
        # compared as the check compares: a re-cased text checked case and all is not given by the text it re-cases
        text = normalise_text(ctx.task.fuzzy, case_sensitive=c.case_sensitive)
        for v in expected_values(c, ctx.runs[0]) if ctx.runs else [c.value]:
            if c.kind == "numeric":
                try:
                    want = float(str(v).replace(",", ""))
                except ValueError:
                    continue
                tol = max(c.tolerance * (abs(want) if c.relative else 1), 1e-9)
                if any(abs(x - want) <= tol for x in numbers):
                    out.append(f"check {i}: the expected number {v} appears in the fuzzy text")
            elif any(len(said := normalise_text(w, case_sensitive=c.case_sensitive)) >= 2 and said in text
                     for w in dict.fromkeys((str(v), json_unescaped(str(v))))):  # 'Tom\u00e1s' is 'Tomás' said
                out.append(f"check {i}: the expected value {v!r} appears in the fuzzy text")
    return out


def _answers(ctx: RuleContext, outputs: list[str]) -> str:
    try:
        return render_answer(ctx.task, outputs)
    except BindingError as e:
        raise _RuleError(f"reference answer cannot be rendered: {e}") from None


class _RuleError(Exception):
    pass


@rule("checks_pass")
def checks_pass_on_reference(ctx: RuleContext) -> list[str]:
    if not ctx.task.checks:
        return ["the task has no checks"]
    out = []
    for r, outputs in enumerate(ctx.runs):
        try:
            answer = _answers(ctx, outputs)
        except _RuleError as e:
            return [str(e)]
        live = ctx.live(r)
        for res in evaluate_checks(ctx.task.checks, answer, live_outputs=live):
            synth_ok = ctx.task.live_varying or res.passed
            if not (res.effective_passed and synth_ok and res.live_passed is not False):
                out.append(f"run {r + 1}: check {res.index} ({res.kind}) fails on the reference answer "
                           f"(expected {res.live_expected if res.live_expected is not None else res.expected!r})"
                           + (f": {res.note}" if res.note else ""))
    return out


@rule("do_nothing_fails")
def refusals_fail(ctx: RuleContext) -> list[str]:
    live = {**dict(enumerate(ctx.runs[0])), **ctx.state_before} if ctx.runs else dict(ctx.state_before)
    out = []
    for answer in REFUSALS:
        for res in evaluate_checks(ctx.task.checks, answer, live_outputs=live):
            if res.effective_score > 0 or res.score > 0:
                out.append(f"check {res.index} ({res.kind}) passes on the refusal {answer!r}")
    return out


@rule("reproducible")
def reproducible_or_live(ctx: RuleContext) -> list[str]:
    out: list[str] = []
    if len(ctx.runs) < 2:
        return out
    for i, c in enumerate(ctx.task.checks):
        step = c.from_step
        if step is None or step >= len(ctx.task.reference) or ctx.task.reference[step].live_varying:
            continue
        values = [expected_values(c, run) for run in ctx.runs]
        if any(v != values[0] for v in values[1:]):
            out.append(f"check {i}: step {step} is not marked live but reads {values[0]} then {values[1]}")
    return out


@rule("stable")
def stable_between_calls(ctx: RuleContext) -> list[str]:
    from task_synth.stability import unstable_checks

    return unstable_checks(ctx.task, ctx.runs, ctx.states, ctx.drawn)


@rule("arguments")
def arguments_match_schemas(ctx: RuleContext) -> list[str]:
    if ctx.catalog is None or not ctx.runs:
        return []
    out = []
    for i, s in enumerate(ctx.task.reference):
        entry = ctx.catalog.find(s.server, s.tool)
        if entry is None:
            out.append(f"step {i}: no tool {s.server}/{s.tool} in the fleet")
            continue
        try:
            args = resolve_arguments(s, ctx.runs[0][:i], builtins=ctx.builtins)
        except BindingError as e:
            out.append(f"step {i}: {e}")
            continue
        out += [f"step {i} {s.server}/{s.tool}: {p}" for p in argument_errors(entry, args)]
    return out


_FAILURE = re.compile(r"does not exist|doesn't exist|not found|no such|\bnot (currently )?(loaded|set|open|"
                      r"initiali[sz]ed|available)\b|\binvalid\b|\berror\b|\bfailed\b|cannot|can't|could not|"
                      r"not allowed|denied|\bunknown\b|\bmissing\b|\brequired\b", re.IGNORECASE)
ERROR_CHARS = 400
"""An output this short that says something failed is an error message, whatever its status said."""


NO_ERROR = re.compile(r"""["']?(error|errors|err)["']?\s*[:=]\s*(null|none|false|\[\]|\{\}|""|'')""", re.IGNORECASE)
"""An empty error field says nothing failed."""


_ERROR_FIELD = re.compile(r"""["'](?:error|errors|err|failure|exception)["']\s*:\s*["'][^"'\n]{3,}""",
                          re.IGNORECASE)
_KEY = re.compile(r"""["'][^"'\n]{1,60}["']\s*:""")


_COUNTED = re.compile(r"\b(?:missing|errors?|failed|invalid|unknown)\b[\w ]{0,24}[:=]\s*\d", re.IGNORECASE)
"""A failure word that labels a figure ("Rows with missing data: 0", "errors = 2"): a count, not a failure."""


def is_failure_text(text: str) -> bool:
    """A short output that reports a failure (servers that answer faults as ok text): an error field with a message,
    or failure words outside the field names (`"required": 4.5` names a threshold, not a missing argument) and the
    labels of figures ("Rows with missing data: 0")."""
    t = NO_ERROR.sub("", text.strip())
    if len(t) > ERROR_CHARS:
        return False
    return bool(_ERROR_FIELD.search(t)) or bool(_FAILURE.search(_COUNTED.sub("", _KEY.sub("", t))))


@rule("not_an_error")
def answer_is_not_an_error(ctx: RuleContext) -> list[str]:
    out = []
    for i, c in enumerate(ctx.task.checks):
        step = c.from_step
        if step is None or not ctx.runs or step >= len(ctx.runs[0]):
            continue
        if is_failure_text(ctx.runs[0][step]):
            out.append(f"check {i} reads an error message from step {step}: {ctx.runs[0][step][:80]!r}")
    return out


_LOCAL_ADDRESS = re.compile(r"\b(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0)(?::\d{1,5})\b|\[::1?\]:\d{1,5}\b",
                            re.IGNORECASE)


@rule("not_local")
def answer_is_not_a_local_address(ctx: RuleContext) -> list[str]:
    out = []
    for i, c in enumerate(ctx.task.checks):
        for outputs in ctx.runs or [[]]:
            found = next((m.group(0) for v in expected_values(c, outputs) if (m := _LOCAL_ADDRESS.search(str(v)))),
                         None)
            if found:
                out.append(f"check {i} expects {found!r}, an address on the machine the server runs on (its port "
                           "is the run's, not a fact of the world)")
                break
    return out


_QUOTED_SPANS = re.compile(r"""(["'`])[^"'`\n]*\1|https?://\S+|\S+\.\w{1,5}\b""")
_CAMEL = re.compile(r"(?<![\w/-])[a-z]+(?:[A-Z][a-z0-9]+)+(?![\w/-])")
_AFTER_YOU = re.compile(r"\b(?:you(?: to)?|please)\s+([a-z]+)\b", re.IGNORECASE)
_CLAUSES = re.compile(r"[,;:?!]|\.\s|\bthen\b|\band finally\b")
_ITEM = r"(?:-?\d+(?:\.\d+)?%?|that (?:count|number|figure|result|sum|total)|the \w+ (?:number|value|figure) it lists)"
_POSITIONAL = re.compile(rf"\b(?:for|with|of|on) {_ITEM}(?:, {_ITEM})+(?:,? and {_ITEM})?(?![\w%-])")
_WHAT_THE = re.compile(r"\bwhat the ([a-z]+) (?:is|are|was|were)\b")


_NON_LATIN = re.compile(r"[^\W\d_\x00-\u024f\u1e00-\u1eff](?:[^\x00-\u024f\u1e00-\u1eff]*[^\W\d_\x00-\u024f"
                        r"\u1e00-\u1eff])?")
_GREEK_SYMBOL = re.compile(r"[\u0370-\u03ff]")
_LITERAL = re.compile(r"""\[\s*['"{\[]|\{\s*['"][^'"\n]{0,40}['"]\s*:|->|=>|\b(?:None|True|False)\]""")
_TYPE_TALK = re.compile(r"\bas (?:an? )?(?:python )?(?:dict|dictionary|list|tuple|array|str|int|float|bool)\b",
                        re.IGNORECASE)


def wording_problems(text: str, values: Iterable[str] = ()) -> list[str]:
    """What makes a request read as salad rather than English (see the `wording` rule). `values`: the task's own
    argument values, which may be said as they are (a name from the server's data in another script, a JSON text
    the task is about)."""
    out = []
    said = text
    for v in sorted({v for v in values if len(v.strip()) >= 1}, key=len, reverse=True):
        said = said.replace(v, " ")
    for m in _NON_LATIN.finditer(said):
        if not (len(m.group(0)) == 1 and _GREEK_SYMBOL.fullmatch(m.group(0))):
            out.append(f"pastes {m.group(0)!r}: words in another script that are not a value of the task")
    for m in _LITERAL.finditer(said):
        out.append(f"recites literal syntax ({said[max(0, m.start() - 10):m.end() + 10].strip()!r})")
    for m in _TYPE_TALK.finditer(said):
        out.append(f"says {m.group(0)!r}: type talk, not what a person asks for")
    bare = _QUOTED_SPANS.sub(" ", text)
    for m in _CAMEL.finditer(bare):
        out.append(f"names the field {m.group(0)!r} instead of saying it in words")
    for m in _AFTER_YOU.finditer(bare):
        if third_person_base(m.group(1)):
            out.append(f"'{m.group(0)}' is not English (a third-person verb after 'you')")
    for m in _POSITIONAL.finditer(re.sub(r"""(["'`])[^"'`\n]*\1""", " ", text)):
        if re.search(r"\d", m.group(0)):
            out.append(f"lists values by position ({m.group(0)!r}) instead of saying what each is")
    for m in _WHAT_THE.finditer(bare):
        if not askable_label(m.group(1)):
            out.append(f"asks {m.group(0)!r}: the field is named by a bare word that is not a thing")
    seen: set[str] = set()
    for c in _CLAUSES.split(bare):
        c = " ".join(re.sub(r"^\s*(?:and|or)\s+", "", c).lower().split())
        if len(c.split()) >= 4 and c in seen:
            out.append(f"says {c!r} twice")
        seen.add(c)
    return out


@rule("wording")
def reads_as_english(ctx: RuleContext) -> list[str]:
    return wording_problems(ctx.task.fuzzy, argument_values(ctx.task) | quoted_labels(ctx.task))


def quoted_labels(task: Task) -> set[str]:
    """Labels the request quotes ('what figure it gives for "字符"') that a reference output uses as a label ('字符:
    80'): the tool's own name of a field in another script, quoted as such (labels.py), not a pasted description."""
    outputs = [s.output or "" for s in task.reference]
    return {f'"{q}"' for q in re.findall(r'"([^"\n]{1,24})"', task.fuzzy)
            if any(re.search(re.escape(q) + r"[ \t]*[:：]", o) for o in outputs)}


def argument_values(task: Task) -> set[str]:
    """Every string a reference call was given, nested ones included (what a request may say as it is)."""
    return {v for s in task.reference for v in nested_values(s.arguments) if isinstance(v, str)}


@rule("hops")
def hop_range(ctx: RuleContext) -> list[str]:
    lo, hi = ctx.hops
    n = len(ctx.task.reference)
    return [] if lo <= n <= hi else [f"{n} hops, outside {lo}..{hi}"]


def apply_rules(ctx: RuleContext, names: list[str] | None = None) -> list[str]:
    reasons: list[str] = []
    for name in names or list(RULES):
        try:
            reasons += [f"{name}: {r}" for r in RULES[name](ctx)]
        except _RuleError as e:
            reasons.append(f"{name}: {e}")
    return reasons


@step("filter", "rules")
class RuleFilter:
    """Assemble every drafted chain into a Task and keep it only when every rule passes."""

    name = "rules"

    async def run(self, state: SynthState) -> None:
        o = state.options
        hashes = state.live.catalog.hashes()
        kept: dict[str, Task] = {}
        substance: dict[str, str] = {task_substance(t): t.id for t in state.tasks}  # a later run (refill.py)
        requests: dict[str, str] = {t.fuzzy: t.id for t in state.tasks}
        earlier = {t.id for t in state.tasks}
        files = {c.id: c.files for c in state.chains if c.files}
        for g in state.grounded:
            plan = state.plans.get(g.chain_id)
            draft = state.drafts.get(g.chain_id)
            if draft is None or g.chain_id in state.filtered:
                continue
            state.filtered.add(g.chain_id)
            g, draft = real_grounded(g, state.variants), real_draft(draft, state.variants)
            try:
                task = assemble(g, draft, task_id_=plan.id if plan else None, prefix=o.id_prefix,
                                generator=generator_label(o, curated=plan is not None),
                                seed=None if plan else o.seed, tool_sha256=hashes, files=files.get(g.chain_id))
            except AssembleFailed as e:
                state.reject(g.chain_id, "filter", [f"assemble: {e}"], g)
                continue
            after, before = state.states.get(g.chain_id, ([], {}))
            ctx = RuleContext(task=task, runs=[g.raw_outputs(0), g.raw_outputs(1)], catalog=state.live.catalog,
                              builtins=state.builtins, states=after,
                              hops=(1 if g.chain_id in state.single_hop else o.min_hops, o.max_hops),
                              state_before=before, drawn=drawn_steps(g, state))
            reasons = apply_rules(ctx)
            if task.id in kept or task.id in earlier:
                reasons.append(f"duplicate of task {task.id}")
            twin = substance.get(task_substance(task))
            if twin is not None and twin != task.id:
                reasons.append(f"same calls and checks as task {twin} (worded differently)")
            said = requests.get(task.fuzzy)
            if said is not None and said != task.id:  # other calls, one request: an agent could not tell them apart
                reasons.append(f"the same request as task {said}")
            if reasons:
                state.task_chain.setdefault(task.id, g.chain_id)
                state.reject(task.id, "filter", reasons, task)
            else:
                kept[task.id] = task
                substance[task_substance(task)] = task.id
                requests[task.fuzzy] = task.id
                state.task_chain[task.id] = g.chain_id
        state.tasks.extend(kept.values())


def task_substance(task: Task) -> str:
    """What a task asks, without its wording: the reference calls (arguments and bindings) and the checks."""

    calls = [(s.server, s.tool, s.arguments, s.bindings) for s in task.reference]
    checks = [(c.kind, c.value, c.from_step, c.extract, c.read.model_dump() if c.read else None) for c in task.checks]
    return json.dumps([calls, checks], sort_keys=True, default=str)


__all__ = [
    "NO_ERROR",
    "REFUSALS",
    "RULES",
    "RuleContext",
    "RuleFilter",
    "apply_rules",
    "argument_values",
    "expected_values",
    "forbidden_names",
    "is_failure_text",
    "quoted_labels",
    "rule",
    "task_substance",
    "wording_problems",
]
