"""The reference chain as a yardstick: step levels, argument comparison and matching calls to reference steps."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from task_synth.binding import TEMPLATE, BindingError, arg_path, binding_sources, resolve_binding, without_args
from task_synth.task import ReferenceStep


@dataclass(frozen=True)
class CallView:
    """What matching needs to know about one tool call of the trajectory."""

    index: int
    turn: int
    server: str | None
    tool: str | None
    arguments: dict[str, Any] | None
    ok: bool


def normalise_value(v: Any) -> Any:
    """A comparable form of an argument value: strings NFKC + casefolded + whitespace-collapsed, numbers as float."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return " ".join(unicodedata.normalize("NFKC", v).split()).casefold()
    if isinstance(v, list):
        return [normalise_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): normalise_value(x) for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))}
    return json.dumps(v, sort_keys=True, default=str)


def fixed_arguments(step: ReferenceStep) -> dict[str, Any]:
    """The reference step's arguments that are not bound to an earlier step's output. A tool that takes its
    parameters wrapped in one object, with a field of it bound ('params.aircraft_id'), has its other fields counted
    one by one ('params.minutes'): the object as a whole holds a bound value."""
    out = without_args(step.arguments, step.bindings)
    for head in sorted({b.split(".", 1)[0] for b in step.bindings if "." in b} & set(out)):
        if isinstance(out[head], dict):
            inner = out.pop(head)
            out.update({f"{head}.{k}": v for k, v in inner.items()})
    return out


_ABSENT = object()


def _given(arguments: Mapping[str, Any], key: str) -> Any:
    """The call's value for a fixed argument KEY (a dotted one inside its object), or _ABSENT."""
    if key in arguments:
        return arguments[key]
    if "." not in key:
        return _ABSENT
    head, rest = key.split(".", 1)
    inner = arguments.get(head)
    return _given(inner, rest) if isinstance(inner, Mapping) else _ABSENT


def normalised_fixed(step: ReferenceStep) -> dict[str, Any]:
    """The step's non-bound arguments, normalised (computed once per step when a step meets several calls)."""
    return {k: normalise_value(v) for k, v in fixed_arguments(step).items()}


def normalised_arguments(arguments: dict[str, Any] | None) -> dict[str, Any] | None:
    """A call's arguments, each value normalised (computed once per call when a call meets several steps)."""
    return None if arguments is None else {k: normalise_value(v) for k, v in arguments.items()}


def count_equal(fixed: dict[str, Any], arguments: dict[str, Any] | None) -> int:
    """equal_fixed_arguments on normalised forms (normalised_fixed, normalised_arguments)."""
    if arguments is None:
        return -1
    return sum(1 for k, v in fixed.items() if _given(arguments, k) == v)


def equal_fixed_arguments(step: ReferenceStep, arguments: dict[str, Any] | None) -> int:
    """How many of the step's non-bound arguments the call reproduces (normalised equality); -1 when unparsed."""
    if arguments is None:
        return -1
    return sum(1 for k, v in fixed_arguments(step).items()
               if (got := _given(arguments, k)) is not _ABSENT and normalise_value(got) == normalise_value(v))


def arguments_match(step: ReferenceStep, arguments: dict[str, Any] | None,
                    outputs: Mapping[int, str] | None = None) -> bool:
    """True when the call gives every non-bound reference argument the reference's value and, with OUTPUTS (the
    agent's own results of the steps it matched, by step index), every checkable bound argument the value its binding
    reads from those results (bound_arguments_match)."""
    if equal_fixed_arguments(step, arguments) != len(fixed_arguments(step)):
        return False
    if outputs is None:
        return True
    right, compared = bound_arguments_match(step, arguments, outputs)
    return right == compared


def bound_arguments_match(step: ReferenceStep, arguments: dict[str, Any] | None, outputs: Mapping[int, str]
                          ) -> tuple[int, int]:
    """(right, compared) over the step's bound arguments that can be checked: a direct binding (`step[i]:…`, not a
    free-text `template:`) whose source steps the agent's matched calls produced and which re-reads a value from
    those results. A checked argument is right when the call gives that value (normalised; "42.0" equals 42)."""
    right = compared = 0
    for param, spec in sorted(step.bindings.items()):
        if spec.startswith(TEMPLATE) or not all(i in outputs for i in binding_sources(spec)):
            continue
        try:
            want = resolve_binding(spec, outputs, arg_path(step.arguments, param))
        except BindingError:
            continue
        compared += 1
        right += _same_value(arg_path(arguments or {}, param), want)
    return right, compared


def _same_value(got: Any, want: Any) -> bool:
    """Normalised equality, with a number and its text equal ("1250.00" == 1250 == "1250")."""
    if got is None:
        return False
    if normalise_value(got) == normalise_value(want) or normalise_value(str(got)) == normalise_value(str(want)):
        return True
    try:
        return float(str(got).replace(",", "")) == float(str(want).replace(",", ""))
    except ValueError:
        return False


def dependencies(steps: Sequence[ReferenceStep], j: int) -> list[int]:
    """The earlier steps step j consumes: its depends_on plus the sources of its bindings ('step[i]:...').
    Indices that do not point to an earlier step are ignored (a malformed reference must not crash scoring)."""
    s = steps[j]
    sources = {i for b in s.bindings.values() for i in binding_sources(b)}
    return sorted(d for d in {*s.depends_on, *sources} if d is not None and 0 <= d < j)


def levels(steps: Sequence[ReferenceStep]) -> list[int]:
    """Scheduling level of each step: 0 without dependencies, else 1 + the highest level it depends on.
    Steps on the same level are independent and could be issued in one turn."""
    out: list[int] = []
    for j in range(len(steps)):
        deps = dependencies(steps, j)
        out.append(1 + max(out[d] for d in deps) if deps else 0)
    return out


def reference_turns(steps: Sequence[ReferenceStep]) -> int:
    """Model turns an ideal agent needs: one per level (calls of a level in parallel) plus the answering turn."""
    return (max(levels(steps)) + 1 if steps else 0) + 1


def match_steps(steps: Sequence[ReferenceStep], calls: Sequence[CallView]) -> list[int | None]:
    """Assign each reference step at most one call of the same server/tool (a call serves one step).

    Steps are matched in order; among free candidate calls the one reproducing most non-bound arguments wins, then an
    ok outcome, then the earliest. Returns, per step, the index (into `calls`) of its call or None.
    """
    taken: set[int] = set()
    out: list[int | None] = []
    args: dict[int, dict[str, Any] | None] = {}  # normalised once per call, not once per (step, call) pair
    for step in steps:
        best: tuple[int, int, int] | None = None
        best_i: int | None = None
        fixed = normalised_fixed(step)
        for i, c in enumerate(calls):
            if i in taken or (c.server, c.tool) != (step.server, step.tool):
                continue
            if i not in args:
                args[i] = normalised_arguments(c.arguments)
            key = (count_equal(fixed, args[i]), int(c.ok), -i)
            if best is None or key > best:
                best, best_i = key, i
        if best_i is not None:
            taken.add(best_i)
        out.append(best_i)
    return out


__all__ = ["CallView", "arguments_match", "bound_arguments_match", "count_equal", "dependencies",
           "equal_fixed_arguments", "fixed_arguments", "levels", "match_steps", "normalise_value",
           "normalised_arguments", "normalised_fixed", "reference_turns"]
