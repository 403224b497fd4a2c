"""The Trajectory: the typed record of one episode. It is what judges read (docs/trajectory.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mcpbench.outcomes import ErrorKind, OutcomeClass


class Usage(BaseModel):
    """Token usage as the provider reported it."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    """Cost when the model's price is known; None otherwise."""

    def __add__(self, other: Usage) -> Usage:
        both_unpriced = self.cost_usd is None and other.cost_usd is None
        cost = None if both_unpriced else (self.cost_usd or 0) + (other.cost_usd or 0)
        return Usage(input_tokens=self.input_tokens + other.input_tokens,
                     output_tokens=self.output_tokens + other.output_tokens, cost_usd=cost)


class Retry(BaseModel):
    """One retried attempt of a model request."""

    attempt: int
    reason: str
    """e.g. 'HTTP 429', 'HTTP 503', 'timeout'."""
    wait_s: float


class RequestedCall(BaseModel):
    """A tool call as the model asked for it."""

    id: str
    name: str
    """The exposed (provider-safe) tool name the model used."""
    arguments: dict[str, Any] | None = None
    """Parsed arguments; None when they were not valid JSON objects."""
    raw_arguments: str | None = None
    """The argument text as the model wrote it (kept when it did not parse)."""


class ModelTurn(BaseModel):
    """One model request and its response."""

    type: Literal["model"] = "model"
    turn: int
    text: str = ""
    """Assistant text of this turn."""
    tool_calls: list[RequestedCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    retries: list[Retry] = Field(default_factory=list)
    finish_reason: str | None = None


class ToolCallEvent(BaseModel):
    """One executed (or refused) tool call."""

    type: Literal["tool_call"] = "tool_call"
    turn: int
    call_id: str
    exposed_name: str
    server: str | None = None
    """The real server, None when the name resolved to nothing."""
    tool: str | None = None
    """The real tool name on that server."""
    arguments: dict[str, Any] | None = None
    raw_arguments: str | None = None
    outcome: OutcomeClass
    error_kind: ErrorKind | None = None
    error: str | None = None
    content: str = ""
    structured: Any = None
    latency_s: float = 0.0
    bytes: int = 0
    truncated: bool = False
    parallel_group: int = 0
    """Calls issued in the same model turn share a group (== turn)."""


class FinalAnswer(BaseModel):
    type: Literal["final"] = "final"
    turn: int
    text: str


class ErrorEvent(BaseModel):
    """An episode-level error (model endpoint failure, deadline, infra)."""

    type: Literal["error"] = "error"
    turn: int
    kind: Literal["model_error", "infra_error", "timeout", "max_turns"]
    message: str
    retries: list[Retry] = Field(default_factory=list)
    """Retried attempts of the model request that finally failed (model_error / infra_error)."""


class ToolSearch(BaseModel):
    """One call of the `search_tools` meta-tool (large-toolset mode `retrieval`)."""

    turn: int
    query: str
    results: list[str] = Field(default_factory=list)
    """'server/tool' of every tool it returned, best first."""


class OfferedTools(BaseModel):
    """The tool list of one model request."""

    tools: int
    tokens: int
    """Estimated tokens of the list: ceil(UTF-8 bytes of its canonical JSON / 4) (docs/metrics.md)."""


class ToolsetRecord(BaseModel):
    """What the large-toolset mode offered and found in one episode (docs/discovery.md, docs/metrics.md)."""

    mode: Literal["task", "all", "retrieval"]
    ranker: str | None = None
    """The search_tools ranker (retrieval mode)."""
    cap: int | None = None
    """Tools per request allowed (the provider's documented cap or --tool-cap); None: no cap."""
    requests: list[OfferedTools] = Field(default_factory=list)
    """One entry per model request, in order."""
    searches: list[ToolSearch] = Field(default_factory=list)
    found: list[str] = Field(default_factory=list)
    """'server/tool' of every tool search_tools returned, in first-found order."""
    withheld: list[str] = Field(default_factory=list)
    """'server/tool' of tools not offered because of the cap (mode all with on_cap=truncate; retrieval evictions)."""


Event = Annotated[ModelTurn | ToolCallEvent | FinalAnswer | ErrorEvent, Field(discriminator="type")]

EpisodeStatus = Literal["completed", "max_turns", "timeout", "model_error", "infra_failed"]


class Trajectory(BaseModel):
    """Everything that happened in one episode, in order."""

    schema_version: int = 1
    episode_id: str
    task_id: str
    model: str
    """provider/model"""
    repeat: int = 0
    prompt: str
    """The task text the agent saw (the fuzzy one in benchmark runs)."""
    system_prompt: str = ""
    tools: list[str] = Field(default_factory=list)
    """Exposed names of the tools offered."""
    model_settings: dict[str, Any] = Field(default_factory=dict)
    """temperature, top_p, max_tokens, seed, reasoning... as passed to the provider."""
    events: list[Event] = Field(default_factory=list)
    final_answer: str = ""
    status: EpisodeStatus = "completed"
    usage: Usage = Field(default_factory=Usage)
    model_time_s: float = 0.0
    tool_time_s: float = 0.0
    wall_time_s: float = 0.0
    tool_changes: list[str] = Field(default_factory=list)
    """Tool definition changes of this episode's servers announced while it ran (notifications/tools/list_changed;
    `ToolDrift.describe()`): the tools it was offered may have changed under it. The run's `tool_drift` has them all."""
    toolset: ToolsetRecord | None = None
    """The large-toolset mode's record; None for runs made in the default `task` mode before it existed."""

    def tool_calls(self) -> list[ToolCallEvent]:
        return [e for e in self.events if isinstance(e, ToolCallEvent)]

    def model_turns(self) -> list[ModelTurn]:
        return [e for e in self.events if isinstance(e, ModelTurn)]

    def canonical(self) -> dict[str, Any]:
        """The trajectory without wall-clock fields: equal for equal behaviour (used by determinism tests)."""
        timing = {"latency_s", "model_time_s", "tool_time_s", "wall_time_s", "wait_s"}

        def strip(v: Any) -> Any:
            if isinstance(v, dict):
                return {k: strip(x) for k, x in v.items() if k not in timing}
            if isinstance(v, list):
                return [strip(x) for x in v]
            return v

        return strip(self.model_dump(mode="json"))


__all__ = ["EpisodeStatus", "ErrorEvent", "Event", "FinalAnswer", "ModelTurn", "OfferedTools", "RequestedCall", "Retry",
           "ToolCallEvent", "ToolSearch", "ToolsetRecord", "Trajectory", "Usage"]
