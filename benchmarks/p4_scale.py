"""P4 — processes and orchestrator memory at 200 concurrent episodes, through the Runner (store and scoring on).

Two stateless servers (two instances of the toy server under different names) and a scripted model whose every turn
calls both in parallel (5 tool turns, 100 ms latency, so all 200 episodes are in flight together). A sampler
records, every 50 ms, the orchestrator's RSS and how many processes descend from it.
Targets: server processes O(servers) for stateless servers (here: exactly 2, whatever the episode count);
orchestrator RSS < 300 MB. No baseline."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from _common import TOY_SERVER, BenchResult, emit, parse_args
from p3_throughput import LATENCY_S, TURNS, warm_imports

from mcpbench._loop import run as run_loop

RSS_LIMIT_MB = 300.0
SERVERS = ("toy_a", "toy_b")


def _inputs(d: Path) -> tuple[Path, Path, Path]:
    from mcpbench.models.scripted import Script, ScriptCall, ScriptTurn
    from task_synth.task import Check, ReferenceStep, Suite, Task

    cfg = d / "servers.yaml"
    cfg.write_text("servers:\n" + "".join(f"  - name: {n}\n    command: {sys.executable}\n    args: [{TOY_SERVER}]\n"
                                          for n in SERVERS))
    turns = [ScriptTurn(tool_calls=[ScriptCall(server=n, tool="add", arguments={"a": i, "b": 1}) for n in SERVERS],
                        latency_s=LATENCY_S) for i in range(TURNS)]
    script = Script(turns=[*turns, ScriptTurn(text=f"The sum is {TURNS}.")])
    script_path = d / "p4-script.json"
    script_path.write_text(json.dumps(script.model_dump(mode="json")))
    steps = [ReferenceStep(server=n, tool="add", arguments={"a": i, "b": 1}, output=str(i + 1))
             for i in range(TURNS) for n in SERVERS]
    task = Task(id="p4-add", servers=list(SERVERS), precise="Add.", fuzzy="Add.", reference=steps,
                checks=[Check(kind="contains", value=str(TURNS))], answer=f"The sum is {TURNS}.")
    suite = d / "p4.jsonl"
    Suite(name="p4", tasks=[task]).dump(suite)
    return cfg, suite, script_path


class _Sampler:
    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.rss_mb: list[float] = []
        self.procs: list[int] = []
        self.in_flight: list[int] = []
        self.active = 0

    def sample(self) -> None:
        import psutil

        self.rss_mb.append(self.me.memory_info().rss / 2**20)
        try:
            self.procs.append(len(self.me.children(recursive=True)))
        except psutil.Error:
            pass
        self.in_flight.append(self.active)


class _Progress:
    def __init__(self, sampler: _Sampler, episodes: int) -> None:
        self.sampler, self.episodes, self.done = sampler, episodes, 0

    def start(self, *a: Any) -> None:
        self.sampler.active = self.episodes

    def episode(self, *a: Any) -> None:
        self.done += 1
        self.sampler.active = self.episodes - self.done

    def finish(self, *a: Any) -> None: ...


async def run_async(quick: bool) -> list[BenchResult]:
    from mcpbench.runner import Runner, RunOptions

    episodes = 50 if quick else 200
    warm_imports()
    sampler = _Sampler()
    sampler.sample()
    rss_before = sampler.rss_mb[-1]
    with tempfile.TemporaryDirectory(prefix="mcpbench-p4-") as tmp:
        d = Path(tmp)
        cfg, suite, script_path = _inputs(d)
        opts = RunOptions(models=[f"scripted/{script_path}"], suite=str(suite), repeats=episodes,
                          concurrency=episodes, out=d / "run", config=cfg, infra_retries=0)
        result: list[Any] = []

        async def go() -> None:
            result.append(await Runner(opts, progress=_Progress(sampler, episodes)).run())

        t0 = time.perf_counter()
        with anyio.fail_after(600):
            async with anyio.create_task_group() as tg:
                tg.start_soon(go)
                while not result:
                    sampler.sample()
                    await anyio.sleep(0.05)
        wall = time.perf_counter() - t0
    res = result[0]
    busy = [(p, r) for p, r, n in zip(sampler.procs, sampler.rss_mb, sampler.in_flight) if n >= episodes * 0.9]
    peak_procs = max(sampler.procs)
    peak_rss = max(sampler.rss_mb)
    procs_ok = peak_procs <= len(SERVERS)
    print(f"{episodes} concurrent episodes: peak {peak_procs} server processes for {len(SERVERS)} stateless servers, "
          f"orchestrator RSS peak {peak_rss:.0f} MB (before the run {rss_before:.0f} MB), wall {wall:.1f} s, "
          f"state {res.state}")
    details = {"episodes": episodes, "servers": len(SERVERS), "peak_processes": peak_procs,
               "processes_while_all_in_flight": sorted({p for p, _ in busy}), "rss_before_mb": rss_before,
               "rss_peak_mb": peak_rss, "samples": len(sampler.rss_mb),
               "samples_with_all_in_flight": len(busy), "wall_s": wall, "state": res.state}
    return [BenchResult(id="P4", measure=f"orchestrator RSS and processes at {episodes} concurrent episodes (runner)",
                        value=peak_rss, baseline=None, ratio=None,
                        target="processes O(servers) for stateless servers; RSS < 300 MB",
                        passed=procs_ok and peak_rss < RSS_LIMIT_MB and res.state == "completed", unit="MB",
                        details=details,
                        notes=f"peak {peak_procs} processes for {len(SERVERS)} stateless servers at {episodes} "
                              "concurrent episodes")]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    emit(run_loop(run_async, args.quick), args.json)


if __name__ == "__main__":
    main()
