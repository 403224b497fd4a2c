"""The agent loop over the real fleet (a real stdio MCP server from tests/), driven through the OpenAI wire format.

(The toy server's `boom` is left out: the SDK server takes seconds to format its exception under load; tool_error
results are covered with the in-memory toolbox.)"""

from __future__ import annotations

import anyio
import pytest

from mcpbench.agent import Limits, run_episode
from mcpbench.fleet import Fleet
from mcpbench.models.openai import OpenAIProvider
from mcpbench.testing import FakeLLM

pytestmark = pytest.mark.anyio


async def test_an_episode_on_a_real_server_classifies_every_kind_of_call(toy_spec, tmp_path):
    turns = [
        {"tool_calls": [{"name": "toy__add", "arguments": {"a": 2, "b": 3}},
                        {"name": "toy__add", "raw_arguments": '{"a": 2'},
                        {"name": "toy__add", "arguments": {"a": "two", "b": 3}},
                        {"name": "toy__subtract", "arguments": {"a": 1, "b": 1}}]},
        {"tool_calls": [{"name": "toy__nap", "arguments": {"seconds": 30}}]},
        {"text": "2 + 3 = 5"},
    ]
    with anyio.fail_after(90):
        async with FakeLLM(turns) as fake, Fleet.open([toy_spec()], log_dir=tmp_path) as fleet:
            provider = OpenAIProvider("m", base_url=fake.openai_base_url)
            async with fleet.episode("ep-1", call_timeout_s=3) as tools:
                traj = await run_episode(provider, tools, "add 2 and 3", limits=Limits(call_timeout_s=10),
                                         episode_id="ep-1", task_id="t", model_name="openai/m")
            await provider.aclose()
    assert traj.status == "completed" and traj.final_answer == "2 + 3 = 5"
    assert [(e.tool, e.outcome, e.error_kind) for e in traj.tool_calls()] == [
        ("add", "ok", None),
        ("add", "model_error", "malformed_arguments"), ("add", "model_error", "invalid_arguments"),
        (None, "model_error", "unknown_tool"), ("nap", "infra_error", "timeout")]
    assert traj.tool_calls()[0].content == "5" and traj.tool_calls()[0].server == "toy"
    assert "toy__add" in traj.tools
    sent = [m for m in fake.requests[1].body["messages"] if m["role"] == "tool"]
    assert [m["content"].startswith("Error: ") for m in sent] == [False, True, True, True]
