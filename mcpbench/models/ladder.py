"""The validity ladder: scripted agents with graded, known faults, so the benchmark can show it measures what it
claims without a paid model (docs/leaderboard.md, "Validity ladder"). From best to worst:

1. `scripted/oracle` — replays the reference chain and says the reference answer (scripted.py);
2. `scripted/oracle-corrupt-<P>` — the oracle with P % of its bound arguments corrupted (seeded);
3. `scripted/oracle-skip-last` — the oracle without the last hop of the chain;
4. `scripted/random-tools` — a seeded random offered tool per turn, with schema-valid placeholder arguments, for as
   many turns as the reference takes;
5. `scripted/do-nothing` — calls nothing (scripted.py).

A faulty agent is never rescued by the answer key. It says the oracle's answer only when its fault changed nothing in
the episode; otherwise it reports what its tools returned (their outputs, joined), so a check passes only when the
value really came back from one of its calls. A binding it cannot resolve from what it saw is not replaced by the value
recorded at grounding time (the oracle's fallback): the step, and what depends on it, is dropped.

Corruption is decided per (seed, task, step, argument) by a seeded RNG and changes the bound value itself — the part
of the argument read from an earlier output — the way a misread would: a number moves, one character of a name
changes. Like the oracle, every agent here is stateless: each turn is re-derived from the conversation.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from mcpbench.catalog import exposed_name
from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, ModelSettings
from mcpbench.models.scripted import OracleProvider, plan_waves
from mcpbench.trajectory import RequestedCall

CORRUPT_PREFIX = "oracle-corrupt-"
LADDER = ("oracle", "oracle-corrupt-20", "oracle-skip-last", "random-tools", "do-nothing")
"""The rungs, best first (model names after `scripted/`)."""
NOTHING_SEEN = "I could not find the answer: none of my tool calls returned anything."
MAX_OUTPUT_CHARS = 4000
"""Each tool output is cut to this many characters in a report-what-I-saw answer."""

_PLACEHOLDER = re.compile(r"\{\{(step\[\d+\]:.*?)\}\}", re.DOTALL)  # task_synth.binding's template placeholders
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_CALL_ID = "oracle_"  # the oracle's own call ids, so OracleProvider can render its answer from our outputs


def _require(task: Any) -> Any:
    """The task the agent was bound to (`for_episode`), as the oracle is. Raises ModelError when there is none."""
    if task is None:
        raise ModelError("ladder agents play a task: bind one with for_episode(task, builtins)")
    return task


def _turn_index(request: ModelRequest) -> int:
    return sum(1 for m in request.messages if m.role == "assistant")


def _outputs(request: ModelRequest) -> dict[int, str]:
    """Step index -> the output of our call for that step (calls are named oracle_<step>)."""
    out: dict[int, str] = {}
    for m in request.messages:
        if m.role == "tool" and m.call_id and m.call_id.startswith(_CALL_ID) and m.call_id[len(_CALL_ID):].isdigit():
            out[int(m.call_id[len(_CALL_ID):])] = m.content
    return out


def _attempted(request: ModelRequest) -> set[int]:
    return {int(c.id[len(_CALL_ID):]) for m in request.messages if m.role == "assistant" for c in m.tool_calls
            if c.id.startswith(_CALL_ID) and c.id[len(_CALL_ID):].isdigit()}


def observed_answer(request: ModelRequest) -> str:
    """What an agent that cannot reason says: every tool output it got, in order (each cut to MAX_OUTPUT_CHARS)."""
    seen = [m.content[:MAX_OUTPUT_CHARS] for m in request.messages if m.role == "tool" and m.content.strip()]
    if not seen:
        return NOTHING_SEEN
    return "Here is what my tools returned:\n" + "\n---\n".join(seen)


def corrupt_value(value: Any, rng: random.Random) -> Any:
    """A wrong value of the same kind: a number moves by 1–9 (ints) or 10–50 % (floats), a numeric string likewise
    (keeping its decimals), any other string has one letter or digit changed, a bool flips. Never equal to VALUE."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice((-1, 1)) * rng.randint(1, 9)
    if isinstance(value, float):
        return value * (1 + rng.choice((-1, 1)) * rng.uniform(0.1, 0.5)) or 1.0
    if not isinstance(value, str):
        return value
    if _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        decimals = len(text.split(".")[1]) if "." in text else 0
        moved = corrupt_value(float(text) if decimals else int(text), rng)
        return f"{moved:.{decimals}f}"
    spots = [i for i, ch in enumerate(value) if ch.isalnum()]
    if not spots:
        return value + "x"
    i = rng.choice(spots)
    pool = "0123456789" if value[i].isdigit() else "abcdefghijklmnopqrstuvwxyz"
    ch = rng.choice([c for c in pool if c != value[i].lower()])
    return value[:i] + (ch.upper() if value[i].isupper() else ch) + value[i + 1:]


def _bound(spec: str, outputs: Mapping[int, str], like: Any, rng: random.Random | None) -> Any:
    """The value of a binding from OUTPUTS; with RNG, every value it reads is corrupted. Raises BindingError."""
    from task_synth.binding import TEMPLATE, coerce, resolve_binding, resolve_ref

    if rng is None:
        return resolve_binding(spec, outputs, like)
    if not spec.startswith(TEMPLATE):
        return corrupt_value(coerce(resolve_ref(spec, outputs), like), rng)

    def sub(m: re.Match[str]) -> str:
        v = corrupt_value(resolve_ref(m.group(1), outputs), rng)
        return v if isinstance(v, str) else str(v)

    return _PLACEHOLDER.sub(sub, spec[len(TEMPLATE):])


class FaultyOracle:
    """The oracle's replay with a known fault: `corrupt` (share of bound arguments corrupted) and/or `skip_last`
    (the last reference step is never called). Answers as described in the module docstring."""

    def __init__(self, *, name: str, corrupt: float = 0.0, skip_last: bool = False, seed: int = 0,
                 parallel: bool = True, settings: ModelSettings | None = None, task: Any = None,
                 builtins: dict[str, str] | None = None):
        if not 0.0 <= corrupt <= 1.0:
            raise ValueError(f"corrupt must be a share between 0 and 1, not {corrupt}")
        self.name, self.corrupt, self.skip_last, self.seed = name, corrupt, skip_last, seed
        self.parallel = parallel
        self.settings = settings or ModelSettings()
        self.task, self.builtins = task, builtins
        self._oracle = OracleProvider(task=task, builtins=builtins, name=name, parallel=parallel,
                                      settings=self.settings)

    def for_episode(self, task: Any, builtins: dict[str, str]) -> FaultyOracle:
        """A copy of this agent that plays `task`."""
        return FaultyOracle(name=self.name, corrupt=self.corrupt, skip_last=self.skip_last, seed=self.seed,
                            parallel=self.parallel, settings=self.settings, task=task, builtins=builtins)

    def corrupts(self, task_id: str, step: int, arg: str) -> random.Random | None:
        """The RNG that corrupts this bound argument, or None when it stays right (seeded, so every run agrees)."""
        rng = random.Random(f"{self.seed}:{task_id}:{step}:{arg}")
        return rng if rng.random() < self.corrupt else None

    def _call(self, task: Any, i: int, outputs: Mapping[int, str], builtins: Any) -> tuple[RequestedCall | None, bool]:
        """(the call for step i, or None when a binding cannot be resolved; whether an argument was corrupted)."""
        from task_synth.binding import BindingError, arg_path, expand, with_arg

        step = task.reference[i]
        args = dict(step.arguments)
        faulted = False
        for arg, spec in step.bindings.items():
            rng = self.corrupts(task.id, i, arg)
            try:
                args = with_arg(args, arg, _bound(spec, outputs, arg_path(step.arguments, arg), rng))
            except BindingError:
                return None, faulted
            faulted = faulted or rng is not None
        return RequestedCall(id=f"{_CALL_ID}{i}", name=exposed_name(step.server, step.tool),
                             arguments=expand(args, builtins)), faulted

    def _schedule(self, request: ModelRequest) -> tuple[list[RequestedCall], bool, bool]:
        """(the calls of the next wave, or [] when the replay is over; whether a fault touched the episode so far;
        whether a step was dropped)."""
        task, builtins = _require(self.task), self.builtins
        outputs, attempted = _outputs(request), _attempted(request)
        last = len(task.reference) - 1
        faulted = dropped = False
        for wave in plan_waves(task, parallel=self.parallel):
            done = any(i in attempted for i in wave)
            calls = []
            for i in wave:
                if self.skip_last and i == last:
                    dropped = faulted = True
                    continue
                call, corrupted = self._call(task, i, outputs, builtins)
                faulted = faulted or corrupted
                if call is None:
                    dropped = True
                elif not done:
                    calls.append(call)
            if not done and calls:
                return calls, faulted, dropped
        return [], faulted, dropped

    async def complete(self, request: ModelRequest) -> ModelResponse:
        calls, faulted, dropped = self._schedule(request)
        if calls:
            return ModelResponse(tool_calls=calls, finish_reason="tool_calls")
        if not faulted and not dropped:
            return await self._oracle.complete(request)
        return ModelResponse(text=observed_answer(request), finish_reason="stop")

    async def aclose(self) -> None:
        return None


class RandomToolCaller:
    """Calls one seeded random offered tool per turn with schema-valid placeholder arguments (the same generator
    `mcpbench check` uses), for as many turns as the reference chain takes, then reports what it got."""

    def __init__(self, *, name: str = "scripted/random-tools", seed: int = 0, settings: ModelSettings | None = None,
                 task: Any = None):
        self.name, self.seed = name, seed
        self.settings = settings or ModelSettings()
        self.task = task

    def for_episode(self, task: Any, builtins: dict[str, str]) -> RandomToolCaller:
        """A copy of this agent that plays `task` (it needs only the length of its reference chain)."""
        return RandomToolCaller(name=self.name, seed=self.seed, settings=self.settings, task=task)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        from mcpbench.check.argsgen import valid_argument_sets

        task = _require(self.task)
        k = _turn_index(request)
        if k >= len(plan_waves(task)) or not request.tools:
            return ModelResponse(text=observed_answer(request), finish_reason="stop")
        rng = random.Random(f"{self.seed}:{task.id}:{k}")
        tool = rng.choice(request.tools)
        sets = valid_argument_sets(tool.input_schema)
        args = rng.choice(sets)[1] if sets else {}
        return ModelResponse(tool_calls=[RequestedCall(id=f"random_{k}", name=tool.name, arguments=args)],
                             finish_reason="tool_calls")

    async def aclose(self) -> None:
        return None


def ladder_agent(model: str, *, name: str, seed: int = 0, parallel: bool = True,
                 settings: ModelSettings | None = None) -> FaultyOracle | RandomToolCaller | None:
    """The ladder agent called MODEL (after `scripted/`), or None when MODEL is not one. Raises ValueError for a
    corruption share that is not a whole percentage between 0 and 100."""
    if model == "oracle-skip-last":
        return FaultyOracle(name=name, skip_last=True, seed=seed, parallel=parallel, settings=settings)
    if model == "random-tools":
        return RandomToolCaller(name=name, seed=seed, settings=settings)
    if model.startswith(CORRUPT_PREFIX):
        share = model.removeprefix(CORRUPT_PREFIX)
        if not share.isdigit() or not 0 <= int(share) <= 100:
            raise ValueError(f"scripted/{model}: the corruption share is a whole percentage, e.g. "
                             f"scripted/{CORRUPT_PREFIX}20")
        return FaultyOracle(name=name, corrupt=int(share) / 100, seed=seed, parallel=parallel, settings=settings)
    return None


__all__ = ["CORRUPT_PREFIX", "LADDER", "NOTHING_SEEN", "FaultyOracle", "RandomToolCaller", "corrupt_value",
           "ladder_agent", "observed_answer"]
