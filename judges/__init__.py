"""judges: rule metrics, error taxonomy, verifiable checks, an LLM judge panel and aggregation (docs/metrics.md).

Judges read tasks and trajectories only — never live sessions.
"""

from judges.aggregate import Estimate, ModelScore, ModelScores, aggregate, pass_at_k, pass_hat_k
from judges.agreement import krippendorff_alpha
from judges.checks import CheckResult, evaluate_checks, extract_numbers
from judges.episode import EpisodeScore, score_episode
from judges.panel import JUDGES, Judge, Judgement, PanelResult, judge, judge_panel
from judges.planning import PlanningMetrics
from judges.radar import FORMULA_VERSION, RADAR, WEIGHTS
from judges.rubric import DIMENSIONS as RUBRIC_DIMENSIONS
from judges.rules import ERROR_LABELS, CallVerdict, RuleMetrics

__all__ = [
    "ERROR_LABELS",
    "FORMULA_VERSION",
    "JUDGES",
    "RADAR",
    "RUBRIC_DIMENSIONS",
    "WEIGHTS",
    "CallVerdict",
    "CheckResult",
    "EpisodeScore",
    "Estimate",
    "Judge",
    "Judgement",
    "ModelScore",
    "ModelScores",
    "PanelResult",
    "PlanningMetrics",
    "RuleMetrics",
    "aggregate",
    "evaluate_checks",
    "extract_numbers",
    "judge",
    "judge_panel",
    "krippendorff_alpha",
    "pass_at_k",
    "pass_hat_k",
    "score_episode",
]
