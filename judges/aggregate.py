"""Per-model aggregation: task-level means, seeded bootstrap CIs, pass@k / pass^k, infra column, judge agreement."""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from judges.agreement import krippendorff_alpha
from judges.episode import EpisodeScore
from judges.panel import EMPTY_PANEL_NOTE
from judges.radar import FORMULA_VERSION, RADAR
from judges.rubric import DIMENSIONS
from judges.rules import ERROR_LABELS

RULE_RATES: tuple[str, ...] = ("valid_name_rate", "schema_compliance_rate", "execution_success_rate",
                               "first_error_position")
PLANNING_RATES: tuple[str, ...] = ("coverage", "dependency_order", "parallelism", "redundant_share")


class Estimate(BaseModel):
    """A point estimate with its bootstrap 95% percentile interval."""

    mean: float | None
    lo: float | None
    hi: float | None
    n: int
    """Number of tasks the estimate is over."""


class ModelScore(BaseModel):
    """One model's scores over a run."""

    model: str
    episodes: int
    """All episodes, infra-failed included."""
    tasks: int
    """Tasks with at least one counted episode."""
    counted: int
    failed: int
    """Counted episodes that failed (max_turns / timeout / model_error): they score 0."""
    infra_failed: int
    infra_failed_rate: float
    dimensions: dict[str, Estimate]
    overall: Estimate
    pass_at_k: dict[int, float] = Field(default_factory=dict)
    """Unbiased pass@k (Chen et al. 2021) averaged over tasks, for k up to the fewest counted repeats of any task."""
    pass_hat_k: dict[int, float] = Field(default_factory=dict)
    """pass^k (tau-bench): chance that k repeats all pass, averaged over tasks."""
    rules: dict[str, float | None] = Field(default_factory=dict)
    """Mean over counted episodes of each rule/planning rate (episodes where it is undefined are skipped)."""
    errors: dict[str, int] = Field(default_factory=dict)
    """Error taxonomy totals over counted episodes."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    model_time_s: float = 0.0
    tool_time_s: float = 0.0
    panel: list[str] = Field(default_factory=list)
    judge_means: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    """judge -> rubric dimension -> mean 1-10 score over episodes."""
    alpha: float | None = None
    """Krippendorff's alpha (interval) between judges, units = (episode, rubric dimension)."""
    unscored_judgements: int = 0
    notes: list[str] = Field(default_factory=list)
    toolset: dict[str, float | None] = Field(default_factory=dict)
    """Large-toolset means over counted episodes with a toolset record (docs/metrics.md): retrieval_recall,
    tool_list_tokens (per episode), tool_list_tokens_per_request; empty when no episode has one."""

    @model_serializer(mode="wrap")
    def _omit_empty_toolset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # results of runs recorded before toolset existed stay byte-identical when recomputed (bundles)
        data: dict[str, Any] = handler(self)
        if not data.get("toolset"):
            data.pop("toolset", None)
        return data


class ModelScores(BaseModel):
    """aggregate()'s result: one ModelScore per model, best overall first."""

    formula_version: str = FORMULA_VERSION
    seed: int
    n_boot: int
    models: dict[str, ModelScore]

    def __getitem__(self, model: str) -> ModelScore:
        return self.models[model]


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def quantile(sorted_xs: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    h = (len(sorted_xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (h - lo) * (sorted_xs[hi] - sorted_xs[lo])


def bootstrap(per_task: Sequence[Sequence[float]], *, seed: int, n_boot: int) -> list[tuple[float, float]]:
    """95% percentile intervals of the mean of each column, resampling rows (tasks) with replacement."""
    t = len(per_task)
    cols = len(per_task[0]) if per_task else 0
    rng = random.Random(seed)
    stats: list[list[float]] = [[] for _ in range(cols)]
    for _ in range(n_boot):
        idx = [rng.randrange(t) for _ in range(t)]
        for c in range(cols):
            stats[c].append(sum(per_task[i][c] for i in idx) / t)
    return [(quantile(sorted(s), 0.025), quantile(sorted(s), 0.975)) for s in stats]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c successes: 1 - C(n-c, k) / C(n, k)."""
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k (tau-bench): C(c, k) / C(n, k), the chance that k draws without replacement all succeed."""
    return math.comb(c, k) / math.comb(n, k)


def _value(e: EpisodeScore, column: str) -> float:
    return (e.overall or 0.0) if column == "overall" else e.dimensions[column]


def _judge_mean(e: EpisodeScore, judge: str, dimension: str) -> float | None:
    return e.panel.per_judge.get(judge, {}).get(dimension) if e.panel else None


def _model_seed(seed: int, model: str) -> int:
    return int(hashlib.sha256(f"{seed}\x00{model}".encode()).hexdigest()[:15], 16)


def _aggregate_model(model: str, episodes: list[EpisodeScore], seed: int, n_boot: int) -> ModelScore:
    counted = sorted((e for e in episodes if e.counted), key=lambda e: (e.task_id, e.repeat, e.episode_id))
    infra = len(episodes) - len(counted)
    by_task: dict[str, list[EpisodeScore]] = defaultdict(list)
    for e in counted:
        by_task[e.task_id].append(e)
    tasks = sorted(by_task)
    columns = [*RADAR, "overall"]
    per_task = [[sum(_value(e, c) for e in by_task[t]) / len(by_task[t]) for c in columns] for t in tasks]
    cis = bootstrap(per_task, seed=_model_seed(seed, model), n_boot=n_boot) if per_task and n_boot > 0 else []
    est = {c: Estimate(mean=_mean([row[i] for row in per_task]), lo=cis[i][0] if cis else None,
                       hi=cis[i][1] if cis else None, n=len(tasks)) for i, c in enumerate(columns)}
    kmax = min((len(by_task[t]) for t in tasks), default=0)
    trials = [(len(by_task[t]), sum(e.passed for e in by_task[t])) for t in tasks]
    pak = {k: sum(pass_at_k(n, c, k) for n, c in trials) / len(trials) for k in range(1, kmax + 1)}
    phk = {k: sum(pass_hat_k(n, c, k) for n, c in trials) / len(trials) for k in range(1, kmax + 1)}
    rules: dict[str, float | None] = {}
    for name in RULE_RATES:
        rules[name] = _mean([v for e in counted if (v := getattr(e.rules, name)) is not None])
    for name in PLANNING_RATES:
        rules[name] = _mean([v for e in counted if (v := getattr(e.planning, name)) is not None])
    judges = sorted({j for e in counted if e.panel for j in e.panel.panel})
    # reliability data: one row per judge, one column per (episode, rubric dimension)
    table = [[_judge_mean(e, j, d) for e in counted for d in DIMENSIONS] for j in judges]
    judge_means = {j: {d: _mean([x for x in row[i::len(DIMENSIONS)] if x is not None])
                       for i, d in enumerate(DIMENSIONS)}
                   for j, row in zip(judges, table)}
    alpha = krippendorff_alpha(table) if len(judges) > 1 else None
    costs = [e.planning.cost_usd for e in counted if e.planning.cost_usd is not None]
    notes = [] if judges else [EMPTY_PANEL_NOTE]
    if infra:
        notes.append(f"{infra} infra-failed episode(s) excluded from scores")
    return ModelScore(
        model=model, episodes=len(episodes), tasks=len(tasks), counted=len(counted),
        failed=sum(e.failed for e in counted), infra_failed=infra,
        infra_failed_rate=infra / len(episodes) if episodes else 0.0,
        dimensions={c: est[c] for c in RADAR}, overall=est["overall"], pass_at_k=pak, pass_hat_k=phk, rules=rules,
        errors={label: sum(e.rules.errors.get(label, 0) for e in counted) for label in ERROR_LABELS},
        input_tokens=sum(e.planning.input_tokens for e in counted),
        output_tokens=sum(e.planning.output_tokens for e in counted),
        cost_usd=sum(costs) if costs else None,
        model_time_s=sum(e.planning.model_time_s for e in counted),
        tool_time_s=sum(e.planning.tool_time_s for e in counted),
        panel=judges, judge_means=judge_means, alpha=alpha,
        unscored_judgements=sum(e.panel.unscored for e in counted if e.panel), notes=notes,
        toolset=_toolset_means(counted))


def _toolset_means(counted: list[EpisodeScore]) -> dict[str, float | None]:
    ts = [e.toolset for e in counted if e.toolset is not None]
    if not ts:
        return {}
    return {"retrieval_recall": _mean([t.retrieval_recall for t in ts if t.retrieval_recall is not None]),
            "tool_list_tokens": _mean([float(t.tool_list_tokens) for t in ts]),
            "tool_list_tokens_per_request": _mean([t.tool_list_tokens_per_request for t in ts
                                                   if t.tool_list_tokens_per_request is not None])}


def aggregate(episodes: list[EpisodeScore], *, seed: int = 0, n_boot: int = 1000) -> ModelScores:
    """Group episode scores by model and aggregate each (deterministic for a given seed).

    Point estimates are means over tasks of each task's mean over its counted episodes; CIs resample tasks.
    Failed episodes count as 0; infra-failed episodes are excluded and reported (count and rate).
    """
    by_model: dict[str, list[EpisodeScore]] = defaultdict(list)
    for e in episodes:
        by_model[e.model].append(e)
    scores = [_aggregate_model(m, eps, seed, n_boot) for m, eps in sorted(by_model.items())]
    scores.sort(key=lambda s: -1.0 if s.overall.mean is None else -s.overall.mean)
    return ModelScores(seed=seed, n_boot=n_boot, models={s.model: s for s in scores})


__all__ = ["Estimate", "ModelScore", "ModelScores", "aggregate", "bootstrap", "pass_at_k", "pass_hat_k", "quantile"]
