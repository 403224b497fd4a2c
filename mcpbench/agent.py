"""The agent loop: model ⇄ tools through native tool calling, recorded as a Trajectory (docs/trajectory.md).

Every turn: one model request with the toolbox's tools; the calls it asks for run concurrently; their results go
back to the model; a turn without calls is the final answer. The loop never raises for faults: a model endpoint
failure, a tool crash, a deadline — each ends up as typed events and an episode status.
"""

from __future__ import annotations

import math
import time
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field

from mcpbench.models._common import settings_record
from mcpbench.models.base import (
    Message,
    ModelError,
    ModelRequest,
    ModelResponse,
    ModelSettings,
    Provider,
    is_compute_bound,
)
from mcpbench.outcomes import cap_text
from mcpbench.toolbox import Toolbox
from mcpbench.trajectory import ErrorEvent, FinalAnswer, ModelTurn, RequestedCall, ToolCallEvent, Trajectory

DEFAULT_SYSTEM = (
    "You are a capable assistant with access to tools. Use them when they help you answer the user's request, "
    "calling several at once when they do not depend on each other. When you have what you need, answer the user "
    "in plain text without calling more tools."
)


class Limits(BaseModel):
    """Bounds of one episode."""

    model_config = ConfigDict(frozen=True)

    max_turns: int = Field(default=20, ge=1)
    """Model requests allowed; reaching it without a final answer ends the episode with status max_turns."""
    call_timeout_s: float = Field(default=60.0, gt=0)
    """Deadline of one tool call as the loop sees it (the fleet applies its own per-server deadline too)."""
    episode_timeout_s: float = Field(default=600.0, gt=0)
    """Deadline of the whole episode; reaching it ends the episode with status timeout. The clock stops while a
    compute-bound provider (a local CPU model, models.base.ComputeBound) computes: its time is the host's, bounded by
    max_turns × its max_tokens and its own per-request deadline instead."""
    output_cap_bytes: int = Field(default=16384, ge=64)
    """Tool output is capped at this many UTF-8 bytes before the model sees it."""


def _deadline_event(call: RequestedCall, turn: int, message: str, elapsed: float) -> ToolCallEvent:
    return ToolCallEvent(turn=turn, call_id=call.id, exposed_name=call.name, arguments=call.arguments,
                         raw_arguments=call.raw_arguments, outcome="infra_error", error_kind="timeout",
                         error=message, latency_s=elapsed, parallel_group=turn)


def call_backstop_s(call_timeout_s: float) -> float:
    """The agent's own deadline for one call: a margin past the call deadline the toolbox enforces itself (the
    fleet's, which classifies the timeout and sends the server notifications/cancelled), so it never cuts that
    short; it only bounds a toolbox that does not keep its deadline."""
    return call_timeout_s + max(0.5, 0.1 * call_timeout_s)


async def _run_call(toolbox: Toolbox, call: RequestedCall, turn: int, limits: Limits) -> ToolCallEvent:
    start = time.monotonic()
    try:
        with anyio.move_on_after(call_backstop_s(limits.call_timeout_s)):
            event = await toolbox.call(call, turn=turn)
            return event if event.parallel_group == turn else event.model_copy(update={"parallel_group": turn})
        return _deadline_event(call, turn, f"no result within the call deadline ({limits.call_timeout_s:g} s)",
                               time.monotonic() - start)
    except Exception as e:
        return ToolCallEvent(turn=turn, call_id=call.id, exposed_name=call.name, arguments=call.arguments,
                             raw_arguments=call.raw_arguments, outcome="infra_error", error_kind="server_error",
                             error=f"toolbox raised {type(e).__name__}: {e}", latency_s=time.monotonic() - start,
                             parallel_group=turn)


def _capped(event: ToolCallEvent, cap: int) -> ToolCallEvent:
    """The event as the model sees it: content capped at `cap` bytes (bytes keeps the original size)."""
    text, n, cut = cap_text(event.content, cap)
    if not cut:
        return event
    return event.model_copy(update={"content": text, "truncated": True, "bytes": max(event.bytes, n),
                                    "structured": None})


def _result_message(event: ToolCallEvent) -> Message:
    failed = event.outcome != "ok"
    content = event.content
    if failed and event.error and event.error not in content:
        content = f"{event.error}\n{content}" if content else event.error
    return Message(role="tool", call_id=event.call_id, content=content, is_error=failed)


def _unique_ids(calls: list[RequestedCall], turn: int, seen: set[str]) -> list[RequestedCall]:
    """Calls whose ids are unique in the episode: some OpenAI-compatible servers send empty or repeated ids, which
    would make tool results ambiguous (and Anthropic-style histories invalid)."""
    out = []
    for i, call in enumerate(calls):
        if not call.id or call.id in seen:
            call = call.model_copy(update={"id": f"{call.id or 'call'}_{turn}_{i}"})
        seen.add(call.id)
        out.append(call)
    return out


class _Episode:
    """The mutable state of one run_episode call (kept out of the function so cancellation can read it)."""

    def __init__(self, traj: Trajectory):
        self.traj = traj
        self.turn = 0
        self.in_flight: dict[int, RequestedCall] = {}
        self.results: dict[int, ToolCallEvent] = {}
        self.call_started = 0.0
        self.call_ids: set[str] = set()
        self.paused_by_model: anyio.CancelScope | None = None
        """The episode deadline's scope when the provider is compute-bound: its clock stops while the model runs."""

    def record_response(self, resp: ModelResponse, latency: float) -> None:
        self.traj.events.append(ModelTurn(turn=self.turn, text=resp.text, tool_calls=resp.tool_calls,
                                          usage=resp.usage, latency_s=latency, retries=resp.retries,
                                          finish_reason=resp.finish_reason))
        self.traj.usage = self.traj.usage + resp.usage
        self.traj.model_time_s += latency

    def flush_cancelled_calls(self, message: str) -> None:
        """Record the calls cut off by the episode deadline, in the model's order, beside those that finished."""
        if not self.in_flight:
            return
        elapsed = time.monotonic() - self.call_started
        for i, call in sorted(self.in_flight.items()):
            self.traj.events.append(self.results.get(i) or _deadline_event(call, self.turn, message, elapsed))
        self.traj.tool_time_s += elapsed
        self.in_flight = {}


async def run_episode(provider: Provider, toolbox: Toolbox, prompt: str, *, system_prompt: str = DEFAULT_SYSTEM,
                      limits: Limits | None = None, episode_id: str, task_id: str,
                      model_name: str | None = None) -> Trajectory:
    """Run one episode and return its Trajectory. Never raises for model, tool or infra faults.

    Status: completed (final answer) · max_turns · timeout (episode deadline) · model_error (the endpoint refused
    or failed the request: HTTP errors, unparseable responses) · infra_failed (the endpoint could not be reached or
    never answered after retries, or the provider itself crashed).
    """
    limits = limits or Limits()
    specs = toolbox.tool_specs()
    settings = getattr(provider, "settings", None)
    traj = Trajectory(episode_id=episode_id, task_id=task_id, model=model_name or provider.name, prompt=prompt,
                      system_prompt=system_prompt, tools=[s.name for s in specs],
                      model_settings=settings_record(settings) if isinstance(settings, ModelSettings) else {})
    ep = _Episode(traj)
    messages = [Message(role="user", content=prompt)]
    start = time.monotonic()
    with anyio.move_on_after(limits.episode_timeout_s) as deadline:
        ep.paused_by_model = deadline if is_compute_bound(provider) else None
        await _loop(ep, provider, toolbox, messages, specs, limits)
    if deadline.cancelled_caught:
        ep.flush_cancelled_calls(f"cancelled by the episode deadline ({limits.episode_timeout_s:g} s)")
        traj.status = "timeout"
        not_counted = " (the model's own time not counted)" if ep.paused_by_model is not None else ""
        traj.events.append(ErrorEvent(turn=ep.turn, kind="timeout",
                                      message=f"episode deadline of {limits.episode_timeout_s:g} s reached"
                                              f"{not_counted}"))
    traj.wall_time_s = time.monotonic() - start
    return traj


async def _complete(ep: _Episode, provider: Provider, request: ModelRequest) -> ModelResponse:
    """One model request. With a compute-bound provider the episode deadline is lifted for the request and put back
    later by the time it took, so the deadline counts only the rest of the episode (tools, the loop itself)."""
    scope = ep.paused_by_model
    if scope is None:
        return await provider.complete(request)
    saved, t0 = scope.deadline, anyio.current_time()
    scope.deadline = math.inf
    try:
        return await provider.complete(request)
    finally:
        scope.deadline = saved + (anyio.current_time() - t0)


async def _loop(ep: _Episode, provider: Provider, toolbox: Toolbox, messages: list[Message], specs: list[Any],
                limits: Limits) -> None:
    traj = ep.traj
    while ep.turn < limits.max_turns:
        ep.turn += 1
        # re-read every turn after the first: a toolbox may offer more tools as the episode goes (--tools retrieval)
        tools = specs if ep.turn == 1 else toolbox.tool_specs()
        request = ModelRequest(system=traj.system_prompt, messages=list(messages), tools=tools)
        t0 = time.monotonic()
        try:
            resp = await _complete(ep, provider, request)
        except ModelError as e:
            traj.model_time_s += time.monotonic() - t0
            traj.status = "infra_failed" if e.infra else "model_error"
            traj.events.append(ErrorEvent(turn=ep.turn, kind="infra_error" if e.infra else "model_error",
                                          message=str(e), retries=e.retries))
            return
        except Exception as e:
            traj.model_time_s += time.monotonic() - t0
            traj.status = "infra_failed"
            traj.events.append(ErrorEvent(turn=ep.turn, kind="infra_error",
                                          message=f"provider {provider.name} raised {type(e).__name__}: {e}"))
            return
        if resp.tool_calls:
            resp = resp.model_copy(update={"tool_calls": _unique_ids(resp.tool_calls, ep.turn, ep.call_ids)})
        ep.record_response(resp, time.monotonic() - t0)
        if not resp.tool_calls:
            traj.final_answer = resp.text
            traj.events.append(FinalAnswer(turn=ep.turn, text=resp.text))
            traj.status = "completed"
            return
        messages.append(Message(role="assistant", content=resp.text, tool_calls=resp.tool_calls))
        for event in await _run_calls(ep, toolbox, resp.tool_calls, limits):
            traj.events.append(event)
            messages.append(_result_message(event))
    traj.status = "max_turns"
    traj.events.append(ErrorEvent(turn=ep.turn, kind="max_turns",
                                  message=f"no final answer within {limits.max_turns} model turns"))


async def _run_calls(ep: _Episode, toolbox: Toolbox, calls: list[RequestedCall], limits: Limits) -> list[ToolCallEvent]:
    """Run one turn's calls concurrently; events come back in the model's call order, capped for the model."""
    ep.in_flight = dict(enumerate(calls))
    ep.results = {}
    ep.call_started = time.monotonic()

    async def one(i: int, call: RequestedCall) -> None:
        ep.results[i] = _capped(await _run_call(toolbox, call, ep.turn, limits), limits.output_cap_bytes)

    if len(calls) == 1:  # the common case: no task to spawn
        await one(0, calls[0])
    else:
        async with anyio.create_task_group() as tg:
            for i, call in enumerate(calls):
                tg.start_soon(one, i, call)
    ep.traj.tool_time_s += time.monotonic() - ep.call_started
    ep.in_flight = {}
    return [ep.results[i] for i in range(len(calls))]


__all__ = ["DEFAULT_SYSTEM", "Limits", "run_episode"]
