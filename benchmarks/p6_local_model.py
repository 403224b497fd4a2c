"""P6 — the local model (local/qwen2.5-coder-1.5b on llama.cpp's llama-server, started through mcpbench.models.local):
time to ready, prompt and generation tokens/s (llama-server's own timings on a fixed prompt), and seconds per task —
the first task of the shipped smoke suite through the Runner when the suite is built, else a fixed one-tool task on
the toy server through the agent loop. Recorded, no target."""

from __future__ import annotations

import time
from typing import Any

import anyio
from _common import RECORDED, BenchResult, emit, parse_args, toy_spec

from mcpbench._loop import run as run_loop

MODEL = "local/qwen2.5-coder-1.5b"
FIXED_PROMPT = "Write a Python function that returns the n-th Fibonacci number iteratively, with a docstring."


async def _timings(base_url: str) -> dict[str, Any]:
    import httpx

    body = {"model": MODEL.split("/", 1)[1], "messages": [{"role": "user", "content": FIXED_PROMPT}],
            "max_tokens": 48, "temperature": 0, "seed": 1234}
    async with httpx.AsyncClient(timeout=300) as client:
        r = await client.post(f"{base_url}/chat/completions", json=body)
        r.raise_for_status()
        data = r.json()
    t = data.get("timings", {})
    return {"prompt_tokens": t.get("prompt_n"), "prompt_tok_s": t.get("prompt_per_second"),
            "generated_tokens": t.get("predicted_n"), "generation_tok_s": t.get("predicted_per_second"),
            "usage": data.get("usage")}


async def _toy_task(provider: Any) -> dict[str, Any]:
    from mcpbench.agent import Limits, run_episode
    from mcpbench.fleet import Fleet

    async with Fleet.open([toy_spec()]) as fleet, fleet.episode("p6", servers=["toy"]) as tools:
        t0 = time.perf_counter()
        traj = await run_episode(provider, tools, "What is 1234 + 5678? Use the add tool, then answer.",
                                 episode_id="p6", task_id="toy-add", limits=Limits(max_turns=4, episode_timeout_s=140))
        wall = time.perf_counter() - t0
    return {"task": "toy add (a fixed one-tool task)", "seconds": wall, "status": traj.status,
            "answer": traj.final_answer[:200], "tool_calls": len(traj.tool_calls()),
            "input_tokens": traj.usage.input_tokens, "output_tokens": traj.usage.output_tokens,
            "model_time_s": traj.model_time_s}


async def _smoke_task() -> dict[str, Any] | None:
    import tempfile
    from pathlib import Path

    from mcpbench.runner import Runner, RunOptions
    from task_synth.task import Suite, suite_path

    try:
        path = suite_path("smoke")
    except FileNotFoundError:
        return None
    suite = Suite.load(path)
    first = suite.tasks[0]
    with tempfile.TemporaryDirectory(prefix="mcpbench-p6-") as tmp:
        one = Path(tmp) / "smoke-1.jsonl"
        Suite(name=suite.name, version=suite.version, tasks=[first]).dump(one)
        opts = RunOptions(models=[MODEL], suite=str(one), out=Path(tmp) / "run", infra_retries=0, allow_drift=True)
        t0 = time.perf_counter()
        res = await Runner(opts).run()
        wall = time.perf_counter() - t0
    return {"task": f"smoke/{first.id} through the Runner (fleet start included)", "seconds": wall,
            "state": res.state}


async def run_async(quick: bool) -> list[BenchResult]:
    import os

    from mcpbench.models.registry import get_provider

    provider = get_provider(MODEL)
    ready = None
    timings: dict[str, Any] = {"prompt_tok_s": None, "generation_tok_s": None}
    task: dict[str, Any] = {"task": "toy add", "seconds": None, "status": "not run"}
    problems = []
    try:
        t0 = time.perf_counter()
        with anyio.fail_after(120):
            server = await provider.start()
        ready = time.perf_counter() - t0
        try:
            with anyio.fail_after(120):
                timings = await _timings(server.openai_base_url)
            with anyio.fail_after(150):
                task = await _toy_task(provider)
        except TimeoutError:
            problems.append("a request did not finish within its deadline")
    except TimeoutError:
        problems.append("llama-server was not ready within 120 s")
    finally:
        await provider.aclose()
    smoke = None
    if not quick and not problems:
        try:
            with anyio.fail_after(240):
                smoke = await _smoke_task()
        except TimeoutError:
            problems.append("the smoke task did not finish within 240 s")
    load = os.getloadavg()[0]
    if problems:
        note = f"{'; '.join(problems)} (load average {load:.1f} on {os.cpu_count()} cores: llama.cpp's spinning " \
               "threads collapse when the cores are oversubscribed)"
        print(f"{MODEL}: {note}")
        return [BenchResult(id="P6", measure=f"local model {MODEL}: generation tokens/s", value=timings.get(
            "generation_tok_s"), target=RECORDED, unit="tok/s",
            details={"ready_s": ready, "fixed_prompt": timings, "task": task, "smoke_task": smoke,
                     "loadavg_1m": load}, notes=note)]
    print(f"{MODEL}: ready in {ready:.1f} s; prompt {timings['prompt_tok_s']:.1f} tok/s, generation "
          f"{timings['generation_tok_s']:.1f} tok/s; {task['task']}: {task['seconds']:.1f} s ({task['status']})"
          + (f"; {smoke['task']}: {smoke['seconds']:.1f} s" if smoke else ""))
    return [BenchResult(id="P6", measure=f"local model {MODEL}: generation tokens/s", value=timings["generation_tok_s"],
                        target=RECORDED, unit="tok/s",
                        details={"ready_s": ready, "fixed_prompt": timings, "task": task, "smoke_task": smoke},
                        notes=f"prompt {timings['prompt_tok_s']:.1f} tok/s; {task['seconds']:.1f} s per task "
                              f"({task['task']}, status {task['status']}); ready in {ready:.1f} s")]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    emit(run_loop(run_async, args.quick), args.json)


if __name__ == "__main__":
    main()
