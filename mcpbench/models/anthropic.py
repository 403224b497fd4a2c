"""`anthropic/<model>`: the Messages API with tool_use / tool_result blocks."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

import anthropic
from anthropic import AsyncAnthropic

from mcpbench.models._common import merge_settings, parse_arguments
from mcpbench.models.base import ModelRequest, ModelResponse, ToolSpec, provider
from mcpbench.models.pricing import priced_usage
from mcpbench.models.sdk_provider import SDKProvider
from mcpbench.trajectory import RequestedCall, Retry

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


class AnthropicProvider(SDKProvider):
    """The Anthropic Messages API (ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY honoured).

    Raises ValueError when no key is available for the official endpoint.
    """

    prefix = "anthropic"
    sdk: ClassVar[ModuleType] = anthropic
    key_env = "ANTHROPIC_API_KEY"
    base_url_env = "ANTHROPIC_BASE_URL"
    official_base_url = OFFICIAL_BASE_URL
    placeholder_key = LOCAL_PLACEHOLDER_KEY
    missing_key = "ANTHROPIC_API_KEY is not set (or point ANTHROPIC_BASE_URL at a compatible endpoint)"

    def _make_client(self, key: str) -> AsyncAnthropic:
        return AsyncAnthropic(api_key=key, base_url=self.base_url, max_retries=0, timeout=self.timeout_s)

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

    async def _send(self, kwargs: dict[str, Any]) -> Any:
        return await self._client.messages.create(**kwargs)

    def _parse(self, resp: Any, retries: list[Retry], latency: float) -> ModelResponse:
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


@provider("anthropic", "Anthropic Messages API with tool_use blocks (ANTHROPIC_BASE_URL honoured)")
def anthropic_provider(model: str, **options: Any) -> AnthropicProvider:
    """Anthropic Messages API with tool_use blocks (ANTHROPIC_BASE_URL honoured)."""
    return AnthropicProvider(model, **options)


__all__ = ["AnthropicProvider", "anthropic_messages", "anthropic_provider", "anthropic_tools"]
