"""Protocol: handshakes in both negotiation modes, ping, paginated listings, and the judges of protocol behaviour
(stdout hygiene, unknown tools, invalid arguments, timeouts, stderr volume)."""

from __future__ import annotations

import time
from typing import Any, TextIO

import anyio
from mcp import Client
from pydantic import ValidationError

from mcpbench import process
from mcpbench.check.model import CallRecord, Handshake, Listing, Observations, Ping, Verdict, check
from mcpbench.check.target import ConnectFailed, Target, open_session

PAGE_CAP = 100
"""A listing that has not ended after this many pages is reported as endless."""
STDERR_NOISY_BYTES = 64 * 1024
OUTDATED_VERSIONS = ("2024-11-05",)

_LISTS: dict[str, tuple[str, str, str]] = {
    # kind: (capability, Client method, result attribute)
    "tools": ("tools", "list_tools", "tools"),
    "resources": ("resources", "list_resources", "resources"),
    "resource_templates": ("resources", "list_resource_templates", "resource_templates"),
    "prompts": ("prompts", "list_prompts", "prompts"),
}
_WIRE: dict[str, tuple[str, str]] = {
    # kind: (JSON-RPC method, result key)
    "tools": ("tools/list", "tools"),
    "resources": ("resources/list", "resources"),
    "resource_templates": ("resources/templates/list", "resourceTemplates"),
    "prompts": ("prompts/list", "prompts"),
}


async def raw_page(client: Client, kind: str, cursor: str | None, timeout_s: float) -> dict[str, Any] | None:
    """One list page as the server sent it, bypassing the SDK's result validation; None when unavailable.

    The SDK refuses a whole page when one item breaks the protocol (e.g. a tool whose inputSchema root is not an
    object), which hides every tool from its users. To still judge each tool we re-send the request the way
    ClientSession.send_request does, minus validation (private SDK API, hence the guards)."""
    session = client.session
    stamp = getattr(session, "_stamp", None)
    dispatcher = getattr(session, "_dispatcher", None)
    if stamp is None or dispatcher is None or not hasattr(dispatcher, "send_raw_request"):
        return None
    method, _ = _WIRE[kind]
    data: dict[str, Any] = {"method": method, "params": {"cursor": cursor} if cursor is not None else {}}
    opts: dict[str, Any] = {"timeout": timeout_s}
    try:
        stamp(data, opts)
        with anyio.fail_after(timeout_s):
            raw = await dispatcher.send_raw_request(method, data.get("params"), opts)
    except Exception:
        return None
    return raw if isinstance(raw, dict) else None


def handshake_of(client: Client, mode: str, seconds: float) -> Handshake:
    info = client.server_info
    caps = client.server_capabilities.model_dump(mode="json", by_alias=True, exclude_none=True)
    return Handshake(mode=mode, ok=True, protocol_version=client.protocol_version,
                     server_name=getattr(info, "name", None), server_version=getattr(info, "version", None),
                     capabilities=caps, instructions=client.instructions, seconds=round(seconds, 3))


async def observe_legacy(target: Target, errlog: TextIO, *, connect_timeout_s: float,
                         call_timeout_s: float) -> tuple[Handshake, Ping]:
    """The initialize handshake (what every pre-2026 client does) and a ping. Never raises for server faults."""
    t0 = time.perf_counter()
    ping = Ping()
    try:
        async with open_session(target, mode="legacy", errlog=errlog, connect_timeout_s=connect_timeout_s,
                                read_timeout_s=call_timeout_s) as s:
            hs = handshake_of(s.client, "legacy", time.perf_counter() - t0)
            ping.attempted = True
            try:
                with anyio.fail_after(call_timeout_s + 1):
                    await s.client.session.send_ping()
                ping.ok = True
            except Exception as e:
                ping.error = _one_line(e)
    except ConnectFailed as e:
        return Handshake(mode="legacy", error=str(e), seconds=round(time.perf_counter() - t0, 3)), ping
    except Exception as e:
        if not ping.attempted:
            return Handshake(mode="legacy", error=_one_line(e), seconds=round(time.perf_counter() - t0, 3)), ping
    return hs, ping


async def walk(client: Client, kind: str, *, advertised: bool, timeout_s: float) -> tuple[Listing, list[Any]]:
    """Follow next_cursor to the end, detecting a cursor handed out twice and endless listings."""
    _, method, attr = _LISTS[kind]
    listing = Listing(kind=kind, advertised=advertised, attempted=True)
    items: list[Any] = []
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        try:
            with anyio.fail_after(timeout_s):
                page = await getattr(client, method)(cursor=cursor)
            page_items: list[Any] = list(getattr(page, attr) or [])
            next_cursor = page.next_cursor
        except ValidationError as e:
            first = str(e).splitlines()
            why = " ".join(x.strip() for x in first[:3])[:240]
            listing.error = f"page {listing.pages + 1}: the MCP SDK rejects this result, so its clients see none of " \
                            f"it: {why}"
            raw = await raw_page(client, kind, cursor, timeout_s)
            if raw is None:
                break
            page_items = [x for x in raw.get(_WIRE[kind][1]) or [] if isinstance(x, dict)]
            nxt = raw.get("nextCursor")
            next_cursor = nxt if isinstance(nxt, str) else None
        except Exception as e:
            listing.error = f"page {listing.pages + 1}: {_one_line(e)}"
            break
        listing.pages += 1
        items.extend(page_items)
        cursor = next_cursor
        if cursor is None:
            break
        if cursor in seen:
            listing.loop_cursor = cursor
            break
        seen.add(cursor)
        if listing.pages >= PAGE_CAP:
            listing.page_cap_hit = True
            break
    listing.items = len(items)
    return listing, items  # SDK models, or wire dicts for pages the SDK refused


async def walk_all(client: Client, capabilities: dict[str, Any], *,
                   timeout_s: float) -> tuple[list[Listing], list[Any]]:
    """Every listing the server advertises (tools always). Returns (listings, tools)."""
    listings: list[Listing] = []
    tools: list[Any] = []
    for kind, (cap, _, _) in _LISTS.items():
        advertised = cap in capabilities
        if kind != "tools" and not advertised:
            listings.append(Listing(kind=kind, advertised=False))
            continue
        listing, items = await walk(client, kind, advertised=advertised, timeout_s=timeout_s)
        listings.append(listing)
        if kind == "tools":
            tools = items
    return listings, tools


def _one_line(e: BaseException) -> str:
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:300] if text else type(e).__name__


def looks_like_error(text: str) -> bool:
    """A result text that reports a failure (used to spot errors returned with isError=false)."""
    head = text.strip()[:300].lower()
    starts = ("error", "exception", "traceback", "failed", "failure", "unknown tool", "invalid", "tool not found",
              "mcp error", "[error]")
    return head.startswith(starts) or "traceback (most recent call last)" in head or head.startswith("{\"error\"")


def _quote(r: CallRecord) -> str:
    return (r.text_head or r.error or "").replace("\n", " ")[:100]


# ---- judges ---------------------------------------------------------------------------------------------------------
STDERR_LINES = 10
"""Lines of the server's stderr shown with a failed handshake."""


def _handshake_verdict(hs: Handshake, obs: Observations) -> Verdict:
    if hs.ok:
        who = f"{hs.server_name or '?'} {hs.server_version or ''}".strip()
        return Verdict("pass", f"{who} negotiated {hs.protocol_version} in {hs.seconds:.2f}s")
    # why a server would not start is on its stderr (already redacted): say it where the failure is reported
    said = process.last_lines(obs.stderr.tail, STDERR_LINES)
    summary = process.with_stderr(f"handshake failed: {hs.error}", obs.stderr.tail, 1)
    return Verdict("fail", summary, [f"stderr: {line}" for line in said])


@check("protocol.handshake_auto", category="protocol", severity="error", title="Handshake (auto)",
       why="mcp 2.x clients connect in 'auto' mode: server/discover first, falling back to initialize. A server that "
           "trips over the probe is unreachable for them.",
       hint="Answer unknown methods (server/discover) with a JSON-RPC 'method not found' error, "
            "then accept initialize.")
def _handshake_auto(obs: Observations) -> Verdict:
    return _handshake_verdict(obs.auto, obs)


@check("protocol.handshake_legacy", category="protocol", severity="error", title="Handshake (legacy)",
       why="Most deployed clients only know the initialize handshake.",
       hint="Implement initialize/initialized as in the 2025 spec (the official SDKs do).")
def _handshake_legacy(obs: Observations) -> Verdict:
    return _handshake_verdict(obs.legacy, obs)


@check("protocol.version", category="protocol", severity="warn", title="Protocol version",
       why="Old protocol revisions lack structured output, tool annotations and titles that clients now rely on.",
       hint="Upgrade your MCP SDK so the server negotiates a 2025 or newer revision.")
def _version(obs: Observations) -> Verdict:
    got = {m.mode: m.protocol_version for m in (obs.auto, obs.legacy) if m.ok}
    if not got:
        return Verdict("skip", "no handshake succeeded")
    text = " · ".join(f"{mode}: {v}" for mode, v in got.items())
    if any(v in OUTDATED_VERSIONS for v in got.values()):
        return Verdict("warn", f"outdated protocol revision ({text})")
    return Verdict("pass", text)


@check("protocol.capabilities", category="protocol", severity="warn", title="Capabilities",
       why="Strict clients only call tools/list, resources/list and prompts/list when the matching capability is "
           "advertised.",
       hint="Advertise 'tools' (and 'resources'/'prompts' if you serve them) in the initialize result.")
def _capabilities(obs: Observations) -> Verdict:
    hs = obs.auto if obs.auto.ok else obs.legacy
    if not hs.ok:
        return Verdict("skip", "no handshake succeeded")
    tools = obs.listing("tools")
    if "tools" not in hs.capabilities and tools is not None and tools.items:
        return Verdict("warn", f"lists {tools.items} tools but does not advertise the 'tools' capability")
    return Verdict("pass", "advertises " + (", ".join(sorted(hs.capabilities)) or "nothing"))


@check("protocol.ping", category="protocol", severity="warn", title="Ping",
       why="Clients and proxies use ping (handshake-era protocol) to tell a live server from a hung one.",
       hint="Answer 'ping' with an empty result.")
def _ping(obs: Observations) -> Verdict:
    if not obs.ping.attempted:
        return Verdict("skip", "no legacy session to ping")
    if obs.ping.ok:
        return Verdict("pass", "answers ping")
    return Verdict("warn", f"ping failed: {obs.ping.error}")


@check("protocol.listings", category="protocol", severity="error", title="List requests",
       why="tools/list (and resources/prompts lists when advertised) is how a client learns what the server offers.",
       hint="Make every advertised list method answer, with a 'nextCursor' only when more pages follow.")
def _listings(obs: Observations) -> Verdict:
    done = [x for x in obs.listings if x.attempted]
    if not done:
        return Verdict("skip", "no session to list with")
    bad = [f"{x.kind}: {x.error}" for x in done if x.error]
    if bad:
        tools_broken = any(x.kind == "tools" and x.error for x in done)
        # tools/list is the server's purpose; an advertised but missing resources/prompts list is survivable
        return Verdict("fail" if tools_broken else "warn", f"{len(bad)} list request(s) failed", bad)
    return Verdict("pass", ", ".join(f"{x.items} {x.kind.replace('_', ' ')}" for x in done))


@check("protocol.pagination", category="protocol", severity="error", title="Pagination",
       why="A cursor that repeats sends every client that follows cursors into an endless loop.",
       hint="Return a fresh cursor for each next page and omit 'nextCursor' on the last one.")
def _pagination(obs: Observations) -> Verdict:
    done = [x for x in obs.listings if x.attempted and not x.error]
    if not done:
        return Verdict("skip", "nothing was listed")
    bad = [f"{x.kind}: cursor {x.loop_cursor!r} came back after {x.pages} pages" for x in done if x.loop_cursor]
    bad += [f"{x.kind}: still paginating after {x.pages} pages" for x in done if x.page_cap_hit]
    if bad:
        return Verdict("fail", "pagination never ends", bad)
    paged = [f"{x.kind} in {x.pages} pages" for x in done if x.pages > 1]
    return Verdict("pass", "cursors followed to the end: " + ", ".join(paged) if paged else "single pages")


@check("protocol.stdout_jsonrpc", category="protocol", severity="error", title="Only JSON-RPC on stdout",
       why="On stdio, stdout is the protocol channel: a log line there breaks strict clients and can corrupt messages.",
       hint="Log to stderr (print(..., file=sys.stderr), console.error, logging to stderr), never to stdout.")
def _stdout(obs: Observations) -> Verdict:
    s = obs.stdout
    if not s.checked and obs.transport != "stdio":
        return Verdict("skip", s.skipped_reason or "not a stdio server")
    if not s.checked:
        return Verdict("skip", s.error or s.skipped_reason or "not checked")
    bad = s.bad_lines + obs.stdout_garbage_in_session
    if bad:
        return Verdict("fail", f"{bad} non-JSON-RPC line(s) on stdout", [f"stdout: {x}" for x in s.samples])
    return Verdict("pass", f"all {s.lines} stdout lines were JSON-RPC messages")


@check("protocol.unknown_tool", category="protocol", severity="error", title="Unknown tool",
       why="Models call tools that do not exist; the server must say so (an error result or a JSON-RPC error), not "
           "crash, hang or pretend it worked.",
       hint="Answer a tools/call for an unknown name with isError=true or a JSON-RPC error (-32602).")
def _unknown(obs: Observations) -> Verdict:
    recs = [r for r in obs.calls if r.case == "unknown"]
    if not recs:
        return Verdict("skip", "no session to call with")
    r = recs[0]
    if r.result in ("error_result", "protocol_error"):
        return Verdict("pass", "answered with " + ("an error result" if r.result == "error_result" else
                                                  f"a JSON-RPC error ({_quote(r)})"))
    if r.result == "ok":
        if looks_like_error(r.text_head):
            return Verdict("warn", f"reported the error as a success (isError=false): {_quote(r)}")
        return Verdict("fail", f"silent success for a tool that does not exist: {_quote(r)}")
    what = {"crash": "the server crashed", "timeout": f"no answer within {obs.call_timeout_s:g}s"}.get(
        r.result, r.error or r.result)
    return Verdict("fail", f"calling an unknown tool: {what}")


@check("protocol.invalid_arguments", category="protocol", severity="error", title="Invalid arguments",
       why="Models send wrong arguments; an error they can read lets them fix the call, a silent success or a crash "
           "does not.",
       hint="Validate arguments against your inputSchema and return isError=true (or -32602) naming the problem.")
def _invalid(obs: Observations) -> Verdict:
    recs = [r for r in obs.calls if r.case == "invalid" and r.result != "timeout"]
    if not recs:
        return Verdict("skip", "no tool has arguments its schema forbids")
    silent = [r for r in recs if r.result in ("ok", "output_schema_violation", "bad_result")
              and not (r.result == "ok" and looks_like_error(r.text_head))]
    crashed = [r for r in recs if r.result == "crash"]
    flagged = [r for r in recs if r.result == "ok" and looks_like_error(r.text_head)]
    details = [f"{r.tool} ({r.variant}): crashed the server" for r in crashed]
    details += [f"{r.tool} ({r.variant}): accepted {r.arguments} as a success: {_quote(r)}" for r in silent]
    if crashed or silent:
        return Verdict("fail", f"{len(crashed) + len(silent)} of {len(recs)} tools accepted or crashed on invalid "
                               "arguments", details)
    if flagged:
        return Verdict("warn", f"{len(flagged)} tool(s) reported the error as a success (isError=false)",
                       [f"{r.tool} ({r.variant}): {_quote(r)}" for r in flagged])
    return Verdict("pass", f"all {len(recs)} tools rejected invalid arguments with an error")


@check("protocol.timeout_recovery", category="protocol", severity="error", title="Recovery after a timeout",
       why="After a client gives up on a slow call (and sends notifications/cancelled) the session must keep "
           "answering, or one slow call takes the whole server down.",
       hint="Handle notifications/cancelled and run tool calls concurrently with request handling.")
def _recovery(obs: Observations) -> Verdict:
    recs = [r for r in obs.calls if r.case == "recovery"]
    if not recs:
        return Verdict("skip", "no call missed its deadline")
    bad = [r for r in recs if r.result != "ok"]
    if bad:
        return Verdict("fail", "the session stopped answering after a timed-out call",
                       [f"after {r.variant}: {r.error or r.result}" for r in bad])
    return Verdict("pass", f"the session kept answering after {len(recs)} timed-out call(s)")


@check("protocol.stderr_noise", category="protocol", severity="warn", title="stderr volume",
       why="Clients keep server stderr in their logs; megabytes of it drown real errors and fill disks.",
       hint="Log at INFO or above by default; keep per-request logging at DEBUG.")
def _stderr(obs: Observations) -> Verdict:
    e = obs.stderr
    if not e.captured:
        return Verdict("skip", "stderr is not visible for a server mcpbench did not start")
    text = f"{e.lines} lines, {e.bytes / 1024:.1f} KiB over the whole check"
    if e.bytes > STDERR_NOISY_BYTES:
        return Verdict("warn", f"noisy stderr: {text}", [f"last line: {e.tail.splitlines()[-1][:150]}"] if e.tail
                       else [])
    return Verdict("pass", text)


__all__ = ["PAGE_CAP", "handshake_of", "looks_like_error", "observe_legacy", "walk", "walk_all"]
