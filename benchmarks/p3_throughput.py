"""P3 — episode throughput: 500 episodes × 5 tool turns, a scripted model with 100 ms latency per tool turn,
concurrency 50, on the default fleet's `everything` server (the MCP reference server, Node; its `get-sum` tool,
stateless: one shared session), so the measure is the orchestrator, not the tool.

Each episode: 5 model turns that each call everything__get-sum (100 ms model latency each), then a final-answer
turn with no latency (so ideal = episodes × 5 × 0.1 s / 50 = 5.0 s exactly). `--server toy` runs the same on the
toy mcp 2.x Python server instead (whose ≈ 3 ms of CPU per call makes the server the bottleneck on 2 cores); the
full run measures the fleet path on it too, as a detail. Paths reported:
  fleet   Fleet.open + run_episode per episode under a CapacityLimiter (no store, no scoring)
  runner  mcpbench.runner.Runner (suite JSONL, servers.yaml, run store, rule scoring, aggregation); its wall is
          timed from the first episode's start to the last one's record (fleet start-up and aggregation reported
          apart). Three runs in a full run; the headline is the median.
Target: wall ≤ ideal / 0.9 (≥ 90% of ideal throughput) — the headline is the runner, the product path."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
from _common import BenchResult, emit, parse_args, percentile, profiled, toy_spec

from mcpbench._loop import run as run_loop

TURNS = 5
LATENCY_S = 0.1
TARGET_SHARE = 0.9
RUNNER_RUNS = 3
"""Runner-path runs in a full run; the headline is their median (one run is one sample of a VM whose speed drifts)."""


def workload(quick: bool) -> tuple[int, int]:
    """(episodes, concurrency)."""
    return (100, 50) if quick else (500, 50)


SERVERS: dict[str, tuple[str, str]] = {"everything": ("get-sum", "The sum of {a} and {b} is {c}."),
                                        "toy": ("add", "{c}")}
"""server -> (its cheap stateless tool taking integers a and b, the text it answers)."""


def server_spec(server: str) -> Any:
    """The server as users launch it: `everything` from the default servers.yaml (installed fleet), or the toy."""
    if server == "toy":
        return toy_spec()
    from mcpbench.config import load_config

    return next(s for s in load_config(None).servers if s.name == server)


def script(server: str, turns: int = TURNS, latency_s: float = LATENCY_S) -> Any:
    from mcpbench.models.scripted import Script, ScriptCall, ScriptTurn

    tool = SERVERS[server][0]
    calls = [ScriptTurn(text="", tool_calls=[ScriptCall(server=server, tool=tool, arguments={"a": i, "b": 1})],
                        latency_s=latency_s) for i in range(turns)]
    return Script(turns=[*calls, ScriptTurn(text=f"The sum is {turns}.", latency_s=0.0)])


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median episode wall (for an even count, the slower of the two middle ones)."""
    return sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]


def ideal_s(episodes: int, concurrency: int) -> float:
    return episodes * TURNS * LATENCY_S / concurrency


async def fleet_path(server: str, episodes: int, concurrency: int, profile: bool = False) -> dict[str, Any]:
    """Episodes straight on the fleet (no store, no scoring)."""
    from mcpbench.agent import run_episode
    from mcpbench.fleet import Fleet
    from mcpbench.models.scripted import ScriptedProvider

    warm_imports()
    provider = ScriptedProvider(script(server), name="scripted/p3")
    statuses: dict[str, int] = {}
    walls: list[float] = []
    in_calls: list[float] = []
    latencies: list[float] = []
    async with Fleet.open([server_spec(server)]) as fleet:
        limiter = anyio.CapacityLimiter(concurrency)

        async def one(i: int) -> None:
            async with limiter, fleet.episode(f"e{i}", servers=[server]) as tools:
                t = time.perf_counter()
                traj = await run_episode(provider, tools, "Add things.", episode_id=f"e{i}", task_id="p3")
                walls.append(time.perf_counter() - t)
            calls = traj.tool_calls()
            lat = [c.latency_s or 0.0 for c in calls]
            latencies.extend(lat)
            in_calls.append(sum(lat))
            statuses[traj.status] = statuses.get(traj.status, 0) + 1
            failed = sum(c.outcome != "ok" for c in calls)
            if failed:
                statuses["failed_calls"] = statuses.get("failed_calls", 0) + failed

        with anyio.fail_after(600), profiled(profile) as report, gc_timer() as gc_s:
            cpu0, kids0 = time.process_time(), children_cpu()
            t0 = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for i in range(episodes):
                    tg.start_soon(one, i)
            wall = time.perf_counter() - t0
            cpu, kids = time.process_time() - cpu0, children_cpu() - kids0
        peak = fleet.status[server].peak_in_flight
    return {"wall_s": wall, "statuses": statuses, "peak_in_flight_calls": peak, "orchestrator_cpu_s": cpu,
            "server_cpu_s": kids, "gc_s": gc_s(), "episode": episode_breakdown(walls, in_calls, latencies),
            "profile": report()}


def episode_breakdown(walls: list[float], in_calls: list[float], latencies: list[float]) -> dict[str, float]:
    """Where an episode's wall goes, in ms per episode: the scripted model's sleeps (TURNS × LATENCY_S), waiting
    for tool results (call latency: the server, the pipe, and the loop's queue until the answer is read), and the
    rest (the loop's queue before each turn and the agent's own work). Also call-latency percentiles, in ms."""
    n = len(walls) or 1
    wall, calls = sum(walls) / n * 1000, sum(in_calls) / n * 1000
    model = TURNS * LATENCY_S * 1000
    lat = [x * 1000 for x in latencies] or [0.0]
    return {"wall_ms": wall, "model_ms": model, "in_calls_ms": calls, "rest_ms": wall - model - calls,
            "call_p50_ms": percentile(lat, 50), "call_p95_ms": percentile(lat, 95),
            "call_p99_ms": percentile(lat, 99), "call_max_ms": max(lat)}


@contextmanager
def gc_timer() -> Iterator[Callable[[], float]]:
    """Seconds the garbage collector ran inside the block (gc.callbacks)."""
    import gc

    spent, started = [0.0], [0.0]

    def cb(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(cb)
    try:
        yield lambda: spent[0]
    finally:
        gc.callbacks.remove(cb)


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's live descendants (the MCP servers)."""
    import psutil

    total = 0.0
    for c in psutil.Process().children(recursive=True):
        try:
            t = c.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


async def loop_only(server: str, episodes: int, concurrency: int) -> dict[str, Any]:
    """The agent loop and scripted model alone, tools answered in-process (no MCP): the loop's own floor."""
    from mcpbench.agent import run_episode
    from mcpbench.models.base import ToolSpec
    from mcpbench.models.scripted import ScriptedProvider
    from mcpbench.trajectory import RequestedCall, ToolCallEvent

    tool, answer = SERVERS[server]

    class InProcessTools:
        def tool_specs(self) -> list[ToolSpec]:
            return [ToolSpec(name=f"{server}__{tool}", description="Add two integers.",
                             input_schema={"type": "object", "properties": {"a": {"type": "integer"},
                                                                            "b": {"type": "integer"}}})]

        async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
            a, b = (call.arguments or {})["a"], (call.arguments or {})["b"]
            return ToolCallEvent(turn=turn, call_id=call.id, exposed_name=call.name, arguments=call.arguments,
                                 server=server, tool=tool, outcome="ok", content=answer.format(a=a, b=b, c=a + b))

    provider = ScriptedProvider(script(server), name="scripted/p3")
    limiter = anyio.CapacityLimiter(concurrency)

    walls: list[float] = []

    async def one(i: int) -> None:
        async with limiter:
            t = time.perf_counter()
            await run_episode(provider, InProcessTools(), "Add things.", episode_id=f"e{i}", task_id="p3")
            walls.append(time.perf_counter() - t)

    with anyio.fail_after(600):
        cpu0, t0 = time.process_time(), time.perf_counter()
        async with anyio.create_task_group() as tg:
            for i in range(episodes):
                tg.start_soon(one, i)
    return {"wall_s": time.perf_counter() - t0, "orchestrator_cpu_s": time.process_time() - cpu0,
            "episode_wall_ms": sum(walls) / max(len(walls), 1) * 1000}


class _Clock:
    """A runner Progress that timestamps the episode phase."""

    def __init__(self) -> None:
        self.started = self.last = self.finished = self.first = 0.0
        self.cpu_started = self.cpu_last = 0.0
        self.episodes = 0
        self.statuses: dict[str, int] = {}

    def start(self, *a: Any) -> None:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()

    def episode(self, outcome: Any, score: Any) -> None:
        self.last, self.cpu_last = time.perf_counter(), time.process_time()
        self.first = self.first or self.last
        self.episodes += 1
        st = outcome.trajectory.status
        self.statuses[st] = self.statuses.get(st, 0) + 1

    def finish(self, *a: Any) -> None:
        self.finished = time.perf_counter()


def write_inputs(server: str, d: Path) -> tuple[Path, Path, Path]:
    """servers.yaml with the one server, a one-task suite (run `episodes` times as repeats), the script."""
    from task_synth.task import Check, ReferenceStep, Suite, Task

    cfg = d / "servers.yaml"
    spec = server_spec(server).model_dump(mode="json", exclude_defaults=True)
    cfg.write_text(json.dumps({"servers": [spec]}, indent=1))  # JSON is YAML
    tool, answer = SERVERS[server]
    steps = [ReferenceStep(server=server, tool=tool, arguments={"a": i, "b": 1},
                           output=answer.format(a=i, b=1, c=i + 1)) for i in range(TURNS)]
    task = Task(id="p3-add", servers=[server], precise="Add five times.", fuzzy="Add five times.",
                checks=[Check(kind="contains", value=str(TURNS))], reference=steps, answer=f"The sum is {TURNS}.")
    suite = d / "p3.jsonl"
    Suite(name="p3", tasks=[task]).dump(suite)
    script_path = d / "p3-script.json"
    script_path.write_text(json.dumps(script(server).model_dump(mode="json")))
    return cfg, suite, script_path


def warm_imports() -> None:
    """Import what a run imports lazily, outside the timed sections (a one-off per process, not throughput)."""
    import judges  # noqa: F401
    import mcpbench.check.security
    import mcpbench.fleet
    import mcpbench.models.registry  # noqa: F401
    import task_synth  # noqa: F401


async def runner_path(server: str, episodes: int, concurrency: int, profile: bool = False,
                      workers: int | None = None) -> dict[str, Any]:
    from mcpbench.runner import Runner, RunOptions

    warm_imports()

    with tempfile.TemporaryDirectory(prefix="mcpbench-p3-") as tmp:
        d = Path(tmp)
        cfg, suite, script_path = write_inputs(server, d)
        opts = RunOptions(models=[f"scripted/{script_path}"], suite=str(suite), repeats=episodes,
                          concurrency=concurrency, out=d / "run", config=cfg, infra_retries=0,
                          executor="processes" if workers else "local", workers=workers)
        clock = _Clock()
        with anyio.fail_after(600), profiled(profile) as report:
            t0 = time.perf_counter()
            result = await Runner(opts, progress=clock).run()
            total = time.perf_counter() - t0
        store_bytes = sum(p.stat().st_size for p in (d / "run").glob("store.sqlite*"))
    return {"wall_s": clock.last - clock.started, "orchestrator_cpu_s": clock.cpu_last - clock.cpu_started,
            "total_s": total, "startup_s": clock.started - t0, "first_result_s": clock.first - clock.started,
            "aggregate_s": clock.finished - clock.last, "episodes": clock.episodes, "statuses": clock.statuses,
            "state": result.state, "store_bytes": store_bytes, "profile": report()}


async def run(quick: bool, profile: bool, server: str) -> list[BenchResult]:
    episodes, conc = workload(quick)
    ideal = ideal_s(episodes, conc)
    floor = await loop_only(server, episodes, conc)
    print(f"agent loop alone (tools in-process): {floor['wall_s']:.2f} s ({ideal / floor['wall_s']:.1%} of ideal), "
          f"cpu {floor['orchestrator_cpu_s']:.2f} s; per episode {floor['episode_wall_ms']:.1f} ms")
    paths = {server: await fleet_path(server, episodes, conc)}
    if server != "toy" and not quick:
        paths["toy"] = await fleet_path("toy", episodes, conc)  # the same through an mcp 2.x Python server
    for name, direct in paths.items():
        ep = direct["episode"]
        print(f"fleet path ({name}): {episodes} episodes in {direct['wall_s']:.2f} s (ideal {ideal:.2f} s, "
              f"{ideal / direct['wall_s']:.1%}); orchestrator cpu {direct['orchestrator_cpu_s']:.2f} s (gc "
              f"{direct['gc_s']:.2f} s), server cpu {direct['server_cpu_s']:.2f} s, peak calls in flight "
              f"{direct['peak_in_flight_calls']}; {direct['statuses']}\n"
              f"  per episode {ep['wall_ms']:.0f} ms = model {ep['model_ms']:.0f} + in tool calls "
              f"{ep['in_calls_ms']:.1f} + rest {ep['rest_ms']:.1f}; call latency p50 {ep['call_p50_ms']:.1f} ms, "
              f"p95 {ep['call_p95_ms']:.1f}, p99 {ep['call_p99_ms']:.1f}, max {ep['call_max_ms']:.1f}")
    direct = paths[server]
    runs = []
    for _ in range(1 if quick else RUNNER_RUNS):
        runs.append(r := await runner_path(server, episodes, conc))
        print(f"runner path: episodes {r['wall_s']:.2f} s ({ideal / r['wall_s']:.1%} of ideal, orchestrator cpu "
              f"{r['orchestrator_cpu_s']:.2f} s), start-up {r['startup_s']:.2f} s, aggregation "
              f"{r['aggregate_s']:.2f} s; {r['statuses']}")
    via = median_run(runs)
    procs = None
    if not quick:  # the same through the process executor: two workers, a fleet each (start-up in its wall)
        procs = await runner_path(server, episodes, conc, workers=2)
        print(f"runner path, --executor processes --workers 2: episodes {procs['wall_s']:.2f} s "
              f"({ideal / procs['wall_s']:.1%} of ideal), first result after {procs['first_result_s']:.2f} s "
              f"(worker start-up); {procs['statuses']}")
    share = ideal / via["wall_s"]
    ok = share >= TARGET_SHARE and via["statuses"].get("completed") == episodes
    prof = None
    if profile or not ok:
        again = await runner_path(server, min(episodes, 50), conc, profile=True)  # a smaller profiled re-run
        prof = again["profile"]
    details = {"server": server, "episodes": episodes, "concurrency": conc, "tool_turns": TURNS,
               "latency_s": LATENCY_S, "ideal_s": ideal, "loop_only": floor | {"share": ideal / floor["wall_s"]},
               "runner_path": {k: v for k, v in via.items() if k != "profile"} | {"share": share},
               "runner_runs_share": [ideal / r["wall_s"] for r in runs]}
    if procs is not None:
        details["runner_processes_2"] = {k: v for k, v in procs.items() if k != "profile"} | {
            "share": ideal / procs["wall_s"]}
    for name, p in paths.items():
        details["fleet_path" if name == server else f"fleet_path_{name}"] = \
            {k: v for k, v in p.items() if k != "profile"} | {"share": ideal / p["wall_s"]}
    toy = paths.get("toy") if server != "toy" else None
    return [BenchResult(
        id="P3", measure=f"{episodes} episodes × {TURNS} tool turns, 100 ms model, concurrency {conc} "
                         f"(runner, {server} server)",
        value=via["wall_s"], baseline=ideal, ratio=share, target="≥ 90% of ideal (wall ≤ ideal/0.9)", passed=ok,
        unit="s", details=details, profile=prof,
        notes=f"agent loop alone {ideal / floor['wall_s']:.1%} of ideal; fleet path (no store): "
              f"{direct['wall_s']:.2f} s = {ideal / direct['wall_s']:.1%} of ideal; "
              + (f"fleet path on the toy Python server: {ideal / toy['wall_s']:.1%} of ideal (server cpu "
                 f"{toy['server_cpu_s']:.1f} s); " if toy else "")
              + f"runner start-up {via['startup_s']:.2f} s and aggregation {via['aggregate_s']:.2f} s not in the wall")]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--server", choices=sorted(SERVERS), default="everything",
        help="the stateless server whose add tool the episodes call (default: everything, from servers.yaml)"))
    emit(run_loop(run, args.quick, args.profile, args.server), args.json)


if __name__ == "__main__":
    main()
