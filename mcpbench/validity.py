"""The validity ladder's verdict: given a run of the ladder's agents (mcpbench/models/ladder.py), do they rank in
their true order, and are the 95 % CIs of neighbouring rungs apart? The evidence that the benchmark measures what it
claims (docs/leaderboard.md, "Validity ladder")."""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import BaseModel, Field

from mcpbench.models.ladder import LADDER

RUNGS: tuple[str, ...] = tuple(f"scripted/{m}" for m in LADDER)
"""The ladder's models, best first."""


class Rung(BaseModel):
    """One model's place on the ladder."""

    model: str
    overall: float | None
    lo: float | None
    hi: float | None
    task_completion: float | None
    pass_at_1: float | None
    episodes: int
    infra_failed: int


class LadderVerdict(BaseModel):
    """Whether the rungs are in their true order with non-overlapping CIs, and every reason they are not."""

    rungs: list[Rung]
    ordered: bool
    """Every rung's overall mean is strictly above the next one's."""
    separated: bool
    """Every rung's CI lies strictly above the next one's (lo of the upper > hi of the lower)."""
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.ordered and self.separated


def ladder_verdict(results: dict[str, Any], rungs: tuple[str, ...] = RUNGS, *,
                   require_separation: bool = True) -> LadderVerdict:
    """Judge a results.json document (`mcpbench run` of the rungs). A missing rung or CI is a problem, never a pass."""
    models = results.get("scores", {}).get("models", {})
    out: list[Rung] = []
    problems: list[str] = []
    for name in rungs:
        s = models.get(name)
        if s is None:
            problems.append(f"{name} is not in the run")
            continue
        o = s.get("overall") or {}
        out.append(Rung(model=name, overall=o.get("mean"), lo=o.get("lo"), hi=o.get("hi"),
                        task_completion=(s.get("dimensions", {}).get("task_completion") or {}).get("mean"),
                        pass_at_1=(s.get("pass_at_k") or {}).get("1"), episodes=s.get("episodes", 0),
                        infra_failed=s.get("infra_failed", 0)))
        if s.get("infra_failed"):
            problems.append(f"{name}: {s['infra_failed']} infra-failed episode(s): the rungs ran different task mixes")
    ordered = separated = len(out) == len(rungs)
    for up, down in itertools.pairwise(out):
        if up.overall is None or down.overall is None or up.overall <= down.overall:
            ordered = False
            problems.append(f"{up.model} ({up.overall}) does not score above {down.model} ({down.overall})")
        if up.lo is None or down.hi is None or up.lo <= down.hi:
            separated = False
            if require_separation:
                problems.append(f"CIs overlap: {up.model} [{up.lo}, {up.hi}] vs {down.model} [{down.lo}, {down.hi}]")
    return LadderVerdict(rungs=out, ordered=ordered, separated=separated, problems=problems)


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def ladder_table(verdict: LadderVerdict) -> str:
    """The markdown table docs/leaderboard.md shows."""
    lines = ["| rung | model | overall [95% CI] | task completion | pass@1 | episodes |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(verdict.rungs, 1):
        lines.append(f"| {i} | `{r.model}` | {_f(r.overall)} [{_f(r.lo)}, {_f(r.hi)}] | {_f(r.task_completion)} | "
                     f"{_f(r.pass_at_1, 2)} | {r.episodes} |")
    return "\n".join(lines)


__all__ = ["RUNGS", "LadderVerdict", "Rung", "ladder_table", "ladder_verdict"]
