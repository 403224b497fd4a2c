"""`anthropic/<model>`: the Messages API with tool_use / tool_result blocks."""

from __future__ import annotations

import os
import time
from typing import Any

import anthropic
import anyio
from anthropic import AsyncAnthropic

from mcpbench.models._common import merge_settings, parse_arguments
from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, ModelSettings, ToolSpec, provider
from mcpbench.models.pricing import priced_usage
from mcpbench.models.retry import (
    Failure,
    RetryPolicy,
    call_with_retries,
    connection_failure,
    endpoint_limiter,
    http_failure,
    timeout_failure,
)
from mcpbench.trajectory import RequestedCall

OFFICIAL_BASE_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 4096
"""The Messages API requires max_tokens; used when the settings leave it unset."""
LOCAL_PLACEHOLDER_KEY = "sk-ant-mcpbench-no-key"

STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length",
                "refusal": "content_filter"}
"""Anthropic stop_reason -> the Chat Completions vocabulary used in trajectories (others kept as they are)."""


def anthropic_messages(request: ModelRequest) -> list[dict[str, Any]]:
    """Provider-neutral messages -> Messages API messages.

    Tool results become tool_result blocks in a user message; consecutive messages of one role (several tool results,
    tool results then a user note) are merged into one message, as the API requires alternating roles.
    """
    out: list[dict[str, Any]] = []
    for m in request.messages:
        if m.role == "system":
            continue  # the system prompt travels separately (request.system)
        if m.role == "assistant":
            role = "assistant"
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name,
                        "input": c.arguments if c.arguments is not None else {}} for c in m.tool_calls]
            if not blocks:
                blocks = [{"type": "text", "text": "(no text)"}]
        elif m.role == "tool":
            role = "user"
            blocks = [{"type": "tool_result", "tool_use_id": m.call_id or "", "content": m.content or "(no output)",
                       "is_error": m.is_error}]
        else:
            role = "user"
            blocks = [{"type": "text", "text": m.content or "(empty)"}]
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def anthropic_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in tools]


class AnthropicProvider:
    """The Anthropic Messages API (ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY honoured).

    Raises ValueError when no key is available for the official endpoint.
    """

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 settings: ModelSettings | None = None, retry: RetryPolicy | None = None, max_concurrency: int = 8,
                 timeout_s: float = 120.0, name: str | None = None):
        self.model = model
        self.name = name or f"anthropic/{model}"
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            if not self.base_url:
                raise ValueError("ANTHROPIC_API_KEY is not set (or point ANTHROPIC_BASE_URL at a compatible endpoint)")
            key = LOCAL_PLACEHOLDER_KEY
        self.settings = settings or ModelSettings()
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.timeout_s = timeout_s
        self.endpoint = (self.base_url or OFFICIAL_BASE_URL).rstrip("/")
        self._client = AsyncAnthropic(api_key=key, base_url=self.base_url, max_retries=0, timeout=timeout_s)

    def request_kwargs(self, request: ModelRequest) -> dict[str, Any]:
        """The keyword arguments of `messages.create` for this request.

        temperature/top_p travel in the body (this SDK has no keyword for them); seed has no Anthropic equivalent and
        is ignored; reasoning_effort becomes output_config.effort.
        """
        s = merge_settings(self.settings, request.settings)
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": s.max_tokens or DEFAULT_MAX_TOKENS,
                                  "messages": anthropic_messages(request), "timeout": self.timeout_s}
        if request.system:
            kwargs["system"] = request.system
        if request.tools:
            kwargs["tools"] = anthropic_tools(request.tools)
        if s.reasoning_effort:
            kwargs["output_config"] = {"effort": s.reasoning_effort}
        body = {k: v for k, v in (("temperature", s.temperature), ("top_p", s.top_p)) if v is not None}
        body.update(s.extra)
        if body:
            kwargs["extra_body"] = body
        return kwargs

    async def _attempt(self, kwargs: dict[str, Any]) -> Any:
        async with endpoint_limiter(self.endpoint, self.max_concurrency):
            try:
                with anyio.fail_after(self.timeout_s):
                    return await self._client.messages.create(**kwargs)
            except TimeoutError:
                raise timeout_failure(f"no response within {self.timeout_s:g} s") from None
            except anthropic.APITimeoutError:
                raise timeout_failure() from None
            except anthropic.APIConnectionError as e:
                raise connection_failure(f"{e} ({self.endpoint})") from None
            except anthropic.APIStatusError as e:
                raise http_failure(e.status_code, e.message, e.response.headers, e.body) from None
            except anthropic.APIResponseValidationError as e:
                raise Failure(reason="invalid response", message=str(e)) from None

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """One model turn. Raises ModelError when the endpoint fails for good (after retries)."""
        kwargs = self.request_kwargs(request)
        start = time.monotonic()
        resp, retries = await call_with_retries(self.retry, lambda: self._attempt(kwargs))
        latency = time.monotonic() - start
        try:
            return self._parse(resp, retries, latency)
        except (AttributeError, TypeError) as e:
            raise ModelError(f"unexpected response from {self.endpoint}: {e}", retries=retries) from None

    def _parse(self, resp: Any, retries: list[Any], latency: float) -> ModelResponse:
        texts: list[str] = []
        calls: list[RequestedCall] = []
        for block in resp.content or []:
            kind = getattr(block, "type", None)
            if kind == "text":
                texts.append(block.text)
            elif kind == "tool_use":
                args, raw = parse_arguments(block.input)
                calls.append(RequestedCall(id=block.id, name=block.name, arguments=args, raw_arguments=raw))
        u = resp.usage
        inp = ((u.input_tokens or 0) + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
               if u else 0)
        usage = priced_usage(self.model, inp, (u.output_tokens or 0) if u else 0)
        stop = resp.stop_reason
        return ModelResponse(text="\n".join(t for t in texts if t), tool_calls=calls, usage=usage,
                             finish_reason=STOP_REASONS.get(stop, stop) if stop else None, retries=retries,
                             latency_s=latency)

    async def aclose(self) -> None:
        await self._client.close()


@provider("anthropic", "Anthropic Messages API with tool_use blocks (ANTHROPIC_BASE_URL honoured)")
def anthropic_provider(model: str, **options: Any) -> AnthropicProvider:
    """Anthropic Messages API with tool_use blocks (ANTHROPIC_BASE_URL honoured)."""
    return AnthropicProvider(model, **options)


__all__ = ["AnthropicProvider", "anthropic_messages", "anthropic_provider", "anthropic_tools"]
