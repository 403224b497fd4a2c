"""Annotation probes: does a tool that declares `readOnlyHint` behave read-only?

After the robustness calls, for each tool declaring readOnlyHint that accepted generated arguments, call it twice more
with those arguments between snapshots of the server's readable state. The snapshot is the output of every *stable
reader*: a tool that reads (declares readOnlyHint, or has a reading verb in its name and no destructive one) and that
answered the same arguments identically twice in a row, so clocks and random outputs never count as changes. A reader
whose output differs after the call means the tool changed state; a second call that fails where the first succeeded
("already exists") means the tool is not safe to retry. Only tools the robustness pass already called are called here,
with the same arguments, so the probe adds no new kind of side effect.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

import anyio
from mcp import Client, MCPError

from mcpbench import _compat
from mcpbench.catalog import ToolEntry
from mcpbench.check.model import CallRecord, Observations, StateProbe
from mcpbench.check.robustness import destructive_reason, name_words
from mcpbench.check.target import ConnectFailed, Target, open_session

READ_VERBS = frozenset({"get", "list", "read", "search", "show", "describe", "find", "query", "lookup", "view",
                        "count", "stat", "stats", "info", "status", "inspect", "peek", "ls", "cat", "head", "tail"})
MAX_PROBES = 10
MAX_READERS = 6
MAX_READER_LATENCY_S = 1.0
"""Readers slower than this (in the robustness calls) are not used: each probe calls every reader three times."""
TEXT_CAP = 256 * 1024
CONTROL_MIN_S, CONTROL_CAP_S = 1.1, 5.0
"""Shortest and longest control interval (see `_probe`): a second-resolution clock always ticks within the minimum."""


def declares_read_only(tool: ToolEntry) -> bool:
    return bool((tool.annotations or {}).get("readOnlyHint") is True)


def is_reader(tool: ToolEntry) -> bool:
    """Declares readOnlyHint, or reads by its name (a reading verb, no destructive word, no destructiveHint)."""
    if declares_read_only(tool):
        return True
    return destructive_reason(tool) is None and bool(set(name_words(tool.name)) & READ_VERBS)


def _accepted_call(obs: Observations, tool: str) -> CallRecord | None:
    """The fastest schema-valid call the tool answered without error."""
    ok = [r for r in obs.calls if r.tool == tool and r.case == "valid" and r.result == "ok"]
    return min(ok, key=lambda r: r.latency_s) if ok else None


async def _call(client: Client, name: str, args: dict[str, Any], timeout_s: float) -> tuple[str, str]:
    """('ok' | 'error', text). Timeouts propagate as TimeoutError."""
    with anyio.fail_after(timeout_s):
        try:
            result = await client.call_tool(name, args)
        except MCPError as e:
            return "error", str(e)[:300]
    text, structured, _, _ = _compat.render_result(result, TEXT_CAP)
    if structured is not None and text == "":
        text = repr(structured)
    return ("error" if result.is_error else "ok"), text


async def _snapshot(client: Client, readers: dict[str, dict[str, Any]], timeout_s: float) -> dict[str, str]:
    return {name: f"{st}:{text}" for name, args in readers.items()
            for st, text in [await _call(client, name, args, timeout_s)]}


def plan(obs: Observations) -> tuple[list[tuple[ToolEntry, CallRecord]], dict[str, dict[str, Any]], str | None]:
    """(tools to probe with the call they accepted, candidate readers with their arguments, why nothing to do)."""
    unique: dict[str, ToolEntry] = {}
    for tl in obs.tools:
        unique.setdefault(tl.name, tl)
    targets = [(tl, rec) for tl in unique.values() if declares_read_only(tl)
               and (rec := _accepted_call(obs, tl.name)) is not None][:MAX_PROBES]
    if not targets:
        return [], {}, "no tool declaring readOnlyHint accepted a generated call"
    readers: dict[str, dict[str, Any]] = {}
    cands = [(tl, rec) for tl in unique.values() if is_reader(tl) and (rec := _accepted_call(obs, tl.name))
             and rec.latency_s <= MAX_READER_LATENCY_S]
    for tl, rec in sorted(cands, key=lambda x: x[1].latency_s)[:MAX_READERS]:
        readers[tl.name] = rec.arguments
    if not readers:
        return targets, {}, "no reading tool answered a generated call to snapshot the server's state"
    return targets, readers, None


async def probe_annotations(target: Target, obs: Observations, errlog: TextIO, *, connect_timeout_s: float,
                            call_timeout_s: float) -> None:
    """Fill `obs.probes` (or `obs.probes_skipped`). Never raises for server faults."""
    targets, readers, why = plan(obs)
    if why is not None and not targets:
        obs.probes_skipped = why
        return
    try:
        async with open_session(target, mode="auto", errlog=errlog, connect_timeout_s=connect_timeout_s,
                                read_timeout_s=call_timeout_s) as s:
            await s.client.list_tools()  # the SDK validates structured results against the listed output schemas
            stable = await _stable(s.client, readers, call_timeout_s)
            for tool, rec in targets:
                probe = await _probe(s.client, tool.name, rec.arguments,
                                     {k: v for k, v in stable.items() if k != tool.name}, call_timeout_s)
                obs.probes.append(probe)
                for k in probe.volatile:  # found time-dependent: no evidence for any later probe either
                    stable.pop(k, None)
                if probe.error:
                    break  # the session may be gone; what was observed stands
    except ConnectFailed as e:
        obs.probes_skipped = f"could not reconnect for the annotation probes: {e}"
    except Exception as e:
        obs.probes_skipped = obs.probes_skipped or f"the probe session failed: {type(e).__name__}: {e}"[:300]


async def _stable(client: Client, readers: dict[str, dict[str, Any]], timeout_s: float) -> dict[str, dict[str, Any]]:
    """Readers that answer their arguments identically twice in a row."""
    out: dict[str, dict[str, Any]] = {}
    for name, args in readers.items():
        try:
            a = await _call(client, name, args, timeout_s)
            b = await _call(client, name, args, timeout_s)
        except TimeoutError:
            continue
        if a == b and a[0] == "ok":
            out[name] = args
    return out


async def _probe(client: Client, tool: str, args: dict[str, Any], readers: dict[str, dict[str, Any]],
                 timeout_s: float) -> StateProbe:
    probe = StateProbe(tool=tool, arguments=args, readers=sorted(readers))
    t0 = time.perf_counter()
    try:
        t_before = time.perf_counter()
        before = await _snapshot(client, readers, timeout_s)
        probe.first, _ = await _call(client, tool, args, timeout_s)
        mid = await _snapshot(client, readers, timeout_s)
        span = time.perf_counter() - t_before
        probe.retry, text = await _call(client, tool, args, timeout_s)
        if probe.retry == "error":
            probe.retry_text = text[:200]
        changed = sorted(k for k in readers if before[k] != mid[k])
        if changed:
            # Control interval: the changed readers again, without the call, across at least three times the span
            # the evidence covered and at least a second. A reader that changes on its own (a clock, "created at
            # 4:30:23") is time-dependent, not evidence.
            c0 = await _snapshot(client, {k: readers[k] for k in changed}, timeout_s)
            await anyio.sleep(min(max(3 * span, CONTROL_MIN_S), CONTROL_CAP_S))
            c1 = await _snapshot(client, {k: readers[k] for k in changed}, timeout_s)
            probe.volatile = [k for k in changed if c0[k] != c1[k]]
            probe.changed = [k for k in changed if k not in probe.volatile]
    except TimeoutError:
        probe.error = f"a call missed the {timeout_s:g}s deadline after {time.perf_counter() - t0:.1f}s"
    except Exception as e:
        probe.error = f"{type(e).__name__}: {e}"[:300]
    return probe


__all__ = ["MAX_PROBES", "MAX_READERS", "READ_VERBS", "declares_read_only", "is_reader", "plan", "probe_annotations"]
