"""Steps that use a model (`--writer provider/model`): graph proposals, wording, solvability/utility scoring — and the
model plumbing the planner shares (`--planner`, planner.py): prompt files, deadlines, budgets, a clear failure.

The model never decides an expected value: the answer key stays rule-derived from the grounded outputs. A reply that
cannot be parsed is recorded as such — the writer falls back to the template wording, the scorer leaves the task
unscored (kept, and noted) — never silently turned into a score.

A model that does not answer within `MODEL_TIMEOUT_S` (or fails for good) raises `ModelUnavailable`, a ModelError with
a message saying which model, which request and how long it waited; after that the run's `ModelGuard` refuses further
requests at once (one slow model must not cost a deadline per remaining task), and the steps keep what they made.
Prompts live in `task_synth/prompts/*.md` (package data), filled with `str.format`.
"""

from __future__ import annotations

import json
import re
import time
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import anyio

from mcpbench.models.base import Message, ModelError, ModelRequest, ModelSettings, Provider
from task_synth.graph import LITERAL_ONLY, connect, init_graph, mark_produces
from task_synth.registry import step
from task_synth.writing import WriteFailed, write_templates

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState
    from task_synth.task import Task

MODEL_TIMEOUT_S = 180.0
"""Deadline of one model request (a small local model on a loaded CPU needs minutes for a long prompt)."""
MAX_REPLY_TOKENS = 768
"""Cap on one reply: a plan or a rewrite takes a few hundred tokens; a looping small model must stop."""
JSON_MODE_PREFIXES = ("openai/", "local/")
"""Providers whose endpoints take `response_format: {"type": "json_object"}` (OpenAI and compatible servers; llama.cpp
turns it into a grammar, so even a 1.5B model answers parseable JSON). Others get the instruction only."""
PROMPT_BUDGET_CHARS = 6000
"""Characters of tool catalog one prompt may carry (~1500 tokens): larger catalogs are cut down to a selection
(planner_catalog.select_tools) so a small model's context and speed suffice."""
OUTPUT_CHARS_IN_PROMPT = 500
"""Characters of one tool result shown to the model (repair and rewrite prompts)."""
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


class ModelUnavailable(ModelError):
    """The model did not answer in time, or failed for good; the message says which model and request."""


@cache
def prompt_text(name: str) -> str:
    """The text of `task_synth/prompts/<name>.md`. Raises FileNotFoundError for an unknown prompt."""
    return resources.files("task_synth").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def render_prompt(name: str, **values: Any) -> str:
    """A prompt file filled with `values` (str.format; literal braces are doubled in the files)."""
    return prompt_text(name).format(**values)


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model reply (fenced or bare), or None."""
    candidates = _FENCE.findall(text)
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start:text.rfind("}") + 1])
    for c in candidates:
        try:
            obj = json.loads(c)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    return None


class ModelGuard:
    """Per-run model plumbing: the deadline, a count of requests and seconds spent, and a breaker that opens on the
    first timeout or final failure (later requests raise ModelUnavailable at once, with the first failure's reason)."""

    def __init__(self, model: Provider, timeout_s: float = MODEL_TIMEOUT_S, max_tokens: int = MAX_REPLY_TOKENS):
        self.model = model
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.requests = 0
        self.seconds = 0.0
        self.failure: str | None = None

    async def ask(self, system: str, prompt: str, seed: int, purpose: str) -> tuple[dict[str, Any] | None, str]:
        """(the reply's JSON object or None, the raw text). Raises ModelUnavailable."""
        if self.failure is not None:
            raise ModelUnavailable(f"{purpose}: skipped, the model is unavailable ({self.failure})")
        extra = ({"response_format": {"type": "json_object"}} if self.model.name.startswith(JSON_MODE_PREFIXES)
                 else {})
        req = ModelRequest(system=system, messages=[Message(role="user", content=prompt)],
                           settings=ModelSettings(temperature=0.0, seed=seed, max_tokens=self.max_tokens, extra=extra))
        t0 = time.monotonic()
        self.requests += 1
        try:
            with anyio.fail_after(self.timeout_s):
                resp = await self.model.complete(req)
        except TimeoutError:
            self.failure = (f"{self.model.name} did not answer the {purpose} request within {self.timeout_s:g} s "
                            f"({len(system) + len(prompt)} prompt characters)")
            raise ModelUnavailable(self.failure, infra=True) from None
        except ModelError as e:
            self.failure = f"{self.model.name} failed the {purpose} request: {e}"
            raise ModelUnavailable(self.failure, status=e.status, infra=e.infra) from None
        finally:
            self.seconds += time.monotonic() - t0
        return parse_json_object(resp.text), resp.text


def guard_of(state: SynthState) -> ModelGuard:
    """The run's guard (made on first use, with the options' model deadline). Raises ModelError without a model."""
    if state.model is None:
        raise ModelError("this step needs a model: pass --writer or --planner provider/model")
    guard = state.guard
    if guard is None or guard.model is not state.model:
        guard = ModelGuard(state.model, timeout_s=state.options.model_timeout_s)
        state.guard = guard
    return guard


async def ask_json(model: Provider, system: str, prompt: str, seed: int,
                   timeout_s: float = MODEL_TIMEOUT_S) -> dict[str, Any] | None:
    """One request at temperature 0 under a deadline. Raises ModelUnavailable (a ModelError) on timeout or failure."""
    reply, _ = await ModelGuard(model, timeout_s).ask(system, prompt, seed, "synthesis")
    return reply


def _model_note(state: SynthState, where: str, e: ModelUnavailable) -> None:
    note = f"model unavailable: {where}: {e}"
    if note not in state.notes:
        state.notes.append(note)


@step("graph", "llm")
class LLMGraphSource:
    """Edges a model proposes from the tool list; only edges to known tools and known parameters are kept."""

    name = "llm"

    async def run(self, state: SynthState) -> None:
        guard = guard_of(state)
        init_graph(state)
        lines = [f"- {n.key}: {n.description.strip()[:200]} | inputs: "
                 + (", ".join(f"{p} ({k or 'unknown'})" for p, k in n.params.items()) or "none")
                 for n in state.graph.nodes if n.read_only]
        kept_lines: list[str] = []
        size = 0
        for line in lines:  # the budget: a catalog of hundreds of tools must not become a prompt a model chokes on
            if size + len(line) > PROMPT_BUDGET_CHARS:
                state.notes.append(f"graph:llm: {len(lines) - len(kept_lines)} of {len(lines)} tools left out of "
                                   f"the prompt (budget {PROMPT_BUDGET_CHARS} characters)")
                break
            kept_lines.append(line)
            size += len(line) + 1
        try:
            reply, _ = await guard.ask(prompt_text("graph"), "Tools:\n" + "\n".join(kept_lines), state.options.seed,
                                       "graph")
        except ModelUnavailable as e:
            _model_note(state, "graph:llm", e)
            return
        edges = reply.get("edges") if reply else None
        if not isinstance(edges, list):
            state.notes.append("graph:llm: the model's reply had no parseable 'edges' list")
            return
        nodes = {n.key: n for n in state.graph.nodes}
        kept = 0
        for edge in edges:
            if not isinstance(edge, dict):
                continue
            src, dst = nodes.get(str(edge.get("from"))), nodes.get(str(edge.get("to")))
            kind = dst.params.get(str(edge.get("param"))) if dst else None
            if src is None or kind is None or kind in LITERAL_ONLY:
                continue
            mark_produces(src, kind, "llm")
            kept += 1
        state.notes.append(f"graph:llm: kept {kept} of {len(edges)} proposed edges")
        connect(state.graph)


@step("write", "llm")
class LLMWriter:
    """The model words the task; the answer key and reference answer come from the template writer."""

    name = "llm"

    async def run(self, state: SynthState) -> None:
        guard = guard_of(state)
        for g in state.grounded:
            if g.chain_id in state.plans or g.chain_id in state.drafts or g.chain_id in state.filtered:
                continue
            try:
                draft = write_templates(g, state)
            except WriteFailed as e:
                state.reject(g.chain_id, "write", [str(e)], g)
                state.filtered.add(g.chain_id)
                continue
            chain = "\n".join(f"{i + 1}. {s.server}/{s.tool} {json.dumps(s.arguments, ensure_ascii=False)}"
                              f" -> {s.outputs[0][:400]}" for i, s in enumerate(g.steps))
            try:
                reply, _ = await guard.ask(render_prompt("writer", ask=draft.checks[0].description), chain,
                                           state.options.seed, "writer")
            except ModelUnavailable as e:
                _model_note(state, "write:llm", e)
                reply = None
            if reply and isinstance(reply.get("precise"), str) and isinstance(reply.get("fuzzy"), str):
                draft = draft.model_copy(update={"precise": reply["precise"].strip(), "fuzzy": reply["fuzzy"].strip(),
                                                 "writer": f"llm:{guard.model.name}"})
            elif guard.failure is None:
                state.notes.append(f"write:llm: {g.chain_id}: unparseable reply, template wording kept")
            state.drafts[g.chain_id] = draft


def _score(reply: dict[str, Any] | None) -> tuple[float, float] | None:
    if not reply:
        return None
    try:
        return float(reply["solvability"]), float(reply["utility"])
    except (TypeError, KeyError, ValueError):
        return None


async def score_task(guard: ModelGuard, task: Task, seed: int) -> tuple[float, float] | None:
    """MCP-Bench's two scores (solvability, utility) of a task's fuzzy request given the tools of its chain; None
    when the reply cannot be parsed. Raises ModelUnavailable."""
    tools = sorted({f"{s.server}/{s.tool}" for s in task.reference})
    text = render_prompt("score", request=task.fuzzy, tools=", ".join(tools))
    reply, _ = await guard.ask(prompt_text("system"), text, seed, "scoring")
    return _score(reply)


def passes_scores(scores: tuple[float, float], min_solvability: float = 9, min_utility: float = 5) -> str | None:
    """None when both scores pass, else the rejection reason."""
    sol, use = scores
    if sol >= min_solvability and use >= min_utility:
        return None
    return f"llm: solvability {sol:g}, utility {use:g} (need ≥ {min_solvability:g} and ≥ {min_utility:g})"


@step("filter", "llm")
class LLMScoreFilter:
    """MCP-Bench's filter: keep tasks with solvability ≥ 9 and utility ≥ 5 (unscored tasks are kept and noted)."""

    name = "llm"

    def __init__(self, min_solvability: float = 9, min_utility: float = 5):
        self.min_solvability = min_solvability
        self.min_utility = min_utility

    async def run(self, state: SynthState) -> None:
        guard = guard_of(state)
        kept = []
        for task in state.tasks:
            try:
                scores = await score_task(guard, task, state.options.seed)
            except ModelUnavailable as e:
                _model_note(state, "filter:llm", e)
                state.notes.append(f"filter:llm: {task.id}: unscored (model unavailable), kept")
                kept.append(task)
                continue
            if scores is None:
                state.notes.append(f"filter:llm: {task.id}: unscored (unparseable reply), kept")
                kept.append(task)
                continue
            why = passes_scores(scores, self.min_solvability, self.min_utility)
            if why is None:
                kept.append(task)
            else:
                state.reject(task.id, "filter", [why], task)
        state.tasks = kept


__all__ = [
    "JSON_MODE_PREFIXES",
    "MAX_REPLY_TOKENS",
    "MODEL_TIMEOUT_S",
    "OUTPUT_CHARS_IN_PROMPT",
    "PROMPT_BUDGET_CHARS",
    "LLMGraphSource",
    "LLMScoreFilter",
    "LLMWriter",
    "ModelGuard",
    "ModelUnavailable",
    "ask_json",
    "guard_of",
    "parse_json_object",
    "passes_scores",
    "prompt_text",
    "render_prompt",
    "score_task",
]
