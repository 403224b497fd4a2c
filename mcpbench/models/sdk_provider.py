"""The base of the providers backed by a vendor SDK (openai, anthropic): endpoint and key resolution, the attempt
under a deadline and the endpoint's limiter, SDK errors mapped to retry failures, and `complete`'s retry loop.

A subclass says how to build its client, how to shape a request, which SDK call sends it and how to read the
response."""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from types import ModuleType
from typing import Any, ClassVar

import anyio

from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, ModelSettings
from mcpbench.models.retry import (
    Failure,
    RetryPolicy,
    call_with_retries,
    connection_failure,
    endpoint_limiter,
    http_failure,
    timeout_failure,
)
from mcpbench.trajectory import Retry


class SDKProvider(ABC):
    """One model endpoint reached through a vendor SDK whose client retries nothing itself (`max_retries=0`).

    Raises ValueError when no key is available for the official endpoint.
    """

    prefix: ClassVar[str]
    """The provider prefix of 'prefix/model' names."""
    sdk: ClassVar[ModuleType]
    """The SDK module: its APITimeoutError, APIConnectionError, APIStatusError and APIResponseValidationError are
    mapped to retry failures."""
    key_env: ClassVar[str]
    base_url_env: ClassVar[str]
    official_base_url: ClassVar[str]
    placeholder_key: ClassVar[str]
    """Sent to a custom base_url when the key variable is unset: local compatible servers ignore it."""
    missing_key: ClassVar[str]
    """The ValueError message when there is neither a key nor a custom base_url."""
    malformed: ClassVar[tuple[type[Exception], ...]] = (AttributeError, TypeError)
    """What `_parse` raises on a response of an unexpected shape (reported as a ModelError)."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 settings: ModelSettings | None = None, retry: RetryPolicy | dict[str, Any] | None = None,
                 max_concurrency: int = 8, timeout_s: float = 120.0, name: str | None = None):
        self.model = model
        self.name = name or f"{self.prefix}/{model}"
        self.base_url = base_url or os.environ.get(self.base_url_env) or None
        key = api_key or os.environ.get(self.key_env)
        if not key:
            if not self.base_url:
                raise ValueError(self.missing_key)
            key = self.placeholder_key
        self.settings = settings or ModelSettings()
        # a dict comes from `mcpbench run --model-opt retry={...}`
        self.retry = RetryPolicy.model_validate(retry) if isinstance(retry, dict) else retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.timeout_s = timeout_s
        self.endpoint = (self.base_url or self.official_base_url).rstrip("/")
        self._client = self._make_client(key)

    @abstractmethod
    def _make_client(self, key: str) -> Any:
        """The SDK's async client for `self.base_url` (no SDK retries, `self.timeout_s`)."""

    @abstractmethod
    def request_kwargs(self, request: ModelRequest) -> dict[str, Any]:
        """The keyword arguments of the SDK call for this request."""

    @abstractmethod
    async def _send(self, kwargs: dict[str, Any]) -> Any:
        """One SDK call with `kwargs`; its exceptions are mapped by `_attempt`."""

    @abstractmethod
    def _parse(self, resp: Any, retries: list[Retry], latency: float) -> ModelResponse:
        """The provider-neutral response. May raise ModelError, or one of `malformed` on an unexpected shape."""

    async def _attempt(self, kwargs: dict[str, Any]) -> Any:
        async with endpoint_limiter(self.endpoint, self.max_concurrency):
            try:
                with anyio.fail_after(self.timeout_s):
                    return await self._send(kwargs)
            except TimeoutError:
                raise timeout_failure(f"no response within {self.timeout_s:g} s") from None
            except self.sdk.APITimeoutError:
                raise timeout_failure() from None
            except self.sdk.APIConnectionError as e:
                raise connection_failure(f"{e} ({self.endpoint})") from None
            except self.sdk.APIStatusError as e:
                raise http_failure(e.status_code, e.message, e.response.headers, e.body) from None
            except self.sdk.APIResponseValidationError as e:
                raise Failure(reason="invalid response", message=str(e)) from None

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """One model turn. Raises ModelError when the endpoint fails for good (after retries)."""
        kwargs = self.request_kwargs(request)
        start = time.monotonic()
        resp, retries = await call_with_retries(self.retry, lambda: self._attempt(kwargs))
        latency = time.monotonic() - start
        try:
            return self._parse(resp, retries, latency)
        except self.malformed as e:
            raise ModelError(f"unexpected response from {self.endpoint}: {e}", retries=retries) from None

    async def aclose(self) -> None:
        await self._client.close()


__all__ = ["SDKProvider"]
