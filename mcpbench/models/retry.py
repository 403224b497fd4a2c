"""Retries and per-endpoint concurrency for model requests.

Providers turn an SDK exception into a neutral `Failure` (what happened, whether it may be retried, how long the
server asked us to wait); `call_with_retries` does the rest: tenacity with exponential jitter, Retry-After honoured,
every retried attempt recorded as a trajectory `Retry`, and a final `ModelError` carrying them all.
"""

from __future__ import annotations

import email.utils
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import anyio
import anyio.lowlevel
from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_exponential_jitter,
)

from mcpbench.models.base import ModelError
from mcpbench.trajectory import Retry

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
"""Statuses worth another attempt: timeouts, lock conflicts, rate limits, server errors (529: Anthropic overloaded).
Every other status (400, 401, 403, 404, 422...) is final."""

_QUOTA_WORDS = ("insufficient_quota", "quota", "billing", "credit balance")


class RetryPolicy(BaseModel):
    """How hard a provider tries before giving up on one request."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=5, ge=1)
    """Attempts in total, the first one included."""
    initial_s: float = Field(default=1.0, ge=0)
    """Wait before the second attempt; doubles each time."""
    max_s: float = Field(default=60.0, ge=0)
    """Upper bound of one wait, Retry-After included."""
    jitter: bool = True
    """Add up to `initial_s` of random jitter to each exponential wait."""


@dataclass(eq=False)
class Failure(Exception):
    """One failed attempt, classified. Raised by a provider's attempt function."""

    reason: str
    """Short label recorded in the trajectory: 'HTTP 429', 'HTTP 503', 'timeout', 'connection error'."""
    message: str
    status: int | None = None
    retryable: bool = False
    retry_after_s: float | None = None
    """What the server asked for (Retry-After / retry-after-ms), seconds."""
    infra: bool = False
    """The endpoint was unreachable or silent (not the model's fault)."""

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP-date.

    None when absent or unparseable."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (when - current).total_seconds())


def _body_message(body: object) -> str | None:
    """error.message of an OpenAI- or Anthropic-style error body."""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        return err["message"]
    return None


def http_failure(status: int, message: str, headers: Mapping[str, str] | None = None, body: object = None) -> Failure:
    """Classify an HTTP error status; quota/billing exhaustion is never retried even when it comes as 429."""
    text = f"{message} {body!r}".lower()
    message = _body_message(body) or message
    quota = any(w in text for w in _QUOTA_WORDS) and status in (400, 402, 403, 429)
    return Failure(reason=f"HTTP {status}", message=message, status=status,
                   retryable=status in RETRYABLE_STATUS and not quota,
                   retry_after_s=parse_retry_after(headers))


def timeout_failure(message: str = "no response before the request deadline") -> Failure:
    return Failure(reason="timeout", message=message, retryable=True, infra=True)


def connection_failure(message: str) -> Failure:
    return Failure(reason="connection error", message=message, retryable=True, infra=True)


def _wait_strategy(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = (wait_exponential_jitter(multiplier=policy.initial_s, max=policy.max_s, jitter=policy.initial_s)
               if policy.jitter
               else wait_exponential(multiplier=policy.initial_s, min=policy.initial_s, max=policy.max_s))

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Failure) and exc.retry_after_s is not None:
            return min(exc.retry_after_s, policy.max_s)
        return float(backoff(state))

    return wait


async def call_with_retries(policy: RetryPolicy, attempt: Callable[[], Awaitable[T]]) -> tuple[T, list[Retry]]:
    """Run `attempt` until it succeeds, fails for good, or the attempts run out.

    `attempt` raises `Failure` for classified failures; any other exception propagates untouched.
    Returns (result, retries). Raises ModelError (with `.retries`, `.status`, `.infra`) when it gives up.
    """
    retries: list[Retry] = []

    async def record(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait_s = state.next_action.sleep if state.next_action else 0.0
        retries.append(Retry(attempt=state.attempt_number, reason=getattr(exc, "reason", type(exc).__name__),
                             wait_s=round(float(wait_s), 3)))

    retrying = AsyncRetrying(
        sleep=anyio.sleep,
        stop=stop_after_attempt(policy.max_attempts),
        wait=_wait_strategy(policy),
        retry=retry_if_exception(lambda e: isinstance(e, Failure) and e.retryable),
        before_sleep=record,
        reraise=True,
    )
    async def run() -> T:
        return await attempt()

    try:
        result: T = await retrying(run)
    except Failure as f:
        attempts = len(retries) + 1
        suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
        raise ModelError(f"{f}{suffix}", status=f.status, retryable=f.retryable, retries=retries,
                         infra=f.infra) from None
    return result, retries


_limiters: dict[str, tuple[weakref.ref[object], anyio.CapacityLimiter]] = {}


def endpoint_limiter(endpoint: str, max_concurrency: int) -> anyio.CapacityLimiter:
    """The CapacityLimiter shared by every provider that points at `endpoint` (a base URL) in this event loop.

    The first provider to ask sets the size; later ones share it as it is. Must be called inside the event loop.
    """
    loop = anyio.lowlevel.current_token().native_token
    entry = _limiters.get(endpoint)
    if entry is not None and entry[0]() is loop:
        return entry[1]
    limiter = anyio.CapacityLimiter(max_concurrency)
    _limiters[endpoint] = (weakref.ref(loop), limiter)
    return limiter


__all__ = [
    "RETRYABLE_STATUS",
    "Failure",
    "RetryPolicy",
    "call_with_retries",
    "connection_failure",
    "endpoint_limiter",
    "http_failure",
    "parse_retry_after",
    "timeout_failure",
]
