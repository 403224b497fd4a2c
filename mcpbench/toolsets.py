"""Large-toolset mode: which tools an episode offers (`mcpbench run --tools task|all|retrieval`).

- `task`: the tools of the task's servers (plus distractor servers), as always.
- `all`: every tool of the fleet, in every request.
- `retrieval`: one meta-tool, `search_tools`, over the whole fleet's catalog; each tool it returns becomes callable
  (and offered) from the next request on. The agent must find what it needs.

Providers cap the tools of one request (OpenAI: 128). Over the cap, `on_cap="error"` refuses the run before it
starts and `on_cap="truncate"` offers the task's own servers' tools first, then the others in catalog order, up to the
cap (the rest are recorded as withheld). In retrieval mode the found tools beyond the cap evict the earliest found.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any, Literal, Protocol

import anyio
from pydantic import BaseModel, ConfigDict, Field

from mcpbench.catalog import ToolEntry, canonical_json
from mcpbench.models.base import ToolSpec
from mcpbench.trajectory import OfferedTools, RequestedCall, ToolCallEvent, ToolSearch, ToolsetRecord

ToolsMode = Literal["task", "all", "retrieval"]
CapPolicy = Literal["error", "truncate"]

META_SERVER = "mcpbench"
"""The `server` of the harness's own meta-tools in trajectories (not a fleet server; left out of rule metrics)."""
SEARCH_TOOL = "search_tools"

PROVIDER_TOOL_CAPS: dict[str, int] = {
    # OpenAI Chat Completions / Responses: `tools` has maxItems 128; more is HTTP 400 array_above_max_length.
    "openai": 128,
}
"""Documented maximum number of tools in one request, by provider prefix. Anthropic documents no count limit (tool
definitions count against the context window); local llama.cpp has none but its context window."""

SEARCH_SPEC_DESCRIPTION = (
    "Search the catalog of available tools by describing what you need to do, in plain words. Returns the best "
    "matching tools with their descriptions and parameters; every tool returned becomes callable by its name from "
    "your next step. Search again with other words if none fits."
)


class Toolset(BaseModel):
    """How an episode's tools are offered (recorded in the run spec)."""

    model_config = ConfigDict(frozen=True)

    mode: ToolsMode = "task"
    ranker: str = "hybrid"
    """search_tools' ranker (mcpbench.search RANKERS)."""
    top_k: int = Field(5, ge=1, le=50)
    """Tools one search_tools call returns."""
    cap: int | None = Field(None, ge=1)
    """Tools per request; None: the provider's documented cap (PROVIDER_TOOL_CAPS), if any."""
    on_cap: CapPolicy = "error"

    def cap_for(self, model: str) -> int | None:
        return self.cap if self.cap is not None else PROVIDER_TOOL_CAPS.get(model.partition("/")[0])


def tool_list_tokens(specs: list[ToolSpec]) -> int:
    """Estimated tokens of a tool list: ceil(UTF-8 bytes of its canonical JSON / 4) (docs/metrics.md)."""
    if not specs:
        return 0
    blob = canonical_json([{"name": s.name, "description": s.description, "input_schema": s.input_schema}
                           for s in specs])
    return math.ceil(len(blob.encode("utf-8")) / 4)


def search_spec() -> ToolSpec:
    return ToolSpec(name=SEARCH_TOOL, description=SEARCH_SPEC_DESCRIPTION, input_schema={
        "type": "object",
        "properties": {"query": {"type": "string", "description": "What you need a tool for, in plain words."}},
        "required": ["query"],
    })


class CapExceeded(ValueError):
    """`--tools all` would offer more tools than the provider accepts in one request, and on_cap is 'error'."""


class EpisodeToolbox(Protocol):
    """What ToolsetToolbox needs of the episode's tools (mcpbench.episode.EpisodeTools)."""

    def entries(self) -> list[ToolEntry]: ...

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent: ...


def _key(e: ToolEntry) -> str:
    return f"{e.server}/{e.name}"


def _spec(e: ToolEntry) -> ToolSpec:
    return ToolSpec(name=e.exposed_name, description=e.description, input_schema=e.input_schema)


def check_cap(toolset: Toolset, model: str, n_tools: int) -> None:
    """Raise CapExceeded when mode `all` offers more tools than `model`'s provider accepts and on_cap is 'error'."""
    cap = toolset.cap_for(model)
    if toolset.mode == "all" and cap is not None and n_tools > cap and toolset.on_cap == "error":
        raise CapExceeded(f"--tools all offers {n_tools} tools but {model} accepts at most {cap} per request; use "
                          f"--tools retrieval, --on-tool-cap truncate, or fewer servers")


class ToolsetToolbox:
    """A Toolbox that offers an episode's tools by mode and records what it offered and found (trajectory.toolset).

    `tool_specs()` is called once per model request (the agent loop re-reads it every turn), so each call is logged
    as one request's offering."""

    def __init__(self, inner: EpisodeToolbox, toolset: Toolset, *, model: str, task_servers: list[str]):
        self.inner = inner
        self.toolset = toolset
        self.cap = toolset.cap_for(model)
        self.task_servers = task_servers
        self.record = ToolsetRecord(mode=toolset.mode, cap=self.cap,
                                    ranker=toolset.ranker if toolset.mode == "retrieval" else None)
        self._found: list[ToolEntry] = []
        self._offered: dict[str, ToolEntry] = {}
        self.ever_offered: list[str] = []
        """Exposed names of every tool offered in any request of the episode, in first-offered order."""

    def _candidates(self) -> list[ToolEntry]:
        entries = self.inner.entries()
        if self.toolset.mode == "retrieval":
            keep = self.cap - 1 if self.cap is not None else None  # one slot is search_tools
            found = self._found if keep is None else self._found[max(0, len(self._found) - keep):]
            return found
        if self.toolset.mode == "task" or self.cap is None or len(entries) <= self.cap:
            return entries
        own = [e for e in entries if e.server in self.task_servers]
        rest = [e for e in entries if e.server not in self.task_servers]
        return (own + rest)[:self.cap]

    def tool_specs(self) -> list[ToolSpec]:
        chosen = self._candidates()
        self._offered = {e.exposed_name: e for e in chosen}
        specs = [_spec(e) for e in chosen]
        if self.toolset.mode == "retrieval":
            specs = [search_spec(), *specs]
        seen = set(self.ever_offered)
        self.ever_offered += [s.name for s in specs if s.name not in seen]
        offered = set(map(_key, chosen))
        pool = self._found if self.toolset.mode == "retrieval" else self.inner.entries()
        for e in pool:
            k = _key(e)
            if k not in offered and k not in self.record.withheld:
                self.record.withheld.append(k)
        self.record.requests.append(OfferedTools(tools=len(specs), tokens=tool_list_tokens(specs)))
        return specs

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        if self.toolset.mode == "retrieval" and call.name == SEARCH_TOOL:
            return await self._search(call, turn)
        if self.toolset.mode != "task" and call.name not in self._offered:
            hint = " (find tools with search_tools first)" if self.toolset.mode == "retrieval" else ""
            return ToolCallEvent(turn=turn, call_id=call.id, exposed_name=call.name, arguments=call.arguments,
                                 raw_arguments=call.raw_arguments, parallel_group=turn, outcome="model_error",
                                 error_kind="unknown_tool", error=f"no tool named '{call.name}' is available{hint}")
        return await self.inner.call(call, turn=turn)

    async def _search(self, call: RequestedCall, turn: int) -> ToolCallEvent:
        from mcpbench.search import rank_tools

        base: dict[str, Any] = {"turn": turn, "call_id": call.id, "exposed_name": call.name,
                                "arguments": call.arguments, "raw_arguments": call.raw_arguments,
                                "parallel_group": turn, "server": META_SERVER, "tool": SEARCH_TOOL}
        query = (call.arguments or {}).get("query")
        if call.arguments is None:
            return ToolCallEvent(**base, outcome="model_error", error_kind="malformed_arguments",
                                 error="arguments are not a JSON object")
        if not isinstance(query, str) or not query.strip():
            return ToolCallEvent(**base, outcome="model_error", error_kind="invalid_arguments",
                                 error="search_tools needs a non-empty string 'query'")
        entries = self.inner.entries()
        # ranking is CPU work (the embedding ranker runs a small transformer): off the event loop
        hits = await anyio.to_thread.run_sync(partial(rank_tools, entries, query, top_k=self.toolset.top_k,
                                                      ranker=self.toolset.ranker))
        by_name = {e.exposed_name: e for e in entries}
        found = [by_name[h.exposed_name] for h in hits if h.exposed_name in by_name]
        known = set(map(_key, self._found))
        for e in found:
            if _key(e) in known:  # found again: most recent, so last to be evicted at the cap
                self._found = [x for x in self._found if _key(x) != _key(e)]
            self._found.append(e)
            if _key(e) not in self.record.found:
                self.record.found.append(_key(e))
        self.record.searches.append(ToolSearch(turn=turn, query=query, results=[_key(e) for e in found]))
        payload = {"tools": [{"name": e.exposed_name, "description": e.description, "parameters": e.input_schema}
                             for e in found],
                   "note": "These tools are callable from your next step." if found else
                           "No tool matched; try other words."}
        return ToolCallEvent(**base, outcome="ok", content=json.dumps(payload, ensure_ascii=False))


__all__ = [
    "META_SERVER",
    "PROVIDER_TOOL_CAPS",
    "SEARCH_TOOL",
    "CapExceeded",
    "CapPolicy",
    "ToolsMode",
    "Toolset",
    "ToolsetToolbox",
    "check_cap",
    "search_spec",
    "tool_list_tokens",
]
