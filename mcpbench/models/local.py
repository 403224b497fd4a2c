"""`local/<name>`: a real small model on this machine — llama.cpp's llama-server started on demand, spoken to through
the OpenAI-compatible provider.

    provider = local_provider("qwen2.5-coder-1.5b")      # nothing starts yet
    resp = await provider.complete(request)              # first call starts llama-server (once) and waits for health
    await provider.aclose()                              # stops it (SIGTERM, then SIGKILL), no orphan

Weights: `install_model` (mcpbench.models.local_weights). Runtime: `ensure_runtime` (mcpbench.models.local_server).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import anyio

from mcpbench.models._common import merge_settings
from mcpbench.models.base import Message, ModelError, ModelRequest, ModelResponse, ModelSettings, provider
from mcpbench.models.local_server import (
    LlamaServer,
    LlamaServerError,
    RuntimeMissingError,
    ServerOptions,
    chat_template_path,
    ensure_runtime,
)
from mcpbench.models.local_weights import (
    DEFAULT_MODEL,
    LocalModelError,
    LocalModelInfo,
    WeightsError,
    home_dir,
    install_model,
    installed_models,
    source_for,
    verified_weights,
)
from mcpbench.models.openai import OpenAIProvider
from mcpbench.models.retry import Failure, RetryPolicy, timeout_failure

DEFAULT_SEED = 1234
DEFAULT_SETTINGS = ModelSettings(temperature=0.0, seed=DEFAULT_SEED, max_tokens=512,
                                 extra={"parallel_tool_calls": False})
"""Greedy decoding and a fixed seed: a local run is reproducible on the same build, hardware and thread count.
At most 512 generated tokens per turn: a call or an answer takes far fewer, and greedy decoding of a small model can
fall into a loop that would otherwise run to the end of the context (minutes of CPU at a few tokens/s; the reply is
then cut with finish_reason "length", a model failure).
One call per turn: the small model does not write real parallel calls; after its call it sometimes writes a made-up
result in a second fenced block, which llama.cpp parses as a second (duplicate) call. Set
extra={"parallel_tool_calls": True} to get every parsed call."""

LOCAL_RETRY = RetryPolicy(max_attempts=2, initial_s=0.5, max_s=2.0)
"""A loopback server either answers or is dead; a deterministic model gives the same answer to the same request."""

_MODEL_FAULT_500 = re.compile(r"Failed to parse input|Failed to parse tool call arguments", re.IGNORECASE)
"""llama.cpp answers HTTP 500 'Failed to parse input at pos N: <output>' when its tool-call parser rejects the model's
own output (e.g. a call naming a tool that was not offered), and 'Failed to parse tool call arguments as JSON' when an
earlier call in the history has broken arguments (ggml-org/llama.cpp#25510). Both are the model's doing and the same
request fails the same way again; any other 500 keeps the ordinary retry policy."""


WALL_CAP_S = 24 * 3600.0
"""The wall-clock cap of one request where llama-server's CPU clock is readable: a last resort only. The deadlines
that act are `LocalProvider.cpu_budget_s` in the server's CPU seconds and `stall_s` without any CPU."""
DEFAULT_CPU_BUDGET_S = 1800.0
"""CPU seconds of llama-server one request may use (LocalProvider's docstring says how it is sized)."""
POLL_S = 2.0
"""How often a request's watchdog reads llama-server's CPU clock."""


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) process PID has used, from /proc; None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class _LlamaChat(OpenAIProvider):
    """OpenAIProvider whose HTTP 500 'could not parse the model output' is final and the model's fault, and whose
    request deadline is counted in llama-server's CPU seconds when `cpu_clock` reads them (see LocalProvider)."""

    cpu_clock: Any = None
    """() -> the server's CPU seconds, or None when unreadable; None: the ordinary wall deadline `timeout_s`."""
    cpu_budget_s: float = 600.0
    stall_s: float = 120.0

    async def _attempt(self, kwargs: dict[str, Any]) -> Any:
        clock = self.cpu_clock
        if clock is None or clock() is None:
            return await self._send_mapped(kwargs)
        verdict: list[str] = []
        error: Exception | None = None
        out: Any = None
        async with anyio.create_task_group() as tg:
            request = anyio.CancelScope()
            tg.start_soon(self._watch, clock, request, verdict)
            with request:
                try:
                    out = await self._send_mapped(kwargs)
                except Exception as e:  # raised after the task group, not wrapped in an exception group
                    error = e
            tg.cancel_scope.cancel()
        if error is not None:
            raise error
        if request.cancelled_caught:
            raise timeout_failure(verdict[0] if verdict else "the request was cut off")
        return out

    async def _watch(self, clock: Any, request: anyio.CancelScope, verdict: list[str]) -> None:
        """Cancel REQUEST when the server spent `cpu_budget_s` CPU seconds on it, or used no CPU for `stall_s`."""
        start = last = clock()
        changed = anyio.current_time()
        while True:
            await anyio.sleep(POLL_S)  # a watchdog's period, not a wait for an event
            now = clock()
            if now is None:  # the process is gone: the request itself fails with a connection error
                return
            if now > last:
                last, changed = now, anyio.current_time()
            elif anyio.current_time() - changed >= self.stall_s:
                verdict.append(f"llama-server used no CPU for {self.stall_s:g} s while the request was pending "
                               "(hung)")
                break
            if now - start >= self.cpu_budget_s:
                verdict.append(f"llama-server spent {self.cpu_budget_s:g} CPU seconds without answering")
                break
        request.cancel()

    async def _send_mapped(self, kwargs: dict[str, Any]) -> Any:
        try:
            return await super()._attempt(kwargs)
        except Failure as f:
            if f.status == 500 and _MODEL_FAULT_500.search(f.message or ""):
                raise Failure(reason="HTTP 500 (unparseable model output)",
                              message=f"llama.cpp could not parse the model's output: {f.message}", status=500,
                              retryable=False, infra=False) from None
            raise


def _sendable(request: ModelRequest) -> ModelRequest:
    """llama.cpp re-parses earlier tool-call arguments as JSON and fails the whole request on text that is not JSON.
    A call whose arguments never parsed is sent back as a JSON string of what the model wrote (it still sees it)."""
    if not any(c.arguments is None for m in request.messages for c in m.tool_calls):
        return request
    messages: list[Message] = []
    for m in request.messages:
        if any(c.arguments is None for c in m.tool_calls):
            calls = [c if c.arguments is not None else
                     c.model_copy(update={"raw_arguments": json.dumps(c.raw_arguments or "")}) for c in m.tool_calls]
            m = m.model_copy(update={"tool_calls": calls})
        messages.append(m)
    return request.model_copy(update={"messages": messages})


class LocalProvider:
    """A `local/<name>` model. The server starts lazily on the first `complete` (once, under a lock).

    Raises ValueError for a model name mcpbench does not know.
    `complete` raises ModelError: `infra=True` when the runtime/weights are missing or the server fails to start or
    dies (never the model's fault); `infra=False` for output llama.cpp could not parse (the model's fault).

    Request deadline: like the episode's, it measures the model's work, not the host's load. Where llama-server's CPU
    clock is readable (Linux /proc), one request may use `cpu_budget_s` CPU seconds of the server (all its threads,
    its other slot's work included) and fails sooner if the server uses no CPU at all for `stall_s` seconds (hung); the
    wall clock caps it only at WALL_CAP_S. A loaded machine slows a request down without failing it: seen, a `smoke`
    request cut at 600 wall seconds with 52 tokens generated, llama-server getting 18 % of a core. Elsewhere
    `timeout_s` is wall seconds, as for any endpoint. The budget, DEFAULT_CPU_BUDGET_S, is sized from the token bound
    of a request (≈ 1,500 prompt + 512 generated tokens) at the worst CPU efficiency seen: under heavy contention
    llama-server spent about 6× the CPU per token it needs on a quiet machine (threads spinning while descheduled),
    which puts a full request near 400–800 CPU seconds with a busy sibling slot.
    """

    compute_bound = True
    """Its latency is this machine's CPU: the episode deadline does not count it (models.base.ComputeBound)."""

    @property
    def episode_capacity(self) -> int:
        """Episodes the runner runs at once on this model: the server's slots (requests it answers concurrently)."""
        return self.options.parallel

    def __init__(self, model: str = DEFAULT_MODEL, *, home: Path | None = None, settings: ModelSettings | None = None,
                 options: ServerOptions | None = None, retry: RetryPolicy | None = None, timeout_s: float = 600.0,
                 cpu_budget_s: float | None = None, stall_s: float = 120.0, log_path: Path | None = None):
        try:
            self.source = source_for(model)
        except WeightsError as e:
            raise ValueError(str(e)) from None
        self.model = self.source.name
        self.name = f"local/{self.model}"
        self.home = home
        self.settings = merge_settings(DEFAULT_SETTINGS, settings)
        self.options = options or ServerOptions(ctx=self.source.default_ctx * 2)
        self.retry = retry or LOCAL_RETRY
        self.timeout_s = timeout_s
        self.cpu_budget_s = DEFAULT_CPU_BUDGET_S if cpu_budget_s is None else cpu_budget_s
        self.stall_s = stall_s
        self.log_path = log_path
        self.server: LlamaServer | None = None
        self._chat: _LlamaChat | None = None
        self._lock = anyio.Lock()
        self._closed = False

    def describe(self) -> dict[str, Any]:
        """What to record in a run spec so the run can be rebuilt: weights hash, template hash, settings, options."""
        template = chat_template_path()
        return {"provider": "local", "model": self.model, "gguf_sha256": self.source.sha256,
                "chat_template_sha256": hashlib.sha256(template.read_bytes()).hexdigest(),
                "settings": self.settings.model_dump(exclude_none=True),
                "server": {**self.options.model_dump(exclude={"ready_timeout_s", "stop_timeout_s"}),
                           "threads": self.options.resolved_threads(),
                           "batch_threads": self.options.resolved_batch_threads()}}

    async def start(self) -> LlamaServer:
        """Start llama-server if it is not running; returns it. Raises LocalModelError (missing weights/runtime,
        server failure) with the command that fixes it."""
        async with self._lock:
            if self._closed:
                raise LlamaServerError(f"{self.name} is closed")
            if self.server is None:
                gguf = await anyio.to_thread.run_sync(verified_weights, self.model, self.home)
                log = self.log_path or ((self.home or home_dir()) / "logs" /
                                        f"llama-server-{self.model}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log")
                server = LlamaServer(gguf, options=self.options, log_path=log, binary=ensure_runtime(),
                                     alias=self.model)
                await server.start()
                if self._closed:  # aclose() ran while we were loading
                    await server.stop()
                    raise LlamaServerError(f"{self.name} is closed")
                self.server = server
                pid = server.pid
                clock = (lambda: process_cpu_s(pid)) if pid is not None and process_cpu_s(pid) is not None else None
                chat = _LlamaChat(self.model, base_url=server.openai_base_url, settings=self.settings,
                                  retry=self.retry, max_concurrency=self.options.parallel,
                                  timeout_s=self.timeout_s if clock is None else WALL_CAP_S, name=self.name)
                chat.cpu_clock, chat.cpu_budget_s, chat.stall_s = clock, self.cpu_budget_s, self.stall_s
                self._chat = chat
            return self.server

    async def complete(self, request: ModelRequest) -> ModelResponse:
        try:
            await self.start()
        except LocalModelError as e:
            raise ModelError(f"{self.name}: {e}", infra=True) from None
        chat, server = self._chat, self.server
        assert chat is not None and server is not None
        settings = merge_settings(self.settings, request.settings)
        try:
            response = await chat.complete(_sendable(request.model_copy(update={"settings": settings})))
        except ModelError as e:
            if e.infra and not server.running:
                await self._forget(server)
                raise ModelError(f"{self.name}: llama-server exited (log {server.log_path}); the next request starts "
                                 f"a new one: {e}", status=e.status, retries=e.retries, infra=True) from None
            raise
        if settings.extra.get("parallel_tool_calls") is False and len(response.tool_calls) > 1:
            # llama.cpp does not enforce parallel_tool_calls=false with a template-derived parser; we asked for one
            # call, so we take the first (the rest is the model writing a made-up result that got parsed as a call)
            response = response.model_copy(update={"tool_calls": response.tool_calls[:1]})
        return response

    async def _forget(self, server: LlamaServer) -> None:
        """Drop a server that died so the next `complete` starts a fresh one."""
        async with self._lock:
            if self.server is server:
                chat, self._chat, self.server = self._chat, None, None
                with anyio.CancelScope(shield=True):
                    if chat is not None:
                        with anyio.move_on_after(5):
                            await chat.aclose()
                    await server.stop()

    async def aclose(self) -> None:
        """Stop the server (shielded; waits for a start in progress). Safe to call more than once."""
        self._closed = True
        chat: _LlamaChat | None = None
        server: LlamaServer | None = None
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(self.options.ready_timeout_s + self.options.stop_timeout_s + 5):
                async with self._lock:
                    chat, self._chat = self._chat, None
                    server, self.server = self.server, None
            if chat is not None:
                with anyio.move_on_after(5):
                    await chat.aclose()
            if server is not None:
                await server.stop()


def check_ready(model: str, home: Path | None = None) -> str | None:
    """None when `local/<model>` can run here; otherwise what is wrong and the command that fixes it.

    Checks the name, the weights (hashing only if the file changed since it was last verified) and the runtime.
    """
    try:
        verified_weights(model, home)
        ensure_runtime()
    except LocalModelError as e:
        return str(e)
    return None


@provider("local", "A local GGUF model run by llama.cpp's llama-server (install: mcpbench models install local/NAME)")
def local_provider(model: str = DEFAULT_MODEL, **options: Any) -> LocalProvider:
    """A local GGUF model run by llama.cpp's llama-server (install: mcpbench models install local/NAME).

    Options: home, settings, options (ServerOptions), retry, timeout_s, cpu_budget_s, stall_s, log_path — see
    LocalProvider."""
    return LocalProvider(model.removeprefix("local/"), **options)


__all__ = ["DEFAULT_SEED", "DEFAULT_SETTINGS", "LlamaServer", "LocalModelError", "LocalModelInfo", "LocalProvider",
           "RuntimeMissingError", "ServerOptions", "WeightsError", "check_ready", "ensure_runtime", "install_model",
           "installed_models", "local_provider"]
