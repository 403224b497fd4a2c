"""Run a check: observe the live server (raw stdout scan, legacy handshake + ping, the main auto session with listings
and robustness calls, reconnecting after crashes), then judge the observations and assemble the report."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import deque
from typing import Any, TextIO

import anyio
from pydantic import BaseModel, ConfigDict, Field

from mcpbench import _compat, process
from mcpbench.catalog import ToolEntry, tool_sha256
from mcpbench.check.behaviour import probe_annotations
from mcpbench.check.model import CheckReport, Handshake, Observations, StderrScan, ToolReport, judge
from mcpbench.check.protocol import handshake_of, observe_legacy, walk, walk_all
from mcpbench.check.rawstdio import scan_stdout
from mcpbench.check.robustness import PlannedCall, drive, plan_calls
from mcpbench.check.target import ConnectFailed, Target, launched, open_session


class CheckOptions(BaseModel):
    """How hard to push the server."""

    model_config = ConfigDict(frozen=True)

    call_timeout_s: float = Field(10.0, gt=0)
    """Deadline of one tools/call (and of one list page); a call that misses it is a hang."""
    connect_timeout_s: float = Field(30.0, gt=0)
    """Deadline of spawn + handshake."""
    allow_destructive: bool = False
    """Also call tools not known to be read-only (see robustness.unsafe_reason); by default only tools that declare
    readOnlyHint: true, or whose names read as read-only, are called."""
    max_restarts: int = Field(3, ge=0)
    """Times the server is restarted after a crash to call the remaining tools."""
    skip_tools: frozenset[str] = frozenset()
    """Tools not to call at all (still listed and judged on their definitions)."""


def _tool_entry(server: str, tool: Any) -> ToolEntry:
    """A listed tool (an SDK model, or the wire dict of a page the SDK refused) as a hashed ToolEntry."""
    fields: dict[str, Any]
    if isinstance(tool, dict):
        schema, out, ann = tool.get("inputSchema"), tool.get("outputSchema"), tool.get("annotations")
        fields = {"name": str(tool.get("name", "")), "title": tool.get("title") if isinstance(tool.get("title"), str)
                  else None, "description": tool.get("description") if isinstance(tool.get("description"), str)
                  else "", "input_schema": schema if isinstance(schema, dict) else {"invalid": schema},
                  "output_schema": out if isinstance(out, dict) or out is None else {"invalid": out},
                  "annotations": ann if isinstance(ann, dict) else None}
    else:
        fields = _compat.tool_to_dict(tool)
    entry = ToolEntry(server=server, **fields)
    entry.sha256 = tool_sha256(entry.definition())
    return entry


def _stderr_scan(f: TextIO, secrets: list[str]) -> StderrScan:
    f.flush()
    f.seek(0)
    data = f.buffer.read() if hasattr(f, "buffer") else f.read().encode()
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    return StderrScan(captured=True, bytes=len(data), lines=len(lines),
                      longest_line=max((len(x) for x in lines), default=0),
                      tail=process.redact(text[-2000:], extra=secrets)[-600:])


async def _main_session(target: Target, obs: Observations, errlog: TextIO, opts: CheckOptions) -> None:
    """The auto-mode session: handshake, listings, then every planned call (restarting the server after a crash)."""
    t0 = time.perf_counter()
    pending: deque[PlannedCall] = deque()
    kw = {"mode": "auto", "errlog": errlog, "connect_timeout_s": opts.connect_timeout_s,
          "read_timeout_s": opts.call_timeout_s}
    try:
        async with open_session(target, **kw) as s:  # type: ignore[arg-type]
            obs.auto = handshake_of(s.client, "auto", time.perf_counter() - t0)
            obs.listings, tools = await walk_all(s.client, obs.auto.capabilities, timeout_s=opts.call_timeout_s)
            obs.tools = [_tool_entry(target.name, tl) for tl in tools]
            plan, obs.skipped_tools = plan_calls(obs.tools, allow_destructive=opts.allow_destructive,
                                                   skip=opts.skip_tools)
            pending.extend(plan)
            try:
                await drive(s.client, pending, obs.calls, timeout_s=opts.call_timeout_s)
            finally:
                obs.stdout_garbage_in_session += s.garbage_lines
    except ConnectFailed as e:
        obs.auto = Handshake(mode="auto", error=str(e), seconds=round(time.perf_counter() - t0, 3))
        return
    except Exception as e:
        if not obs.auto.ok:
            obs.auto = Handshake(mode="auto", error=f"{type(e).__name__}: {e}"[:300])
            return
    restarts = 0
    while pending and restarts < opts.max_restarts:
        restarts += 1
        try:
            async with open_session(target, **kw) as s:  # type: ignore[arg-type]
                # re-list so the SDK knows every output schema again (it validates structured results with them)
                await walk(s.client, "tools", advertised=True, timeout_s=opts.call_timeout_s)
                try:
                    await drive(s.client, pending, obs.calls, timeout_s=opts.call_timeout_s)
                finally:
                    obs.stdout_garbage_in_session += s.garbage_lines
        except ConnectFailed as e:
            for c in pending:
                obs.skipped_tools.setdefault(c.tool, f"not called: the server could not be restarted ({e})")
            return
        except Exception:
            continue
    for c in pending:
        obs.skipped_tools.setdefault(c.tool, f"not called: the server kept crashing ({opts.max_restarts} restarts)")


async def _raw_scan(target: Target, obs: Observations, errlog: TextIO, opts: CheckOptions) -> None:
    if target.transport == "stdio":
        obs.stdout = await scan_stdout(target, errlog, timeout_s=opts.connect_timeout_s)
    else:
        obs.stdout.skipped_reason = "stdout is only checked for stdio servers"


async def _legacy(target: Target, obs: Observations, errlog: TextIO, opts: CheckOptions) -> None:
    obs.legacy, obs.ping = await observe_legacy(target, errlog, connect_timeout_s=opts.connect_timeout_s,
                                                call_timeout_s=opts.call_timeout_s)


async def observe(target: Target, options: CheckOptions | None = None) -> Observations:
    """The live half of a check. Never raises for server faults: they are recorded in the observations.

    A server mcpbench launches without a working directory of its own runs in a fresh scratch directory (deleted
    afterwards), so tools that act on their working directory cannot touch the user's files."""
    opts = options or CheckOptions()
    obs = Observations(target=target.describe(), transport=target.transport, call_timeout_s=opts.call_timeout_s,
                       allow_destructive=opts.allow_destructive)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as errlog, \
            tempfile.TemporaryDirectory(prefix="mcpbench-check-cwd-") as scratch:
        if target.launches and target.cwd is None:
            target = target.model_copy(update={"cwd": scratch})
        try:
            async with launched(target, errlog, deadline_s=opts.connect_timeout_s):
                async with anyio.create_task_group() as tg:  # two independent processes: overlap their start-up
                    tg.start_soon(_raw_scan, target, obs, errlog, opts)
                    tg.start_soon(_legacy, target, obs, errlog, opts)
                await _main_session(target, obs, errlog, opts)
                if obs.auto.ok:  # h4: annotation probes (mcpbench/check/behaviour.py)
                    await probe_annotations(target, obs, errlog, connect_timeout_s=opts.connect_timeout_s,
                                            call_timeout_s=opts.call_timeout_s)
        except ConnectFailed as e:
            obs.legacy = Handshake(mode="legacy", error=str(e))
            obs.auto = Handshake(mode="auto", error=str(e))
        if target.launches:
            obs.stderr = _stderr_scan(errlog, target.secrets)
    return obs


def tool_reports(obs: Observations) -> list[ToolReport]:
    out: list[ToolReport] = []
    seen: set[str] = set()
    for tl in obs.tools:
        if tl.name in seen:
            continue
        seen.add(tl.name)
        recs = [r for r in obs.calls if r.tool == tl.name and r.case in ("valid", "invalid")]
        ms = sorted(r.latency_s * 1000 for r in recs if r.case == "valid" and r.result in ("ok", "error_result"))
        p95 = ms[0] if len(ms) == 1 else (statistics.quantiles(ms, n=100, method="inclusive")[94] if ms else None)
        out.append(ToolReport(name=tl.name, sha256=tl.sha256, calls=len(recs),
                              p50_ms=round(statistics.median(ms), 2) if ms else None,
                              p95_ms=round(p95, 2) if p95 is not None else None,
                              max_bytes=max((r.bytes for r in recs), default=0),
                              skipped=obs.skipped_tools.get(tl.name)))
    return out


def build_report(obs: Observations, seconds: float = 0.0) -> CheckReport:
    """Judge the observations (every registered check) and assemble the report."""
    hs = obs.auto if obs.auto.ok else obs.legacy
    return CheckReport(target=obs.target, transport=obs.transport, server_name=hs.server_name,
                       server_version=hs.server_version,
                       protocol_versions={"auto": obs.auto.protocol_version, "legacy": obs.legacy.protocol_version},
                       results=judge(obs), tools=tool_reports(obs), seconds=round(seconds, 2))


async def run_check(target: Target, options: CheckOptions | None = None) -> CheckReport:
    """Observe `target` and judge it. Never raises for server faults (they become failed checks)."""
    t0 = time.perf_counter()
    obs = await observe(target, options)
    return build_report(obs, time.perf_counter() - t0)


__all__ = ["CheckOptions", "build_report", "observe", "run_check", "tool_reports"]
