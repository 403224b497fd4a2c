"""With `--model`, a model grades the same description rubric as the rules (mcpbench/check/rubric.py).

One request per tool (at most MAX_TOOLS): the tool's definition and the six components in a seeded, shuffled order;
the model answers one JSON object of 0/1 per component. The tool's model score is the rubric's weighted sum. Output
that is not such an object is left unscored (never 0); a failed request is unscored too, with its reason. The result is
added to `schemas.description_quality` (data["model"] and one detail line); it never changes that check's status.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import anyio
from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry
from mcpbench.check.model import CheckReport
from mcpbench.check.rubric import WEIGHTS, unique_tools

MAX_TOOLS = 20
TIMEOUT_S = 180.0
COMPONENTS: dict[str, str] = {
    "purpose": "the description says what the tool does, beyond restating its name",
    "usage": "it says when to use the tool (and when another tool fits better)",
    "limitations": "it states limits, requirements, side effects or failure cases",
    "parameters": "every parameter is explained (meaning, format or unit)",
    "examples": "it gives at least one example value or call (in the description or the schema)",
    "completeness": "it says what the tool returns, at a useful length (not a fragment, not an essay)",
}


class ModelToolGrade(BaseModel):
    tool: str
    order: list[str]
    scores: dict[str, int] | None = None
    score: float | None = None
    """Weighted 0–100, None when unscored."""
    error: str | None = None
    raw: str = ""


class ModelGrade(BaseModel):
    model: str
    seed: int
    score: float | None
    """Mean over scored tools (None when no tool was scored)."""
    graded: int
    unscored: int
    tools: list[ModelToolGrade] = Field(default_factory=list)


class UnparseableGrade(ValueError):
    pass


def component_order(seed: int, tool: str) -> list[str]:
    order = list(COMPONENTS)
    random.Random(f"{seed}:{tool}").shuffle(order)
    return order


def prompt(tool: ToolEntry, order: list[str]) -> str:
    definition = json.dumps({"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema},
                            ensure_ascii=False, indent=1)[:6000]
    criteria = "\n".join(f'- "{c}": 1 if {COMPONENTS[c]}, else 0' for c in order)
    keys = ", ".join(f'"{c}": 0 or 1' for c in order)
    return (f"Grade this MCP tool definition for a language model that must choose and call it.\n\n{definition}\n\n"
            f"Criteria:\n{criteria}\n\nAnswer with one JSON object and nothing else: {{{keys}}}")


def parse_grade(text: str) -> dict[str, int]:
    """The six 0/1 components from the model's answer. Raises UnparseableGrade."""
    m = re.search(r"\{.*?\}", text, re.DOTALL)
    if not m:
        raise UnparseableGrade("no JSON object in the answer")
    try:
        data = json.loads(m.group(0))
    except json.JSONDecodeError as e:
        raise UnparseableGrade(f"invalid JSON: {e.msg}") from e
    if not isinstance(data, dict) or set(data) != set(COMPONENTS):
        raise UnparseableGrade(f"expected exactly the keys {sorted(COMPONENTS)}")
    out: dict[str, int] = {}
    for k, v in data.items():
        if v in (0, 1, True, False) and not isinstance(v, float):
            out[k] = int(v)
        else:
            raise UnparseableGrade(f"{k!r} is {v!r}, not 0 or 1")
    return out


def weighted(scores: dict[str, int]) -> float:
    return float(sum(WEIGHTS[k] * v for k, v in scores.items()))


async def grade_with_model(provider: Any, tools: list[ToolEntry], *, seed: int = 0) -> ModelGrade:
    """Ask `provider` (mcpbench.models.base.Provider) to grade each tool. Never raises for model faults."""
    from mcpbench.models.base import Message, ModelError, ModelRequest, ModelSettings

    unique = unique_tools(tools)[:MAX_TOOLS]
    graded: list[ModelToolGrade] = []
    for t in unique:
        order = component_order(seed, t.name)
        g = ModelToolGrade(tool=t.name, order=order)
        request = ModelRequest(system="You grade tool descriptions. Answer with JSON only.",
                               messages=[Message(role="user", content=prompt(t, order))],
                               settings=ModelSettings(temperature=0.0, seed=seed, max_tokens=200))
        try:
            with anyio.fail_after(TIMEOUT_S):
                response = await provider.complete(request)
            g.raw = response.text[:500]
            g.scores = parse_grade(response.text)
            g.score = weighted(g.scores)
        except UnparseableGrade as e:
            g.error = f"unparseable: {e}"
        except ModelError as e:
            g.error = f"model request failed: {e}"[:300]
        except TimeoutError:
            g.error = f"model request timed out after {TIMEOUT_S:g}s"
        graded.append(g)
    scored = [g.score for g in graded if g.score is not None]
    return ModelGrade(model=getattr(provider, "name", "model"), seed=seed,
                      score=round(sum(scored) / len(scored), 2) if scored else None, graded=len(scored),
                      unscored=len(graded) - len(scored), tools=graded)


async def add_model_grade(report: CheckReport, tools: list[ToolEntry], model_name: str, *, seed: int = 0) -> None:
    """Grade with `model_name` and attach the result to the report's schemas.description_quality."""
    from mcpbench.models.registry import get_provider

    result = next((r for r in report.results if r.id == "schemas.description_quality"), None)
    if result is None or not tools:
        return
    provider = get_provider(model_name)
    try:
        mg = await grade_with_model(provider, tools, seed=seed)
    finally:
        await provider.aclose()
    result.data["model"] = mg.model_dump()
    failed = {g.error for g in mg.tools if g.error and not g.error.startswith("unparseable")}
    if mg.graded == 0 and len(failed) == 1 and len(mg.tools) == sum(1 for g in mg.tools if g.error in failed):
        # one error for every tool (a task-bound baseline such as scripted/oracle, a model that is down): say it once
        result.details.append(f"model {model_name} could not grade the rubric: {failed.pop()}")
        return
    score = f"{mg.score:.0f}/100" if mg.score is not None else "unscored"
    result.details.append(f"model {model_name} grades the same rubric: {score} ({mg.graded} tool(s) graded, "
                          f"{mg.unscored} unscored)")


__all__ = ["COMPONENTS", "ModelGrade", "ModelToolGrade", "UnparseableGrade", "add_model_grade", "component_order",
           "grade_with_model", "parse_grade", "prompt", "weighted"]
