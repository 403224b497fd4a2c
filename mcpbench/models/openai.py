"""`openai/<model>`: Chat Completions with native function tools, for OpenAI and any OpenAI-compatible endpoint."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

import openai
from openai import AsyncOpenAI

from mcpbench.models._common import arguments_text, merge_settings, parse_arguments
from mcpbench.models.base import Message, ModelError, ModelRequest, ModelResponse, ToolSpec, provider
from mcpbench.models.pricing import priced_usage
from mcpbench.models.sdk_provider import SDKProvider
from mcpbench.trajectory import RequestedCall, Retry

OFFICIAL_BASE_URL = "https://api.openai.com/v1"
LOCAL_PLACEHOLDER_KEY = "sk-mcpbench-no-key"
"""Sent to a custom base_url when OPENAI_API_KEY is unset: local servers (llama.cpp, vLLM, Ollama) ignore it."""


def chat_messages(request: ModelRequest) -> list[dict[str, Any]]:
    """Provider-neutral messages -> Chat Completions messages (error results are prefixed, the wire has no flag)."""
    out: list[dict[str, Any]] = []
    if request.system:
        out.append({"role": "system", "content": request.system})
    for m in request.messages:
        out.append(_chat_message(m))
    return out


def _chat_message(m: Message) -> dict[str, Any]:
    if m.role == "assistant":
        msg: dict[str, Any] = {"role": "assistant", "content": m.content or None}
        if m.tool_calls:
            msg["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name,
                                               "arguments": arguments_text(c.arguments, c.raw_arguments)}}
                                 for c in m.tool_calls]
        return msg
    if m.role == "tool":
        content = f"Error: {m.content}" if m.is_error else m.content
        return {"role": "tool", "tool_call_id": m.call_id or "", "content": content}
    return {"role": m.role, "content": m.content}


def chat_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [{"type": "function",
             "function": {"name": t.name, "description": t.description, "parameters": t.input_schema}}
            for t in tools]


class OpenAIProvider(SDKProvider):
    """A Chat Completions endpoint: OpenAI itself, or any OpenAI-compatible server through `base_url`.

    `base_url` defaults to OPENAI_BASE_URL, the key to OPENAI_API_KEY (a placeholder for a custom base_url).
    Raises ValueError when no key is available for the official endpoint.
    """

    prefix = "openai"
    sdk: ClassVar[ModuleType] = openai
    key_env = "OPENAI_API_KEY"
    base_url_env = "OPENAI_BASE_URL"
    official_base_url = OFFICIAL_BASE_URL
    placeholder_key = LOCAL_PLACEHOLDER_KEY
    missing_key = ("OPENAI_API_KEY is not set (for a local OpenAI-compatible server pass base_url or "
                   "set OPENAI_BASE_URL)")
    malformed = (AttributeError, IndexError, TypeError)

    def _make_client(self, key: str) -> AsyncOpenAI:
        return AsyncOpenAI(api_key=key, base_url=self.base_url, max_retries=0, timeout=self.timeout_s)

    def request_kwargs(self, request: ModelRequest) -> dict[str, Any]:
        """The keyword arguments of `chat.completions.create` for this request."""
        s = merge_settings(self.settings, request.settings)
        kwargs: dict[str, Any] = {"model": self.model, "messages": chat_messages(request)}
        if request.tools:
            kwargs["tools"] = chat_tools(request.tools)
        for field in ("temperature", "top_p", "seed", "reasoning_effort"):
            value = getattr(s, field)
            if value is not None:
                kwargs[field] = value
        if s.max_tokens is not None:
            # the official API wants max_completion_tokens (o-series reject max_tokens); compatible servers max_tokens
            kwargs["max_completion_tokens" if self.base_url is None else "max_tokens"] = s.max_tokens
        if s.extra:
            kwargs["extra_body"] = dict(s.extra)
        return kwargs

    async def _send(self, kwargs: dict[str, Any]) -> Any:
        return await self._client.chat.completions.create(**kwargs)

    def _parse(self, resp: Any, retries: list[Retry], latency: float) -> ModelResponse:
        if not getattr(resp, "choices", None):
            raise ModelError(f"response from {self.endpoint} has no choices", retries=retries)
        choice = resp.choices[0]
        message = choice.message
        calls: list[RequestedCall] = []
        for i, tc in enumerate(message.tool_calls or []):
            fn = getattr(tc, "function", None) or getattr(tc, "custom", None)
            raw = getattr(fn, "arguments", None) if fn is not None else None
            if raw is None and fn is not None:
                raw = getattr(fn, "input", None)
            args, raw_args = parse_arguments(raw)
            calls.append(RequestedCall(id=tc.id or f"call_{i}", name=getattr(fn, "name", "") or "",
                                       arguments=args, raw_arguments=raw_args))
        u = resp.usage
        usage = priced_usage(self.model, (u.prompt_tokens or 0) if u else 0, (u.completion_tokens or 0) if u else 0)
        return ModelResponse(text=message.content or "", tool_calls=calls, usage=usage,
                             finish_reason=choice.finish_reason, retries=retries, latency_s=latency)


@provider("openai", "OpenAI Chat Completions; any OpenAI-compatible base_url (vLLM, Ollama, llama.cpp, OpenRouter)")
def openai_provider(model: str, **options: Any) -> OpenAIProvider:
    """OpenAI Chat Completions; any OpenAI-compatible base_url (vLLM, Ollama, llama.cpp, OpenRouter)."""
    return OpenAIProvider(model, **options)


__all__ = ["OpenAIProvider", "chat_messages", "chat_tools", "openai_provider"]
