"""The LLM judge panel, driven by scripted judge Providers (canned JSON, garbage, HTTP 429, hangs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from judge_builders import SQL, Call, oracle, task, trajectory

from judges import RUBRIC_DIMENSIONS, judge_panel
from judges.rubric import (
    DIMENSIONS,
    build_request,
    parse_scores,
    request_sha256,
    rubric_order,
    sample_order,
    sample_seed,
)
from judges.shorten import approx_tokens, render_trajectory
from mcpbench.models.base import ModelError, ModelRequest, ModelResponse, Provider
from mcpbench.trajectory import Usage

Reply = str | Exception | Callable[[ModelRequest], Any]


def verdict(score: float, **override: float) -> str:
    return json.dumps({**{d: score for d in RUBRIC_DIMENSIONS}, **override, "justification": "canned"})


class ScriptedJudge:
    """A judge Provider that plays canned replies in order (the last one repeats) and records every request."""

    def __init__(self, name: str, *replies: Reply):
        self.name = name
        self.replies = list(replies)
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if callable(reply):
            reply = await reply(request)
        if isinstance(reply, Exception):
            raise reply
        return ModelResponse(text=reply, usage=Usage(input_tokens=len(request.messages[-1].content) // 4,
                                                     output_tokens=40))

    async def aclose(self) -> None:
        return None


def test_the_scripted_judge_is_a_provider():
    assert isinstance(ScriptedJudge("j/a", verdict(5)), Provider)


async def _panel(*judges: ScriptedJudge, k: int = 1, seed: int = 7, **kw: Any):
    with anyio.fail_after(10):
        return await judge_panel(list(judges), task(), oracle(), k=k, seed=seed, **kw)


@pytest.mark.anyio
async def test_panel_means_weight_judges_equally_and_map_the_1_to_10_scale_onto_0_to_1():
    """Judge A scores 10 everywhere, judge B 7 (k = 2 samples each).
    Per dimension: mean of judge means = (10 + 7) / 2 = 8.5 -> (8.5 - 1) / 9 = 0.8333."""
    result = await _panel(ScriptedJudge("j/a", verdict(10)), ScriptedJudge("j/b", verdict(7)), k=2)
    assert result.panel == ["j/a", "j/b"]
    assert len(result.judgements) == 4 and result.unscored == 0
    assert result.per_judge["j/a"]["grounding"] == 10.0 and result.per_judge["j/b"]["grounding"] == 7.0
    assert result.dimensions["grounding"] == pytest.approx(7.5 / 9)


@pytest.mark.anyio
async def test_garbage_output_gets_one_repair_prompt_and_is_scored_when_the_repair_parses():
    judge = ScriptedJudge("j/a", "I think it went well, maybe 8/10?", "```json\n" + verdict(8) + "\n```")
    result = await _panel(judge)
    [j] = result.judgements
    assert j.scores is not None and j.scores["task_fulfillment"] == 8.0
    assert j.raw[0].startswith("I think") and len(j.raw) == 2
    assert "could not be used" in judge.requests[1].messages[-1].content
    assert j.usage.output_tokens == 80  # both requests are accounted


@pytest.mark.anyio
async def test_output_that_stays_unparseable_is_unscored_never_zero():
    result = await _panel(ScriptedJudge("j/bad", "nope", '{"task_fulfillment": 11}'), ScriptedJudge("j/ok", verdict(4)))
    bad = next(j for j in result.judgements if j.judge == "j/bad")
    assert bad.scores is None and "outside 1-10" in (bad.error or "")
    assert result.unscored == 1
    assert result.per_judge["j/bad"]["grounding"] is None
    assert result.dimensions["grounding"] == pytest.approx(3 / 9)  # only j/ok's 4 counts
    assert "1 of 2 judgements unscored" in result.note


@pytest.mark.anyio
async def test_a_judge_endpoint_failing_with_429_leaves_that_judgement_unscored():
    result = await _panel(ScriptedJudge("j/limited", ModelError("rate limited", status=429, retryable=True)))
    [j] = result.judgements
    assert j.scores is None and "HTTP 429" in (j.error or "")
    assert all(v is None for v in result.dimensions.values())


@pytest.mark.anyio
async def test_a_judge_that_hangs_is_cut_off_at_its_deadline_and_unscored():
    async def hang(_: ModelRequest) -> str:
        await anyio.sleep_forever()
        return ""

    result = await _panel(ScriptedJudge("j/slow", hang), timeout_s=0.05)
    assert result.judgements[0].scores is None and "timed out" in (result.judgements[0].error or "")


@pytest.mark.anyio
async def test_judges_run_concurrently():
    """Each judge waits until the other has been asked: a panel that asked them one after the other would hang."""
    asked = {"j/a": anyio.Event(), "j/b": anyio.Event()}

    def wait_for(other: str, me: str):
        async def reply(_: ModelRequest) -> str:
            asked[me].set()
            await asked[other].wait()
            return verdict(6)
        return reply

    result = await _panel(ScriptedJudge("j/a", wait_for("j/b", "j/a")), ScriptedJudge("j/b", wait_for("j/a", "j/b")))
    assert result.unscored == 0


@pytest.mark.anyio
async def test_rubric_order_is_seeded_by_run_seed_task_and_sample_and_recorded_with_the_prompt_hash():
    a, b = ScriptedJudge("j/a", verdict(5)), ScriptedJudge("j/a2", verdict(5))
    first = await _panel(a, k=4, seed=11)
    again = await _panel(b, k=4, seed=11)
    assert [j.order for j in first.judgements] == [j.order for j in again.judgements]
    assert [j.prompt_sha256 for j in first.judgements] == [j.prompt_sha256 for j in again.judgements]
    assert len({tuple(j.order) for j in first.judgements}) > 1  # samples see different orders
    for j, req in zip(first.judgements, a.requests, strict=True):
        assert j.seed == sample_seed(11, "orders-7", j.sample)
        assert j.order == sample_order(11, "orders-7", j.sample)
        text = req.messages[0].content
        positions = [text.index(f"- {d}:") for d in j.order]
        assert positions == sorted(positions)  # the prompt lists the rubric in the recorded order
        assert j.prompt_sha256 == request_sha256(req)
    other = await _panel(ScriptedJudge("j/a", verdict(5)), k=4, seed=12)
    assert [j.order for j in other.judgements] != [j.order for j in first.judgements]


@pytest.mark.anyio
async def test_an_empty_panel_says_so_and_scores_nothing():
    result = await judge_panel([], task(), oracle(), k=3, seed=0)
    assert result.panel == [] and result.judgements == []
    assert "empty panel" in result.note


def test_the_judge_sees_the_precise_task_the_reference_chain_and_the_trajectory():
    req = build_request(task(), oracle(), order=list(RUBRIC_DIMENSIONS), seed=1)
    text = req.messages[0].content
    assert task().precise in text and task().fuzzy not in text
    assert "step 2: calc/calculate" in text and "depends_on=[0]" in text
    assert "call #0 db__query" in text and "[final answer] Order 7 twice over is 2,500" in text


def test_judges_of_live_varying_tasks_are_told_that_values_may_have_moved():
    steady = build_request(task(), oracle(), order=list(RUBRIC_DIMENSIONS), seed=1).messages[0].content
    live_task = task(reference=[task().reference[0].model_copy(update={"live_varying": True}), *task().reference[1:]])
    live = build_request(live_task, oracle(), order=list(RUBRIC_DIMENSIONS), seed=1).messages[0].content
    assert "vary over time" in live and "vary over time" not in steady


def test_long_tool_results_are_shortened_deterministically_keeping_head_and_tail_within_the_budget():
    big = "HEAD-" + "x" * 500_000 + "-TAIL"
    traj = trajectory([[Call("db__query", {"sql": SQL}, content=big)]] * 30, "2500 in Paris")
    text = render_trajectory(traj, budget_tokens=4000)
    assert approx_tokens(text) <= 4000 + 200  # the final-answer and status lines sit outside the budget
    assert text.count("HEAD-") == 30 and text.count("-TAIL") == 30
    assert text == render_trajectory(traj, budget_tokens=4000)
    req = build_request(task(), traj, order=list(RUBRIC_DIMENSIONS), seed=1, budget_tokens=4000)
    assert approx_tokens(req.system + req.messages[0].content) < 6000  # MCP-Bench: ~161k prompt tokens per task


def test_a_trajectory_too_long_for_the_budget_even_at_the_minimum_cut_loses_middle_lines_with_a_marker():
    traj = trajectory([[Call("db__query", {"sql": f"select {i}"}, content="r" * 400)] for i in range(300)], "done")
    text = render_trajectory(traj, budget_tokens=2000)
    assert "lines omitted to fit the judge budget" in text
    assert "select 0" in text and "select 299" in text


@pytest.mark.parametrize(("reply", "reason"), [
    ("not json", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"task_fulfillment": 5}), "missing"),
    (verdict(5, grounding=0), "outside 1-10"),
    (json.dumps({**{d: 5 for d in RUBRIC_DIMENSIONS}, "grounding": True}), "not a number"),
])
def test_the_parser_accepts_only_the_strict_json_object(reply, reason):
    with pytest.raises(ValueError, match=reason):
        parse_scores(reply)


def test_sample_orders_come_in_reversed_pairs_so_a_linear_position_bias_cancels():
    base = rubric_order(sample_seed(5, "t-1", 0))
    orders = [sample_order(5, "t-1", j) for j in range(6)]
    # hand-derived: sample 0 is the seeded shuffle, 1 its reverse, 2 the shuffle rotated by one place, 3 that reversed
    assert orders[0] == base
    assert orders[1] == base[::-1]
    assert orders[2] == base[1:] + base[:1]
    assert orders[3] == orders[2][::-1]
    for k in (2, 4, 6):
        for d in DIMENSIONS:
            # every dimension's mean position over an even number of samples is the middle of the list
            assert sum(o.index(d) for o in orders[:k]) / k == (len(DIMENSIONS) - 1) / 2
    # primacy +0.5 for the first place, -0.5 for the last: a pair's mean bias is 0 for every dimension
    bias = {0: 0.5, len(DIMENSIONS) - 1: -0.5}
    for d in DIMENSIONS:
        assert bias.get(orders[0].index(d), 0) + bias.get(orders[1].index(d), 0) == 0
    assert sample_order(6, "t-1", 0) != base or sample_order(5, "t-2", 0) != base  # seeded by run seed and task
