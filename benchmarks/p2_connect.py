"""P2 — time to connect the default fleet (servers.yaml, ≥ 10 servers) against its CPU floor on this machine's cores,
measured as the time `Fleet.open` takes to yield (spawn, handshake, tool listing, world and loopback web server when a
server needs them; stateful servers also stop their catalog instance inside it).

Every open is accounted in CPU seconds — the servers' (`RUSAGE_CHILDREN` around open and close: every server process,
launcher and catalog instance, once reaped) and the orchestrator's own (process time until the fleet yields).
Starting is CPU-bound, so no schedule on this machine's cores can beat CPU / cores (`cpu_floor_s`).
Target: fleet wall ≤ 1.1 × that floor. The row reports both figures (value: the fleet's wall, baseline: the floor).

Order: full fleet, every server alone, full fleet again — the fleet figures are the mean of the two, so load drift
during the run hits both sides. The slowest single server alone and the fleet's ratio to it are kept in `details`
(what more cores would buy)."""

from __future__ import annotations

import os
import resource
import statistics
import time
from typing import Any

import anyio
from _common import BenchResult, emit, parse_args, profiled

from mcpbench._loop import run as run_loop

TARGET = 1.1
"""Most the fleet's wall may exceed its CPU floor on this machine's cores."""
QUICK_SERVERS = ("calculator", "time", "everything", "memory")


def _children_cpu() -> float:
    """CPU seconds of this process's reaped descendants so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


async def _open_once(specs: list[Any]) -> dict[str, Any]:
    from mcpbench.fleet import Fleet

    children0 = _children_cpu()
    t0, cpu0 = time.perf_counter(), time.process_time()
    with anyio.fail_after(180):
        async with Fleet.open(specs) as fleet:
            connected, own_cpu = time.perf_counter() - t0, time.process_time() - cpu0
            status = {n: (s.status, s.connect_ms, s.error) for n, s in fleet.status.items()}
            t1 = time.perf_counter()
        closed = time.perf_counter() - t1
    failed = {n: e for n, (st, _, e) in status.items() if st == "failed"}
    return {"connect_s": connected, "shutdown_s": closed, "failed": failed, "orchestrator_cpu_s": own_cpu,
            "servers_cpu_s": _children_cpu() - children0, "connect_ms": {n: ms for n, (_, ms, _) in status.items()}}


def cpu_floor_s(servers_cpu_s: float, orchestrator_cpu_s: float, cores: int) -> float:
    """The shortest wall any schedule could reach when starting is CPU-bound: all the CPU spread over every core,
    and never less than the orchestrator's own (one thread)."""
    return max((servers_cpu_s + orchestrator_cpu_s) / cores, orchestrator_cpu_s)


async def run(quick: bool, profile: bool) -> list[BenchResult]:
    from mcpbench.config import load_config

    specs = load_config(None).enabled()
    if quick:
        specs = [s for s in specs if s.name in QUICK_SERVERS]
    cores = os.cpu_count() or 1
    first = await _open_once(specs)
    print(f"fleet of {len(specs)}: {first['connect_s']:.2f} s (failed: {sorted(first['failed']) or 'none'}); "
          f"cpu: servers {first['servers_cpu_s']:.2f} s, orchestrator {first['orchestrator_cpu_s']:.2f} s")
    singles: dict[str, dict[str, Any]] = {}
    for spec in specs:
        singles[spec.name] = r = await _open_once([spec])
        print(f"  {spec.name:<20} alone {r['connect_s']:.2f} s (server cpu {r['servers_cpu_s']:.2f} s)")
    with profiled(profile) as report:
        second = await _open_once(specs)
    fleet_s = statistics.mean([first["connect_s"], second["connect_s"]])
    servers_cpu = statistics.mean([first["servers_cpu_s"], second["servers_cpu_s"]])
    own_cpu = statistics.mean([first["orchestrator_cpu_s"], second["orchestrator_cpu_s"]])
    floor = cpu_floor_s(servers_cpu, own_cpu, cores)
    print(f"fleet of {len(specs)} again: {second['connect_s']:.2f} s; cpu: servers {second['servers_cpu_s']:.2f} s, "
          f"orchestrator {second['orchestrator_cpu_s']:.2f} s")
    slowest = max(singles, key=lambda n: singles[n]["connect_s"])
    base = singles[slowest]["connect_s"]
    ratio = fleet_s / floor
    print(f"cpu floor on {cores} cores: {floor:.2f} s = {floor / base:.2f}× the slowest alone; the fleet took "
          f"{fleet_s / floor:.2f}× its floor")
    failed = sorted(set(first["failed"]) | set(second["failed"]) | {n for n, r in singles.items() if r["failed"]})
    details = {"servers": len(specs), "fleet_runs_s": [first["connect_s"], second["connect_s"]],
               "fleet_shutdown_s": [first["shutdown_s"], second["shutdown_s"]],
               "alone_s": {n: r["connect_s"] for n, r in singles.items()}, "slowest_alone": slowest,
               "sum_alone_s": sum(r["connect_s"] for r in singles.values()),
               "connect_ms_in_fleet": second["connect_ms"], "failed": failed, "cores": cores,
               "fleet_servers_cpu_s": servers_cpu, "fleet_orchestrator_cpu_s": own_cpu,
               "alone_servers_cpu_s": {n: r["servers_cpu_s"] for n, r in singles.items()},
               "cpu_floor_s": floor, "cpu_floor_ratio": floor / base, "fleet_over_cpu_floor": fleet_s / floor,
               "fleet_over_slowest_alone": fleet_s / base}
    ok = ratio <= TARGET and not failed
    return [BenchResult(
        id="P2", measure=f"time to connect the default fleet ({len(specs)} servers) vs its CPU floor on {cores} cores",
        value=fleet_s, baseline=floor, ratio=ratio, target=f"≤ {TARGET:g}× the CPU floor on this machine's cores",
        passed=ok, unit="s", details=details,
        profile=report() if profile else None,
        notes=f"slowest alone: {slowest} ({base:.2f} s; the fleet took {fleet_s / base:.2f}× it); "
              f"sequential sum of all servers alone {details['sum_alone_s']:.1f} s; "
              f"{servers_cpu + own_cpu:.1f} CPU-s to start the fleet: its floor on {cores} cores is {floor:.2f} s "
              f"({floor / base:.2f}× the slowest alone), the fleet took {fleet_s / floor:.2f}× that floor"
              + (f"; failed: {', '.join(failed)}" if failed else ""))]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    emit(run_loop(run, args.quick, args.profile), args.json)


if __name__ == "__main__":
    main()
