"""`scripted/...`: models that need no network — a script of turns, the do-nothing baseline, the oracle baseline.

- `scripted/<path>`: plays a YAML/JSON script of assistant turns, one per model request.
- `scripted/do-nothing`: answers at once with a fixed sentence and calls nothing (must score ≈ 0).
- `scripted/oracle`: replays the task's reference chain, then says the reference answer (must score ≈ 1).

All three are stateless: the turn to play is the number of assistant messages already in the request, so one
provider serves any number of concurrent episodes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from mcpbench.catalog import exposed_name
from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, ModelSettings, provider
from mcpbench.trajectory import RequestedCall, Usage

if TYPE_CHECKING:
    from task_synth.task import Task

DO_NOTHING_ANSWER = "I will not use any tools, so I cannot answer this request."


class ScriptCall(BaseModel):
    """One tool call of a scripted turn. Name it by `name` (the exposed name) or by `server` + `tool`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    server: str | None = None
    tool: str | None = None
    arguments: dict[str, Any] | None = Field(default_factory=dict)
    raw_arguments: str | None = None
    """Argument text sent verbatim instead of `arguments` (use it to script malformed JSON)."""
    id: str | None = None

    def exposed(self) -> str:
        if self.name:
            return self.name
        if self.server and self.tool:
            return exposed_name(self.server, self.tool)
        raise ValueError("a scripted call needs 'name' or 'server' and 'tool'")


class ScriptUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0


class ScriptTurn(BaseModel):
    """One assistant turn: text and/or tool calls."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    tool_calls: list[ScriptCall] = Field(default_factory=list)
    usage: ScriptUsage = Field(default_factory=ScriptUsage)
    latency_s: float | None = None
    """Pause before answering (benchmarks); None: the script's default."""

    def requested_calls(self, turn: int) -> list[RequestedCall]:
        out = []
        for i, c in enumerate(self.tool_calls):
            args = None if c.raw_arguments is not None else (c.arguments or {})
            out.append(RequestedCall(id=c.id or f"call_{turn}_{i}", name=c.exposed(), arguments=args,
                                     raw_arguments=c.raw_arguments))
        return out


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turns: list[ScriptTurn]
    latency_s: float = 0.0
    """Default pause before each answer, seconds."""


def read_script_data(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a YAML/JSON script file ({turns: [...], ...}; a bare list is taken as the turns).

    Raises ValueError naming the file.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ValueError(f"{p}: cannot read script: {e.strerror}") from None
    try:
        data = json.loads(text) if p.suffix == ".json" else YAML(typ="safe", pure=True).load(text)
    except (ValueError, YAMLError) as e:
        raise ValueError(f"{p}: not valid {'JSON' if p.suffix == '.json' else 'YAML'}: {e}") from None
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict):
        raise ValueError(f"{p}: a script is a list of turns or a mapping with 'turns'")
    return data


def load_script(path: str | Path) -> Script:
    """Read a script: a list of turns, or a mapping {turns: [...], latency_s: ...}, as YAML or JSON.

    Raises ValueError naming the file.
    """
    data = read_script_data(path)
    try:
        script = Script.model_validate(data)
        for turn in script.turns:
            for call in turn.tool_calls:
                call.exposed()
    except (ValidationError, ValueError) as e:
        raise ValueError(f"{path}: invalid script: {e}") from None
    return script


def _turn_index(request: ModelRequest) -> int:
    return sum(1 for m in request.messages if m.role == "assistant")


class ScriptedProvider:
    """Plays a Script; a request past its last turn raises ModelError('script exhausted')."""

    def __init__(self, script: Script, *, name: str = "scripted/script", latency_s: float | None = None,
                 settings: ModelSettings | None = None):
        self.script = script
        self.name = name
        self.latency_s = script.latency_s if latency_s is None else latency_s
        self.settings = settings or ModelSettings()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        k = _turn_index(request)
        if k >= len(self.script.turns):
            raise ModelError(f"{self.name}: script exhausted after {len(self.script.turns)} turns")
        turn = self.script.turns[k]
        latency = self.latency_s if turn.latency_s is None else turn.latency_s
        if latency > 0:
            await anyio.sleep(latency)
        calls = turn.requested_calls(k + 1)
        return ModelResponse(text=turn.text, tool_calls=calls,
                             usage=Usage(input_tokens=turn.usage.input_tokens, output_tokens=turn.usage.output_tokens),
                             finish_reason="tool_calls" if calls else "stop", latency_s=latency)

    async def aclose(self) -> None:
        return None


class DoNothingProvider:
    """The do-nothing baseline: no tool calls, a fixed refusal."""

    def __init__(self, *, name: str = "scripted/do-nothing", latency_s: float = 0.0,
                 settings: ModelSettings | None = None):
        self.name = name
        self.latency_s = latency_s
        self.settings = settings or ModelSettings()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.latency_s > 0:
            await anyio.sleep(self.latency_s)
        return ModelResponse(text=DO_NOTHING_ANSWER, finish_reason="stop", latency_s=self.latency_s)

    async def aclose(self) -> None:
        return None


def plan_waves(task: Any, *, parallel: bool = True) -> list[list[int]]:
    """Group the reference steps into turns, keeping their order: a step joins the current turn unless it consumes
    (depends_on, or a binding reading) the output of a step in that turn."""
    from task_synth.binding import binding_sources

    waves: list[list[int]] = []
    for i, step in enumerate(task.reference):
        deps = set(step.depends_on) | {j for spec in step.bindings.values() for j in binding_sources(spec)}
        if parallel and waves and not deps & set(waves[-1]):
            waves[-1].append(i)
        else:
            waves.append([i])
    return waves


def _outputs(request: ModelRequest) -> dict[int, str]:
    """Step index -> the live result text the oracle got for it (its calls are named oracle_<step>)."""
    out: dict[int, str] = {}
    for m in request.messages:
        if m.role == "tool" and m.call_id and m.call_id.startswith("oracle_"):
            tail = m.call_id.removeprefix("oracle_")
            if tail.isdigit():
                out[int(tail)] = m.content
    return out


class OracleProvider:
    """The oracle baseline: replays its task's reference chain, then answers with the reference answer.

    It gets the task when it is built: `OracleProvider(task=...)`, or `for_episode(task, builtins)` on the unbound
    provider `get_provider("scripted/oracle")` returns (the runner binds it per episode).
    Bound arguments are re-derived from the live results in the conversation with `task_synth.binding` — the same
    mini-language the live replay uses; a binding that no longer resolves sends the value recorded at grounding time.
    `${VAR}` placeholders are filled from `builtins` (the fleet's values) when given. Answers with
    `{{step[i]:...}}` placeholders are rendered from the live results (left as written when they cannot be).
    `complete` raises ModelError when no task was given.
    """

    def __init__(self, *, task: Task | None = None, builtins: dict[str, str] | None = None,
                 name: str = "scripted/oracle", latency_s: float = 0.0, parallel: bool = True,
                 settings: ModelSettings | None = None):
        self.task = task
        self.builtins = builtins
        self.name = name
        self.latency_s = latency_s
        self.parallel = parallel
        self.settings = settings or ModelSettings()

    def for_episode(self, task: Task, builtins: dict[str, str]) -> OracleProvider:
        """A copy of this oracle that plays `task`."""
        return OracleProvider(task=task, builtins=builtins, name=self.name, latency_s=self.latency_s,
                              parallel=self.parallel, settings=self.settings)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        from task_synth.binding import BindingError, arg_path, expand, render_answer, resolve_binding, with_arg

        task, builtins = self.task, self.builtins
        if task is None:
            raise ModelError("scripted/oracle was given no task (build it with task=..., or bind it with "
                             "for_episode(task, builtins))")
        if self.latency_s > 0:
            await anyio.sleep(self.latency_s)
        waves = plan_waves(task, parallel=self.parallel)
        k = _turn_index(request)
        outputs = _outputs(request)
        if k >= len(waves):
            try:
                answer = render_answer(task, outputs)
            except BindingError:
                answer = task.answer
            return ModelResponse(text=expand(answer, builtins), finish_reason="stop", latency_s=self.latency_s)
        calls = []
        for i in waves[k]:
            step = task.reference[i]
            args = dict(step.arguments)
            for arg, spec in step.bindings.items():
                try:
                    args = with_arg(args, arg, resolve_binding(spec, outputs, arg_path(step.arguments, arg)))
                except BindingError:
                    pass  # the grounded value: the oracle stays a replay, not a solver
            calls.append(RequestedCall(id=f"oracle_{i}", name=exposed_name(step.server, step.tool),
                                       arguments=expand(args, builtins)))
        return ModelResponse(tool_calls=calls, finish_reason="tool_calls", latency_s=self.latency_s)

    async def aclose(self) -> None:
        return None


_IGNORED = {"retry", "timeout_s", "max_concurrency", "base_url", "api_key"}
"""Options meaningful for network providers; a runner may pass them to every provider, scripted ones ignore them."""


@provider("scripted", "No network: scripted/<script.yaml|json>, scripted/do-nothing, scripted/oracle (baselines), "
                     "scripted/oracle-corrupt-<P>, scripted/oracle-skip-last, scripted/random-tools (validity ladder)")
def scripted_provider(model: str, *, latency_s: float | None = None, settings: ModelSettings | None = None,
                      parallel: bool = True, name: str | None = None, seed: int | None = None,
                      **options: Any) -> Any:
    """No network: scripted/<script.yaml|json>, scripted/do-nothing, scripted/oracle (baselines), and the validity
    ladder's faulty agents (mcpbench/models/ladder.py; `seed` seeds their faults, the others ignore it, so
    `--model-opt seed=N` can be given to a whole ladder run).

    Raises ValueError for an unreadable script and TypeError for an unknown option.
    """
    from mcpbench.models.ladder import ladder_agent

    unknown = set(options) - _IGNORED
    if unknown:
        raise TypeError(f"scripted providers take no option(s) {', '.join(sorted(unknown))}")
    full = name or f"scripted/{model}"
    agent = ladder_agent(model, name=full, seed=seed or 0, parallel=parallel, settings=settings)
    if agent is not None:
        return agent
    if model == "do-nothing":
        return DoNothingProvider(name=full, latency_s=latency_s or 0.0, settings=settings)
    if model == "oracle":
        return OracleProvider(name=full, latency_s=latency_s or 0.0, parallel=parallel, settings=settings)
    return ScriptedProvider(load_script(model), name=full, latency_s=latency_s, settings=settings)


__all__ = ["DO_NOTHING_ANSWER", "DoNothingProvider", "OracleProvider", "Script", "ScriptCall", "ScriptTurn",
           "ScriptUsage", "ScriptedProvider", "load_script", "plan_waves", "read_script_data", "scripted_provider"]
