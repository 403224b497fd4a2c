"""P2 — time to connect the default fleet (servers.yaml, ≥ 10 servers) against the slowest single server connected
alone, both measured in the same run as the time `Fleet.open` takes to yield (spawn, handshake, tool listing, world
and loopback web server when a server needs them; stateful servers also stop their catalog instance inside it).

Order: full fleet, every server alone, full fleet again — the fleet figure is the mean of the two, so load drift
during the run hits both sides. Target: fleet ≤ 1.3 × slowest single."""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio
from _common import BenchResult, emit, parse_args, profiled

from mcpbench._loop import run as run_loop

TARGET = 1.3
QUICK_SERVERS = ("calculator", "time", "everything", "memory")


async def _open_once(specs: list[Any]) -> dict[str, Any]:
    from mcpbench.fleet import Fleet

    t0 = time.perf_counter()
    with anyio.fail_after(180):
        async with Fleet.open(specs) as fleet:
            connected = time.perf_counter() - t0
            status = {n: (s.status, s.connect_ms, s.error) for n, s in fleet.status.items()}
            t1 = time.perf_counter()
        closed = time.perf_counter() - t1
    failed = {n: e for n, (st, _, e) in status.items() if st == "failed"}
    return {"connect_s": connected, "shutdown_s": closed, "failed": failed,
            "connect_ms": {n: ms for n, (_, ms, _) in status.items()}}


async def run(quick: bool, profile: bool) -> list[BenchResult]:
    from mcpbench.config import load_config

    specs = load_config(None).enabled()
    if quick:
        specs = [s for s in specs if s.name in QUICK_SERVERS]
    first = await _open_once(specs)
    print(f"fleet of {len(specs)}: {first['connect_s']:.2f} s (failed: {sorted(first['failed']) or 'none'})")
    singles: dict[str, dict[str, Any]] = {}
    for spec in specs:
        singles[spec.name] = await _open_once([spec])
        print(f"  {spec.name:<20} alone {singles[spec.name]['connect_s']:.2f} s")
    with profiled(profile) as report:
        second = await _open_once(specs)
    print(f"fleet of {len(specs)} again: {second['connect_s']:.2f} s")
    fleet_s = statistics.mean([first["connect_s"], second["connect_s"]])
    slowest = max(singles, key=lambda n: singles[n]["connect_s"])
    base = singles[slowest]["connect_s"]
    ratio = fleet_s / base
    failed = sorted(set(first["failed"]) | set(second["failed"]) | {n for n, r in singles.items() if r["failed"]})
    details = {"servers": len(specs), "fleet_runs_s": [first["connect_s"], second["connect_s"]],
               "fleet_shutdown_s": [first["shutdown_s"], second["shutdown_s"]],
               "alone_s": {n: r["connect_s"] for n, r in singles.items()}, "slowest_alone": slowest,
               "sum_alone_s": sum(r["connect_s"] for r in singles.values()),
               "connect_ms_in_fleet": second["connect_ms"], "failed": failed}
    ok = ratio <= TARGET and not failed
    return [BenchResult(
        id="P2", measure=f"time to connect the default fleet ({len(specs)} servers)", value=fleet_s, baseline=base,
        ratio=ratio, target="≤ 1.3× the slowest single server alone", passed=ok, unit="s", details=details,
        profile=report() if profile else None,
        notes=f"slowest alone: {slowest}; sequential sum of all servers alone {details['sum_alone_s']:.1f} s"
              + (f"; failed: {', '.join(failed)}" if failed else ""))]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    emit(run_loop(run, args.quick, args.profile), args.json)


if __name__ == "__main__":
    main()
