"""The scripted HTTP endpoint itself: queue, loop, responder, routes, and its command-line server."""

from __future__ import annotations

import sys

import anyio
import httpx
import pytest

from mcpbench.models.base import Message, ModelRequest
from mcpbench.models.openai import OpenAIProvider
from mcpbench.testing import FakeLLM, FakeTurn, RecordedRequest, load_fake_script

pytestmark = pytest.mark.anyio


def ask(text: str = "hi") -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content=text)])


async def test_turns_are_served_in_order_looped_or_chosen_by_a_responder():
    def by_prompt(req: RecordedRequest) -> FakeTurn | None:
        return FakeTurn(text="special") if req.body["messages"][-1]["content"] == "magic" else None

    async with FakeLLM([{"text": "a"}, {"text": "b"}], loop=True, responder=by_prompt) as fake:
        provider = OpenAIProvider("m", base_url=fake.openai_base_url)
        with anyio.fail_after(20):
            texts = [(await provider.complete(ask(p))).text for p in ("x", "magic", "x", "x")]
        await provider.aclose()
    assert texts == ["a", "special", "b", "a"]
    assert [r.body["messages"][-1]["content"] for r in fake.requests] == ["x", "magic", "x", "x"]
    assert fake.errors == []


async def test_unknown_routes_get_a_404_and_streaming_is_refused():
    async with FakeLLM([{"text": "a"}]) as fake, httpx.AsyncClient(base_url=fake.base_url) as client:
        with anyio.fail_after(10):
            missing = await client.post("/v1/embeddings", json={})
            streamed = await client.post("/v1/chat/completions", json={"model": "m", "messages": [], "stream": True})
            garbage = await client.post("/v1/messages", content=b"{not json")
    assert (missing.status_code, streamed.status_code, garbage.status_code) == (404, 400, 400)
    assert streamed.json()["error"]["message"] == "fake_llm does not stream"
    assert garbage.json()["type"] == "error"


def test_a_script_file_may_carry_faults(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("latency_s: 0.1\nturns:\n  - {status: 503, retry_after: '2'}\n  - {text: ok}\n")
    turns, latency = load_fake_script(path)
    assert latency == 0.1 and [(t.status, t.retry_after, t.text) for t in turns] == [(503, "2", ""), (200, None, "ok")]


async def test_the_command_line_server_answers_the_openai_sdk(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text("- text: from the command line\n")
    with anyio.fail_after(60):
        async with await anyio.open_process([sys.executable, "-m", "mcpbench.testing.fake_llm", str(script),
                                             "--loop"]) as proc:
            assert proc.stdout is not None
            buffered = b""
            while b"anthropic base_url" not in buffered:
                buffered += await proc.stdout.receive()
            line = next(ln for ln in buffered.decode().splitlines() if ln.startswith("openai base_url:"))
            provider = OpenAIProvider("m", base_url=line.split()[-1])
            try:
                answers = [(await provider.complete(ask())).text for _ in range(2)]
            finally:
                await provider.aclose()
                proc.terminate()
                await proc.wait()
    assert answers == ["from the command line"] * 2
