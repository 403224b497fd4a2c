"""One scripted episode, three ways to play it: in-process script, OpenAI wire, Anthropic wire (real SDKs)."""

from __future__ import annotations

import json

import anyio
import pytest
from agent_doubles import MemoryToolbox, ToolFailed

from mcpbench.agent import Limits, run_episode
from mcpbench.models.anthropic import AnthropicProvider
from mcpbench.models.openai import OpenAIProvider
from mcpbench.models.retry import RetryPolicy
from mcpbench.models.scripted import ScriptedProvider, load_script
from mcpbench.testing import FakeLLM

pytestmark = pytest.mark.anyio

TURNS = [
    {"text": "Let me look.", "usage": {"input_tokens": 120, "output_tokens": 30},
     "tool_calls": [{"name": "clock__now", "arguments": {}}, {"name": "calc__add", "arguments": {"a": 2, "b": 3}}]},
    {"usage": {"input_tokens": 180, "output_tokens": 25},
     "tool_calls": [{"name": "calc__add", "raw_arguments": '{"a": 1,'}, {"name": "nope__missing", "arguments": {}},
                    {"server": "calc", "tool": "divide", "arguments": {"a": 1, "b": 0}}]},
    {"usage": {"input_tokens": 240, "output_tokens": 12},
     "tool_calls": [{"name": "calc__add", "arguments": {"a": 5, "b": 1}}]},
    {"text": "It is 2026 and the answer is 6.", "usage": {"input_tokens": 260, "output_tokens": 9}},
]


def toolbox() -> MemoryToolbox:
    async def now() -> str:
        return "2026-01-01T00:00:00Z"

    async def add(a: float, b: float) -> str:
        return str(a + b)

    async def divide(a: float, b: float) -> str:
        if b == 0:
            raise ToolFailed("division by zero")
        return str(a / b)

    return MemoryToolbox({"clock__now": now, "calc__add": add, "calc__divide": divide})


async def play(provider) -> dict:
    try:
        with anyio.fail_after(30):
            traj = await run_episode(provider, toolbox(), "What year is it, and what is 5 + 1?", limits=Limits(),
                                     episode_id="ep-1", task_id="task-1", model_name="test/model")
    finally:
        await provider.aclose()
    return traj


async def test_the_same_script_gives_the_same_trajectory_in_process_and_through_both_wire_formats(tmp_path):
    script = tmp_path / "episode.json"
    script.write_text(json.dumps({"turns": TURNS}))
    fast = RetryPolicy(max_attempts=2, initial_s=0.01, max_s=0.05)

    in_process = await play(ScriptedProvider(load_script(script)))
    async with FakeLLM(TURNS) as fake:
        over_openai = await play(OpenAIProvider("test-model", base_url=fake.openai_base_url, retry=fast))
    async with FakeLLM(TURNS) as fake:
        over_anthropic = await play(AnthropicProvider("test-model", base_url=fake.anthropic_base_url, retry=fast))

    assert over_openai.canonical() == in_process.canonical()
    assert over_anthropic.canonical() == in_process.canonical()

    traj = in_process
    assert traj.status == "completed" and traj.final_answer == "It is 2026 and the answer is 6."
    assert [(e.turn, e.exposed_name, e.outcome, e.error_kind) for e in traj.tool_calls()] == [
        (1, "clock__now", "ok", None), (1, "calc__add", "ok", None),
        (2, "calc__add", "model_error", "malformed_arguments"), (2, "nope__missing", "model_error", "unknown_tool"),
        (2, "calc__divide", "tool_error", "tool_reported_error"), (3, "calc__add", "ok", None)]
    assert traj.tool_calls()[2].raw_arguments == '{"a": 1,'
    assert [e.type for e in traj.events] == ["model", "tool_call", "tool_call", "model", "tool_call", "tool_call",
                                             "tool_call", "model", "tool_call", "model", "final"]
    assert (traj.usage.input_tokens, traj.usage.output_tokens) == (800, 76)
