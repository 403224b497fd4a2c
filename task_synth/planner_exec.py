"""The planner's first run: a model's proposal executed live, step by step, in one episode, with repairs.

A proposal names tools and concrete arguments; an argument may read an earlier result as `{{stepN.field}}` (N from
1), alone (the whole argument, typed like the tool's parameter) or inside a text (a template). Each reference becomes a
binding of binding.py's mini-language (`step[i]:<regex>`, `template:…`) whose regex re-reads that value from the
output, so grounding, the oracle and the replay re-derive it exactly as for sampled chains. A literal the model copied
from an earlier result (it guessed a name a listing returns) is bound the same way (`provenance`).

A step that cannot run is repaired once (the model sees the error, the tool's schema and the earlier results, and
answers new arguments or a drop) and otherwise dropped, with the reason kept in the chain's `notes`. A step reading a
dropped step fails in turn. Write tools run only on sandboxed servers (a fresh instance per episode); elsewhere the step
is dropped before it runs. Unknown tools are dropped (a unique bare tool name is resolved to its server).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry, argument_errors
from task_synth.artifacts import Chain, ChainStep
from task_synth.binding import TEMPLATE, expand, extract, placeholders
from task_synth.binding import placeholder as ref_placeholder
from task_synth.graph import is_read_only
from task_synth.kinds import reference_regex
from task_synth.llm import OUTPUT_CHARS_IN_PROMPT, ModelGuard, prompt_text, render_prompt
from task_synth.planner_catalog import tool_card
from task_synth.probe import looks_like_error

if TYPE_CHECKING:
    from task_synth.pipeline import EpisodeCalls, SynthState

REF = re.compile(r"\{\{\s*step\s*\[?\s*(\d+)\s*\]?\s*(?:[.:]\s*([^{}]*?))?\s*\}\}", re.IGNORECASE)
NUMBER = r"-?\d+(?:\.\d+)?"


class PlanRejected(Exception):
    """A proposal that cannot become a chain; `reasons` say why."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class StepFailed(Exception):
    """One step could not run as proposed; the message is shown to the model in the repair round."""


class ProposedStep(BaseModel):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Proposal(BaseModel):
    """What the model proposed (parsed from its reply)."""

    scenario: str = ""
    steps: list[ProposedStep]
    request: str = ""
    answer_step: int | None = None
    """0-based index into `steps` of the step whose result answers the request."""
    answer_field: str = ""


class PlannedChain(Chain):
    """chains.jsonl for the planner: the executed chain plus the scenario, the model's request and answer hint."""

    scenario: str = ""
    request: str = ""
    answer_step: int | None = None
    """Index into `steps` (after drops) of the step the answer is read from; None: the last step."""
    answer_field: str = ""
    writes: bool = False
    """A step changed state (on a sandboxed instance)."""
    notes: list[str] = Field(default_factory=list)
    """Repairs and drops, with their reasons."""


def parse_proposal(reply: dict[str, Any] | None) -> Proposal:
    """Raises PlanRejected when the reply is not a usable plan."""
    if reply is None:
        raise PlanRejected(["the model's reply holds no JSON object"])
    raw_steps = reply.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PlanRejected(["the model's plan has no 'steps' list"])
    steps = []
    for i, s in enumerate(raw_steps):
        if not isinstance(s, dict) or not isinstance(s.get("tool"), str):
            raise PlanRejected([f"step {i + 1} of the model's plan names no tool"])
        args = s.get("arguments") or {}
        if not isinstance(args, dict):
            raise PlanRejected([f"step {i + 1} of the model's plan has arguments that are not an object"])
        steps.append(ProposedStep(tool=s["tool"].strip(), arguments=args))
    answer_obj = reply.get("answer")
    answer: dict[str, Any] = answer_obj if isinstance(answer_obj, dict) else {}
    step_no = answer.get("step")
    try:
        answer_step: int | None = int(step_no) - 1 if step_no is not None else None
    except (TypeError, ValueError):
        answer_step = None
    if answer_step is not None and not 0 <= answer_step < len(steps):
        answer_step = None
    return Proposal(scenario=str(reply.get("scenario") or "").strip(), steps=steps,
                    request=str(reply.get("request") or "").strip(), answer_step=answer_step,
                    answer_field=str(answer.get("field") or "").strip())


def sandboxed(state: SynthState, server: str) -> bool:
    """Every episode gets a fresh instance of this server (a `stateful` server): writes there touch nothing shared."""
    specs = getattr(state.live, "specs", None) or {}
    spec = specs.get(server)
    return bool(getattr(spec, "stateful", False))


def resolve_tool(state: SynthState, name: str) -> ToolEntry:
    """The selected tool a proposal names ('server/tool', 'server__tool', or a bare name unique in the selection).
    Raises StepFailed."""
    by_key = {f"{e.server}/{e.name}": e for e in state.entries}
    # small models copy the whole card ('srv/tool(x: string) [writes] — …'): the leading name is what they mean
    m = re.match(r"[\s`'\"]*([\w.\-/]+)", name)
    name = m.group(1) if m else name
    for key in (name, name.replace("__", "/", 1)):
        if key in by_key:
            return by_key[key]
    bare = [e for e in state.entries if e.name == name.rsplit("/", 1)[-1]]
    if len(bare) == 1:
        return bare[0]
    raise StepFailed(f"unknown tool '{name}' (not among the selected servers' tools)")


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _find_key(node: Any, want: str) -> tuple[str, Any] | None:
    """The first (key, scalar value) whose key matches `want` (exactly, else ignoring case and punctuation)."""
    found: list[tuple[str, Any]] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for k, v in n.items():
                if not isinstance(v, (dict, list)):
                    found.append((str(k), v))
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node)
    for match in (lambda k: k == want, lambda k: _norm(k) == _norm(want)):
        for k, v in found:
            if match(k):
                return k, v
    return None


def _fields(node: Any, out: list[str]) -> list[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in out:
                out.append(str(k))
            _fields(v, out)
    elif isinstance(node, list):
        for v in node[:3]:
            _fields(v, out)
    return out


def field_regex(output: str, field: str | None) -> tuple[str, str]:
    """(a regex whose first group reads the value, the value it reads now) for a field of a tool result, or for the
    whole result when `field` is empty. Raises StepFailed saying what the result holds instead."""
    text = output.strip()
    field = (field or "").strip().split(".")[-1].strip("[]'\" ")
    if not field:
        if len(text) > 200 or "\n" in text:
            raise StepFailed("the whole result is long or has several lines: name a field of it")
        rx = rf"^\s*({NUMBER})\s*$" if re.fullmatch(NUMBER, text) else r"^\s*(.+?)\s*$"
        return rx, text
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if data is not None:
        hit = _find_key(data, field)
        if hit is None:
            fields = _fields(data, [])
            raise StepFailed(f"the result has no field '{field}'" + (f" (it has: {', '.join(fields[:15])})"
                                                                      if fields else ""))
        key, value = hit
        q = re.escape(key)
        if isinstance(value, bool) or value is None:
            rx = rf"[\"']{q}[\"']\s*:\s*(true|false|null|True|False|None)"
        elif isinstance(value, (int, float)):
            rx = rf"[\"']{q}[\"']\s*:\s*({NUMBER})"
        else:
            rx = rf"[\"']{q}[\"']\s*:\s*\"((?:[^\"\\\n]|\\.)*)\""
    else:
        sp = r"[^\S\n]*"  # blanks within a line
        rx = (rf"(?i)(?:^|\n){sp}[\"']?{re.escape(field)}[\"']?{sp}[:=]{sp}[\"']?([^\"'\n,;]+?)[\"']?{sp}"
              r"(?:[,;]|\n|$)")
    got = extract(rx, text)
    if got is None or got == "":
        raise StepFailed(f"no value of '{field}' could be read from the result")
    return rx, str(got)


def provenance(value: Any, outputs: list[str], given: set[str]) -> str | None:
    """A binding `step[i]:<regex>` for a literal the model copied from an earlier result (a quoted string value of
    3+ characters that no earlier call was given as input), re-reading it anchored on its key; None otherwise."""
    if not isinstance(value, str) or len(value) < 3 or value in given or re.fullmatch(NUMBER, value.strip()):
        return None
    quoted = json.dumps(value, ensure_ascii=False)
    for j in range(len(outputs) - 1, -1, -1):
        text = outputs[j]
        for q in (quoted, f"'{value}'"):
            start = text.find(q)
            if start < 0:
                continue
            rx = reference_regex(text, start + 1, start + len(q) - 1, r"[^\"'\n]*")
            if rx is not None and extract(rx, text) == value:
                return f"step[{j}]:{rx}"
    return None


def bind_arguments(args: dict[str, Any], outputs: list[str], index: dict[int, int], given: set[str] | None = None
                   ) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """(literal arguments, bindings, values resolved now) of one proposed step. `index` maps proposal step numbers
    (0-based) to executed steps; `given` holds the string inputs of earlier calls (values the user supplies, never
    bound). Raises StepFailed."""
    literal: dict[str, Any] = {}
    bindings: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in args.items():
        if not isinstance(value, str) and REF.search(json.dumps(value, ensure_ascii=False)):
            raise StepFailed(f"argument '{name}' nests a {{{{stepN.field}}}} reference inside a list or an object: "
                             "a reference can only be a whole argument or part of a text argument")
        if not isinstance(value, str) or not REF.search(value):
            spec = provenance(value, outputs, given or set())
            if spec is None:
                literal[name] = value
            else:
                bindings[name], values[name] = spec, value
            continue
        parts: list[tuple[re.Match[str], str, str]] = []
        for m in REF.finditer(value):
            n = int(m.group(1)) - 1
            if n not in index:
                raise StepFailed(f"argument '{name}' reads step {n + 1}, which has not run (or was dropped)")
            try:
                rx, got = field_regex(outputs[index[n]], m.group(2))
            except StepFailed as e:
                raise StepFailed(f"argument '{name}' reads step {n + 1}: {e}") from None
            parts.append((m, ref_placeholder(index[n], rx), got))
        whole = REF.fullmatch(value.strip())
        if whole and len(parts) == 1:
            src = parts[0][1][2:-2]  # the reference inside its braces
            bindings[name], values[name] = src, parts[0][2]
            continue
        spec_text, now_text, pos = "", "", 0
        for m, ph, got in parts:
            spec_text += value[pos:m.start()] + ph
            now_text += value[pos:m.start()] + got
            pos = m.end()
        bindings[name], values[name] = TEMPLATE + spec_text + value[pos:], now_text + value[pos:]
    return literal, bindings, values


def _typed(entry: ToolEntry, name: str, value: Any) -> Any:
    """A value read from text, given the JSON type of the parameter (ints stay ints)."""
    prop = (((entry.input_schema or {}).get("properties") or {}).get(name) or {})
    t = prop.get("type")
    if isinstance(value, str) and t in ("integer", "number"):
        try:
            f = float(value)
        except ValueError:
            return value
        return int(f) if t == "integer" and f.is_integer() else f
    return value


async def _run_step(state: SynthState, tools: EpisodeCalls, entry: ToolEntry, args: dict[str, Any],
                    outputs: list[str], index: dict[int, int], given: set[str]
                    ) -> tuple[dict[str, Any], dict[str, str], str]:
    literal, bindings, values = bind_arguments(args, outputs, index, given)
    sent = expand({**literal, **{k: _typed(entry, k, v) for k, v in values.items()}}, state.builtins)
    errors = argument_errors(entry, sent)
    if errors:
        raise StepFailed("the arguments do not fit the tool's input schema: " + "; ".join(errors))
    out = await tools.call_real(entry.server, entry.name, sent, state.options.call_timeout_s)
    if not out.ok:
        detail = ": ".join(dict.fromkeys(x.strip() for x in (out.error, out.content) if x and x.strip()))
        raise StepFailed(f"{out.outcome} ({out.error_kind}): {detail[:400]}")
    if looks_like_error(out.content):
        raise StepFailed(f"the result is empty or an error: {out.content[:300]!r}")
    return literal, bindings, out.content


def _earlier(outputs: list[str], names: list[str], index: dict[int, int]) -> str:
    back = {v: k for k, v in index.items()}
    lines = [f"Result of step {back[i] + 1} ({names[i]}): {o[:OUTPUT_CHARS_IN_PROMPT]}" for i, o in enumerate(outputs)]
    return ("Earlier results:\n" + "\n".join(lines)) if lines else ""


async def _repair(state: SynthState, guard: ModelGuard, proposal: Proposal, number: int, entry: ToolEntry,
                  args: dict[str, Any], error: str, outputs: list[str], names: list[str], index: dict[int, int]
                  ) -> dict[str, Any] | None:
    """New arguments from one model round, or None when the model drops the step or answers nothing usable.
    Raises ModelUnavailable."""
    text = render_prompt("repair", scenario=proposal.scenario or "(none given)", number=number + 1,
                         tool=f"{entry.server}/{entry.name}", arguments=json.dumps(args, ensure_ascii=False),
                         error=error, card=tool_card(entry, not is_read_only(entry)),
                         schema=json.dumps(entry.input_schema or {}, ensure_ascii=False)[:1500],
                         earlier=_earlier(outputs, names, index))
    reply, _ = await guard.ask(prompt_text("system"), text, state.options.seed, "repair")
    if not reply or reply.get("drop") or not isinstance(reply.get("arguments"), dict):
        return None
    return dict(reply["arguments"])


async def execute_proposal(state: SynthState, guard: ModelGuard, proposal: Proposal, chain_id: str,
                           repairs: int = 2) -> PlannedChain:
    """Run a proposal once, live, repairing (at most `repairs` model rounds) or dropping failing steps.

    Raises PlanRejected (with every drop's reason) when fewer than `min_hops` steps remain; ModelUnavailable when a
    repair round cannot reach the model.
    """
    notes: list[str] = []
    resolved: dict[int, ToolEntry] = {}
    for j, ps in enumerate(proposal.steps[:state.options.max_hops]):
        try:
            entry = resolve_tool(state, ps.tool)
        except StepFailed as e:
            notes.append(f"step {j + 1} dropped: {e}")
            continue
        if not is_read_only(entry) and not sandboxed(state, entry.server):
            notes.append(f"step {j + 1} dropped: {entry.server}/{entry.name} writes, and server '{entry.server}' "
                         "is shared, not sandboxed (write tools run only on stateful servers)")
            continue
        resolved[j] = entry
    if len(proposal.steps) > state.options.max_hops:
        notes.append(f"steps after {state.options.max_hops} dropped (--max-hops)")
    servers = list(dict.fromkeys(e.server for e in resolved.values()))
    steps: list[ChainStep] = []
    outputs: list[str] = []
    names: list[str] = []
    index: dict[int, int] = {}
    writes = False
    given: set[str] = set()
    if servers:
        async with state.live.episode(f"{chain_id}.plan", servers=servers,
                                      call_timeout_s=state.options.call_timeout_s) as tools:
            for j, entry in resolved.items():
                args = dict(proposal.steps[j].arguments)
                for attempt in (0, 1):
                    try:
                        literal, bindings, out = await _run_step(state, tools, entry, args, outputs, index, given)
                    except StepFailed as e:
                        if attempt == 0 and repairs > 0:
                            repairs -= 1
                            fixed = await _repair(state, guard, proposal, j, entry, args, str(e), outputs, names,
                                                  index)
                            if fixed is not None:
                                notes.append(f"step {j + 1} repaired after: {e}")
                                args = fixed
                                continue
                            notes.append(f"step {j + 1} dropped (the model gave no fix): {e}")
                        else:
                            notes.append(f"step {j + 1} dropped: {e}")
                        break
                    index[j] = len(steps)
                    sources = sorted({int(s) for spec in bindings.values() for s in re.findall(r"step\[(\d+)\]", spec)})
                    steps.append(ChainStep(server=entry.server, tool=entry.name,
                                           arguments=placeholders(literal, state.builtins), bindings=bindings,
                                           depends_on=sources))
                    outputs.append(out)
                    given.update(v for v in literal.values() if isinstance(v, str))
                    names.append(f"{entry.server}/{entry.name}")
                    writes = writes or not is_read_only(entry)
                    break
    if len(steps) < state.options.min_hops:
        ran = f"{len(steps)} of {len(proposal.steps)} proposed steps ran (need {state.options.min_hops})"
        raise PlanRejected([ran, *notes])
    answer_step = index.get(proposal.answer_step) if proposal.answer_step is not None else None
    return PlannedChain(id=chain_id, steps=steps, seed=f"{state.options.seed}:{chain_id}", scenario=proposal.scenario,
                        request=proposal.request, answer_step=answer_step, answer_field=proposal.answer_field,
                        writes=writes, notes=notes)


__all__ = ["REF", "PlanRejected", "PlannedChain", "Proposal", "ProposedStep", "StepFailed", "bind_arguments",
           "execute_proposal", "field_regex", "parse_proposal", "provenance", "resolve_tool", "sandboxed"]
