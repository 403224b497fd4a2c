"""EpisodeTools: the Toolbox an agent sees during one episode (name resolution, argument validation, isolation)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from mcpbench.catalog import ToolEntry, argument_errors
from mcpbench.connection import Connection
from mcpbench.models.base import ToolSpec
from mcpbench.outcomes import ToolOutcome
from mcpbench.trajectory import RequestedCall, ToolCallEvent

if TYPE_CHECKING:
    from mcpbench.fleet import Fleet


class EpisodeTools:
    """Implements mcpbench.toolbox.Toolbox over a Fleet for one episode."""

    def __init__(self, fleet: Fleet, episode_id: str, servers: list[str], *, call_timeout_s: float | None = None,
                 files: Mapping[str, Mapping[str, str]] | None = None):
        self.fleet = fleet
        self.episode_id = episode_id
        self.servers = servers
        self.call_timeout_s = call_timeout_s
        self.files = dict(files or {})
        """Server -> {relative path: text} written into each isolated instance's sandbox before it starts."""
        self._isolated: dict[str, Connection] = {}
        self._dirs: list[Path] = []
        self._locks: dict[str, anyio.Lock] = {}

    def entries(self) -> list[ToolEntry]:
        return self.fleet.catalog.entries(self.servers)

    def tool_specs(self) -> list[ToolSpec]:
        return [ToolSpec(name=e.exposed_name, description=e.description, input_schema=e.input_schema)
                for e in self.entries()]

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        base: dict[str, Any] = {"turn": turn, "call_id": call.id, "exposed_name": call.name,
                                "arguments": call.arguments, "raw_arguments": call.raw_arguments,
                                "parallel_group": turn}
        entry = self.fleet.catalog.resolve(call.name)
        if entry is None or entry.server not in self.servers or entry.quarantined:
            down = self._down_server_of(call.name) if entry is None else None
            if down is not None:  # the tool is missing because its server is down: not the model's fault
                st = self.fleet.status.get(down)
                return ToolCallEvent(**base, server=down, outcome="infra_error", error_kind="server_unavailable",
                                     error=f"server '{down}' is unavailable: {st.why() if st else 'failed'}")
            return ToolCallEvent(**base, outcome="model_error", error_kind="unknown_tool",
                                 error=f"no tool named '{call.name}' is available")
        base.update(server=entry.server, tool=entry.name)
        if call.arguments is None:
            return ToolCallEvent(**base, outcome="model_error", error_kind="malformed_arguments",
                                 error="arguments are not a JSON object")
        problems = argument_errors(entry, call.arguments)
        if problems:
            return ToolCallEvent(**base, outcome="model_error", error_kind="invalid_arguments",
                                 error="arguments do not match the tool's input schema: " + "; ".join(problems))
        out = await self.call_real(entry.server, entry.name, call.arguments)
        return ToolCallEvent(**base, outcome=out.outcome, error_kind=out.error_kind, error=out.error,
                             content=out.content, structured=out.structured, latency_s=out.latency_s, bytes=out.bytes,
                             truncated=out.truncated)

    def _down_server_of(self, exposed: str) -> str | None:
        """The failed server of this episode whose tools would carry this name, if any."""
        status = self.fleet.status
        for server in self.servers:
            st = status.get(server)
            if st is not None and st.status == "failed" and exposed.startswith(f"{server}__"):
                return server
        return None

    async def unavailable(self) -> dict[str, str]:
        """Servers of this episode that are down (after one attempt to restart each shared one): name -> error.
        An episode that needs one of them cannot be a fair test of the model (its tools are not even offered)."""
        down: dict[str, str] = {}
        for server in self.servers:
            spec = self.fleet.specs[server]
            if not spec.stateful and await self.fleet.shared_connection(server) is not None:
                continue
            st = self.fleet.status.get(server)
            if spec.stateful and st is not None and st.status != "failed":
                continue
            down[server] = st.why() if st else "failed"
        return down

    async def call_real(self, server: str, tool: str, arguments: dict[str, Any],
                        timeout: float | None = None) -> ToolOutcome:
        """Call by real server/tool name with this episode's isolation (no schema check)."""
        spec = self.fleet.specs[server]
        timeout = timeout or self.call_timeout_s
        if not spec.stateful:
            return await self.fleet.call(server, tool, arguments, timeout)
        conn = await self._isolated_conn(server)
        if conn is None or not conn.alive:
            st = conn.status if conn else None
            return ToolOutcome(outcome="infra_error", error_kind="server_unavailable",
                               error=f"server '{server}' could not start for this episode: {st.why() if st else '?'}")
        out = await conn.call(tool, arguments, timeout)
        if out.error_kind == "connection_closed":
            conn.stop()
            self._isolated.pop(server, None)  # the next call in this episode gets a restarted instance
        return out

    async def _isolated_conn(self, server: str) -> Connection | None:
        lock = self._locks.setdefault(server, anyio.Lock())
        async with lock:
            conn = self._isolated.get(server)
            if conn is None:
                conn, data_dir = await self.fleet.start_isolated(self.fleet.specs[server], self.episode_id,
                                                                 files=self.files.get(server))
                self._dirs.append(data_dir)
                self._isolated[server] = conn
            return conn

    async def aclose(self) -> None:
        conns = list(self._isolated.values())
        for c in conns:
            c.stop()
        with anyio.move_on_after(max((c.spec.timeouts.shutdown for c in conns), default=5) + 6):
            for c in conns:
                await c.wait_stopped()
        self._isolated.clear()
        for d in self._dirs:  # disk work, off the event loop; shielded by the caller, so it always completes
            await anyio.to_thread.run_sync(partial(shutil.rmtree, d, ignore_errors=True))


__all__ = ["EpisodeTools"]
