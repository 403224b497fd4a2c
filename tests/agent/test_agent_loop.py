"""The agent loop: concurrency, ordering, limits, deadlines and faults, with an in-memory toolbox."""

from __future__ import annotations

import anyio
import pytest
from agent_doubles import MemoryToolbox, Rendezvous

from mcpbench.agent import DEFAULT_SYSTEM, Limits, run_episode
from mcpbench.models.base import ModelRequest, ModelResponse, ModelSettings
from mcpbench.models.openai import OpenAIProvider
from mcpbench.models.retry import RetryPolicy
from mcpbench.models.scripted import Script, ScriptedProvider
from mcpbench.testing import FakeLLM, FakeTurn
from mcpbench.trajectory import ErrorEvent, RequestedCall, Usage

pytestmark = pytest.mark.anyio


def scripted(*turns: dict, **kw) -> ScriptedProvider:
    return ScriptedProvider(Script.model_validate({"turns": list(turns)}), **kw)


async def run(provider, box, limits: Limits | None = None, **kw):
    with anyio.fail_after(30):
        return await run_episode(provider, box, "do it", limits=limits or Limits(), episode_id="e", task_id="t", **kw)


def calls(*names: str, **args) -> dict:
    return {"tool_calls": [{"name": n, "arguments": args} for n in names]}


async def test_calls_of_one_turn_run_concurrently():
    meet = Rendezvous(3)

    async def waits() -> str:
        await meet.wait()
        return "met"

    box = MemoryToolbox({"a__x": waits, "b__y": waits, "c__z": waits})
    traj = await run(scripted(calls("a__x", "b__y", "c__z"), {"text": "done"}), box)
    assert [e.outcome for e in traj.tool_calls()] == ["ok", "ok", "ok"], "a sequential loop never gets all three in"
    assert {e.parallel_group for e in traj.tool_calls()} == {1}
    assert traj.status == "completed"


async def test_events_and_results_keep_the_models_call_order_whatever_order_calls_finish_in():
    second_done = anyio.Event()

    async def slow() -> str:
        with anyio.fail_after(10):
            await second_done.wait()
        return "first"

    async def quick() -> str:
        second_done.set()
        return "second"

    seen: list[ModelRequest] = []

    class Recording(ScriptedProvider):
        async def complete(self, request: ModelRequest) -> ModelResponse:
            seen.append(request)
            return await super().complete(request)

    box = MemoryToolbox({"s__slow": slow, "s__quick": quick})
    traj = await run(Recording(Script.model_validate({"turns": [calls("s__slow", "s__quick"), {"text": "ok"}]})), box)
    assert [e.content for e in traj.tool_calls()] == ["first", "second"]
    results = [m for m in seen[1].messages if m.role == "tool"]
    assert [(m.call_id, m.content) for m in results] == [("call_1_0", "first"), ("call_1_1", "second")]


async def test_max_turns_ends_an_episode_that_never_answers():
    async def ping() -> str:
        return "pong"

    provider = scripted(*[calls("p__ping") for _ in range(10)])
    traj = await run(provider, MemoryToolbox({"p__ping": ping}), Limits(max_turns=3))
    assert traj.status == "max_turns" and traj.final_answer == ""
    assert len(traj.model_turns()) == 3 and len(traj.tool_calls()) == 3
    assert isinstance(traj.events[-1], ErrorEvent) and traj.events[-1].kind == "max_turns"


async def test_the_episode_deadline_ends_a_hung_episode_and_records_the_calls_it_cut_off():
    async def fast() -> str:
        return "fast"

    async def hang() -> str:
        await anyio.sleep_forever()
        return ""

    box = MemoryToolbox({"h__fast": fast, "h__hang": hang})
    traj = await run(scripted(calls("h__fast", "h__hang"), {"text": "never"}), box,
                     Limits(episode_timeout_s=0.5, call_timeout_s=60))
    assert traj.status == "timeout" and traj.final_answer == ""
    assert [(e.exposed_name, e.outcome, e.error_kind) for e in traj.tool_calls()] == [
        ("h__fast", "ok", None), ("h__hang", "infra_error", "timeout")]
    assert traj.events[-1].kind == "timeout"
    assert 0.5 <= traj.wall_time_s < 10


async def test_the_episode_deadline_also_bounds_a_slow_model():
    traj = await run(scripted({"text": "late", "latency_s": 60}), MemoryToolbox({}), Limits(episode_timeout_s=0.3))
    assert traj.status == "timeout" and traj.model_turns() == [] and traj.events[-1].kind == "timeout"


class ComputeBoundScripted(ScriptedProvider):
    """A scripted model that says its latency is this machine's CPU, as a local llama.cpp model does."""

    compute_bound = True


async def test_a_compute_bound_models_own_time_does_not_count_against_the_episode_deadline():
    async def quick() -> str:
        return "42"

    model = ComputeBoundScripted(Script.model_validate({"turns": [{**calls("h__quick"), "latency_s": 0.4},
                                                                  {"text": "it is 42", "latency_s": 0.4}]}))
    traj = await run(model, MemoryToolbox({"h__quick": quick}), Limits(episode_timeout_s=0.3))
    assert traj.status == "completed" and traj.final_answer == "it is 42"
    assert traj.model_time_s >= 0.8 > traj.wall_time_s - traj.model_time_s


async def test_the_same_slow_model_times_out_when_it_is_not_compute_bound():
    model = scripted({**calls("h__quick"), "latency_s": 0.4}, {"text": "it is 42", "latency_s": 0.4})

    async def quick() -> str:
        return "42"

    traj = await run(model, MemoryToolbox({"h__quick": quick}), Limits(episode_timeout_s=0.3))
    assert traj.status == "timeout"


async def test_the_episode_deadline_still_bounds_the_tools_of_a_compute_bound_model():
    async def hang() -> str:
        await anyio.sleep_forever()
        return ""

    model = ComputeBoundScripted(Script.model_validate({"turns": [{**calls("h__hang"), "latency_s": 0.5},
                                                                  {"text": "never"}]}))
    traj = await run(model, MemoryToolbox({"h__hang": hang}), Limits(episode_timeout_s=0.3, call_timeout_s=60))
    assert traj.status == "timeout" and "not counted" in traj.events[-1].message
    assert [(e.exposed_name, e.error_kind) for e in traj.tool_calls()] == [("h__hang", "timeout")]
    assert 0.8 <= traj.wall_time_s < 10  # 0.5 s of model time, then the 0.3 s deadline on the hung call


async def test_a_call_past_its_deadline_is_an_infra_error_and_the_episode_goes_on():
    async def hang() -> str:
        await anyio.sleep_forever()
        return ""

    traj = await run(scripted(calls("h__hang"), {"text": "gave up on it"}), MemoryToolbox({"h__hang": hang}),
                     Limits(call_timeout_s=0.2))
    [event] = traj.tool_calls()
    assert (event.outcome, event.error_kind) == ("infra_error", "timeout")
    assert traj.status == "completed" and traj.final_answer == "gave up on it"


async def test_a_toolbox_that_raises_gives_an_infra_error_event_not_an_exception():
    async def broken() -> str:
        raise RuntimeError("bug in the toolbox")

    traj = await run(scripted(calls("b__broken"), {"text": "ok"}), MemoryToolbox({"b__broken": broken}))
    [event] = traj.tool_calls()
    assert event.outcome == "infra_error" and "bug in the toolbox" in (event.error or "")
    assert traj.status == "completed"


async def test_tool_output_is_capped_before_the_model_sees_it():
    async def big() -> str:
        return "x" * 5000

    async with FakeLLM([calls("b__big"), {"text": "ok"}]) as fake:
        provider = OpenAIProvider("m", base_url=fake.openai_base_url)
        traj = await run(provider, MemoryToolbox({"b__big": big}), Limits(output_cap_bytes=1000))
        await provider.aclose()
    [event] = traj.tool_calls()
    assert event.truncated and event.bytes == 5000 and event.content.startswith("x" * 1000)
    sent = next(m for m in fake.requests[1].body["messages"] if m["role"] == "tool")["content"]
    assert sent == event.content and "original size 5000 bytes" in sent and len(sent) < 1200


async def test_failed_calls_reach_the_model_flagged_as_errors():
    async with FakeLLM([{"tool_calls": [{"name": "ghost__tool", "arguments": {}}]}, {"text": "ok"}]) as fake:
        provider = OpenAIProvider("m", base_url=fake.openai_base_url)
        await run(provider, MemoryToolbox({}))
        await provider.aclose()
    [result] = [m for m in fake.requests[1].body["messages"] if m["role"] == "tool"]
    assert result["content"].startswith("Error: ") and "ghost__tool" in result["content"]


async def test_a_refused_request_ends_the_episode_as_a_model_error_with_its_error_event():
    async with FakeLLM([calls("p__ping"), FakeTurn(status=400, error_message="context too long")]) as fake:
        async def ping() -> str:
            return "pong"

        provider = OpenAIProvider("m", base_url=fake.openai_base_url)
        traj = await run(provider, MemoryToolbox({"p__ping": ping}))
        await provider.aclose()
    assert traj.status == "model_error"
    assert isinstance(traj.events[-1], ErrorEvent) and traj.events[-1].kind == "model_error"
    assert "context too long" in traj.events[-1].message and traj.events[-1].turn == 2
    assert len(traj.tool_calls()) == 1


async def test_an_unreachable_endpoint_is_an_infra_failure_with_its_retries_recorded():
    async with FakeLLM() as fake:
        pass
    provider = OpenAIProvider("m", base_url=fake.openai_base_url, retry=RetryPolicy(max_attempts=2, initial_s=0.01))
    traj = await run(provider, MemoryToolbox({}))
    await provider.aclose()
    assert traj.status == "infra_failed"
    assert traj.events[-1].kind == "infra_error" and [r.reason for r in traj.events[-1].retries] == ["connection error"]


async def test_a_provider_that_crashes_is_an_infra_failure_not_an_exception():
    class Crashing:
        name = "crash/model"

        async def complete(self, request: ModelRequest) -> ModelResponse:
            raise KeyError("oops")

        async def aclose(self) -> None:
            return None

    traj = await run(Crashing(), MemoryToolbox({}))
    assert traj.status == "infra_failed" and "KeyError" in traj.events[-1].message


async def test_retries_of_a_turn_are_recorded_on_its_model_turn():
    async with FakeLLM([FakeTurn(status=503), {"text": "ok"}]) as fake:
        provider = OpenAIProvider("m", base_url=fake.openai_base_url, retry=RetryPolicy(initial_s=0.01, max_s=0.02))
        traj = await run(provider, MemoryToolbox({}))
        await provider.aclose()
    [turn] = traj.model_turns()
    assert [r.reason for r in turn.retries] == ["HTTP 503"] and traj.status == "completed"


async def test_the_trajectory_records_prompt_tools_settings_and_totals():
    async def ping() -> str:
        await anyio.sleep(0.01)
        return "pong"

    provider = ScriptedProvider(Script.model_validate({"turns": [
        {**calls("p__ping"), "usage": {"input_tokens": 10, "output_tokens": 2}},
        {"text": "pong it is", "usage": {"input_tokens": 20, "output_tokens": 3}}]}),
        name="scripted/x", settings=ModelSettings(temperature=0.0, seed=1))
    traj = await run(provider, MemoryToolbox({"p__ping": ping}))
    assert traj.model == "scripted/x" and traj.prompt == "do it" and traj.system_prompt == DEFAULT_SYSTEM
    assert traj.tools == ["p__ping"] and traj.model_settings == {"temperature": 0.0, "seed": 1}
    assert traj.usage == Usage(input_tokens=30, output_tokens=5)
    assert traj.tool_time_s >= 0.01 and traj.wall_time_s >= traj.tool_time_s + traj.model_time_s - 1e-6
    assert traj.final_answer == "pong it is" and traj.events[-1].type == "final"


async def test_unparsed_arguments_reach_the_toolbox_as_none_with_the_raw_text():
    box = MemoryToolbox({})
    await run(scripted({"tool_calls": [{"name": "a__b", "raw_arguments": "[1, 2]"}]}, {"text": "x"}), box)
    assert box.arrived == [RequestedCall(id="call_1_0", name="a__b", arguments=None, raw_arguments="[1, 2]")]


async def test_a_scripted_model_error_is_recorded_not_raised():
    traj = await run(scripted({"text": "one", **calls("p__ping")}), MemoryToolbox({}))
    assert traj.status == "model_error" and "script exhausted" in traj.events[-1].message


async def test_empty_or_repeated_call_ids_are_made_unique_so_results_stay_unambiguous():
    async def ping() -> str:
        return "pong"

    provider = scripted({"tool_calls": [{"name": "p__ping", "id": "x"}, {"name": "p__ping", "id": "x"}]},
                        {"tool_calls": [{"name": "p__ping", "id": "x"}]}, {"text": "done"})
    traj = await run(provider, MemoryToolbox({"p__ping": ping}))
    ids = [e.call_id for e in traj.tool_calls()]
    assert ids == ["x", "x_1_1", "x_2_0"]
    assert [c.id for t in traj.model_turns() for c in t.tool_calls] == ids
