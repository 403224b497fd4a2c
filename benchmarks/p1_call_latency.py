"""P1 — tool-call latency through mcpbench's fleet (p50, p95) against the raw SDK `Client.call_tool` on another
instance of the same server, measured in the same run, calls interleaved so machine load hits both alike.

Paths measured per call (sequential, one in flight):
  raw      mcp.Client(StdioServerParameters(...)).call_tool           (the SDK's own stdio transport)
  fleet    Fleet.call(server, tool, args)                              (guarded stdio, limiter, deadline, rendering)
  episode  EpisodeTools.call(RequestedCall)                            (+ name resolution, jsonschema check, event)
Servers: the toy server's `add` (Python, mcp 2.x) and, when installed, the default fleet's calculator.
Target: fleet/raw ≤ 1.10 at p50 and at p95 (the headline is the toy server)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import anyio
from _common import BenchResult, emit, parse_args, percentile, profiled, toy_spec

from mcpbench._loop import run as run_loop

TARGET = 1.10


async def _measure(spec: Any, tool: str, args_for: Any, n: int, warmup: int, profile: bool) -> dict[str, Any]:
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    from mcpbench._compat import safe_env
    from mcpbench.connection import resolve
    from mcpbench.fleet import Fleet
    from mcpbench.trajectory import RequestedCall

    async with Fleet.open([spec]) as fleet:
        st = fleet.status[spec.name]
        if st.status != "connected":
            raise RuntimeError(f"{spec.name} did not connect: {st.error}")
        r = resolve(spec, fleet.builtins, fleet.home)
        params = StdioServerParameters(command=r.command or "", args=r.args, env=safe_env(r.env), cwd=r.cwd)
        exposed = next(e.exposed_name for e in fleet.catalog.entries([spec.name]) if e.name == tool)
        times: dict[str, list[float]] = {"raw": [], "fleet": [], "episode": []}
        # one deadline over the whole measurement (connect of the raw client included)
        with anyio.fail_after(120 + n * 0.2), open(os.devnull, "w") as devnull:
            async with Client(stdio_client(params, errlog=devnull)) as raw_client, fleet.episode("p1") as tools:
                async def raw(i: int) -> None:
                    res = await raw_client.call_tool(tool, args_for(i))
                    assert not res.is_error, res

                async def via_fleet(i: int) -> None:
                    out = await fleet.call(spec.name, tool, args_for(i))
                    assert out.outcome == "ok", out

                async def via_episode(i: int) -> None:
                    ev = await tools.call(RequestedCall(id=f"c{i}", name=exposed, arguments=args_for(i)), turn=1)
                    assert ev.outcome == "ok", ev

                paths = {"raw": raw, "fleet": via_fleet, "episode": via_episode}
                for i in range(warmup):
                    for fn in paths.values():
                        await fn(i)
                for i in range(n):
                    # rotate the order so no path always runs right after another one
                    for name in list(paths)[i % 3:] + list(paths)[:i % 3]:
                        t0 = time.perf_counter()
                        await paths[name](i)
                        times[name].append(time.perf_counter() - t0)
                missed = percentile(times["fleet"], 50) > TARGET * percentile(times["raw"], 50) or \
                    percentile(times["fleet"], 95) > TARGET * percentile(times["raw"], 95)
                # profiled separately (the profiler's own cost must not enter the measured figures)
                with profiled(profile or missed) as report:
                    for i in range(n // 2 if (profile or missed) else 0):
                        await via_fleet(i)
    stats = {k: {"p50_ms": percentile(v, 50) * 1000, "p95_ms": percentile(v, 95) * 1000,
                 "mean_ms": sum(v) / len(v) * 1000} for k, v in times.items()}
    for k in ("fleet", "episode"):
        stats[k]["ratio_p50"] = stats[k]["p50_ms"] / stats["raw"]["p50_ms"]
        stats[k]["ratio_p95"] = stats[k]["p95_ms"] / stats["raw"]["p95_ms"]
    stats["calls_per_path"] = n
    stats["profile"] = report()
    return stats


def _calculator_spec() -> Any:
    from mcpbench.config import load_config

    try:
        return load_config(None).get("calculator")
    except Exception:
        return None


async def run(quick: bool, profile: bool) -> list[BenchResult]:
    n, warmup = (150, 20) if quick else (2000, 50)  # percentiles of 2,000 calls: 500 moved p95 by ±5 %
    toy = await _measure(toy_spec(), "add", lambda i: {"a": i, "b": 1}, n, warmup, profile)
    servers = {"toy.add": toy}
    calc_spec = _calculator_spec()
    if calc_spec is not None:
        try:
            servers["calculator.calculate"] = await _measure(calc_spec, "calculate",
                                                             lambda i: {"expression": f"{i} * 3 + 1"}, n // 2,
                                                             warmup, False)
        except Exception as e:
            servers["calculator.calculate"] = {"error": f"{type(e).__name__}: {e}"}
    for name, s in servers.items():
        if "error" in s:
            print(f"{name}: {s['error']}", file=sys.stderr)
            continue
        print(f"{name}: " + "  ".join(f"{k} p50 {s[k]['p50_ms']:.3f} ms p95 {s[k]['p95_ms']:.3f} ms"
                                      for k in ("raw", "fleet", "episode")))
    f = toy["fleet"]
    ok = f["ratio_p50"] <= TARGET and f["ratio_p95"] <= TARGET
    details = {name: {k: v for k, v in s.items() if k != "profile"} for name, s in servers.items()}
    return [BenchResult(
        id="P1", measure="tool-call latency through the fleet, p50 (toy add, stdio)", value=f["p50_ms"],
        baseline=toy["raw"]["p50_ms"], ratio=f["ratio_p50"], target="≤ 1.10× raw SDK at p50 and p95", passed=ok,
        unit="ms", details=details, profile=toy["profile"] if (profile or not ok) else None,
        notes=f"p95 {f['p95_ms']:.3f} ms vs raw {toy['raw']['p95_ms']:.3f} ms (ratio {f['ratio_p95']:.3f})")]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    results = run_loop(run, args.quick, args.profile)
    emit(results, args.json)


if __name__ == "__main__":
    main()
