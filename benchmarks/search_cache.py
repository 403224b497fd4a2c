"""Catalog cache: `mcpbench servers search` cold (every server listed live, `--refresh`) against warm (the cache).

    python benchmarks/search_cache.py [--json] [--repeat N]

Runs the real command as a subprocess on the default fleet (or $MCPBENCH_CONFIG), N times each way, and prints the
median wall and CPU seconds and the warm/cold ratio. Target: a warm search answers in under a second (wall); the CPU
figure is printed too because wall time on a shared machine includes waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TARGET_WARM_S = 1.0
QUERY = "convert a date between timezones"


def _one(*extra: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mcpbench.cli", "servers", "search", QUERY, "--json", *extra],
                          capture_output=True, text=True, check=False, env=os.environ.copy())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"servers search failed: {proc.stderr[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cold = [_one("--refresh") for _ in range(args.repeat)]
    warm = [_one() for _ in range(args.repeat)]
    cw, cc = statistics.median(w for w, _ in cold), statistics.median(c for _, c in cold)
    ww, wc = statistics.median(w for w, _ in warm), statistics.median(c for _, c in warm)
    out = {"cold_wall_s": round(cw, 3), "cold_cpu_s": round(cc, 3), "warm_wall_s": round(ww, 3),
           "warm_cpu_s": round(wc, 3), "ratio_wall": round(ww / cw, 4), "ratio_cpu": round(wc / cc, 4),
           "target_warm_wall_s": TARGET_WARM_S, "pass": ww < TARGET_WARM_S}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"cold (--refresh): {cw:.2f} s wall, {cc:.2f} s CPU")
        print(f"warm (cache):     {ww:.2f} s wall, {wc:.2f} s CPU  (×{ww / cw:.3f} wall, ×{wc / cc:.3f} CPU)")
        print(f"warm under {TARGET_WARM_S:g} s: {'PASS' if out['pass'] else 'FAIL'}")
    return 0 if out["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
