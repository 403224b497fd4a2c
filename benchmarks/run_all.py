"""Run every benchmark (P1 … P6), each in its own process under a time budget, and write benchmarks/results.json
(an object keyed by id — value, baseline, ratio, target, pass, … — plus `machine`, with the load average before and
after) and the results table in docs/performance.md (between its results markers).

    python benchmarks/run_all.py              # full sizes, < 10 min on 2 idle cores
    python benchmarks/run_all.py --quick      # small workloads (development)
    python benchmarks/run_all.py --only P1 P4 # a subset (merged into the existing results.json)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import ROOT, machine, verdict_of

SCRIPTS: dict[str, tuple[str, float]] = {
    "P1": ("p1_call_latency.py", 180),
    "P2": ("p2_connect.py", 300),
    "P3": ("p3_throughput.py", 480),
    "P3b": ("p3b_inspect.py", 420),
    "P4": ("p4_scale.py", 180),
    "P5": ("p5_judge_tokens.py", 240),
    "P6": ("p6_local_model.py", 480),
}
"""id -> (script, time budget in seconds)."""
RESULTS = HERE / "results.json"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def run_one(bench_id: str, quick: bool) -> list[dict[str, Any]]:
    script, budget = SCRIPTS[bench_id]
    with tempfile.TemporaryDirectory(prefix="mcpbench-bench-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(HERE / script), "--json", str(out)] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        load_before = [round(x, 2) for x in os.getloadavg()]
        try:
            proc = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, timeout=budget, check=False)
        except subprocess.TimeoutExpired as e:
            return [_failed(bench_id, f"ran past its {budget:g} s budget", (e.stdout or b"")[-2000:])]
        took = time.perf_counter() - t0
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0 or not out.exists():
            return [_failed(bench_id, f"exited {proc.returncode}", proc.stderr[-3000:])]
        records = json.loads(out.read_text())
    for r in records:
        r["seconds"] = round(took, 1)
        r["loadavg_before"] = load_before
        r["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        r["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return records


def _failed(bench_id: str, why: str, tail: Any) -> dict[str, Any]:
    tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
    print(f"{bench_id}: FAILED ({why})\n{tail}", file=sys.stderr)
    return {"id": bench_id, "measure": "", "value": None, "baseline": None, "ratio": None, "target": "", "pass": False,
            "unit": "", "details": {}, "notes": f"benchmark failed: {why}", "error_tail": tail[-1500:]}


def render_table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; Python {m['python']}, mcp {m['mcp']}, "
             f"inspect_ai {m.get('inspect_ai')}; commit {m.get('mcpbench_commit')}; {m['date']}; load average "
             f"{m['loadavg_before']} before, {m.get('loadavg_after')} after "
             f"({'quick' if m.get('quick') else 'full'} sizes)"
             + "".join(f"; re-run {', '.join(r['ids'])} on {r['date']}" for r in m.get("reruns", [])) + ".",
             "", "| id | measure | value | baseline | ratio | target | result | load avg (1 min) before → after |",
             "|---|---|---|---|---|---|---|---|"]
    for key in SCRIPTS:
        r = results.get(key)
        if r is None:
            continue
        verdict = verdict_of(r.get("target", ""), r.get("pass"), r.get("value"), "**pass**", "**miss**")
        load = (f"{r['loadavg_before'][0]:.1f} → {r['loadavg_after'][0]:.1f}" if r.get("loadavg_before")
                and r.get("loadavg_after") else "–")
        lines.append(f"| {key} | {r['measure']} | {_num(r['value'])} {r.get('unit', '')} | {_num(r['baseline'])} | "
                     f"{_num(r['ratio'])} | {r['target']} | {verdict} | {load} |")
    return "\n".join(lines)


def _num(x: Any) -> str:
    if x is None:
        return "–"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def write_doc(results: dict[str, Any]) -> None:
    if not DOC.exists():
        return
    text = DOC.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{render_table(results)}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="*", default=None, help="ids to run (others keep their previous results)")
    p.add_argument("--no-doc", action="store_true", help="do not rewrite the table in docs/performance.md")
    args = p.parse_args()
    ids = args.only or list(SCRIPTS)
    unknown = [i for i in ids if i not in SCRIPTS]
    if unknown:
        raise SystemExit(f"unknown benchmark id(s): {', '.join(unknown)}")
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if args.only and RESULTS.exists() else {}
    info = machine()
    info["loadavg_before"] = info.pop("loadavg")
    info["quick"] = args.quick
    if args.only and "machine" in results:  # a partial re-run: keep the first run's machine line, note the re-run
        info = {**results["machine"], "reruns": [*results["machine"].get("reruns", []),
                                                 {"ids": ids, "date": info["date"], "commit": info["mcpbench_commit"],
                                                  "loadavg_before": info["loadavg_before"]}]}
    t0 = time.perf_counter()
    for bench_id in ids:
        print(f"== {bench_id} ({SCRIPTS[bench_id][0]})", flush=True)
        for record in run_one(bench_id, args.quick):
            results[record.pop("id")] = record
    if not args.only:
        info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        info["total_s"] = round(time.perf_counter() - t0, 1)
    results["machine"] = info
    ordered = {k: results[k] for k in [*SCRIPTS, "machine"] if k in results}
    RESULTS.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    if not args.no_doc:
        write_doc(ordered)
    print(f"\nwrote {RESULTS.relative_to(ROOT)} in {time.perf_counter() - t0:.0f} s")
    print(render_table(ordered))


if __name__ == "__main__":
    main()
