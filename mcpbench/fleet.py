"""The fleet: every server of servers.yaml connected concurrently, each under a deadline, one bad server never blocking
the others. Stateless servers share one session; stateful ones get a fresh process and data per episode."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
import anyio.abc

from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.config import BUILTIN_VARS, ConfigError, ServerSpec
from mcpbench.connection import Connection, ServerStatus, resolve
from mcpbench.outcomes import ToolOutcome


def _needs_world(specs: list[ServerSpec]) -> bool:
    blob = " ".join(" ".join([s.command or "", *s.args, *s.env.values(), s.cwd or "", s.url or ""]) for s in specs)
    return any(f"${{{v}}}" in blob for v in ("WORLD", "WEB_URL")) or any(s.isolation.copy_ for s in specs)


class Fleet:
    """Live connections to a set of servers. Open with `async with Fleet.open(specs) as fleet`."""

    def __init__(self, specs: list[ServerSpec], *, home: Path | None, log_dir: Path, builtins: dict[str, str],
                 tg: anyio.abc.TaskGroup):
        self.specs = {s.name: s for s in specs}
        self.home = home
        self.log_dir = log_dir
        self.builtins = builtins
        self.catalog = Catalog()
        self.status: dict[str, ServerStatus] = {}
        self._tg = tg
        self._shared: dict[str, Connection] = {}
        self._restart_locks: dict[str, anyio.Lock] = {}
        self._episode_seq = 0
        self._catalog_dirs: list[Path] = []

    # ---- lifecycle -------------------------------------------------------------------------------------------
    @classmethod
    @asynccontextmanager
    async def open(cls, specs: list[ServerSpec], *, home: Path | None = None, log_dir: Path | None = None,
                   connect: bool = True) -> AsyncIterator["Fleet"]:
        """Connect every server concurrently. Failed servers are reported in `fleet.status`; the rest are usable."""
        from mcpbench.install import home_dir

        home = home or home_dir()
        async with AsyncExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mcpbench-fleet-")))
            log_dir = log_dir or tmp / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            builtins = {"MCPBENCH_HOME": str(home), "EPISODE_DIR": str(tmp / "shared")}
            if _needs_world(specs):
                from mcpbench.world import World, serve_web

                world = World.ensure(home)
                web_url = await stack.enter_async_context(serve_web(world.root))
                builtins.update(world.builtins(web_url))
            (tmp / "shared").mkdir(exist_ok=True)
            async with anyio.create_task_group() as tg:
                fleet = cls(specs, home=home, log_dir=log_dir, builtins=builtins, tg=tg)
                try:
                    if connect:
                        await fleet._connect_all()
                    yield fleet
                finally:
                    with anyio.CancelScope(shield=True):
                        await fleet._shutdown()
                    tg.cancel_scope.cancel()

    async def _connect_all(self) -> None:
        async def one(spec: ServerSpec) -> None:
            if spec.stateful:
                # an instance of its own, with its own copy of the data, just to learn the tools
                conn, data_dir = await self.start_isolated(spec, "catalog")
                self._catalog_dirs.append(data_dir)
            else:
                conn = await self._start(spec, self.builtins, f"{spec.name}.log", None)
            self.status[spec.name] = conn.status
            if conn.alive:
                self._register_tools(spec.name, conn.tools)
            if spec.stateful:
                # Stateful servers were started only to learn their tools; episodes start their own instances.
                conn.stop()
                await conn.wait_stopped()
                if self.status[spec.name].status != "failed":
                    self.status[spec.name] = conn.status.model_copy(update={"status": "connected", "stderr_tail": None})
            elif conn.alive:
                self._shared[spec.name] = conn

        async with anyio.create_task_group() as tg:
            for spec in self.specs.values():
                tg.start_soon(one, spec)

    def _register_tools(self, server: str, tools: list[dict[str, Any]]) -> None:
        self.catalog.remove_server(server)
        for tool in tools:
            self.catalog.add(ToolEntry(server=server, **tool))

    async def _start(self, spec: ServerSpec, builtins: dict[str, str], log_name: str,
                     data_dir: Path | None) -> Connection:
        """Start one connection task; returns after the handshake succeeded or failed (never raises for faults)."""
        b = dict(builtins)
        if data_dir is not None:
            b["EPISODE_DIR"] = str(data_dir)
        try:
            resolved = resolve(spec, b, self.home)
        except (ConfigError, FileNotFoundError, OSError) as e:
            conn = Connection(resolve_placeholder(spec), self.log_dir / log_name)
            conn.status = conn.status.model_copy(update={"status": "failed", "error": str(e)})
            return conn
        conn = Connection(resolved, self.log_dir / log_name)
        await self._tg.start(conn.run)
        return conn

    async def _shutdown(self) -> None:
        conns = list(self._shared.values())
        for c in conns:
            c.stop()
        with anyio.move_on_after(max((c.spec.timeouts.shutdown for c in conns), default=5) + 6):
            for c in conns:
                await c.wait_stopped()
        for d in self._catalog_dirs:
            shutil.rmtree(d, ignore_errors=True)

    # ---- calls -----------------------------------------------------------------------------------------------
    async def _shared_conn(self, server: str) -> Connection | None:
        """The shared connection, restarted once if it died (a crash must not poison later episodes)."""
        conn = self._shared.get(server)
        if conn is not None and conn.alive:
            return conn
        spec = self.specs.get(server)
        if spec is None or spec.stateful:
            return None
        lock = self._restart_locks.setdefault(server, anyio.Lock())
        async with lock:
            conn = self._shared.get(server)
            if conn is not None and conn.alive:
                return conn
            restarts = self.status[server].restarts + 1 if server in self.status else 0
            new = await self._start(spec, self.builtins, f"{server}.log", None)
            new.status = new.status.model_copy(update={"restarts": restarts})
            self.status[server] = new.status
            if new.alive:
                self._shared[server] = new
                self._register_tools(server, new.tools)
                return new
            return None

    async def call(self, server: str, tool: str, arguments: dict[str, Any] | None,
                   timeout: float | None = None) -> ToolOutcome:
        """Call a tool of a stateless server on its shared session."""
        conn = await self._shared_conn(server)
        if conn is None:
            st = self.status.get(server)
            return ToolOutcome(outcome="infra_error", error_kind="server_unavailable",
                               error=f"server '{server}' is unavailable: {st.error if st else 'unknown server'}")
        out = await conn.call(tool, arguments or {}, timeout)
        if out.error_kind == "connection_closed":
            self._mark_dead(conn)
        return out

    def _mark_dead(self, conn: Connection) -> None:
        conn.status = conn.status.model_copy(update={"status": "failed", "error": "server died"})
        self.status[conn.spec.name] = conn.status
        conn.stop()

    # ---- episodes --------------------------------------------------------------------------------------------
    @asynccontextmanager
    async def episode(self, episode_id: str | None = None, servers: list[str] | None = None,
                      call_timeout_s: float | None = None) -> AsyncIterator["EpisodeTools"]:
        """An isolated view of the fleet for one episode: stateful servers are started lazily, fresh, with a fresh
        copy of their data, and torn down at the end."""
        from mcpbench.episode import EpisodeTools

        self._episode_seq += 1
        eid = episode_id or f"ep{self._episode_seq}"
        names = servers or list(self.specs)
        unknown = [n for n in names if n not in self.specs]
        if unknown:
            raise KeyError(f"unknown server(s): {', '.join(unknown)}")
        tools = EpisodeTools(self, eid, names, call_timeout_s=call_timeout_s)
        try:
            yield tools
        finally:
            with anyio.CancelScope(shield=True):
                await tools.aclose()

    async def start_isolated(self, spec: ServerSpec, episode_id: str) -> tuple[Connection, Path]:
        """A fresh instance of a stateful server with a fresh copy of its data (used by EpisodeTools)."""
        data_dir = Path(tempfile.mkdtemp(prefix=f"mcpbench-{spec.name}-"))
        world = self.builtins.get("WORLD")
        for rel in spec.isolation.copy_:
            if world is None:
                break
            src = Path(world) / rel
            dst = data_dir / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, symlinks=True)
            elif src.exists():
                shutil.copy2(src, dst)
        safe_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in episode_id)[:80]
        conn = await self._start(spec, self.builtins, f"{spec.name}.{safe_id}.log", data_dir)
        return conn, data_dir

    def summary(self) -> list[dict[str, Any]]:
        """Rows for `servers list --json`."""
        rows = []
        for name in self.specs:
            st = self.status.get(name) or ServerStatus(name=name, transport=self.specs[name].transport)
            rows.append({"name": name, "transport": st.transport, "status": st.status if st.status != "stopped"
                         else "connected", "tools": st.tools, "version": st.version, "connect_ms": st.connect_ms,
                         "error": st.error, "stateful": st.stateful, "server_name": st.server_name,
                         "protocol_version": st.protocol_version,
                         "stderr_tail": st.stderr_tail if st.status == "failed" else None})
        return rows


def resolve_placeholder(spec: ServerSpec):  # type: ignore[no-untyped-def]
    """A Resolved for a server that could not be resolved (so its failure can still be reported)."""
    from mcpbench.connection import Resolved

    return Resolved(spec=spec, command=spec.command, args=list(spec.args), env={}, cwd=None, url=spec.url, headers={})


__all__ = ["Fleet", "ServerStatus", "BUILTIN_VARS"]
