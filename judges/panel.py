"""The LLM judge panel: several judge models × k seeded samples, run concurrently, unparseable output unscored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from pydantic import BaseModel, Field

from judges.agreement import krippendorff_alpha
from judges.rubric import (
    DIMENSIONS,
    RubricParseError,
    build_request,
    parse_scores,
    repair_request,
    request_sha256,
    sample_order,
    sample_seed,
    to_unit,
)
from mcpbench._registry import Registry
from mcpbench.models.base import ModelError, ModelRequest, Provider
from mcpbench.trajectory import Trajectory, Usage
from task_synth.task import Task

EMPTY_PANEL_NOTE = "empty panel: dimensions come from rule metrics and verifiable checks only"


class Judgement(BaseModel):
    """One judge's verdict on one trajectory (one sample), with everything needed to audit it."""

    judge: str
    """The judge model, 'provider/model'."""
    method: str = "rubric"
    sample: int
    seed: int
    """Seed of this sample (run seed + task id + sample index); fixes the rubric order."""
    order: list[str]
    """Rubric dimensions in the order the judge saw them."""
    prompt_sha256: str
    raw: list[str] = Field(default_factory=list)
    """Raw judge outputs: the first reply and, when it was unusable, the reply to the repair prompt."""
    scores: dict[str, float] | None = None
    """1-10 per rubric dimension; None = unscored (never 0)."""
    error: str | None = None
    """Why the judgement is unscored (parse failure, endpoint error, timeout)."""
    usage: Usage = Field(default_factory=Usage)


class PanelResult(BaseModel):
    """All judgements of a panel on one trajectory, their per-dimension means and the judges' agreement."""

    panel: list[str]
    """Judge names, in panel order; [] for an offline run."""
    k: int
    seed: int
    judgements: list[Judgement] = Field(default_factory=list)
    dimensions: dict[str, float | None] = Field(default_factory=dict)
    """Rubric dimension -> mean over judges of each judge's mean, mapped to [0,1] by (s-1)/9; None when unscored."""
    per_judge: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    """judge -> dimension -> mean 1-10 score over its scored samples."""
    alpha: float | None = None
    """Krippendorff's alpha (interval) between judges, units = rubric dimensions; None when undefined."""
    unscored: int = 0
    note: str = ""


class Judge(Protocol):
    """A judging method: turns one judge model's look at a trajectory into a Judgement.

    Never raises for model faults."""

    async def judge(self, provider: Provider, task: Task, trajectory: Trajectory, *, sample: int,
                    seed: int) -> Judgement: ...


JudgeFactory = Callable[..., Judge]


@dataclass
class _Registry:
    factories: Registry[JudgeFactory] = field(default_factory=lambda: Registry("judge"))


JUDGES = _Registry()


def judge(name: str) -> Callable[[JudgeFactory], JudgeFactory]:
    """Register a judging method under `name` (a run spec names it with its options so scores can be rebuilt).

    Raises ValueError when `name` is taken."""

    def deco(factory: JudgeFactory) -> JudgeFactory:
        JUDGES.factories[name] = factory
        return factory

    return deco


@judge("rubric")
@dataclass(frozen=True)
class RubricJudge:
    """MCP-Bench-style six-dimension rubric, balanced seeded orders (`sample_order`), strict JSON, one repair retry."""

    budget_tokens: int = 6000
    """Token budget (chars/4) for the rendered trajectory."""
    timeout_s: float = 180.0
    """Deadline for each judge request."""

    async def _ask(self, provider: Provider, request: ModelRequest, usage: list[Usage]) -> str:
        with anyio.fail_after(self.timeout_s):
            response = await provider.complete(request)
        usage.append(response.usage)
        return response.text

    async def judge(self, provider: Provider, task: Task, trajectory: Trajectory, *, sample: int,
                    seed: int) -> Judgement:
        s = sample_seed(seed, task.id, sample)
        order = sample_order(seed, task.id, sample)
        request = build_request(task, trajectory, order=order, seed=s, budget_tokens=self.budget_tokens)
        j = Judgement(judge=provider.name, sample=sample, seed=s, order=order, prompt_sha256=request_sha256(request))
        usage: list[Usage] = []
        try:
            raw = await self._ask(provider, request, usage)
            j.raw.append(raw)
            try:
                j.scores = parse_scores(raw)
            except RubricParseError as first:
                raw = await self._ask(provider, repair_request(request, raw, str(first)), usage)
                j.raw.append(raw)
                j.scores = parse_scores(raw)
        except RubricParseError as e:
            j.error = f"unparseable judge output: {e}"
        except ModelError as e:
            j.error = f"judge endpoint failed{f' (HTTP {e.status})' if e.status else ''}: {e}"
        except TimeoutError:
            j.error = f"judge request timed out after {self.timeout_s:g} s"
        j.usage = sum(usage, start=Usage())
        return j


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarise_panel(panel: list[str], k: int, seed: int, judgements: list[Judgement]) -> PanelResult:
    """Per-judge means, panel means on [0,1] (judges weighted equally) and alpha across judges."""
    per_judge = {name: {d: _mean([j.scores[d] for j in judgements if j.judge == name and j.scores is not None])
                        for d in DIMENSIONS} for name in panel}
    dims: dict[str, float | None] = {}
    for d in DIMENSIONS:
        means = [x for m in per_judge.values() if (x := m[d]) is not None]
        dims[d] = None if not means else to_unit(sum(means) / len(means))
    alpha = krippendorff_alpha([[per_judge[name][d] for d in DIMENSIONS] for name in panel]) if panel else None
    unscored = sum(j.scores is None for j in judgements)
    note = (EMPTY_PANEL_NOTE if not panel
            else f"{unscored} of {len(judgements)} judgements unscored" if unscored else "")
    return PanelResult(panel=panel, k=k, seed=seed, judgements=judgements, dimensions=dims, per_judge=per_judge,
                       alpha=alpha, unscored=unscored, note=note)


async def judge_panel(panel: list[Provider], task: Task, trajectory: Trajectory, *, k: int = 3, seed: int = 0,
                      method: str = "rubric", max_concurrency: int = 8, **options: Any) -> PanelResult:
    """Ask every judge k times (seeded rubric orders), concurrently; unparseable or failed samples are unscored.

    `options` go to the judging method's factory (e.g. budget_tokens, timeout_s for "rubric"). An empty panel returns
    a PanelResult with `panel == []` and a note. Raises KeyError for an unknown method, ValueError for k < 1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    names = [p.name if [q.name for q in panel].count(p.name) == 1 else f"{p.name}#{i}" for i, p in enumerate(panel)]
    if not panel:
        return summarise_panel([], k, seed, [])
    method_impl = JUDGES.factories[method](**options)
    slots: list[Judgement | None] = [None] * (len(panel) * k)
    limiter = anyio.CapacityLimiter(max_concurrency)

    async def one(slot: int, provider: Provider, sample: int) -> None:
        async with limiter:
            slots[slot] = await method_impl.judge(provider, task, trajectory, sample=sample, seed=seed)

    async with anyio.create_task_group() as tg:
        for pi, provider in enumerate(panel):
            for sample in range(k):
                tg.start_soon(one, pi * k + sample, provider, sample)
    judgements = [j for j in slots if j is not None]
    for slot, j in enumerate(judgements):
        j.judge, j.method = names[slot // k], method
    return summarise_panel(names, k, seed, judgements)


__all__ = ["EMPTY_PANEL_NOTE", "JUDGES", "Judge", "Judgement", "PanelResult", "RubricJudge", "judge", "judge_panel",
           "summarise_panel"]
