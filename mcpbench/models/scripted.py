"""`scripted/...`: models that need no network — a script of turns, the do-nothing baseline, the oracle baseline.

- `scripted/<path>`: plays a YAML/JSON script of assistant turns, one per model request.
- `scripted/do-nothing`: answers at once with a fixed sentence and calls nothing (must score ≈ 0).
- `scripted/oracle`: replays the task's reference chain, then says the reference answer (must score ≈ 1).

All three are stateless: the turn to play is the number of assistant messages already in the request, so one
provider serves any number of concurrent episodes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from mcpbench.catalog import exposed_name
from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, ModelSettings, provider
from mcpbench.trajectory import RequestedCall, Usage

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


_BINDING = re.compile(r"^step\[(\d+)\]:(.*)$", re.S)
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"](.+?)['\"]\]")


def binding_source(spec: str) -> int | None:
    """The step index a binding 'step[i]:<regex or $.json.path>' reads from, or None when malformed."""
    m = _BINDING.match(spec)
    return int(m.group(1)) if m else None


def _json_path(text: str, path: str) -> Any:
    try:
        node: Any = json.loads(text)
    except ValueError:
        return None
    for attr, index, quoted in _PATH_TOKEN.findall(path[1:]):
        key: Any = attr or quoted or int(index)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def resolve_binding(spec: str, outputs: dict[int, str]) -> Any:
    """Extract a value from an earlier step's output: 'step[i]:<regex>' (group 1, else the whole match) or
    'step[i]:$.a.b[0]' (a JSON path into the output). None when the step has no output or nothing matches."""
    m = _BINDING.match(spec)
    if not m or int(m.group(1)) not in outputs:
        return None
    text, expr = outputs[int(m.group(1))], m.group(2)
    if expr.startswith("$"):
        return _json_path(text, expr)
    try:
        found = re.search(expr, text)
    except re.error:
        return None
    if not found:
        return None
    return found.group(1) if found.groups() else found.group(0)


def _coerce(value: Any, like: Any) -> Any:
    """Give an extracted string the type of the value recorded at grounding time (ints stay ints)."""
    if not isinstance(value, str) or isinstance(like, bool) or like is None:
        return value
    try:
        if isinstance(like, int):
            return int(value)
        if isinstance(like, float):
            return float(value)
    except ValueError:
        return value
    return value


def plan_waves(task: Any, *, parallel: bool = True) -> list[list[int]]:
    """Group the reference steps into turns, keeping their order: a step joins the current turn when it neither
    depends on (depends_on or bindings) nor follows a step of that turn it consumes."""
    waves: list[list[int]] = []
    for i, step in enumerate(task.reference):
        deps = set(step.depends_on) | {s for s in map(binding_source, step.bindings.values()) if s is not None}
        if parallel and waves and not deps & set(waves[-1]):
            waves[-1].append(i)
        else:
            waves.append([i])
    return waves


class OracleProvider:
    """The oracle baseline: replays `request.context['task']`'s reference chain, then answers `task.answer`."""

    def __init__(self, *, name: str = "scripted/oracle", latency_s: float = 0.0, parallel: bool = True,
                 settings: ModelSettings | None = None):
        self.name = name
        self.latency_s = latency_s
        self.parallel = parallel
        self.settings = settings or ModelSettings()

    async def complete(self, request: ModelRequest) -> ModelResponse:
        task = request.context.get("task")
        if task is None or not hasattr(task, "reference"):
            raise ModelError("scripted/oracle needs the task in the episode context (context={'task': Task})")
        if self.latency_s > 0:
            await anyio.sleep(self.latency_s)
        waves = plan_waves(task, parallel=self.parallel)
        k = _turn_index(request)
        if k >= len(waves):
            return ModelResponse(text=task.answer, finish_reason="stop", latency_s=self.latency_s)
        results = {m.call_id: m.content for m in request.messages if m.role == "tool"}
        outputs = {int(cid.removeprefix("oracle_")): text for cid, text in results.items()
                   if cid and cid.startswith("oracle_") and cid.removeprefix("oracle_").isdigit()}
        calls = []
        for i in waves[k]:
            step = task.reference[i]
            args = dict(step.arguments)
            for arg, spec in step.bindings.items():
                value = resolve_binding(spec, outputs)
                if value is not None:
                    args[arg] = _coerce(value, step.arguments.get(arg))
            calls.append(RequestedCall(id=f"oracle_{i}", name=exposed_name(step.server, step.tool), arguments=args))
        return ModelResponse(tool_calls=calls, finish_reason="tool_calls", latency_s=self.latency_s)

    async def aclose(self) -> None:
        return None


_IGNORED = {"retry", "timeout_s", "max_concurrency", "base_url", "api_key"}
"""Options meaningful for network providers; a runner may pass them to every provider, scripted ones ignore them."""


@provider("scripted", "No network: scripted/<script.yaml|json>, scripted/do-nothing, scripted/oracle (baselines)")
def scripted_provider(model: str, *, latency_s: float | None = None, settings: ModelSettings | None = None,
                      parallel: bool = True, name: str | None = None, **options: Any) -> Any:
    """No network: scripted/<script.yaml|json>, scripted/do-nothing, scripted/oracle (baselines).

    Raises ValueError for an unreadable script and TypeError for an unknown option.
    """
    unknown = set(options) - _IGNORED
    if unknown:
        raise TypeError(f"scripted providers take no option(s) {', '.join(sorted(unknown))}")
    full = name or f"scripted/{model}"
    if model == "do-nothing":
        return DoNothingProvider(name=full, latency_s=latency_s or 0.0, settings=settings)
    if model == "oracle":
        return OracleProvider(name=full, latency_s=latency_s or 0.0, parallel=parallel, settings=settings)
    return ScriptedProvider(load_script(model), name=full, latency_s=latency_s, settings=settings)


__all__ = ["DO_NOTHING_ANSWER", "DoNothingProvider", "OracleProvider", "Script", "ScriptCall", "ScriptTurn",
           "ScriptUsage", "ScriptedProvider", "binding_source", "load_script", "read_script_data", "plan_waves",
           "resolve_binding", "scripted_provider"]
