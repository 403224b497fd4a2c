"""Judges calibrated against the checks: every task carries verifiable checks, so every run with a judge panel can
measure how far each judge (and the panel) agrees with them on task completion (docs/metrics.md §10).

Per episode (counted, its task has checks, the judge scored task fulfillment):
- the checks say complete when the episode passed (completed and every check passed); their value is the check score
  (0 for a failed episode);
- a judge says complete when its task-fulfillment score, mapped to [0, 1] by (s − 1) / 9, is at least COMPLETE_AT;
  the panel likewise with its mean over judges.
Agreement is Krippendorff's α between the two "coders" over the episodes — nominal on the complete/incomplete
verdicts (with their confusion counts) and interval on the values. A judge whose nominal α is below
AGREEMENT_THRESHOLD is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from judges.agreement import krippendorff_alpha
from judges.episode import EpisodeScore
from judges.rubric import to_unit

TASK_DIMENSION = "task_fulfillment"
"""The rubric dimension a judge's task-completion verdict is read from."""
COMPLETE_AT = 0.5
"""A judge (or panel) says 'complete' when its task fulfillment on [0, 1] is at least this (5.5 of 10)."""
AGREEMENT_THRESHOLD = 0.667
"""Krippendorff's lowest acceptable α for tentative conclusions (Krippendorff 2004, §11.4); a judge below it is
flagged."""
PANEL = "panel"


class Confusion(BaseModel):
    """Judge verdict × check verdict counts over episodes (positive = complete)."""

    tp: int = 0
    """Judge complete, checks passed."""
    fp: int = 0
    """Judge complete, checks failed (the judge is lenient)."""
    fn: int = 0
    """Judge incomplete, checks passed (the judge is harsh)."""
    tn: int = 0
    """Judge incomplete, checks failed."""


class Agreement(BaseModel):
    """One judge's (or the panel's) agreement with the checks on task completion."""

    judge: str
    episodes: int
    """Episodes compared (counted, with checks, scored by this judge)."""
    confusion: Confusion
    alpha: float | None
    """Krippendorff's α (nominal) between the judge's and the checks' complete/incomplete verdicts; None when
    undefined (fewer than two episodes, or neither coder ever varied)."""
    alpha_interval: float | None
    """Krippendorff's α (interval) between the judge's task fulfillment on [0, 1] and the check score."""
    judge_complete_rate: float | None
    """Share of the episodes the judge called complete."""
    checks_complete_rate: float | None
    """Share of the episodes that passed their checks."""
    flagged: bool
    """α is defined and below the threshold: do not trust this judge's task-completion scores."""
    note: str = ""


class Calibration(BaseModel):
    """Every judge's and the panel's agreement with the checks over one run."""

    complete_at: float = COMPLETE_AT
    threshold: float = AGREEMENT_THRESHOLD
    judges: dict[str, Agreement] = Field(default_factory=dict)
    """judge -> its agreement; the panel (mean over judges) is the entry named PANEL."""
    flagged: list[str] = Field(default_factory=list)
    """Judges (and 'panel') whose α is below the threshold."""


Pair = tuple[float, float, bool]
"""(judge value on [0, 1], checks value on [0, 1], checks passed) for one episode."""


def agreement(name: str, pairs: list[Pair], *, complete_at: float = COMPLETE_AT,
              threshold: float = AGREEMENT_THRESHOLD) -> Agreement:
    """Agreement of one judge with the checks over episodes given as Pairs; the judge's verdict is
    `judge value >= complete_at`."""
    c = Confusion()
    judge_bin, checks_bin = [], []
    for judge_value, _, passed in pairs:
        j, k = judge_value >= complete_at, passed
        judge_bin.append(float(j))
        checks_bin.append(float(k))
        if j and k:
            c.tp += 1
        elif j:
            c.fp += 1
        elif k:
            c.fn += 1
        else:
            c.tn += 1
    n = len(pairs)
    alpha = krippendorff_alpha([judge_bin, checks_bin], level="nominal")
    alpha_interval = krippendorff_alpha([[p[0] for p in pairs], [p[1] for p in pairs]], level="interval")
    flagged = alpha is not None and alpha < threshold
    if n == 0:
        note = "no episode to compare (no counted episode with checks was scored by this judge)"
    elif alpha is None:
        note = ("α undefined: the judge and the checks gave one verdict throughout"
                if len({*judge_bin, *checks_bin}) == 1 else "α undefined")
    elif flagged:
        note = f"α {alpha:.3f} is below {threshold:g}: its task-completion scores disagree with the checks"
    else:
        note = ""
    return Agreement(judge=name, episodes=n, confusion=c, alpha=alpha, alpha_interval=alpha_interval,
                     judge_complete_rate=(c.tp + c.fp) / n if n else None,
                     checks_complete_rate=(c.tp + c.fn) / n if n else None, flagged=flagged, note=note)


def _checks(e: EpisodeScore) -> tuple[float, bool]:
    """(the check score, 0 for a failed episode; whether the episode passed)."""
    return (0.0 if e.failed or e.check_score is None else e.check_score), e.passed


def calibrate(scores: Iterable[EpisodeScore], *, complete_at: float = COMPLETE_AT,
              threshold: float = AGREEMENT_THRESHOLD) -> Calibration | None:
    """Each judge's and the panel's agreement with the checks over SCORES; None when no episode had a panel."""
    per_judge: dict[str, list[Pair]] = {}
    panel: list[Pair] = []
    seen_panel = False
    for e in sorted(scores, key=lambda s: s.episode_id):
        if not e.panel or not e.panel.panel:
            continue
        seen_panel = True
        for name in e.panel.panel:
            per_judge.setdefault(name, [])
        if not e.counted or not e.checks:
            continue
        value, passed = _checks(e)
        for name, dims in e.panel.per_judge.items():
            if (raw := dims.get(TASK_DIMENSION)) is not None:
                per_judge.setdefault(name, []).append((to_unit(raw), value, passed))
        if (mean := e.panel.dimensions.get(TASK_DIMENSION)) is not None:
            panel.append((mean, value, passed))
    if not seen_panel:
        return None
    judges = {name: agreement(name, pairs, complete_at=complete_at, threshold=threshold)
              for name, pairs in sorted(per_judge.items())}
    judges[PANEL] = agreement(PANEL, panel, complete_at=complete_at, threshold=threshold)
    return Calibration(complete_at=complete_at, threshold=threshold, judges=judges,
                       flagged=[n for n, a in judges.items() if a.flagged])


__all__ = ["AGREEMENT_THRESHOLD", "COMPLETE_AT", "PANEL", "TASK_DIMENSION", "Agreement", "Calibration", "Confusion",
           "Pair", "agreement", "calibrate"]
