"""RetryPolicy and classification, without the network."""

from __future__ import annotations

import email.utils

import anyio
import pytest

from mcpbench.models.base import ModelError
from mcpbench.models.retry import (
    Failure,
    RetryPolicy,
    call_with_retries,
    endpoint_limiter,
    http_failure,
    parse_retry_after,
    timeout_failure,
)

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=4, initial_s=0.001, max_s=0.01, jitter=False)


def test_retry_after_is_read_as_seconds_as_milliseconds_and_as_an_http_date():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=now) == pytest.approx(7.0)
    assert parse_retry_after({"Retry-After": email.utils.formatdate(now - 60, usegmt=True)}, now=now) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


@pytest.mark.parametrize("status,retryable", [(429, True), (500, True), (502, True), (503, True), (529, True),
                                              (408, True), (400, False), (401, False), (403, False), (404, False),
                                              (422, False)])
def test_http_statuses_are_classified_as_retryable_or_final(status, retryable):
    assert http_failure(status, "x").retryable is retryable
    assert http_failure(status, "x").reason == f"HTTP {status}"


def test_an_exhausted_quota_is_never_retried_even_as_a_429():
    f = http_failure(429, "You exceeded your current quota", body={"error": {"code": "insufficient_quota"}})
    assert not f.retryable
    assert http_failure(429, "Rate limit reached").retryable


async def test_retryable_failures_are_retried_and_every_retry_is_recorded():
    attempts = []

    async def attempt() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise http_failure(503, "busy")
        if len(attempts) == 2:
            raise timeout_failure()
        return "ok"

    result, retries = await call_with_retries(FAST, attempt)
    assert result == "ok" and len(attempts) == 3
    assert [(r.attempt, r.reason) for r in retries] == [(1, "HTTP 503"), (2, "timeout")]
    assert all(0 < r.wait_s <= FAST.max_s for r in retries)


async def test_giving_up_raises_a_model_error_that_carries_the_retries_and_the_last_status():
    async def attempt() -> str:
        raise http_failure(500, "boom")

    with pytest.raises(ModelError) as info:
        await call_with_retries(FAST, attempt)
    assert info.value.status == 500 and not info.value.infra
    assert len(info.value.retries) == FAST.max_attempts - 1
    assert "after 4 attempts" in str(info.value)


async def test_a_final_failure_is_not_retried():
    calls = []

    async def attempt() -> str:
        calls.append(1)
        raise http_failure(401, "bad key")

    with pytest.raises(ModelError) as info:
        await call_with_retries(FAST, attempt)
    assert calls == [1] and info.value.retries == [] and info.value.status == 401


async def test_an_unreachable_endpoint_gives_an_infra_model_error():
    async def attempt() -> str:
        raise Failure(reason="connection error", message="refused", retryable=True, infra=True)

    with pytest.raises(ModelError) as info:
        await call_with_retries(RetryPolicy(max_attempts=2, initial_s=0.001, max_s=0.001), attempt)
    assert info.value.infra and [r.reason for r in info.value.retries] == ["connection error"]


async def test_retry_after_overrides_the_backoff_but_is_capped_by_max_s():
    async def attempt() -> str:
        raise http_failure(429, "slow down", headers={"Retry-After": "100"})

    with pytest.raises(ModelError) as info:
        with anyio.fail_after(5):
            await call_with_retries(RetryPolicy(max_attempts=2, initial_s=0.001, max_s=0.05), attempt)
    assert [r.wait_s for r in info.value.retries] == [0.05]


async def test_providers_pointing_at_one_endpoint_share_one_capacity_limiter():
    a = endpoint_limiter("http://127.0.0.1:1/v1", 2)
    assert endpoint_limiter("http://127.0.0.1:1/v1", 5) is a
    assert a.total_tokens == 2
    assert endpoint_limiter("http://127.0.0.1:2/v1", 2) is not a
