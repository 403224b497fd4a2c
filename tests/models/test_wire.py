"""The OpenAI and Anthropic providers against the scripted HTTP endpoint, through the real SDKs."""

from __future__ import annotations

import time

import anyio
import pytest

from mcpbench.models.anthropic import AnthropicProvider
from mcpbench.models.base import Message, ModelError, ModelRequest, ModelSettings, ToolSpec
from mcpbench.models.openai import OpenAIProvider
from mcpbench.models.retry import RetryPolicy
from mcpbench.testing import FakeLLM, FakeTurn

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, initial_s=0.01, max_s=0.05)
WIRES = ["openai", "anthropic"]


def make(wire: str, fake: FakeLLM, model: str = "test-model", **kw):
    kw.setdefault("retry", FAST)
    if wire == "openai":
        return OpenAIProvider(model, base_url=fake.openai_base_url, **kw)
    return AnthropicProvider(model, base_url=fake.anthropic_base_url, **kw)


def request(*messages: Message, **kw) -> ModelRequest:
    return ModelRequest(system="be brief", messages=list(messages) or [Message(role="user", content="hi")],
                        tools=[ToolSpec(name="calc__add", description="add",
                                        input_schema={"type": "object", "properties": {"a": {"type": "number"}}})],
                        **kw)


async def complete(wire: str, fake: FakeLLM, req: ModelRequest | None = None, **kw):
    provider = make(wire, fake, **kw)
    try:
        with anyio.fail_after(20):
            return await provider.complete(req or request())
    finally:
        await provider.aclose()


@pytest.mark.parametrize("wire", WIRES)
async def test_text_tool_calls_and_usage_come_back_parsed(wire):
    turn = FakeTurn(text="checking", tool_calls=[{"name": "calc__add", "arguments": {"a": 1}},
                                                 {"name": "calc__add", "arguments": {"a": 2}, "id": "mine"}],
                    usage={"input_tokens": 11, "output_tokens": 7})
    async with FakeLLM([turn]) as fake:
        resp = await complete(wire, fake)
    assert resp.text == "checking"
    assert [(c.id, c.name, c.arguments) for c in resp.tool_calls] == [("call_1_0", "calc__add", {"a": 1}),
                                                                      ("mine", "calc__add", {"a": 2})]
    assert (resp.usage.input_tokens, resp.usage.output_tokens, resp.usage.cost_usd) == (11, 7, None)
    assert resp.finish_reason == "tool_calls" and resp.retries == []
    assert fake.requests[0].wire == wire and fake.errors == []


@pytest.mark.parametrize("wire", WIRES)
async def test_malformed_tool_call_json_is_kept_raw_with_no_arguments(wire):
    async with FakeLLM([FakeTurn(tool_calls=[{"name": "calc__add", "raw_arguments": '{"a": 1,'}])]) as fake:
        resp = await complete(wire, fake)
    [call] = resp.tool_calls
    assert call.arguments is None and call.raw_arguments == '{"a": 1,'


@pytest.mark.parametrize("wire", WIRES)
async def test_a_429_waits_as_long_as_retry_after_says(wire):
    policy = RetryPolicy(max_attempts=3, initial_s=0.01, max_s=10)
    async with FakeLLM([FakeTurn(status=429, retry_after="1"), FakeTurn(text="ok")]) as fake:
        start = time.monotonic()
        resp = await complete(wire, fake, retry=policy)
        elapsed = time.monotonic() - start
    assert resp.text == "ok"
    assert [(r.attempt, r.reason, r.wait_s) for r in resp.retries] == [(1, "HTTP 429", 1.0)]
    assert elapsed >= 1.0, "Retry-After: 1 must hold the retry back a full second (backoff alone is 0.01 s)"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("wire", WIRES)
async def test_server_errors_are_retried_with_backoff_then_succeed(wire):
    async with FakeLLM([FakeTurn(status=500), FakeTurn(status=503), FakeTurn(text="fine")]) as fake:
        resp = await complete(wire, fake)
    assert resp.text == "fine"
    assert [r.reason for r in resp.retries] == ["HTTP 500", "HTTP 503"]
    assert all(0 < r.wait_s <= FAST.max_s for r in resp.retries)


@pytest.mark.parametrize("wire", WIRES)
async def test_persistent_server_errors_end_in_a_model_error_with_every_retry(wire):
    async with FakeLLM([FakeTurn(status=503)] * 3) as fake:
        with pytest.raises(ModelError) as info:
            await complete(wire, fake)
    assert info.value.status == 503 and not info.value.infra
    assert [r.reason for r in info.value.retries] == ["HTTP 503", "HTTP 503"]
    assert len(fake.requests) == FAST.max_attempts


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_not_retried(wire, status):
    async with FakeLLM([FakeTurn(status=status, error_message="nope"), FakeTurn(text="never")]) as fake:
        with pytest.raises(ModelError) as info:
            await complete(wire, fake)
    assert info.value.status == status and info.value.retries == [] and not info.value.infra
    assert "nope" in str(info.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("wire", WIRES)
async def test_an_exhausted_quota_429_is_not_retried(wire):
    quota = FakeTurn(status=429, error_message="You exceeded your current quota", error_code="insufficient_quota")
    async with FakeLLM([quota, FakeTurn(text="never")]) as fake:
        with pytest.raises(ModelError) as info:
            await complete(wire, fake)
    assert info.value.status == 429 and len(fake.requests) == 1


@pytest.mark.parametrize("wire", WIRES)
async def test_an_answer_slower_than_the_timeout_is_retried(wire):
    async with FakeLLM([FakeTurn(latency_s=30, text="late"), FakeTurn(text="on time")]) as fake:
        resp = await complete(wire, fake, timeout_s=0.5)
    assert resp.text == "on time"
    assert [r.reason for r in resp.retries] == ["timeout"]


@pytest.mark.parametrize("wire", WIRES)
async def test_an_endpoint_that_never_answers_in_time_is_an_infra_failure(wire):
    async with FakeLLM([FakeTurn(latency_s=30)], loop=True) as fake:
        with pytest.raises(ModelError) as info:
            await complete(wire, fake, timeout_s=0.3)
    assert info.value.infra and [r.reason for r in info.value.retries] == ["timeout", "timeout"]


@pytest.mark.parametrize("wire", WIRES)
async def test_a_dropped_connection_is_retried_as_a_connection_error(wire):
    async with FakeLLM([FakeTurn(drop=True), FakeTurn(text="back")]) as fake:
        resp = await complete(wire, fake)
    assert resp.text == "back" and [r.reason for r in resp.retries] == ["connection error"]


@pytest.mark.parametrize("wire", WIRES)
async def test_a_refused_connection_is_an_infra_failure_after_retries(wire):
    async with FakeLLM() as fake:
        pass  # closed: its port now refuses connections
    with pytest.raises(ModelError) as info:
        await complete(wire, fake)
    assert info.value.infra and info.value.status is None
    assert [r.reason for r in info.value.retries] == ["connection error"] * (FAST.max_attempts - 1)


async def test_openai_settings_are_passed_through_and_extra_goes_in_the_body():
    settings = ModelSettings(temperature=0.0, top_p=0.9, max_tokens=64, seed=7, reasoning_effort="low",
                             extra={"top_k": 20})
    async with FakeLLM([FakeTurn(text="x")]) as fake:
        await complete("openai", fake, settings=settings)
    body = fake.requests[0].body
    assert {k: body[k] for k in ("temperature", "top_p", "max_tokens", "seed", "reasoning_effort", "top_k")} == {
        "temperature": 0.0, "top_p": 0.9, "max_tokens": 64, "seed": 7, "reasoning_effort": "low", "top_k": 20}
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["tools"][0]["function"]["name"] == "calc__add"


async def test_request_settings_override_the_providers_own():
    async with FakeLLM([FakeTurn(text="x")]) as fake:
        await complete("openai", fake, request(settings=ModelSettings(temperature=1.0)),
                       settings=ModelSettings(temperature=0.0, seed=3))
    body = fake.requests[0].body
    assert (body["temperature"], body["seed"]) == (1.0, 3)


async def test_anthropic_gets_a_separate_system_prompt_sampling_in_the_body_and_effort_as_output_config():
    settings = ModelSettings(temperature=0.2, top_p=0.5, max_tokens=99, seed=1, reasoning_effort="high")
    async with FakeLLM([FakeTurn(text="x")]) as fake:
        await complete("anthropic", fake, settings=settings)
    body = fake.requests[0].body
    assert body["system"] == "be brief" and all(m["role"] != "system" for m in body["messages"])
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.5, 99)
    assert body["output_config"] == {"effort": "high"} and "seed" not in body
    assert body["tools"][0] == {"name": "calc__add", "description": "add",
                                "input_schema": {"type": "object", "properties": {"a": {"type": "number"}}}}


def _conversation_with_two_results() -> ModelRequest:
    from mcpbench.trajectory import RequestedCall

    calls = [RequestedCall(id="c1", name="calc__add", arguments={"a": 1}),
             RequestedCall(id="c2", name="calc__add", arguments=None, raw_arguments="{oops")]
    return request(Message(role="user", content="add"), Message(role="assistant", content="ok", tool_calls=calls),
                   Message(role="tool", call_id="c1", content="2"),
                   Message(role="tool", call_id="c2", content="bad arguments", is_error=True))


async def test_anthropic_merges_consecutive_tool_results_into_one_user_message():
    async with FakeLLM([FakeTurn(text="x")]) as fake:
        await complete("anthropic", fake, _conversation_with_two_results())
    msgs = fake.requests[0].body["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "user"]
    assert [b["type"] for b in msgs[1]["content"]] == ["text", "tool_use", "tool_use"]
    assert msgs[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "c1", "content": "2", "is_error": False},
        {"type": "tool_result", "tool_use_id": "c2", "content": "bad arguments", "is_error": True}]


async def test_openai_gets_one_tool_message_per_result_with_errors_flagged_in_the_text():
    async with FakeLLM([FakeTurn(text="x")]) as fake:
        await complete("openai", fake, _conversation_with_two_results())
    msgs = fake.requests[0].body["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "tool"]
    assert msgs[2]["tool_calls"][1]["function"]["arguments"] == "{oops"
    assert msgs[3]["content"] == "2" and msgs[4]["content"].startswith("Error: ")


@pytest.mark.parametrize("wire,model,expected", [("openai", "gpt-4o-2024-08-06", 1_000_000 * 2.5e-6 + 100_000 * 1e-5),
                                                 ("anthropic", "claude-haiku-4-5-20251001", 1.0 + 0.5)])
async def test_known_models_get_a_cost_from_the_price_table(wire, model, expected):
    usage = {"input_tokens": 1_000_000, "output_tokens": 100_000}
    async with FakeLLM([FakeTurn(text="x", usage=usage)]) as fake:
        resp = await complete(wire, fake, model=model)
    assert resp.usage.cost_usd == pytest.approx(expected)


async def test_requests_to_one_endpoint_respect_its_shared_concurrency_limit():
    async with FakeLLM([FakeTurn(text="x", latency_s=0.05)], loop=True) as fake:
        providers = [make("openai", fake, max_concurrency=1) for _ in range(2)]
        peak = current = 0
        original = [p._client.chat.completions.create for p in providers]

        def spy(create):
            async def wrapped(**kw):
                nonlocal peak, current
                current += 1
                peak = max(peak, current)
                try:
                    return await create(**kw)
                finally:
                    current -= 1
            return wrapped

        for p, create in zip(providers, original):
            p._client.chat.completions.create = spy(create)
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for i in range(6):
                    tg.start_soon(providers[i % 2].complete, request())
        for p in providers:
            await p.aclose()
    assert peak == 1 and len(fake.requests) == 6
