"""The agent loop's view of the tools: offer provider-safe specs, execute one requested call as a typed event."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from mcpbench.models.base import ToolSpec
from mcpbench.trajectory import RequestedCall, ToolCallEvent


@runtime_checkable
class Toolbox(Protocol):
    """Implemented by the fleet's episode scope (mcpbench.fleet.EpisodeTools).

    `call` never raises for tool, model or infra faults: it returns a ToolCallEvent whose `outcome` classifies them
    (unknown name or schema-violating arguments -> model_error; isError -> tool_error; crash/timeout -> infra_error).
    """

    def tool_specs(self) -> list[ToolSpec]: ...

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent: ...


__all__ = ["Toolbox"]
