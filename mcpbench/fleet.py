"""The fleet: every server of servers.yaml connected concurrently, each under a deadline, one bad server never blocking
the others. Stateless servers share one session; stateful ones get a fresh process and data per episode.

Fault handling (docs/reliability.md): a server that dies is restarted for the next call; a handshake that hangs is
reported failed at its deadline; garbage and oversize output are counted per server (`status`); a tool list that
changes mid-run is re-listed and recorded in `drift`, and with `on_tool_change="stop"` ends the fleet's block with
ToolDriftError; tool definitions are scanned for poisoning (ToolEntry.flags)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import anyio
import anyio.abc
from pydantic import BaseModel, Field

from mcpbench import process
from mcpbench.catalog import Catalog, ToolEntry, tool_sha256
from mcpbench.config import BUILTIN_VARS, ConfigError, ServerSpec
from mcpbench.connection import Connection, ServerCounters, ServerStatus, resolve
from mcpbench.outcomes import ToolOutcome

if TYPE_CHECKING:
    from mcpbench.connection import Resolved
    from mcpbench.episode import EpisodeTools

ToolChangePolicy = Literal["flag", "stop"]
MAX_FAILED_STARTS = 3
"""Consecutive failed (re)starts of a shared server after which the fleet stops trying (its calls fail at once)."""
LATE_NOTIFICATION_S = 0.25
"""How long `settle` waits after its round trips for a notification sent just after a result."""


class ToolDrift(BaseModel):
    """A server changed its tool definitions while the fleet was open (notifications/tools/list_changed)."""

    server: str
    detected_at: float
    """Unix time of the re-listing."""
    changed: list[str] = Field(default_factory=list)
    """Tools whose definition hash changed."""
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    before: dict[str, str] = Field(default_factory=dict)
    """tool -> sha256 before the change."""
    after: dict[str, str] = Field(default_factory=dict)
    """tool -> sha256 after it."""
    policy: ToolChangePolicy = "flag"

    def describe(self) -> str:
        parts = [f"{k} {', '.join(v)}" for k, v in (("changed", self.changed), ("added", self.added),
                                                       ("removed", self.removed)) if v]
        return f"{self.server}: tools changed mid-run ({'; '.join(parts)})"


class ToolDriftError(Exception):
    """Raised out of `Fleet.open` when a server changes its tools and the policy is 'stop'."""

    def __init__(self, drift: ToolDrift):
        super().__init__(f"{drift.describe()}; stopped (on_tool_change=stop)")
        self.drift = drift


def _needs_world(specs: list[ServerSpec]) -> bool:
    blob = " ".join(" ".join([s.command or "", *s.args, *s.env.values(), s.cwd or "", s.url or ""]) for s in specs)
    return any(f"${{{v}}}" in blob for v in ("WORLD", "WEB_URL")) or any(s.isolation.copy_ for s in specs)


def security_flags(entry: ToolEntry) -> list[str]:
    """Tool-poisoning findings in one definition (the `mcpbench check` security rules)."""
    from mcpbench.check.security import HIDDEN_RULES, SUSPICIOUS_RULES, invisible_chars, scan, strings_of

    flags = scan(entry, HIDDEN_RULES) + scan(entry, SUSPICIOUS_RULES)
    for where, text in strings_of(entry):
        if invisible_chars(text):
            flags.append(f"{entry.name} {where}: invisible characters")
    return flags


class Fleet:
    """Live connections to a set of servers. Open with `async with Fleet.open(specs) as fleet`."""

    def __init__(self, specs: list[ServerSpec], *, home: Path | None, log_dir: Path, builtins: dict[str, str],
                 tg: anyio.abc.TaskGroup, on_tool_change: ToolChangePolicy = "flag"):
        self.specs = {s.name: s for s in specs}
        self.home = home
        self.log_dir = log_dir
        self.builtins = builtins
        self.catalog = Catalog()
        self.on_tool_change = on_tool_change
        self.drift: list[ToolDrift] = []
        self.stopped_by: ToolDrift | None = None
        """With on_tool_change 'stop': the change that stopped the fleet (its ToolDriftError is on its way)."""
        """Every mid-run change of tool definitions, in order."""
        self.counters = {s.name: ServerCounters() for s in specs}
        self._drift_signal = anyio.Event()
        self._status: dict[str, ServerStatus] = {}
        self._tg = tg
        self._shared: dict[str, Connection] = {}
        self._restart_locks: dict[str, anyio.Lock] = {}
        self._failed_starts: dict[str, int] = {}
        self._relist_locks: dict[str, anyio.Lock] = {}
        self._relists_pending = 0
        self._relists_idle = anyio.Event()
        self._episode_seq = 0
        self._catalog_dirs: list[Path] = []

    @property
    def status(self) -> dict[str, ServerStatus]:
        """Per server: connection state plus live fault counters (garbage, stray ids, oversize, exits, in-flight)."""
        return {n: st.model_copy(update=self.counters[n].as_status()) for n, st in self._status.items()}

    # ---- lifecycle -------------------------------------------------------------------------------------------
    @classmethod
    @asynccontextmanager
    async def open(cls, specs: list[ServerSpec], *, home: Path | None = None, log_dir: Path | None = None,
                   connect: bool = True, on_tool_change: ToolChangePolicy = "flag") -> AsyncIterator[Fleet]:
        """Connect every server concurrently. Failed servers are reported in `fleet.status`; the rest are usable.

        on_tool_change: 'flag' records a mid-run tool change in `fleet.drift` and serves the new definitions;
        'stop' also cancels the block and raises ToolDriftError. Every server process is reaped on exit."""
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
            try:
                async with anyio.create_task_group() as tg:
                    fleet = cls(specs, home=home, log_dir=log_dir, builtins=builtins, tg=tg,
                                on_tool_change=on_tool_change)
                    try:
                        if connect:
                            await fleet._connect_all()
                        yield fleet
                    finally:
                        with anyio.CancelScope(shield=True):
                            await fleet._shutdown()
                        tg.cancel_scope.cancel()
            except BaseExceptionGroup as group:
                # the fleet's task group wraps whatever ended the block: hand back a lone error as itself
                leaves = _leaves(group)
                if len(leaves) == 1 and isinstance(leaves[0], Exception):
                    raise leaves[0] from None
                raise

    async def _connect_all(self) -> None:
        async def one(spec: ServerSpec) -> None:
            if spec.stateful:
                # an instance of its own, with its own copy of the data, just to learn the tools
                conn, data_dir = await self.start_isolated(spec, "catalog")
                self._catalog_dirs.append(data_dir)
            else:
                conn = await self._start(spec, self.builtins, f"{spec.name}.log", None)
            self._status[spec.name] = conn.status
            if conn.alive:
                self._register_tools(spec.name, conn.tools)
            else:
                self._failed_starts[spec.name] = 1
            if spec.stateful:
                # Stateful servers were started only to learn their tools; episodes start their own instances.
                conn.stop()
                await conn.wait_stopped()
                if self._status[spec.name].status != "failed":
                    self._status[spec.name] = conn.status.model_copy(update={"status": "connected",
                                                                             "stderr_tail": None})
            elif conn.alive:
                self._shared[spec.name] = conn

        async with anyio.create_task_group() as tg:
            for spec in self.specs.values():
                tg.start_soon(one, spec)

    def _register_tools(self, server: str, tools: list[dict[str, Any]]) -> None:
        self.catalog.remove_server(server)
        for tool in tools:
            entry = self.catalog.add(ToolEntry(server=server, **tool))
            entry.flags = security_flags(entry)
        spec, status = self.specs.get(server), self._status.get(server)
        if spec is not None and self.home is not None:
            from mcpbench import catalog_cache  # every live listing checks (and refreshes) the catalog cache

            catalog_cache.remember(self.home, spec, status.version if status else None, tools,
                                   self.catalog.entries([server], include_quarantined=True))

    async def _start(self, spec: ServerSpec, builtins: dict[str, str], log_name: str,
                     data_dir: Path | None) -> Connection:
        """Start one connection task; returns once the handshake succeeded, failed, or ran past the connect
        deadline (a hung server is reported failed at its deadline and torn down in the background)."""
        b = dict(builtins)
        if data_dir is not None:
            b["EPISODE_DIR"] = str(data_dir)
        try:
            resolved = resolve(spec, b, self.home)
        except (ConfigError, FileNotFoundError, OSError) as e:
            return Connection.failed(resolve_placeholder(spec), self.log_dir / log_name, str(e))
        conn = Connection(resolved, self.log_dir / log_name, counters=self.counters[spec.name],
                          on_tools_changed=self._tools_changed)
        conn.connect_deadline = anyio.current_time() + spec.timeouts.connect
        self._tg.start_soon(conn.run)
        with anyio.move_on_after(spec.timeouts.connect + 0.05):
            await conn.ready.wait()
        conn.fail_handshake_deadline()
        return conn

    async def _shutdown(self) -> None:
        conns = list(self._shared.values())
        for c in conns:
            c.stop()
        with anyio.move_on_after(max((c.spec.timeouts.shutdown for c in conns), default=5) + 6):
            for c in conns:
                await c.wait_stopped()
        for d in self._catalog_dirs:
            await anyio.to_thread.run_sync(partial(shutil.rmtree, d, ignore_errors=True))

    # ---- calls -----------------------------------------------------------------------------------------------
    def connection(self, server: str) -> Connection | None:
        """The shared connection to `server` as it is now, alive or not (None for a stateful server, whose connections
        are per episode). Never restarts anything: see `shared_connection`."""
        return self._shared.get(server)

    async def shared_connection(self, server: str) -> Connection | None:
        """The shared connection, restarted once if it died (a crash must not poison later episodes).

        None when the server is stateful, unknown, or cannot be (re)started."""
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
            if self._failed_starts.get(server, 0) >= MAX_FAILED_STARTS:
                return None  # given up: a server that cannot start must not cost every later call a deadline
            if conn is not None and conn.pid is not None and spec.transport != "stdio":
                conn.stop()  # a server we launched on a port: the old process must free it first
                with anyio.move_on_after(spec.timeouts.shutdown + 6):
                    await conn.wait_stopped()
            restarts = self._status[server].restarts + 1 if server in self._status else 0
            new = await self._start(spec, self.builtins, f"{server}.log", None)
            new.status = new.status.model_copy(update={"restarts": restarts})
            if new.alive:
                self._failed_starts[server] = 0
                self._status[server] = new.status
                self._shared[server] = new
                self._register_tools(server, new.tools)
                return new
            self._failed_starts[server] = self._failed_starts.get(server, 0) + 1
            if self._failed_starts[server] >= MAX_FAILED_STARTS:
                new.status = new.status.model_copy(update={
                    "error": f"{new.status.error} (gave up after {MAX_FAILED_STARTS} failed starts in a row)"})
            self._status[server] = new.status
            return None

    async def call(self, server: str, tool: str, arguments: dict[str, Any] | None,
                   timeout: float | None = None) -> ToolOutcome:
        """Call a tool of a stateless server on its shared session. Never raises for server faults."""
        conn = await self.shared_connection(server)
        if conn is None:
            st = self._status.get(server)
            return ToolOutcome(outcome="infra_error", error_kind="server_unavailable",
                               error=f"server '{server}' is unavailable: {st.why() if st else 'unknown server'}")
        out = await conn.call(tool, arguments or {}, timeout)
        if out.error_kind == "connection_closed" and (conn.spec.transport == "stdio" or not await conn.healthy()):
            self._mark_dead(conn)
        return out

    def _mark_dead(self, conn: Connection) -> None:
        if conn.status.status != "failed":
            conn.status = conn.status.model_copy(update={"status": "failed", "error": "server died"})
        if self._shared.get(conn.spec.name) is conn:
            self._status[conn.spec.name] = conn.status
        conn.stop()

    # ---- tool changes ----------------------------------------------------------------------------------------
    def _tools_changed(self, conn: Connection) -> None:
        # counted here, synchronously with the notification, so `settle` sees a re-list that has not started yet
        self._relists_pending += 1
        self._tg.start_soon(self._relist_counted, conn)

    async def _relist_counted(self, conn: Connection) -> None:
        try:
            await self._relist(conn)
        finally:
            self._relists_pending -= 1
            if not self._relists_pending:
                self._relists_idle.set()
                self._relists_idle = anyio.Event()

    async def settle(self, timeout: float = 10.0) -> bool:
        """Make sure a tool change a server announced by now is recorded in `drift` (at most `timeout` s); True if
        settled. A server may send list_changed right after the result of the call that caused it, so: a round trip
        to every live shared session (a stdio stream is ordered: its answer comes after any notification sent before
        it) and LATE_NOTIFICATION_S more for one a concurrent handler sends just after; then, as the SDK hands
        notifications to a spawned task, wait until every notification read off the wire has reached our handler;
        then wait for the re-lists those handlers started."""
        with anyio.move_on_after(timeout):
            async with anyio.create_task_group() as tg:
                for conn in list(self._shared.values()):
                    if conn.client is not None and conn.status.status == "connected":
                        tg.start_soon(conn.healthy, timeout)
            # a server that answers requests concurrently can write the round trip's answer before a notification
            # another handler sends just after its result (seen once in CI with the fault server's threads): give
            # such a notification a moment to arrive
            await anyio.sleep(LATE_NOTIFICATION_S)
            with anyio.move_on_after(2.0):  # a notification of a connection torn down meanwhile never arrives
                while any(c.tool_changes < c.wire.tool_list_changed for c in self.counters.values()):
                    await anyio.sleep(0.005)
            while self._relists_pending:
                await self._relists_idle.wait()
        return not self._relists_pending

    async def trailing_tool_change(self, servers: list[str], announced: int) -> bool:
        """Has one of these servers announced a tool change since `announced` (see announced_tool_changes), counting
        a notification that trails the last call's result by up to LATE_NOTIFICATION_S from a server that declared
        it may send one? Waits only for what is left of that window, so an episode whose last call returned a while
        ago, or whose servers never announce changes, pays nothing."""
        last = max((c.last_result_at for s, c in self.counters.items() if s in servers and c.announces_tool_changes),
                   default=0.0)
        left = last + LATE_NOTIFICATION_S - time.monotonic()
        if left > 0:
            await anyio.sleep(left)
        return self.announced_tool_changes(servers) != announced

    def announced_tool_changes(self, servers: list[str]) -> int:
        """How many tool changes these servers have announced so far (read off the wire or handled, whichever is
        ahead): a change in this number during an episode means its tools may have changed under it."""
        return sum(max(c.tool_changes, c.wire.tool_list_changed) for s, c in self.counters.items() if s in servers)

    async def _relist(self, conn: Connection) -> None:
        """Re-list a server's tools after list_changed; record what changed; stop the fleet if the policy says so."""
        server = conn.spec.name
        async with self._relist_locks.setdefault(server, anyio.Lock()):
            client = conn.client
            if client is None:
                return
            try:
                with anyio.fail_after(conn.spec.timeouts.connect):
                    tools = await conn._list_tools(client)
            except Exception:
                return
            before = {e.name: e.sha256 for e in self.catalog.entries([server], include_quarantined=True)}
            after = {t["name"]: tool_sha256(ToolEntry(server=server, **t).definition()) for t in tools}
            if before == after:
                return
            drift = ToolDrift(server=server, detected_at=time.time(), policy=self.on_tool_change, before=before,
                              after=after, changed=sorted(k for k in before.keys() & after.keys()
                                                          if before[k] != after[k]),
                              added=sorted(after.keys() - before.keys()), removed=sorted(before.keys() - after.keys()))
            self.drift.append(drift)
            self._drift_signal.set()
            self._drift_signal = anyio.Event()
            conn.tools = tools
            self._register_tools(server, tools)
            self._status[server] = self._status[server].model_copy(update={"tools": len(tools)})
            if self.on_tool_change == "stop":
                # set before the error leaves this task: a `settle` woken by this re-list ending may run on before
                # the task group delivers the cancellation, and must not take the run for complete
                self.stopped_by = drift
                raise ToolDriftError(drift)

    async def wait_drift(self, count: int = 1) -> list[ToolDrift]:
        """Wait until `count` tool changes have been recorded; returns `drift`. Has no deadline: give it one."""
        while len(self.drift) < count:
            await self._drift_signal.wait()
        return self.drift

    # ---- episodes --------------------------------------------------------------------------------------------
    @asynccontextmanager
    async def episode(self, episode_id: str | None = None, servers: list[str] | None = None,
                      call_timeout_s: float | None = None,
                      files: Mapping[str, Mapping[str, str]] | None = None) -> AsyncIterator[EpisodeTools]:
        """An isolated view of the fleet for one episode: stateful servers are started lazily, fresh, with a fresh
        copy of their data and the `files` the task gives them (server -> {relative path: text}), and torn down at
        the end.

        Raises KeyError for a server the fleet does not have; ValueError when files are given to a server of the
        fleet that is shared (not isolated per episode: it has no sandbox to hold them) or not in this episode."""
        from mcpbench.episode import EpisodeTools

        self._episode_seq += 1
        eid = episode_id or f"ep{self._episode_seq}"
        names = servers or list(self.specs)
        unknown = [n for n in names if n not in self.specs]
        if unknown:
            raise KeyError(f"unknown server(s): {', '.join(unknown)}")
        given = {s: dict(f) for s, f in (files or {}).items() if f}
        problems = unsandboxed(self.specs, given) + [f"files are given to server '{s}', which is not in this episode"
                                                     for s in given if s not in names]
        if problems:
            raise ValueError("; ".join(problems))
        tools = EpisodeTools(self, eid, names, call_timeout_s=call_timeout_s, files=given)
        try:
            yield tools
        finally:
            with anyio.CancelScope(shield=True):
                await tools.aclose()

    async def start_isolated(self, spec: ServerSpec, episode_id: str,
                             files: Mapping[str, str] | None = None) -> tuple[Connection, Path]:
        """A fresh instance of a stateful server with a fresh copy of its data and `files` (relative path -> text)
        written into its data dir before it starts (used by EpisodeTools)."""
        data_dir = Path(tempfile.mkdtemp(prefix=f"mcpbench-{spec.name}-"))
        world = self.builtins.get("WORLD")
        try:
            # a git repository or a database is disk work: off the event loop, so episodes in flight go on
            if world is not None and spec.isolation.copy_:
                await anyio.to_thread.run_sync(process.copy_world, Path(world), data_dir, list(spec.isolation.copy_))
            if files:
                await anyio.to_thread.run_sync(process.write_files, data_dir, dict(files))
        except (OSError, ValueError) as e:  # reported as this server's start failure; the others go on
            return Connection.failed(resolve_placeholder(spec), self.log_dir / f"{spec.name}.log", str(e)), data_dir
        safe_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in episode_id)[:80]
        conn = await self._start(spec, self.builtins, f"{spec.name}.{safe_id}.log", data_dir)
        return conn, data_dir

    def summary(self) -> list[dict[str, Any]]:
        """Rows for `servers list --json`."""
        rows = []
        status = self.status
        for name in self.specs:
            st = status.get(name) or ServerStatus(name=name, transport=self.specs[name].transport)
            rows.append({"name": name, "transport": st.transport, "status": st.status if st.status != "stopped"
                         else "connected", "tools": st.tools, "version": st.version, "connect_ms": st.connect_ms,
                         "error": st.error, "stateful": st.stateful, "server_name": st.server_name,
                         "protocol_version": st.protocol_version,
                         "stderr_tail": st.stderr_tail if st.status == "failed" else None,
                         "restarts": st.restarts, "garbage_lines": st.garbage_lines,
                         "stray_responses": st.stray_responses, "oversize_messages": st.oversize_messages})
        return rows


def _leaves(group: BaseExceptionGroup) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return out


def unsandboxed(specs: Mapping[str, ServerSpec], files: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Why files given to servers (server -> {path: text}) cannot be written: one message per server among `specs`
    that is shared rather than isolated per episode (files would be silently missing, or left for the next task)."""
    return [f"server '{s}' is given files, but files need a server isolated per episode (stateful: true) and it is "
            "shared" for s, f in files.items() if f and (spec := specs.get(s)) is not None and not spec.stateful]


def resolve_placeholder(spec: ServerSpec) -> Resolved:
    """A Resolved for a server that could not be resolved (so its failure can still be reported)."""
    from mcpbench.connection import Resolved

    return Resolved(spec=spec, name=spec.name, transport=spec.transport, command=spec.command, args=list(spec.args),
                    url=spec.url)


__all__ = ["BUILTIN_VARS", "Fleet", "ServerStatus", "ToolChangePolicy", "ToolDrift", "ToolDriftError",
           "security_flags", "unsandboxed"]
