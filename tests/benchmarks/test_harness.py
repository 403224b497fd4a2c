"""The performance harness's own logic (not timings): the P5 evidence judge must read mcpbench's real rubric prompt
the way the truth reads the trajectory, and run_all must render what it measured."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import p2_connect as p2
import p3_throughput as p3
import p5_judge_tokens as p5
import run_all
from _common import percentile

from judges.rubric import DIMENSIONS, build_request, parse_scores, rubric_order
from mcpbench.trajectory import FinalAnswer, ModelTurn, RequestedCall, ToolCallEvent, Trajectory
from task_synth.task import Check, ReferenceStep, Task


def _task() -> Task:
    return Task(id="denver-phone", servers=["fetch"], precise="Find out and complete: The Denver office's phone "
                "number is +… … … ….", fuzzy="?", checks=[Check(kind="claims", value=["+1", "303", "555", "0142"])],
                answer="The Denver office's phone number is +1 303 555 0142.",
                reference=[ReferenceStep(server="fetch", tool="fetch", arguments={"url": "http://h/offices.html"},
                                         output="Denver +1 303 555 0142")])


def _traj(answer: str, calls: int,
          content: str = "Offices\nDenver: +1 303 555 0142\nLisbon: +351 21 000") -> Trajectory:
    events: list = []
    for i in range(calls):
        events.append(ModelTurn(turn=i + 1, tool_calls=[RequestedCall(id=f"c{i}", name="fetch__fetch",
                                                                      arguments={"url": "http://h/offices.html"})]))
        events.append(ToolCallEvent(turn=i + 1, call_id=f"c{i}", exposed_name="fetch__fetch", server="fetch",
                                    tool="fetch", arguments={"url": "http://h/offices.html"}, outcome="ok",
                                    content=content))
    events.append(FinalAnswer(turn=calls + 1, text=answer))
    return Trajectory(episode_id="e", task_id="denver-phone", model="m", prompt="?", events=events,
                      final_answer=answer, status="completed")


@pytest.mark.parametrize("answer,calls", [("It is +1 303 555 0142.", 1), ("It is +1 303 555 0142.", 0),
                                          ("It is +1 636 888 3475.", 1), ("I could not find it.", 2)])
def test_the_evidence_judge_reads_from_the_rubric_prompt_what_the_truth_reads_from_the_trajectory(answer, calls):
    task, traj = _task(), _traj(answer, calls)
    request = build_request(task, traj, order=rubric_order(7), seed=7, budget_tokens=6000)
    assert p5.evidence(p5.prompt_view(request.messages[0].content)) == p5.evidence(p5.truth_view(task, traj))


def test_a_grounded_right_answer_outscores_a_wrong_one_and_an_ungrounded_one_loses_grounding_only():
    task = _task()
    right = p5.evidence(p5.truth_view(task, _traj("It is +1 303 555 0142.", 1)))
    wrong = p5.evidence(p5.truth_view(task, _traj("It is +1 636 888 3475.", 1)))
    ungrounded = p5.evidence(p5.truth_view(task, _traj("It is +1 303 555 0142.", 0)))
    assert right["task_fulfillment"] == 1.0 and right["grounding"] == 1.0 and right["parameter_accuracy"] == 1.0
    assert wrong["task_fulfillment"] < 0.5 and wrong["tool_appropriateness"] == 1.0
    assert ungrounded["task_fulfillment"] == 1.0 and ungrounded["grounding"] == 0.0


def test_shortening_hides_evidence_from_the_judge_when_the_value_sits_in_a_clipped_middle():
    task = _task()
    long = "x" * 30000 + " Denver: +1 303 555 0142 " + "y" * 30000
    traj = _traj("It is +1 303 555 0142.", 1, content=long)
    short = build_request(task, traj, order=list(DIMENSIONS), seed=1, budget_tokens=1000)
    full = build_request(task, traj, order=list(DIMENSIONS), seed=1, budget_tokens=10**9)
    assert p5.evidence(p5.prompt_view(short.messages[0].content))["grounding"] == 0.0
    assert p5.evidence(p5.prompt_view(full.messages[0].content))["grounding"] == 1.0


def test_the_evidence_judge_answers_strict_rubric_json_and_is_deterministic_for_one_prompt():
    task, traj = _task(), _traj("It is +1 303 555 0142.", 1)
    request = build_request(task, traj, order=rubric_order(3), seed=3, budget_tokens=6000)
    judge = p5.EvidenceJudge()

    async def twice():
        return [await judge.complete(request) for _ in range(2)]

    a, b = anyio.run(twice)
    assert a.text == b.text
    assert set(parse_scores(a.text)) == set(DIMENSIONS)
    assert a.usage.input_tokens == p5.request_tokens(request) > 0


def test_run_all_renders_every_measured_row_with_its_verdict(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# P\n\n{run_all.START}\nold\n{run_all.END}\ntail\n")
    monkeypatch.setattr(run_all, "DOC", doc)
    results = {"P1": {"measure": "latency", "value": 1.02, "baseline": 1.0, "ratio": 1.02, "target": "≤ 1.10×",
                      "pass": True, "unit": "ms"},
               "P5": {"measure": "tokens", "value": 4049, "baseline": 19452, "ratio": 0.208, "target": "≤ 1/3",
                      "pass": False, "unit": "tokens"},
               "P6": {"measure": "tok/s", "value": None, "baseline": None, "ratio": None, "target": "recorded",
                      "pass": None, "unit": "tok/s"},
               "machine": {"cpu": "c", "cores": 2, "ram_gb": 1, "python": "3.11", "mcp": "2.3.0", "date": "d",
                           "loadavg_before": [1, 1, 1], "loadavg_after": [2, 2, 2]}}
    run_all.write_doc(results)
    text = doc.read_text()
    assert "| P1 | latency | 1.02 ms | 1 | 1.02 | ≤ 1.10× | **pass** | – |" in text
    assert "| P5 | tokens | 4,049 tokens | 19,452 | 0.208 | ≤ 1/3 | **miss** | – |" in text
    assert "| P6 | tok/s | – tok/s | – | – | recorded | not recorded | – |" in text
    results["P6"] |= {"value": 13.2}
    run_all.write_doc(results)
    assert "| P6 | tok/s | 13.2 tok/s | – | – | recorded | recorded | – |" in doc.read_text()
    assert "old" not in text and text.endswith("tail\n")
    json.dumps(results)


def test_percentiles_interpolate_between_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 95) == 5.0


def test_mcp_bench_prompt_size_is_its_fixed_text_plus_the_variable_parts_as_its_evaluator_renders_them():
    task = _task()
    traj = _traj("It is +1 303 555 0142.", 1, content="x" * 5000)  # over MCP-Bench's 4,000-char result cap
    traj.tools = ["fetch__fetch"]
    tools = {"fetch__fetch": "d" * 600}  # over its 500-char description cap
    # hand-built, line by line (each part is followed by a newline)
    lines = ["?", task.precise, "It is +1 303 555 0142.",
             "Total rounds: 1; Tools executed: 1; Successful: 1; Failed: 0; Successful tools: fetch__fetch",
             "--- ACCUMULATED INFORMATION FROM EXECUTION ---", "--- Summary of Round 1 ---",
             "Tool `fetch:fetch` with Parameter {'url': 'http://h/offices.html'} on fetch succeeded. Result: "
             + "x" * 4000, "[fetch] (1 tools)", "  - fetch:fetch: " + "d" * 500]
    want = 98 + 9_251 + sum(len(x) + 1 for x in lines)
    assert p5.mcp_bench_prompt_chars(task, traj, tools) == want
    # without the call (no summary line, no successful tool) the prompt is shorter
    assert p5.mcp_bench_prompt_chars(task, _traj("It is +1 303 555 0142.", 0), {}) < want


def test_each_schemes_agreement_is_the_mean_over_its_draws_and_the_difference_carries_its_standard_error():
    corpus = [(_task(), a, _traj(ans, n)) for a, ans, n in [("oracle", "It is +1 303 555 0142.", 1),
                                                             ("wrong", "It is +1 636 888 3475.", 1),
                                                             ("ungrounded", "It is +1 303 555 0142.", 0),
                                                             ("gave-up", "I could not find it.", 2)]]
    res = anyio.run(p5.compare, corpus, 1.0, (1, 2), {}, 3)
    base, k2 = res["mcp_bench"], res["mcpbench_k2"]
    for r in (base, res["mcpbench_k1"], k2):
        assert len(r["alpha_draws"]) == 3 and r["alpha"] == pytest.approx(sum(r["alpha_draws"]) / 3)
    # MCP-Bench's re-runs shuffle differently, and so do mcpbench's run seeds: the draws are not all one value
    assert len(set(base["alpha_draws"])) > 1 and len(set(res["mcpbench_k1"]["alpha_draws"])) > 1
    # one seed repeated reproduces its scores exactly
    assert k2["alpha_same_seed_rerun"] == 1.0
    assert k2["alpha_minus_mcp_bench"] == pytest.approx(k2["alpha"] - base["alpha"])
    sd_ours, sd_base = k2["alpha_sd"], base["alpha_sd"]
    assert k2["alpha_minus_mcp_bench_se"] == pytest.approx(((sd_ours ** 2 + sd_base ** 2) / 3) ** 0.5)
    assert k2["tokens_per_task"] == pytest.approx(2 * res["mcpbench_k1"]["tokens_per_task"], rel=0.01)


def test_p2_cpu_floor_spreads_all_start_up_cpu_over_the_cores_but_never_below_the_orchestrators_own():
    # 9.3 CPU-s in the servers + 0.3 in the orchestrator on 2 cores: (9.3 + 0.3) / 2 = 4.8 s
    assert p2.cpu_floor_s(9.3, 0.3, 2) == pytest.approx(4.8)
    # one thread's CPU cannot be spread: 1.0 + 3.0 on 8 cores is 0.5 s of spread, but the orchestrator needs 3.0 s
    assert p2.cpu_floor_s(1.0, 3.0, 8) == pytest.approx(3.0)
    assert p2.cpu_floor_s(2.0, 0.0, 1) == pytest.approx(2.0)


def test_p3_headline_is_the_median_runner_run_and_the_slower_middle_one_for_an_even_count():
    runs = [{"wall_s": 5.9}, {"wall_s": 5.4}, {"wall_s": 6.3}]
    assert p3.median_run(runs)["wall_s"] == 5.9
    assert p3.median_run(runs[:2])["wall_s"] == 5.9
    assert p3.median_run(runs[1:2])["wall_s"] == 5.4
