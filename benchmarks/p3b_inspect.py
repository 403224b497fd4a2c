"""P3b — the P3 workload on inspect_ai, beside mcpbench in the same run: inspect_ai's ReAct agent
(`inspect_ai.agent.react`) with the same toy server as MCP stdio tools (`inspect_ai.tool.mcp_server_stdio`) and a
`mockllm` model whose scripted outputs play the same turns with the same latency (5 tool turns of 100 ms calling
`add`, then an instant final turn — the `submit()` call that ends a ReAct agent). Concurrency 50 on both sides
(inspect: max_samples = max_connections = 50).

mcpbench side: the Runner (suite, store, scoring) — the product path, as inspect's eval() also writes its log.
Target: mcpbench ≥ 2× faster (inspect wall / mcpbench wall ≥ 2). Run `pip install -e '.[bench]'` first."""

from __future__ import annotations

import sys
import tempfile
import time
from typing import Any

import anyio
from _common import TOY_SERVER, BenchResult, emit, parse_args
from p3_throughput import LATENCY_S, TURNS, ideal_s, runner_path

from mcpbench._loop import run as run_loop

TARGET = 2.0
EPISODES = 50


def inspect_run(episodes: int, concurrency: int) -> dict[str, Any]:
    """One inspect_ai eval of the workload; returns wall time and what the log says."""
    from inspect_ai import Task, eval
    from inspect_ai.agent import react
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.tool import mcp_server_stdio

    seen_tools: set[str] = set()

    async def outputs(messages: list[Any], tools: list[Any], tool_choice: Any, config: Any) -> ModelOutput:
        seen_tools.update(t.name for t in tools)
        k = sum(1 for m in messages if m.role == "assistant")
        if k < TURNS:
            await anyio.sleep(LATENCY_S)
            out = ModelOutput.for_tool_call(model="mockllm/model", tool_name="add", tool_arguments={"a": k, "b": 1})
        else:
            out = ModelOutput.for_tool_call(model="mockllm/model", tool_name="submit",
                                            tool_arguments={"answer": f"The sum is {TURNS}."})
        out.usage = ModelUsage(input_tokens=0, output_tokens=0, total_tokens=0)  # no tokenizer needed offline
        return out

    server = mcp_server_stdio(name="toy", command=sys.executable, args=[str(TOY_SERVER)])
    task = Task(dataset=[Sample(id=i, input="Add five times.", target=str(TURNS)) for i in range(episodes)],
                solver=react(tools=[server]))
    model = get_model("mockllm/model", custom_outputs=outputs)
    with tempfile.TemporaryDirectory(prefix="mcpbench-p3b-") as logs:
        t0 = time.perf_counter()
        [log] = eval(task, model=model, max_samples=concurrency, max_connections=concurrency, log_dir=logs,
                     display="none", fail_on_error=False, time_limit=600)
        wall = time.perf_counter() - t0
        samples = log.samples or []  # read while the log file still exists
        tool_calls = sum(1 for s in samples for m in s.messages if m.role == "tool" and m.function == "add")
        errors = sum(1 for s in samples if s.error is not None)
        sample_s = [s.total_time for s in samples if s.total_time is not None]
    return {"wall_s": wall, "status": log.status, "samples": len(samples), "sample_errors": errors,
            "tool_messages": tool_calls, "tools_offered": sorted(seen_tools),
            "sample_mean_s": sum(sample_s) / len(sample_s) if sample_s else None}


async def mcpbench_run(episodes: int, concurrency: int) -> dict[str, Any]:
    return await runner_path("toy", episodes, concurrency)  # the server inspect_ai runs too: like for like


def run(quick: bool) -> list[BenchResult]:
    # inspect_ai starts one MCP server process per sample (~2-3 CPU-seconds each on this loaded machine), so the full
    # 500 episodes would take ~30 min: both sides run the same workload at EPISODES instead (see docs/performance.md)
    episodes, conc = (10, 10) if quick else (EPISODES, 50)
    ours = run_loop(mcpbench_run, episodes, conc)
    print(f"mcpbench runner: {episodes} episodes in {ours['wall_s']:.2f} s (total incl. start-up "
          f"{ours['total_s']:.2f} s)")
    theirs = inspect_run(episodes, conc)
    print(f"inspect_ai react + mcp_server_stdio: {theirs['wall_s']:.2f} s, status {theirs['status']}, "
          f"{theirs['samples']} samples, {theirs['tool_messages']} tool messages, {theirs['sample_errors']} errors")
    # like for like: inspect's eval() wall includes its start-up and log writing, so compare with our total
    ratio = theirs["wall_s"] / ours["total_s"]
    complete = theirs["sample_errors"] == 0 and theirs["tool_messages"] == episodes * TURNS
    details = {"episodes": episodes, "concurrency": conc, "ideal_s": ideal_s(episodes, conc),
               "mcpbench_runner": {k: v for k, v in ours.items() if k != "profile"}, "inspect_ai": theirs,
               "ratio_episode_phase": theirs["wall_s"] / ours["wall_s"], "inspect_complete": complete}
    return [BenchResult(
        id="P3b", measure=f"P3 workload at {episodes} episodes: inspect_ai ReAct + MCP stdio vs mcpbench Runner "
                          "(wall incl. start-up)",
        value=ours["total_s"], baseline=theirs["wall_s"], ratio=ratio, target="mcpbench ≥ 2× faster",
        passed=ratio >= TARGET and complete, unit="s", details=details,
        notes=f"inspect_ai {theirs['wall_s']:.2f} s vs mcpbench {ours['total_s']:.2f} s total "
              f"({ours['wall_s']:.2f} s episode phase)" + ("" if complete else "; inspect run incomplete"))]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    emit(run(args.quick), args.json)


if __name__ == "__main__":
    main()
