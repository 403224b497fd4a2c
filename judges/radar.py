"""Radar dimensions in [0,1] and the overall score of one episode — the formulas of docs/metrics.md §5, §6."""

from __future__ import annotations

from judges.planning import PlanningMetrics
from judges.rules import RuleMetrics

FORMULA_VERSION = "2"
"""Bumped whenever a formula below changes; recorded in every EpisodeScore."""

RADAR: tuple[str, ...] = ("task_completion", "grounding", "tool_selection", "parameter_accuracy", "planning",
                          "efficiency", "schema_understanding", "speed", "cost")

WEIGHTS: dict[str, float] = {
    "task_completion": 0.35, "grounding": 0.10, "tool_selection": 0.10, "parameter_accuracy": 0.10,
    "planning": 0.10, "efficiency": 0.10, "schema_understanding": 0.10, "speed": 0.0, "cost": 0.05,
}
"""Overall = sum of weight × dimension (weights sum to 1). Speed is a radar dimension but weighs 0 in the overall:
it is wall-clock time, which depends on the machine and the endpoint's load, not on the model alone; keeping it out
makes the overall a pure function of the trajectory's content (recomputable byte-identically, comparable across
machines)."""

PANEL_FOR: dict[str, str] = {
    "task_completion": "task_fulfillment", "grounding": "grounding", "tool_selection": "tool_appropriateness",
    "parameter_accuracy": "parameter_accuracy", "planning": "dependency_awareness",
    "efficiency": "parallelism_efficiency",
}
"""Which rubric dimension of the judge panel blends into which radar dimension."""

SECONDS_PER_TURN = 10.0
"""speed: tau = SECONDS_PER_TURN × reference turns; an episode taking tau seconds scores half."""
TOKENS_PER_TURN = 8000
"""cost: beta = TOKENS_PER_TURN × reference turns; an episode using beta tokens scores half."""


def _mean(*xs: float | None) -> float:
    """Mean of the defined values (0 when none is defined)."""
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else 0.0


def _or(x: float | None, default: float) -> float:
    return default if x is None else x


def blend(rule: float, panel: float | None) -> float:
    """(2 × rule + panel) / 3 when the panel scored the matching rubric dimension, else the rule value."""
    return rule if panel is None else (2.0 * rule + panel) / 3.0


def dimensions(rules: RuleMetrics, plan: PlanningMetrics, check_score: float | None,
               panel: dict[str, float | None] | None = None) -> dict[str, float]:
    """The nine radar dimensions of one completed episode (see docs/metrics.md for each formula)."""
    p = {radar: (panel or {}).get(rubric) for radar, rubric in PANEL_FOR.items()}
    no_reference = plan.reference_steps == 0
    gate = 1.0 if rules.calls > 0 or no_reference else 0.0
    coverage = _or(plan.coverage, 1.0)
    evidence = _or(plan.evidence, 1.0)
    c = check_score if check_score is not None else _or(plan.evidence, 0.0)
    v = _or(rules.valid_name_rate, 1.0)
    s = _or(rules.schema_compliance_rate, 0.0 if rules.calls else 1.0)
    f = 1.0 - _or(rules.invalid_format_share, 0.0)

    tc = blend(c, p["task_completion"])
    out = {
        "task_completion": tc,
        "grounding": gate * blend(c * evidence, p["grounding"]),
        "tool_selection": gate * blend(_mean(v, _or(plan.tool_recall, 1.0)), p["tool_selection"]),
        "parameter_accuracy": gate * blend(_mean(s, _or(plan.argument_accuracy, 1.0 if no_reference else 0.0)),
                                           p["parameter_accuracy"]),
        "planning": gate * blend(_mean(coverage, plan.dependency_order), p["planning"]),
        "efficiency": gate * coverage * blend(
            _mean(_or(plan.call_economy, 1.0), _or(plan.turn_economy, 1.0),
                  1.0 - _or(plan.redundant_share, 0.0), plan.parallelism), p["efficiency"]),
        "schema_understanding": gate * _mean(v, s, f),
    }
    tau = SECONDS_PER_TURN * plan.reference_turns
    beta = TOKENS_PER_TURN * plan.reference_turns
    elapsed = plan.model_time_s + plan.tool_time_s
    out["speed"] = tc * tau / (tau + elapsed)
    out["cost"] = tc * beta / (beta + plan.input_tokens + plan.output_tokens)
    return {d: out[d] for d in RADAR}


def overall(dims: dict[str, float]) -> float:
    """Weighted sum of the radar dimensions (WEIGHTS)."""
    return sum(WEIGHTS[d] * dims[d] for d in RADAR)


__all__ = ["FORMULA_VERSION", "PANEL_FOR", "RADAR", "SECONDS_PER_TURN", "TOKENS_PER_TURN", "WEIGHTS", "blend",
           "dimensions", "overall"]
