"""Robustness: call every tool with generated schema-valid and invalid arguments, survive crashes and hangs
(reconnecting when the server dies), and judge what happened: crashes, hangs, errors reported as successes, latency,
output sizes. Only tools that declare readOnlyHint: true, or whose names read as read-only, are called unless the
user allows the rest (--allow-destructive); a destructiveHint: true tool is never called by default."""

from __future__ import annotations

import re
import statistics
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as t
from mcp import Client, MCPError
from pydantic import ValidationError

from mcpbench import _compat
from mcpbench.catalog import ToolEntry
from mcpbench.check.argsgen import invalid_argument_set, valid_argument_sets
from mcpbench.check.model import CallCase, CallRecord, Observations, Verdict, check
from mcpbench.check.protocol import looks_like_error

UNKNOWN_TOOL = "mcpbench_check_no_such_tool"
READ_ONLY_WORDS = frozenset({
    "get", "list", "ls", "read", "show", "search", "find", "lookup", "status", "log", "logs", "describe", "view",
    "info", "inspect", "stat", "stats", "count", "ping", "health", "version", "diff", "echo", "check", "validate",
    "explain", "preview", "peek", "head", "tail", "whoami", "calculate", "compute", "tree", "blame", "grep",
})
"""Name words that read as read-only: a tool without a readOnlyHint is called by default only when one of its name
words is one of these and none is in MUTATING_WORDS."""
MUTATING_WORDS = frozenset({
    "delete", "remove", "rm", "rmdir", "unlink", "write", "overwrite", "drop", "truncate", "destroy", "erase", "purge",
    "wipe", "kill", "terminate", "reset", "uninstall", "shutdown", "revoke", "deploy", "publish", "send",
    "set", "create", "make", "mk", "mkdir", "new", "add", "insert", "update", "upsert", "put", "post", "patch", "edit",
    "modify", "change", "replace", "rename", "move", "mv", "copy", "cp", "save", "store", "upload", "import", "apply",
    "commit", "push", "pull", "merge", "rebase", "checkout", "switch", "restore", "revert", "stash", "clean",
    "init", "clone", "tag", "branch", "install", "run", "exec", "execute", "start", "stop", "restart", "open",
    "close", "lock", "unlock", "enable", "disable", "grant", "approve", "archive", "cancel", "submit", "pay", "buy",
    "order", "book", "email", "notify", "invite", "share", "sync", "migrate", "eval", "shell", "cmd", "sql",
})
"""Name words that may change state: a tool whose name holds one is not called by default (unless it declares
readOnlyHint: true)."""
DESTRUCTIVE_WORDS = MUTATING_WORDS
"""Kept for callers of the old name: the words that make a tool unsafe to call by default."""
LARGE_OUTPUT_BYTES = 100 * 1024
TEXT_CAP = 1024 * 1024
HEAD = 200


def name_words(name: str) -> list[str]:
    """'deleteFile', 'delete_file', 'delete-file', 'file.delete' → ['delete', 'file']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def unsafe_reason(tool: ToolEntry) -> str | None:
    """Why calling `tool` with made-up arguments might change something, or None when it is safe to call by default:
    it declares readOnlyHint: true (and not destructiveHint: true), or, declaring nothing, its name reads as
    read-only (a read word such as get/list/read/status, and no word that may change state)."""
    ann = tool.annotations or {}
    if ann.get("destructiveHint") is True:
        return "declares destructiveHint: true"
    if ann.get("readOnlyHint") is True:
        return None
    if ann.get("readOnlyHint") is False:
        return "declares readOnlyHint: false"
    words = name_words(tool.name)
    hit = next((w for w in words if w in MUTATING_WORDS), None)
    if hit:
        return f"not declared read-only, and its name contains '{hit}'"
    if not any(w in READ_ONLY_WORDS for w in words):
        return "not declared read-only (no readOnlyHint), and its name does not read as read-only"
    return None


destructive_reason = unsafe_reason
"""The old name of unsafe_reason."""


@dataclass
class PlannedCall:
    tool: str
    case: CallCase
    variant: str
    arguments: dict[str, Any]


def plan_calls(tools: list[ToolEntry], *, allow_destructive: bool,
               skip: frozenset[str] = frozenset()) -> tuple[list[PlannedCall], dict[str, str]]:
    """The calls to make (unknown tool first, then per tool: valid sets, one invalid set) and the tools skipped.
    Without `allow_destructive` only tools safe to call by default (see unsafe_reason) are called."""
    calls = [PlannedCall(UNKNOWN_TOOL, "unknown", "unknown", {})]
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            continue
        seen.add(tool.name)
        if tool.name in skip:
            skipped[tool.name] = "skipped on request (--skip-tool)"
            continue
        reason = unsafe_reason(tool)
        if reason and not allow_destructive:
            skipped[tool.name] = f"may change state: {reason}"
            continue
        valid = valid_argument_sets(tool.input_schema)
        if not valid:
            skipped[tool.name] = "no schema-valid arguments could be generated"
        calls += [PlannedCall(tool.name, "valid", v, a) for v, a in valid]
        invalid = invalid_argument_set(tool.input_schema)
        if invalid is not None:
            calls.append(PlannedCall(tool.name, "invalid", invalid[0], invalid[1]))
    return calls, skipped


def _head(text: str) -> str:
    return text[:HEAD]


async def call_once(client: Client, call: PlannedCall, *, timeout_s: float) -> CallRecord:
    """One tools/call, classified. Never raises for server faults."""
    rec: dict[str, Any] = {"tool": call.tool, "case": call.case, "variant": call.variant, "arguments": call.arguments}
    t0 = time.perf_counter()
    try:
        with anyio.fail_after(timeout_s + 2):  # backstop: the SDK's own read timeout fires first
            result = await client.call_tool(call.tool, call.arguments, read_timeout_seconds=timeout_s)
    except MCPError as e:
        kind = {t.REQUEST_TIMEOUT: "timeout", t.CONNECTION_CLOSED: "crash"}.get(e.code, "protocol_error")
        rec.update(result=kind, error=f"MCP error {e.code}: {e.message}"[:300], text_head=_head(e.message))
    except TimeoutError:
        rec.update(result="timeout", error=f"no answer within {timeout_s:g}s")
    except RuntimeError as e:
        msg = str(e)
        schema_fault = "output schema" in msg or "structured content" in msg.lower() or "Invalid schema" in msg
        rec.update(result="output_schema_violation" if schema_fault else "bad_result", error=msg[:300])
    except ValidationError as e:
        first = str(e).splitlines()[0]
        why = ("the SDK re-lists tools to validate a result, and that listing failed" if "ListToolsResult" in first
               else "result does not follow the protocol")
        rec.update(result="bad_result", error=f"{why}: {first}")
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, ConnectionError, OSError) as e:
        rec.update(result="crash", error=f"{type(e).__name__}: {e}"[:300])
    else:
        text, _, n, _ = _compat.render_result(result, TEXT_CAP)
        rec.update(result="error_result" if result.is_error else "ok", bytes=n, text_head=_head(text),
                   structured=result.structured_content is not None)
    rec["latency_s"] = round(time.perf_counter() - t0, 4)
    return CallRecord(**rec)


async def recovery_probe(client: Client, after: str, *, timeout_s: float) -> CallRecord:
    """After a timed-out call: does the session still answer a cheap request?"""
    t0 = time.perf_counter()
    try:
        with anyio.fail_after(timeout_s):
            await client.list_tools()
    except Exception as e:
        return CallRecord(tool="tools/list", case="recovery", variant=after, result="timeout",
                          error=f"{type(e).__name__}: {e}"[:200] if str(e) else type(e).__name__,
                          latency_s=round(time.perf_counter() - t0, 4))
    return CallRecord(tool="tools/list", case="recovery", variant=after, result="ok",
                      latency_s=round(time.perf_counter() - t0, 4))


async def drive(client: Client, pending: deque[PlannedCall], records: list[CallRecord], *, timeout_s: float) -> bool:
    """Make the pending calls on one session until done or the session breaks. Returns True when it broke (the
    caller reconnects for the rest)."""
    while pending:
        call = pending.popleft()
        rec = await call_once(client, call, timeout_s=timeout_s)
        records.append(rec)
        if rec.result == "crash":
            return True
        if rec.result == "timeout":
            probe = await recovery_probe(client, f"{call.tool} ({call.variant})", timeout_s=min(timeout_s, 5.0))
            records.append(probe)
            if probe.result != "ok":
                return True
    return False


# ---- judges ---------------------------------------------------------------------------------------------------------
def _valid(obs: Observations) -> list[CallRecord]:
    return [r for r in obs.calls if r.case == "valid"]


def _pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@check("robustness.crash", category="robustness", severity="error", title="No crashes",
       why="A crash kills every in-flight call and all session state; most clients never restart the server.",
       hint="Catch exceptions inside tool handlers and return them as isError results.")
def _crash(obs: Observations) -> Verdict:
    recs = _valid(obs)
    if not recs:
        return Verdict("skip", "no tool was called")
    bad = [r for r in recs if r.result == "crash"]
    if bad:
        return Verdict("fail", f"{len(bad)} call(s) with schema-valid arguments crashed the server",
                       [f"{r.tool} {r.arguments}: {r.error}" for r in bad])
    return Verdict("pass", f"{len(recs)} calls, no crash")


@check("robustness.hang", category="robustness", severity="error", title="No hangs",
       why="A call that never answers blocks the agent until the client's deadline and wastes the whole turn.",
       hint="Put your own timeouts on network and subprocess work and return an error when they expire.")
def _hang(obs: Observations) -> Verdict:
    recs = [r for r in obs.calls if r.case in ("valid", "invalid")]
    if not recs:
        return Verdict("skip", "no tool was called")
    bad = [r for r in recs if r.result == "timeout"]
    if bad:
        return Verdict("fail", f"{len(bad)} call(s) got no answer within {obs.call_timeout_s:g}s",
                       [f"{r.tool} ({r.variant}) {r.arguments}" for r in bad])
    return Verdict("pass", f"every call answered within {obs.call_timeout_s:g}s")


@check("robustness.error_flag", category="robustness", severity="warn", title="Errors flagged as errors",
       why="A failure returned with isError=false looks like a result: models trust it and scores count it as a "
           "success.",
       hint="Set isError=true on results that report a failure.")
def _error_flag(obs: Observations) -> Verdict:
    recs = _valid(obs)
    if not recs:
        return Verdict("skip", "no tool was called")
    bad = [r for r in recs if r.result == "ok" and looks_like_error(r.text_head)]
    if bad:
        return Verdict("warn", f"{len(bad)} result(s) report a failure with isError=false",
                       [f"{r.tool} ({r.variant}): {r.text_head[:100]!r}" for r in bad])
    return Verdict("pass", "no failure disguised as a success")


@check("robustness.valid_calls", category="robustness", severity="info", title="Calls with valid arguments",
       why="How the tools answer generated schema-valid arguments; placeholder values may legitimately be refused.",
       hint="")
def _valid_calls(obs: Observations) -> Verdict:
    recs = _valid(obs)
    if not recs:
        return Verdict("skip", "no tool was called")
    counts: dict[str, int] = {}
    for r in recs:
        counts[r.result] = counts.get(r.result, 0) + 1
    refused = [f"{r.tool} ({r.variant}): {r.result}: {(r.text_head or r.error or '')[:100]!r}" for r in recs
               if r.result in ("error_result", "protocol_error")]
    return Verdict("info", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())), refused)


@check("robustness.latency", category="robustness", severity="info", title="Latency",
       why="Slow tools make agents slow; p95 shows the tail a user actually waits for.",
       hint="")
def _latency(obs: Observations) -> Verdict:
    recs = [r for r in _valid(obs) if r.result in ("ok", "error_result")]
    if not recs:
        return Verdict("skip", "no call completed")
    ms = sorted(r.latency_s * 1000 for r in recs)
    slow = max(recs, key=lambda r: r.latency_s)
    return Verdict("info", f"p50 {_pct(ms, 50):.1f} ms · p95 {_pct(ms, 95):.1f} ms over {len(ms)} calls; "
                           f"slowest {slow.tool} {slow.latency_s * 1000:.0f} ms")


@check("robustness.output_size", category="robustness", severity="warn", title="Output size",
       why="Huge results flood the model's context window (and get truncated by clients).",
       hint="Paginate or summarise large outputs; offer a limit parameter.")
def _size(obs: Observations) -> Verdict:
    recs = [r for r in _valid(obs) if r.result in ("ok", "error_result")]
    if not recs:
        return Verdict("skip", "no call completed")
    big = [r for r in recs if r.bytes > LARGE_OUTPUT_BYTES]
    top = max(recs, key=lambda r: r.bytes)
    if big:
        return Verdict("warn", f"{len(big)} result(s) over {LARGE_OUTPUT_BYTES // 1024} KiB",
                       [f"{r.tool} ({r.variant}): {r.bytes / 1024:.0f} KiB" for r in big])
    return Verdict("pass", f"largest result {top.bytes} bytes ({top.tool})")


@check("robustness.coverage", category="robustness", severity="info", title="Tools exercised",
       why="Tools that were not called were not tested; tools that may change state are skipped on purpose.",
       hint="")
def _coverage(obs: Observations) -> Verdict:
    names = {tl.name for tl in obs.tools}
    if not names:
        return Verdict("skip", "no tools listed")
    called = {r.tool for r in obs.calls if r.case in ("valid", "invalid")}
    details = [f"{name}: {why}" for name, why in sorted(obs.skipped_tools.items())]
    if any(why.startswith("may change state") for why in obs.skipped_tools.values()):
        details.append("pass --allow-destructive to call the tools that may change state too (declare "
                       "readOnlyHint: true on the tools that do not)")
    return Verdict("info" if obs.skipped_tools else "pass", f"{len(called & names)} of {len(names)} tools called",
                   details)


__all__ = [
    "DESTRUCTIVE_WORDS",
    "MUTATING_WORDS",
    "READ_ONLY_WORDS",
    "UNKNOWN_TOOL",
    "PlannedCall",
    "call_once",
    "destructive_reason",
    "drive",
    "name_words",
    "plan_calls",
    "recovery_probe",
    "unsafe_reason",
]
