"""An in-memory Toolbox for agent-loop tests. It classifies calls the way the fleet's EpisodeTools does."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from mcpbench.models.base import ToolSpec
from mcpbench.trajectory import RequestedCall, ToolCallEvent

ToolFn = Callable[..., Awaitable[str]]


class ToolFailed(Exception):
    """Raised by a tool function to answer with is_error (a tool_error)."""


class MemoryToolbox:
    """Tools are async functions named by exposed name ('server__tool'); every call is recorded as it arrives."""

    def __init__(self, tools: dict[str, ToolFn]):
        self.tools = tools
        self.arrived: list[RequestedCall] = []

    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(name=n, description=f"the {n} tool") for n in self.tools]

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        self.arrived.append(call)
        base: dict[str, Any] = dict(turn=turn, call_id=call.id, exposed_name=call.name, arguments=call.arguments,
                                    raw_arguments=call.raw_arguments, parallel_group=turn)
        fn = self.tools.get(call.name)
        if fn is None:
            return ToolCallEvent(**base, outcome="model_error", error_kind="unknown_tool",
                                 error=f"no tool named '{call.name}' is available")
        server, _, tool = call.name.partition("__")
        base.update(server=server, tool=tool)
        if call.arguments is None:
            return ToolCallEvent(**base, outcome="model_error", error_kind="malformed_arguments",
                                 error="arguments are not a JSON object")
        start = time.monotonic()
        try:
            text = await fn(**call.arguments)
        except ToolFailed as e:
            return ToolCallEvent(**base, outcome="tool_error", error_kind="tool_reported_error", content=str(e),
                                 latency_s=time.monotonic() - start)
        return ToolCallEvent(**base, outcome="ok", content=text, latency_s=time.monotonic() - start,
                             bytes=len(text.encode()))


class Rendezvous:
    """Blocks every arrival until `n` have arrived: a sequential caller can never get past the first one."""

    def __init__(self, n: int, *, give_up_s: float = 10.0):
        self.n = n
        self.give_up_s = give_up_s
        self.arrived = 0
        self.all_here = anyio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived == self.n:
            self.all_here.set()
        with anyio.fail_after(self.give_up_s):
            await self.all_here.wait()


__all__ = ["MemoryToolbox", "Rendezvous", "ToolFailed"]
