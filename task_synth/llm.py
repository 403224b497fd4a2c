"""Steps that use a model (`--writer provider/model`): graph proposals, wording, solvability/utility scoring.

The model never decides an expected value: the answer key stays rule-derived from the grounded outputs. A reply that
cannot be parsed is recorded as such — the writer falls back to the template wording, the scorer leaves the task
unscored (kept, and noted) — never silently turned into a score.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import anyio

from mcpbench.models.base import Message, ModelError, ModelRequest, ModelSettings, Provider
from task_synth.graph import LITERAL_ONLY, connect, init_graph, mark_produces
from task_synth.registry import step
from task_synth.writing import WriteFailed, write_templates

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

MODEL_TIMEOUT_S = 180.0
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


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


async def ask_json(model: Provider, system: str, prompt: str, seed: int) -> dict[str, Any] | None:
    """One request at temperature 0 under a deadline. Raises ModelError/TimeoutError for endpoint faults."""
    req = ModelRequest(system=system, messages=[Message(role="user", content=prompt)],
                       settings=ModelSettings(temperature=0.0, seed=seed))
    with anyio.fail_after(MODEL_TIMEOUT_S):
        resp = await model.complete(req)
    return parse_json_object(resp.text)


def _require_model(state: SynthState) -> Provider:
    if state.model is None:
        raise ModelError("this step needs a model: pass --writer provider/model")
    return state.model


GRAPH_SYSTEM = ("You design multi-step tool-use tasks. Given MCP tools, say which tool's OUTPUT can provide the value "
                "of which other tool's INPUT parameter. Answer with JSON only: "
                '{"edges": [{"from": "server/tool", "to": "server/tool", "param": "name", "why": "..."}]}')


@step("graph", "llm")
class LLMGraphSource:
    """Edges a model proposes from the tool list; only edges to known tools and known parameters are kept."""

    name = "llm"

    async def run(self, state: SynthState) -> None:
        model = _require_model(state)
        init_graph(state)
        lines = [f"- {n.key}: {n.description.strip()[:200]} | inputs: "
                 + (", ".join(f"{p} ({k or 'unknown'})" for p, k in n.params.items()) or "none")
                 for n in state.graph.nodes if n.read_only]
        reply = await ask_json(model, GRAPH_SYSTEM, "Tools:\n" + "\n".join(lines), state.options.seed)
        edges = reply.get("edges") if reply else None
        if not isinstance(edges, list):
            state.notes.append("graph:llm: the model's reply had no parseable 'edges' list")
            return
        nodes = {n.key: n for n in state.graph.nodes}
        kept = 0
        for e in edges:
            if not isinstance(e, dict):
                continue
            src, dst = nodes.get(str(e.get("from"))), nodes.get(str(e.get("to")))
            kind = dst.params.get(str(e.get("param"))) if dst else None
            if src is None or kind is None or kind in LITERAL_ONLY:
                continue
            mark_produces(src, kind, "llm")
            kept += 1
        state.notes.append(f"graph:llm: kept {kept} of {len(edges)} proposed edges")
        connect(state.graph)


WRITER_SYSTEM = ("You write benchmark tasks for tool-using assistants. Given a chain of tool calls with their results, "
                 "write (1) `precise`: an exact statement of what must be done and reported, and (2) `fuzzy`: the same "
                 "request as a real user would type it — conversational, no tool or server names, no numbered steps, "
                 "and never the answer itself. The answer must be: {ask}. Answer with JSON only: "
                 '{{"precise": "...", "fuzzy": "..."}}')


@step("write", "llm")
class LLMWriter:
    """The model words the task; the answer key and reference answer come from the template writer."""

    name = "llm"

    async def run(self, state: SynthState) -> None:
        model = _require_model(state)
        for g in state.grounded:
            if g.chain_id in state.plans or g.chain_id in state.drafts:
                continue
            try:
                draft = write_templates(g, state)
            except WriteFailed as e:
                state.reject(g.chain_id, "write", [str(e)], g)
                continue
            chain = "\n".join(f"{i + 1}. {s.server}/{s.tool} {json.dumps(s.arguments, ensure_ascii=False)}"
                              f" -> {s.outputs[0][:400]}" for i, s in enumerate(g.steps))
            reply = await ask_json(model, WRITER_SYSTEM.format(ask=draft.checks[0].description), chain,
                                   state.options.seed)
            if reply and isinstance(reply.get("precise"), str) and isinstance(reply.get("fuzzy"), str):
                draft = draft.model_copy(update={"precise": reply["precise"].strip(), "fuzzy": reply["fuzzy"].strip(),
                                                 "writer": f"llm:{model.name}"})
            else:
                state.notes.append(f"write:llm: {g.chain_id}: unparseable reply, template wording kept")
            state.drafts[g.chain_id] = draft


SCORE_SYSTEM = ("Rate a benchmark task for tool-using assistants. solvability: 1-10, can the request be fully "
                "answered with the listed tools and nothing else? utility: 1-10, is it something a real user would "
                'want? Answer with JSON only: {"solvability": n, "utility": n, "why": "..."}')


@step("filter", "llm")
class LLMScoreFilter:
    """MCP-Bench's filter: keep tasks with solvability ≥ 9 and utility ≥ 5 (unscored tasks are kept and noted)."""

    name = "llm"

    def __init__(self, min_solvability: float = 9, min_utility: float = 5):
        self.min_solvability = min_solvability
        self.min_utility = min_utility

    async def run(self, state: SynthState) -> None:
        model = _require_model(state)
        kept = []
        for task in state.tasks:
            tools = sorted({f"{s.server}/{s.tool}" for s in task.reference})
            reply = await ask_json(model, SCORE_SYSTEM, f"Request: {task.fuzzy}\nTools: {', '.join(tools)}",
                                   state.options.seed)
            try:
                sol, use = float(reply["solvability"]), float(reply["utility"])  # type: ignore[index]
            except (TypeError, KeyError, ValueError):
                state.notes.append(f"filter:llm: {task.id}: unscored (unparseable reply), kept")
                kept.append(task)
                continue
            if sol >= self.min_solvability and use >= self.min_utility:
                kept.append(task)
            else:
                why = (f"llm: solvability {sol:g}, utility {use:g} (need ≥ {self.min_solvability:g} and ≥ "
                       f"{self.min_utility:g})")
                state.reject(task.id, "filter", [why], task)
        state.tasks = kept


__all__ = ["LLMGraphSource", "LLMScoreFilter", "LLMWriter", "ask_json", "parse_json_object"]
