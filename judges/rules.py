"""Rule metrics per call: name validity, input-schema compliance, execution outcome and the SpecTool error taxonomy."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any, Literal

from jsonschema import Draft202012Validator, SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from pydantic import BaseModel, Field

from judges.reference import CallView, match_steps, normalised_arguments, normalised_fixed
from judges.shorten import clip
from mcpbench.catalog import ToolEntry
from mcpbench.outcomes import OutcomeClass
from mcpbench.trajectory import ToolCallEvent, Trajectory
from task_synth.task import Task

ErrorLabel = Literal[
    "invalid_format",
    "wrong_function_name",
    "wrong_argument_name",
    "wrong_argument_type",
    "wrong_argument_value",
    "repeated_calls",
    "insufficient_calls",
]
"""SpecTool's error patterns. All but insufficient_calls label single calls; insufficient_calls counts reference steps
that no call covered."""

ERROR_LABELS: tuple[ErrorLabel, ...] = ("invalid_format", "wrong_function_name", "wrong_argument_name",
                                        "wrong_argument_type", "wrong_argument_value", "repeated_calls",
                                        "insufficient_calls")

MESSAGE_CHARS = 300
"""jsonschema messages quote the offending value; they are clipped so a huge argument cannot bloat the score."""

_NAME_KEYWORDS = {"required", "additionalProperties", "unevaluatedProperties", "dependentRequired", "propertyNames",
                  "dependencies"}
_TYPE_KEYWORDS = {"type", "anyOf", "oneOf"}


class CallVerdict(BaseModel):
    """The rule verdict on one tool call of a trajectory."""

    index: int
    """Position among the trajectory's tool calls (0-based)."""
    turn: int
    exposed_name: str
    server: str | None = None
    """Resolved through the offered tools; None when the name resolves to nothing."""
    tool: str | None = None
    outcome: OutcomeClass
    valid_name: bool
    """The called name is one of the offered tools."""
    schema_valid: bool | None = None
    """Arguments validate against the tool's input schema; None when the name is invalid or the schema unusable."""
    schema_errors: list[str] = Field(default_factory=list)
    """jsonschema messages, sorted."""
    errors: list[ErrorLabel] = Field(default_factory=list)
    """Taxonomy labels of this call, in ERROR_LABELS order."""
    step: int | None = None
    """The reference step this call was matched to, if any."""

    @property
    def erroneous(self) -> bool:
        """A call counts as an error for first-error position when it has a label or the tool reported an error."""
        return bool(self.errors) or self.outcome == "tool_error"


class RuleMetrics(BaseModel):
    """Per-episode call-level rates (docs/metrics.md §1). Rates are None when their denominator is 0."""

    calls: int
    valid_name_rate: float | None
    schema_compliance_rate: float | None
    execution_success_rate: float | None
    """ok / (ok + tool_error); model_error calls never executed and infra_error calls are not the model's."""
    infra_error_calls: int
    errors: dict[str, int]
    """Count per taxonomy label (every label present)."""
    first_error_position: float | None
    """Index of the first erroneous call / calls; 1.0 when no call erred."""
    invalid_format_share: float | None


def _canonical_args(e: ToolCallEvent) -> str:
    if e.arguments is None:
        return "raw:" + (e.raw_arguments or "")
    return json.dumps(e.arguments, sort_keys=True, separators=(",", ":"), default=str)


@functools.lru_cache(maxsize=512)
def _validator(schema_json: str) -> Validator | None:
    """A validator for a canonical schema text, None when the schema itself is invalid (checking is the slow part)."""
    schema = json.loads(schema_json)
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError:
        return None
    return cls(schema)


_by_sha: dict[str, Validator | None] = {}


def _entry_validator(entry: ToolEntry) -> Validator | None:
    """The entry's validator, keyed by its definition's sha256 when it has one (no schema serialising per call)."""
    if entry.sha256 and entry.sha256 in _by_sha:
        return _by_sha[entry.sha256]
    v = _validator(json.dumps(entry.input_schema, sort_keys=True))
    if entry.sha256:
        if len(_by_sha) >= 4096:
            _by_sha.clear()
        _by_sha[entry.sha256] = v
    return v


def _schema_check(entry: ToolEntry, arguments: dict[str, Any]) -> tuple[bool | None, list[ValidationError]]:
    validator = _entry_validator(entry)
    if validator is None:
        return None, []
    errs = list(validator.iter_errors(arguments))
    return not errs, errs


def _unknown_keys(schema: dict[str, Any], arguments: dict[str, Any]) -> bool:
    """Keys the schema does not declare (SpecTool's wrong argument name), unless it openly allows extra keys."""
    props = schema.get("properties")
    if not isinstance(props, dict) or schema.get("additionalProperties") not in (None, False):
        return False
    if schema.get("patternProperties"):
        return False
    return any(k not in props for k in arguments)


def _values_agree(fixed: dict[str, Any], arguments: dict[str, Any], schema: dict[str, Any]) -> bool:
    """The call gives the step's non-bound arguments (`fixed`, normalised) the reference values (`arguments`,
    normalised). A missing required argument is left to wrong_argument_name (one mistake, one label); a missing
    optional one is a different value (the default)."""
    required = set(schema.get("required") or [])
    return all(arguments[k] == v if k in arguments else k in required for k, v in fixed.items())


def analyse_calls(task: Task, trajectory: Trajectory, tools: Mapping[str, ToolEntry]) -> list[CallVerdict]:
    """Verdicts for every tool call, with taxonomy labels and the reference step each call was matched to."""
    events = trajectory.tool_calls()
    fixed = [normalised_fixed(s) for s in task.reference]  # once per step, not once per (call, step) pair
    views: list[CallView] = []
    verdicts: list[CallVerdict] = []
    seen: set[str] = set()
    for i, e in enumerate(events):
        entry = tools.get(e.exposed_name)
        labels: set[ErrorLabel] = set()
        schema_valid: bool | None = None
        messages: list[str] = []
        if e.arguments is None:
            labels.add("invalid_format")
        if entry is None:
            labels.add("wrong_function_name")
        elif e.arguments is None:
            schema_valid = False
        else:
            schema_valid, errs = _schema_check(entry, e.arguments)
            messages = sorted(clip(f"{'/'.join(map(str, err.absolute_path)) or '/'}: {err.message}", MESSAGE_CHARS)
                              for err in errs)
            for err in errs:
                kw = str(err.validator)
                labels.add("wrong_argument_name" if kw in _NAME_KEYWORDS else
                           "wrong_argument_type" if kw in _TYPE_KEYWORDS else "wrong_argument_value")
            if _unknown_keys(entry.input_schema, e.arguments):
                labels.add("wrong_argument_name")
            same_tool = [fixed[j] for j, s in enumerate(task.reference)
                         if (s.server, s.tool) == (entry.server, entry.name)]
            args = normalised_arguments(e.arguments) if same_tool else None
            if args is not None and not any(_values_agree(f, args, entry.input_schema) for f in same_tool):
                labels.add("wrong_argument_value")
        key = f"{e.exposed_name}\x00{_canonical_args(e)}"
        if key in seen:
            labels.add("repeated_calls")
        if e.outcome != "infra_error":
            seen.add(key)
        server, tool = (entry.server, entry.name) if entry else (None, None)
        views.append(CallView(i, e.turn, server, tool, e.arguments, e.outcome == "ok"))
        verdicts.append(CallVerdict(index=i, turn=e.turn, exposed_name=e.exposed_name, server=server, tool=tool,
                                    outcome=e.outcome, valid_name=entry is not None, schema_valid=schema_valid,
                                    schema_errors=messages, errors=[x for x in ERROR_LABELS if x in labels]))
    for step_i, call_i in enumerate(match_steps(task.reference, views)):
        if call_i is not None:
            verdicts[call_i].step = step_i
    return verdicts


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def rule_metrics(verdicts: list[CallVerdict], reference_steps: int) -> RuleMetrics:
    """Aggregate call verdicts of one episode; insufficient_calls = reference steps no call was matched to."""
    n = len(verdicts)
    named = [v for v in verdicts if v.schema_valid is not None]
    executed = [v for v in verdicts if v.outcome in ("ok", "tool_error")]
    counts: dict[str, int] = {label: sum(label in v.errors for v in verdicts) for label in ERROR_LABELS}
    counts["insufficient_calls"] = reference_steps - sum(v.step is not None for v in verdicts)
    first = next((v.index for v in verdicts if v.erroneous), None)
    return RuleMetrics(
        calls=n,
        valid_name_rate=_rate(sum(v.valid_name for v in verdicts), n),
        schema_compliance_rate=_rate(sum(bool(v.schema_valid) for v in named), len(named)),
        execution_success_rate=_rate(sum(v.outcome == "ok" for v in executed), len(executed)),
        infra_error_calls=sum(v.outcome == "infra_error" for v in verdicts),
        errors=counts,
        first_error_position=None if n == 0 else (1.0 if first is None else first / n),
        invalid_format_share=_rate(counts["invalid_format"], n),
    )


__all__ = ["ERROR_LABELS", "CallVerdict", "ErrorLabel", "RuleMetrics", "analyse_calls", "rule_metrics"]
