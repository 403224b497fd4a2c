"""A scripted model endpoint over real HTTP: OpenAI `POST /v1/chat/completions` and Anthropic `POST /v1/messages`.

It answers each request with the next scripted turn (text, tool calls, usage) or an injected fault (an HTTP status
with an optional Retry-After, a delay beyond the client's timeout, a dropped connection, malformed tool-call JSON,
a tool name nobody offered), and records every request body. Tests drive it through the real SDKs:

    async with FakeLLM([FakeTurn(tool_calls=[...]), FakeTurn(text="done")]) as fake:
        provider = OpenAIProvider("fake", base_url=fake.openai_base_url)

As a command for benchmarks: `python -m mcpbench.testing.fake_llm script.yaml --port 8089 --loop`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.abc
import h11
from pydantic import BaseModel, Field

from mcpbench.models.scripted import ScriptTurn, read_script_data

Wire = Literal["openai", "anthropic"]


class FakeTurn(ScriptTurn):
    """A scripted turn plus the faults the endpoint can inject instead of (or before) answering.

    `latency_s` delays the answer (make it longer than the client timeout to inject a timeout).
    """

    status: int = 200
    """Answer with this HTTP status and an error body instead of the turn."""
    retry_after: str | None = None
    """Retry-After header sent with an error status: seconds ('2') or an HTTP-date."""
    error_message: str = "injected error"
    error_code: str | None = None
    """OpenAI error.code / Anthropic error.type (e.g. 'insufficient_quota', 'overloaded_error')."""
    drop: bool = False
    """Close the connection without answering."""


class RecordedRequest(BaseModel):
    wire: Wire
    path: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] = Field(default_factory=dict)


Responder = Callable[[RecordedRequest], FakeTurn | None]


def _openai_body(turn: FakeTurn, n: int, model: str) -> dict[str, Any]:
    calls = [{"id": c.id or f"call_{n}_{i}", "type": "function",
              "function": {"name": c.exposed(),
                           "arguments": (c.raw_arguments if c.raw_arguments is not None
                                         else json.dumps(c.arguments or {}))}}
             for i, c in enumerate(turn.tool_calls)]
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if calls:
        message["tool_calls"] = calls
    u = turn.usage
    return {"id": f"chatcmpl-fake-{n}", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": u.input_tokens, "completion_tokens": u.output_tokens,
                      "total_tokens": u.input_tokens + u.output_tokens}}


def _anthropic_body(turn: FakeTurn, n: int, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    content += [{"type": "tool_use", "id": c.id or f"call_{n}_{i}", "name": c.exposed(),
                 "input": c.raw_arguments if c.raw_arguments is not None else (c.arguments or {})}
                for i, c in enumerate(turn.tool_calls)]
    return {"id": f"msg_fake_{n}", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": "tool_use" if turn.tool_calls else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": turn.usage.input_tokens, "output_tokens": turn.usage.output_tokens}}


def _error_body(wire: Wire, status: int, message: str, code: str | None) -> dict[str, Any]:
    if wire == "anthropic":
        kind = code or {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error",
                        403: "permission_error", 404: "not_found_error"}.get(status, "api_error" if status >= 500
                                                                             else "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = "server_error" if status >= 500 else "rate_limit_exceeded" if status == 429 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


class FakeLLM:
    """The scripted endpoint. Use as `async with FakeLLM(turns) as fake:`; `fake.requests` records what arrived.

    Turns are served in order (`loop=True` cycles them); past the end it answers HTTP 400 'no scripted turn left'.
    A `responder` callable, when given, chooses the turn from the recorded request instead (None: fall back to the
    queue).
    """

    def __init__(self, turns: Iterable[FakeTurn | dict[str, Any]] = (), *, loop: bool = False, latency_s: float = 0.0,
                 host: str = "127.0.0.1", port: int = 0, responder: Responder | None = None):
        self.turns = [t if isinstance(t, FakeTurn) else FakeTurn.model_validate(t) for t in turns]
        self.loop = loop
        self.latency_s = latency_s
        self.host = host
        self.port = port
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        """Handler failures (should stay empty; tests may assert it)."""
        self._served = 0
        self._counter = itertools.count(1)
        self._tg: anyio.abc.TaskGroup | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url

    def push(self, *turns: FakeTurn | dict[str, Any]) -> None:
        self.turns.extend(t if isinstance(t, FakeTurn) else FakeTurn.model_validate(t) for t in turns)

    async def __aenter__(self) -> FakeLLM:
        listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
        self.port = listener.extra(anyio.abc.SocketAttribute.local_port)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._serve, listener)
        return self

    async def __aexit__(self, *exc: object) -> bool | None:
        assert self._tg is not None
        self._tg.cancel_scope.cancel()
        # handlers never raise (failures land in self.errors), so closing the group cleanly and letting the body's
        # own exception propagate keeps it unwrapped (no ExceptionGroup around a test's ModelError)
        await self._tg.__aexit__(None, None, None)
        return None

    async def _serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        async with listener:
            await listener.serve(self._handle)

    async def serve_forever(self) -> None:
        async with self:
            await anyio.sleep_forever()

    def _next_turn(self, req: RecordedRequest) -> FakeTurn | None:
        if self.responder is not None:
            chosen = self.responder(req)
            if chosen is not None:
                return chosen
        if self._served < len(self.turns):
            turn = self.turns[self._served]
        elif self.loop and self.turns:
            turn = self.turns[self._served % len(self.turns)]
        else:
            return None
        self._served += 1
        return turn

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        async with stream:
            try:
                while await self._one_exchange(conn, stream):
                    conn.start_next_cycle()
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
                pass  # the client went away (e.g. after its own timeout)
            except h11.ProtocolError as e:
                self.errors.append(f"HTTP protocol error: {e}")
            except Exception as e:
                self.errors.append(f"{type(e).__name__}: {e}")

    async def _next_event(self, conn: h11.Connection, stream: anyio.abc.SocketStream) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = await stream.receive(65536)
            except anyio.EndOfStream:
                data = b""
            conn.receive_data(data)

    async def _one_exchange(self, conn: h11.Connection, stream: anyio.abc.SocketStream) -> bool:
        event = await self._next_event(conn, stream)
        if not isinstance(event, h11.Request):
            return False
        chunks = []
        while True:
            ev = await self._next_event(conn, stream)
            if isinstance(ev, h11.Data):
                chunks.append(bytes(ev.data))
            elif isinstance(ev, h11.EndOfMessage):
                break
            else:
                return False
        path = event.target.decode("latin-1").split("?", 1)[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
        wire: Wire | None = ("openai" if path.endswith("/chat/completions")
                             else "anthropic" if path.endswith("/messages") else None)
        if wire is None or event.method != b"POST":
            return await self._send(conn, stream, 404, {"error": {"message": f"no route {path}"}})
        try:
            body = json.loads(b"".join(chunks) or b"{}")
        except ValueError:
            return await self._send(conn, stream, 400, _error_body(wire, 400, "body is not JSON", None))
        req = RecordedRequest(wire=wire, path=path, headers=headers, body=body if isinstance(body, dict) else {})
        self.requests.append(req)
        if req.body.get("stream"):
            return await self._send(conn, stream, 400, _error_body(wire, 400, "fake_llm does not stream", None))
        turn = self._next_turn(req)
        n = next(self._counter)
        if turn is None:
            return await self._send(conn, stream, 400, _error_body(wire, 400, "fake_llm: no scripted turn left", None))
        delay = self.latency_s if turn.latency_s is None else turn.latency_s
        if delay > 0:
            await anyio.sleep(delay)
        if turn.drop:
            return False
        if turn.status != 200:
            extra = [("retry-after", turn.retry_after)] if turn.retry_after is not None else []
            return await self._send(conn, stream, turn.status,
                                    _error_body(wire, turn.status, turn.error_message, turn.error_code), extra)
        model = str(req.body.get("model", "fake"))
        payload = _openai_body(turn, n, model) if wire == "openai" else _anthropic_body(turn, n, model)
        return await self._send(conn, stream, 200, payload)

    async def _send(self, conn: h11.Connection, stream: anyio.abc.SocketStream, status: int, payload: Any,
                    extra_headers: list[tuple[str, str]] | None = None) -> bool:
        data = json.dumps(payload).encode()
        headers = [("content-type", "application/json"), ("content-length", str(len(data))), *(extra_headers or [])]
        await stream.send(conn.send(h11.Response(status_code=status, headers=headers)))
        await stream.send(conn.send(h11.Data(data=data)))
        await stream.send(conn.send(h11.EndOfMessage()))
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE


def load_fake_script(path: str | Path) -> tuple[list[FakeTurn], float]:
    """(turns, default latency) of a script file whose turns may carry faults. Raises ValueError naming the file."""
    data = read_script_data(path)
    try:
        turns = [FakeTurn.model_validate(t) for t in data.get("turns") or []]
        return turns, float(data.get("latency_s", 0.0))
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: invalid script: {e}") from None


def _main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m mcpbench.testing.fake_llm",
                                 description="Serve a scripted OpenAI/Anthropic-compatible model endpoint.")
    ap.add_argument("script", type=Path, help="YAML/JSON script: a list of turns (text, tool_calls, status, ...)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--loop", action="store_true", help="cycle the script forever")
    ap.add_argument("--latency", type=float, default=None, help="seconds before every answer")
    args = ap.parse_args(argv)
    turns, default_latency = load_fake_script(args.script)

    async def run() -> None:
        fake = FakeLLM(turns, loop=args.loop, host=args.host, port=args.port,
                       latency_s=default_latency if args.latency is None else args.latency)
        async with fake:
            print(f"openai base_url:    {fake.openai_base_url}", flush=True)
            print(f"anthropic base_url: {fake.anthropic_base_url}", flush=True)
            await anyio.sleep_forever()

    try:
        anyio.run(run)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    _main()


__all__ = ["FakeLLM", "FakeTurn", "RecordedRequest", "Responder", "Wire", "load_fake_script"]
