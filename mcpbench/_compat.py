"""Every quirk of the mcp 2.x SDK lives here: building clients per transport, rendering results, classifying faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

import anyio
import mcp_types as t
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from mcpbench._stdio import OUTPUT_TOO_LARGE, StdioGuard, WireStats, guarded_stdio_client
from mcpbench.outcomes import ErrorKind, OutcomeClass, cap_text
from mcpbench.process import server_env

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
"""Cap of one stdio message when the caller names none (a bigger line is dropped unread and counted)."""


def safe_env(declared: dict[str, str]) -> dict[str, str]:
    """The environment of a launched server: the SDK's safe defaults (HOME, LOGNAME, PATH, SHELL, TERM, USER), the
    machine's non-secret network configuration, then what the server declares (mcpbench.process.server_env)."""
    return server_env(declared)


def stdio_target(command: str, args: list[str], env: dict[str, str], cwd: str | None, errlog: TextIO,
                 guard: StdioGuard | None = None) -> Any:
    """A transport for a subprocess server whose stderr goes to `errlog` (a real file). The SDK's stdio transport,
    guarded (mcpbench._stdio): bounded lines, garbage counted, death noticed, whole process tree reaped."""
    params = StdioServerParameters(command=command, args=args, env=env, cwd=cwd)  # validates like the SDK does
    guard = guard or StdioGuard(max_line_bytes=DEFAULT_MAX_LINE_BYTES)
    return guarded_stdio_client(params.command, params.args, params.env or {}, cwd, errlog, guard)


def http_target(url: str, headers: dict[str, str], read_timeout_s: float) -> Any:
    import httpx2

    timeout = httpx2.Timeout(30.0, read=read_timeout_s)
    return streamable_http_client(url, http_client=create_mcp_http_client(headers=headers or None, timeout=timeout))


def sse_target(url: str, headers: dict[str, str], read_timeout_s: float,
               on_post_error: Callable[[int], None] | None = None) -> Any:
    """An SSE transport. When a message POST is refused (HTTP >= 400) the SDK's writer task dies and every later
    request of the session would wait for its deadline: `on_post_error(status)` lets the owner retire the session."""

    def client_factory(headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None) -> Any:
        client = create_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        if on_post_error is not None:
            async def refused(response: Any) -> None:
                if response.request.method == "POST" and response.status_code >= 400:
                    on_post_error(response.status_code)

            client.event_hooks = {**client.event_hooks, "response": [*client.event_hooks["response"], refused]}
        return client

    return sse_client(url, headers=headers or None, sse_read_timeout=read_timeout_s,
                      httpx_client_factory=client_factory)


def make_client(transport: Any, *, read_timeout_s: float, mode: str = "auto", message_handler: Any = None) -> Client:
    """An SDK client without response caching; `message_handler` gets server notifications and transport faults."""
    return Client(transport, read_timeout_seconds=read_timeout_s, mode=mode, cache=None,
                  message_handler=message_handler)


def is_tool_list_changed(message: Any) -> bool:
    """True for a server's notifications/tools/list_changed as the SDK's message handler delivers it."""
    return isinstance(message, t.ToolListChangedNotification)


def oversize_bytes(exc: BaseException) -> int | None:
    """The original size of an answer the guarded transport dropped for its size, else None."""
    if isinstance(exc, MCPError) and exc.code == OUTPUT_TOO_LARGE:
        data = getattr(exc, "data", None) or getattr(getattr(exc, "error", None), "data", None) or {}
        return int(data.get("bytes", 0)) if isinstance(data, dict) else 0
    return None


def _render_block(block: Any) -> str:
    if isinstance(block, t.TextContent):
        return block.text
    if isinstance(block, (t.ImageContent, t.AudioContent)):
        size = len(block.data) * 3 // 4
        kind = "image" if isinstance(block, t.ImageContent) else "audio"
        return f"[{kind} {block.mime_type}, {size} bytes]"
    if isinstance(block, t.EmbeddedResource):
        r = block.resource
        if isinstance(r, t.TextResourceContents):
            return r.text
        return f"[resource {r.uri} {r.mime_type or ''}, {len(r.blob) * 3 // 4} bytes]"
    if isinstance(block, t.ResourceLink):
        return f"[resource link {block.uri}{': ' + block.description if block.description else ''}]"
    return f"[{getattr(block, 'type', 'unknown')} content]"


def render_result(result: t.CallToolResult, cap: int) -> tuple[str, Any, int, bool]:
    """(text, structured, original_bytes, truncated). Text blocks are joined by newlines; when a server returns only
    structured content the text is its JSON. Structured content is dropped when it alone exceeds the cap."""
    parts = [_render_block(b) for b in result.content]
    text = "\n".join(parts)
    structured = result.structured_content
    if not text and structured is not None:
        text = json.dumps(structured, ensure_ascii=False, sort_keys=True)
    text, n, truncated = cap_text(text, cap)
    if structured is not None and len(json.dumps(structured, default=str)) > cap:
        structured = None
        truncated = True
    return text, structured, n, truncated


_HTTP_STANDINS: dict[tuple[int, str], tuple[OutcomeClass, ErrorKind, str]] = {
    (t.INTERNAL_ERROR, "Server returned an error response"):
        ("infra_error", "server_error", "the server answered the HTTP request with an error status (5xx/4xx)"),
    (t.INVALID_REQUEST, "Session terminated"):
        ("infra_error", "connection_closed", "the server no longer knows the session (HTTP 404): session expired"),
    (t.METHOD_NOT_FOUND, "Not Found"):
        ("infra_error", "server_error", "the server answered the HTTP request with 404 Not Found"),
}
"""Errors the SDK's streamable HTTP client makes up from an HTTP status (no JSON-RPC body): they are about the
transport, not the server's answer to the call, so they must not be charged as tool errors."""


def classify(exc: BaseException) -> tuple[OutcomeClass, ErrorKind, str]:
    """Map an exception from call_tool to an outcome class. Protocol-level error answers (invalid params, unknown tool,
    internal error) are the server's answer to the call: tool_error. Everything about the pipe is infra_error."""
    if isinstance(exc, MCPError) and (exc.code, exc.message) in _HTTP_STANDINS:
        return _HTTP_STANDINS[(exc.code, exc.message)]
    if isinstance(exc, MCPError):
        if exc.code == t.REQUEST_TIMEOUT:
            return "infra_error", "timeout", f"timed out: {exc.message}"
        if exc.code == t.CONNECTION_CLOSED:
            return "infra_error", "connection_closed", f"server connection closed: {exc.message}"
        if exc.code == OUTPUT_TOO_LARGE:
            return "infra_error", "output_too_large", exc.message
        return "tool_error", "server_error", f"MCP error {exc.code}: {exc.message}"
    if isinstance(exc, TimeoutError):
        return "infra_error", "timeout", "timed out"
    if isinstance(exc, (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, ConnectionError,
                        OSError)):
        return "infra_error", "connection_closed", f"server connection lost: {type(exc).__name__}: {exc}"
    if isinstance(exc, RuntimeError) and "output schema" in str(exc).lower():
        return "infra_error", "output_schema_violation", f"server result violates its output schema: {exc}"
    if isinstance(exc, BaseExceptionGroup):
        return classify(exc.exceptions[0])
    return "infra_error", "protocol_error", f"{type(exc).__name__}: {exc}"


def describe_connect_error(exc: BaseException) -> str:
    """One line for a failure to spawn/handshake (nested ExceptionGroups unwrapped)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    if isinstance(exc, MCPError):
        return f"{exc.message} (MCP error {exc.code})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def list_tools_lenient(client: Client, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """One tools/list page, tool by tool: the SDK rejects a whole listing when one tool is malformed (say an
    inputSchema whose type is not 'object'), which would take every good tool of that server down with it. Here each
    tool is validated on its own; a bad one comes back with a `quarantined` reason instead of failing the page.

    Uses the session's private request path (the public one validates the whole page first). Raises MCPError like
    list_tools, and AttributeError if the SDK no longer has that path."""
    from mcp.shared.dispatcher import CallOptions
    from mcp_types import methods as _methods
    from pydantic import ValidationError

    session = client.session
    data: dict[str, Any] = {"method": "tools/list", **({"params": {"cursor": cursor}} if cursor else {})}
    opts: CallOptions = {}
    session._stamp(data, opts)  # protocol headers, as send_request would add them
    if session._session_read_timeout_seconds is not None:
        opts["timeout"] = session._session_read_timeout_seconds
    raw = await session._dispatcher.send_raw_request("tools/list", data.get("params"), opts)
    version = session._negotiated_version or "2025-11-25"
    tools: list[dict[str, Any]] = []
    valid: list[t.Tool] = []
    for i, item in enumerate(raw.get("tools") or [] if isinstance(raw, dict) else []):
        try:
            _methods.validate_server_result("tools/list", version, {"tools": [item]})
            valid.append(t.Tool.model_validate(item))
            tools.append(tool_to_dict(valid[-1]))
        except (ValidationError, ValueError, TypeError, KeyError) as e:
            tools.append(_invalid_tool(item, i, e))
    cursor_out = raw.get("nextCursor") if isinstance(raw, dict) else None
    cursor_out = cursor_out if isinstance(cursor_out, str) else None
    # what list_tools would have taught the session (output schemas), so call_tool does not re-list and fail again
    session._absorb_tool_listing(t.ListToolsResult(tools=valid), complete=False)
    for tool in tools:
        if tool.get("quarantined"):
            session._tool_output_schemas.setdefault(tool["name"], None)
    return tools, cursor_out


def _invalid_tool(item: Any, index: int, exc: Exception) -> dict[str, Any]:
    from pydantic import ValidationError

    d = item if isinstance(item, dict) else {}
    name = d.get("name") if isinstance(d.get("name"), str) and d.get("name") else f"<unnamed tool #{index}>"
    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"] if not (isinstance(x, int) or x == "tools"))
        why = f"{where}: {err['msg']}" if where else err["msg"]
    else:
        why = str(exc)
    schema = d.get("inputSchema")
    return {"name": name, "title": None, "description": str(d.get("description") or ""),
            "input_schema": schema if isinstance(schema, dict) else {}, "output_schema": None, "annotations": None,
            "quarantined": f"invalid tool definition ({why})"}


def tool_to_dict(tool: t.Tool) -> dict[str, Any]:
    ann = tool.annotations.model_dump(mode="json", exclude_none=True, by_alias=True) if tool.annotations else None
    return {"name": tool.name, "title": tool.title, "description": tool.description or "",
            "input_schema": tool.input_schema or {}, "output_schema": tool.output_schema, "annotations": ann or None}


__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "OUTPUT_TOO_LARGE",
    "MCPError",
    "StdioGuard",
    "WireStats",
    "classify",
    "describe_connect_error",
    "http_target",
    "is_tool_list_changed",
    "list_tools_lenient",
    "make_client",
    "oversize_bytes",
    "render_result",
    "safe_env",
    "sse_target",
    "stdio_target",
    "tool_to_dict",
]
