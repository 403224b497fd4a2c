"""A minimal static HTTP/1.1 file server on loopback, in anyio (no threads), for the world's intranet pages.

The fetch MCP server can only reach loopback here, so the world's ``web/`` folder is served on 127.0.0.1 with a free
port for the length of a run. GET and HEAD only; one request per connection (``Connection: close``).
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio
from anyio.abc import SocketAttribute, SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream

REQUEST_TIMEOUT_S = 120.0  # the fetch server can take ~10 s per page on a loaded 2-core machine
"""A client gets this long to send its request head and receive the answer."""
MAX_HEAD_BYTES = 16 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 414: "URI Too Long"}


def _content_type(path: Path) -> str:
    kind, _ = mimetypes.guess_type(path.name)
    kind = kind or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/javascript", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind


def _resolve(root: Path, target: str) -> Path | None:
    """The file a request target names under root, or None (missing, or outside root)."""
    path = unquote(urlsplit(target).path)
    if "\0" in path:
        return None
    norm = posixpath.normpath("/" + path.lstrip("/"))
    candidate = (root / norm.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _response(status: int, body: bytes, content_type: str, *, head_only: bool = False,
              extra: dict[str, str] | None = None) -> bytes:
    headers = {
        "Date": formatdate(usegmt=True),
        "Server": "mcpbench-world",
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Connection": "close",
        **(extra or {}),
    }
    head = f"HTTP/1.1 {status} {_REASONS[status]}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + (b"" if head_only else body)


def _error(status: int, message: str, *, head_only: bool = False, extra: dict[str, str] | None = None) -> bytes:
    body = f"<!doctype html><title>{status} {_REASONS[status]}</title><h1>{status} {_REASONS[status]}</h1>" \
           f"<p>{message}</p>\n".encode()
    return _response(status, body, "text/html; charset=utf-8", head_only=head_only, extra=extra)


def _answer(root: Path, head: bytes) -> bytes:
    try:
        request_line = head.split(b"\r\n", 1)[0].decode("ascii")
        method, target, version = request_line.split(" ")
    except (UnicodeDecodeError, ValueError):
        return _error(400, "Malformed request line.")
    if not version.startswith("HTTP/1."):
        return _error(400, "Only HTTP/1.x is spoken here.")
    head_only = method == "HEAD"
    if method not in ("GET", "HEAD"):
        return _error(405, f"{method} is not allowed.", extra={"Allow": "GET, HEAD"})
    path = _resolve(root, target)
    if path is None:
        return _error(404, "No such page.", head_only=head_only)
    return _response(200, path.read_bytes(), _content_type(path), head_only=head_only)


@asynccontextmanager
async def serve_web(root: Path, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve the files under ``root`` on ``host`` with a free port; yield the base URL (no trailing slash).

    ``root`` is the folder to serve; given a world root (a folder with a ``web/`` folder and no index.html), its
    ``web/`` folder is served. The server stops when the block exits.
    """
    root = Path(root).resolve()
    if not (root / "index.html").exists() and (root / "web").is_dir():
        root = root / "web"

    async def handle(stream: SocketStream) -> None:
        async with stream:
            with anyio.move_on_after(REQUEST_TIMEOUT_S):
                reader = BufferedByteReceiveStream(stream)
                try:
                    head = await reader.receive_until(b"\r\n\r\n", MAX_HEAD_BYTES)
                except anyio.DelimiterNotFound:
                    await stream.send(_error(414, "Request head too large."))
                    return
                except (anyio.IncompleteRead, anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                    return
                try:
                    await stream.send(_answer(root, head))
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    return

    listener = await anyio.create_tcp_listener(local_host=host, local_port=0)
    port = listener.extra(SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield f"http://{host}:{port}"
        finally:
            tg.cancel_scope.cancel()


__all__ = ["serve_web"]
