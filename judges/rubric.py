"""The judge rubric (after MCP-Bench's six sub-dimensions): seeded order, prompt, strict JSON parsing."""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from judges.shorten import clip, render_trajectory
from mcpbench.catalog import canonical_json
from mcpbench.models.base import Message, ModelRequest, ModelSettings
from mcpbench.trajectory import Trajectory
from task_synth.task import Task

RUBRIC: dict[str, str] = {
    "task_fulfillment": "How much of what the task asked for the final answer delivers, correctly and completely.",
    "grounding": "How much of the final answer is supported by tool results actually obtained in the trajectory "
                 "(nothing invented, nothing contradicting the tool outputs).",
    "tool_appropriateness": "How many of the tool calls used a tool suited to the sub-goal at hand.",
    "parameter_accuracy": "How many of the tool calls passed correct, complete arguments (right values, right units, "
                          "values taken from earlier results where needed).",
    "dependency_awareness": "How well the agent respected dependencies: calls that need an earlier result came after "
                            "it and used it.",
    "parallelism_efficiency": "How economical the trajectory was: independent calls issued together, no redundant or "
                              "repeated calls, no unnecessary turns.",
}
"""Dimension -> definition. Each is scored 1-10, defined as the share of that aspect done perfectly (10 = all)."""

DIMENSIONS: tuple[str, ...] = tuple(RUBRIC)

SYSTEM = (
    "You are a strict, fair evaluator of a tool-using AI agent. You compare what the agent did against a precise task "
    "statement and a reference solution that was executed on the same tools. The reference is one valid solution, not "
    "the only one. Score only from the evidence shown. Reply with one JSON object and nothing else."
)

REFERENCE_OUTPUT_CHARS = 400
LIVE_NOTE = ("Some reference outputs vary over time (live data): the agent's values may differ from the reference and "
             "still be right when they match the agent's own tool results.\n")


class RubricParseError(ValueError):
    """A judge reply that is not the strict JSON object the rubric asks for."""


def sample_seed(seed: int, task_id: str, sample: int) -> int:
    """The seed of one judge sample, derived from the run seed, the task id and the sample index."""
    digest = hashlib.sha256(f"{seed}\x00{task_id}\x00{sample}".encode()).hexdigest()
    return int(digest[:15], 16)


def rubric_order(seed: int) -> list[str]:
    """The dimensions shuffled by a seeded RNG (judges see them in this order)."""
    order = list(DIMENSIONS)
    random.Random(seed).shuffle(order)
    return order


def sample_order(seed: int, task_id: str, sample: int) -> list[str]:
    """The rubric order of one judge sample: balanced across samples instead of drawn independently.

    Sample 0 sees `rubric_order(sample_seed(seed, task_id, 0))`; odd samples see the previous sample's order reversed;
    each later pair starts from that base rotated by one more place. A reversed pair puts every dimension at
    positions i and n-1-i, so a position bias that grows or shrinks along the list (primacy, recency) cancels in
    every pair's mean; independent shuffles only average it down, which costs samples (docs/metrics.md, P5 in
    docs/performance.md)."""
    base = rubric_order(sample_seed(seed, task_id, 0))
    r = (sample // 2) % len(base)
    order = base[r:] + base[:r]
    return order[::-1] if sample % 2 else order


def _reference(task: Task) -> str:
    lines = []
    for i, s in enumerate(task.reference):
        deps = f" depends_on={s.depends_on}" if s.depends_on else ""
        lines.append(f"step {i}: {s.server}/{s.tool} {json.dumps(s.arguments, sort_keys=True, ensure_ascii=False)}"
                     f"{deps}\n  output: {clip(s.output.strip(), REFERENCE_OUTPUT_CHARS)}")
    return "\n".join(lines) or "(no tool calls needed)"


def build_request(task: Task, trajectory: Trajectory, *, order: list[str], seed: int,
                  budget_tokens: int = 6000) -> ModelRequest:
    """The judge request: precise task, reference chain and answer, shortened trajectory, rubric in `order`."""
    rubric = "\n".join(f"- {d}: {RUBRIC[d]}" for d in order)
    shape = ", ".join(f'"{d}": <1-10>' for d in order)
    user = (
        f"## Task (precise statement)\n{task.precise}\n\n"
        f"## Reference solution (executed when the task was made)\n{_reference(task)}\n"
        f"Reference answer: {task.answer or '(none)'}\n{LIVE_NOTE if task.live_varying else ''}\n"
        f"## Agent trajectory\n{render_trajectory(trajectory, budget_tokens=budget_tokens)}\n\n"
        f"## Rubric\nScore each dimension from 1 to 10, where the score is the share of that aspect done perfectly "
        f"(10 = all of it, 1 = none of it).\n{rubric}\n\n"
        f"Reply with exactly one JSON object: {{{shape}, \"justification\": \"<two sentences>\"}}"
    )
    return ModelRequest(system=SYSTEM, messages=[Message(role="user", content=user)],
                        settings=ModelSettings(seed=seed % (2**31), max_tokens=2048))


def repair_request(request: ModelRequest, raw: str, reason: str) -> ModelRequest:
    """One follow-up asking the judge to restate its verdict as the strict JSON object."""
    shape = ", ".join(f'"{d}": <1-10>' for d in DIMENSIONS)
    fix = (f"Your reply could not be used ({reason}). Reply again with only the JSON object "
           f"{{{shape}, \"justification\": \"...\"}} — numbers from 1 to 10, no other text.")
    return request.model_copy(update={"messages": [*request.messages, Message(role="assistant", content=raw),
                                                    Message(role="user", content=fix)]})


def request_sha256(request: ModelRequest) -> str:
    """sha256 of the canonical request (system, messages, settings) — the judge prompt's identity."""
    body = request.model_dump(mode="json", exclude={"tools"})
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```$", re.DOTALL)


def parse_scores(text: str) -> dict[str, float]:
    """The six scores from a judge reply. The reply must be one JSON object (optionally in a ```json fence) with every
    dimension a number in [1, 10]. Raises RubricParseError saying what is wrong."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        obj: Any = json.loads(body)
    except json.JSONDecodeError as e:
        raise RubricParseError(f"not JSON: {e.msg} at char {e.pos}") from None
    if not isinstance(obj, dict):
        raise RubricParseError(f"expected a JSON object, got {type(obj).__name__}")
    scores: dict[str, float] = {}
    for d in DIMENSIONS:
        v = obj.get(d)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise RubricParseError(f"{d!r} is missing or not a number")
        if not 1 <= v <= 10:
            raise RubricParseError(f"{d!r} = {v} is outside 1-10")
        scores[d] = float(v)
    return scores


def to_unit(score: float) -> float:
    """A 1-10 rubric score on [0, 1]: (s - 1) / 9, so 'none of it' is 0 and 'all of it' is 1."""
    return (score - 1.0) / 9.0


__all__ = ["DIMENSIONS", "RUBRIC", "RubricParseError", "build_request", "parse_scores", "repair_request",
           "request_sha256", "rubric_order", "sample_order", "sample_seed", "to_unit"]
