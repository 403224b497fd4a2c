"""The model-provider protocol and its registry. Models are named 'provider/model'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from mcpbench._registry import Registry
from mcpbench.trajectory import RequestedCall, Retry, Usage

if TYPE_CHECKING:
    from task_synth.task import Task


class ToolSpec(BaseModel):
    """A tool as offered to a model: the exposed, provider-safe name and a provider-normalised schema."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Message(BaseModel):
    """Provider-neutral conversation message.

    role='user' | 'assistant' | 'tool'. Assistant messages may carry tool_calls; tool messages answer one call_id.
    """

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[RequestedCall] = Field(default_factory=list)
    call_id: str | None = None
    """tool messages: the id of the call answered."""
    is_error: bool = False
    """tool messages: the call failed."""


class ModelSettings(BaseModel):
    """Sampling settings passed through to the provider and recorded in the trajectory."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ModelRequest(BaseModel):
    system: str = ""
    messages: list[Message]
    tools: list[ToolSpec] = Field(default_factory=list)
    settings: ModelSettings = Field(default_factory=ModelSettings)


class ModelResponse(BaseModel):
    text: str = ""
    tool_calls: list[RequestedCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    retries: list[Retry] = Field(default_factory=list)
    latency_s: float = 0.0


class ModelError(Exception):
    """The endpoint refused or failed the request for good (after retries). `status` is the HTTP status if any."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False,
                 retries: list[Retry] | None = None, infra: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retries = retries or []
        self.infra = infra
        """True when the endpoint could not be reached or never answered (connection refused, timeouts): not the
        model's fault, so the agent loop marks the episode infra_failed instead of model_error."""


@runtime_checkable
class Provider(Protocol):
    """One model endpoint. `complete` may raise ModelError."""

    name: str
    """'provider/model'"""

    async def complete(self, request: ModelRequest) -> ModelResponse: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ComputeBound(Protocol):
    """A provider whose answers are computed on this machine's CPU (a local llama.cpp model). Its latency measures the
    host, not the model: on a shared 2-core machine the same greedy answer takes 10–30× longer than on an idle one. The
    agent loop stops the episode clock while such a provider computes (docs/trajectory.md, "Limits"); its own work is
    bounded by tokens instead (max_turns × max_tokens), and each request by the provider's own request deadline."""

    compute_bound: bool
    """True: the episode deadline does not count this provider's time."""


def is_compute_bound(provider: object) -> bool:
    """The provider says its latency is this machine's CPU time (ComputeBound with compute_bound=True)."""
    return isinstance(provider, ComputeBound) and provider.compute_bound is True


@runtime_checkable
class EpisodeBound(Protocol):
    """A provider that plays one task's reference (the scripted oracle): it gets the task when it is built for the
    episode, so the answer key never travels on a model request."""

    def for_episode(self, task: Task, builtins: dict[str, str]) -> Provider:
        """This provider bound to `task`, with the fleet's `${VAR}` values `builtins`."""
        ...


ProviderFactory = Callable[..., Provider]


@dataclass
class _Registry:
    factories: Registry[ProviderFactory] = field(default_factory=lambda: Registry("model provider"))
    docs: dict[str, str] = field(default_factory=dict)


REGISTRY = _Registry()


def provider(prefix: str, doc: str = "") -> Callable[[ProviderFactory], ProviderFactory]:
    """Register a provider factory for names 'prefix/...'. The factory is called as factory(model, **options).

    Raises ValueError when `prefix` is taken."""

    def deco(factory: ProviderFactory) -> ProviderFactory:
        REGISTRY.factories[prefix] = factory
        REGISTRY.docs[prefix] = (doc or (factory.__doc__ or "").strip().splitlines()[0]
                                 if (doc or factory.__doc__) else "")
        return factory

    return deco


def split_name(name: str) -> tuple[str, str]:
    """'openai/gpt-4o' -> ('openai', 'gpt-4o'). Raises ValueError when there is no provider prefix."""
    prefix, sep, model = name.partition("/")
    if not sep or not model:
        raise ValueError("model names are 'provider/model' (e.g. openai/gpt-4o, local/qwen2.5-coder-1.5b); "
                         f"got '{name}'")
    return prefix, model


__all__ = ["REGISTRY", "ComputeBound", "EpisodeBound", "Message", "ModelError", "ModelRequest", "ModelResponse",
           "ModelSettings", "Provider", "ProviderFactory", "ToolSpec", "is_compute_bound", "provider", "split_name"]
