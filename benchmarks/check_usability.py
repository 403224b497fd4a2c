"""`mcpbench check --model scripted/oracle` on every server of a servers.yaml (issue 19: a usability score for every
development-set server with a read tool). Offline, no model: the oracle replays the tasks synthesized for the check.

For each enabled server it runs the real command line, `mcpbench check --config FILE --server X --model MODEL
--tasks N --seed S --json-out …`, in its own process with a deadline, and prints: tasks synthesized, the usability
score, the check's verdict (passed / warnings / failed), and wall time. A server that yields no task is listed as
"no task" with the check's reason; one that does not start, with the error.

    python benchmarks/check_usability.py [--config benchmarks/devset.servers.yaml] [--servers a,b] [--model M]
                                         [--tasks 5] [--seed 0] [--timeout 900] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEVSET = ROOT / "benchmarks" / "devset.servers.yaml"


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The usability result and the verdict counts of one `check --json-out` report."""
    results = report.get("results", [])
    counts = {k: sum(1 for r in results if r.get("status") == k) for k in ("pass", "warn", "fail", "skip")}
    u = next((r for r in results if r.get("id") == "usability.model"), None)
    data = (u or {}).get("data") or {}
    return {"status": (u or {}).get("status", "missing"), "summary": (u or {}).get("summary", ""),
            "tasks": data.get("tasks", 0), "score": data.get("score"), "selection_rate": data.get("selection_rate"),
            "argument_accuracy": data.get("argument_accuracy"), **counts}


def one(config: Path, server: str, model: str, tasks: int, seed: int, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mcpbench-checkuse-") as tmp:
        out = Path(tmp) / "check.json"
        cmd = [sys.executable, "-m", "mcpbench.cli", "check", "--config", str(config), "--server", server,
               "--model", model, "--tasks", str(tasks), "--seed", str(seed), "--json-out", str(out)]
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            return {"server": server, "error": f"no answer within {timeout:g} s", "wall": round(time.monotonic() - t0)}
        wall = round(time.monotonic() - t0, 1)
        if not out.exists():
            tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
            return {"server": server, "error": f"exit {p.returncode}: " + " | ".join(tail), "wall": wall}
        return {"server": server, "exit": p.returncode, "wall": wall, **summarize(json.loads(out.read_text()))}


def row(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"| {r['server']} | – | error: {r['error'][:90]} | – | {r['wall']} s |"
    score = f"{r['score']:.2f}" if isinstance(r.get("score"), (int, float)) else f"{r['status']}: {r['summary'][:60]}"
    verdict = f"{r['pass']} passed · {r['warn']} warnings · {r['fail']} failed"
    return f"| {r['server']} | {r['tasks']} | {score} | {verdict} | {r['wall']} s |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=DEVSET)
    ap.add_argument("--servers", default="", help="comma-separated names (default: every enabled server)")
    ap.add_argument("--model", default="scripted/oracle")
    ap.add_argument("--tasks", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=900.0, help="deadline of one server's check, seconds")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    a.config = a.config.resolve()  # each check runs in a scratch directory of its own
    from mcpbench.config import load_config

    cfg = load_config(a.config)
    names = [s for s in a.servers.split(",") if s] or [s.name for s in cfg.servers if s.enabled]
    print(f"check --model {a.model} --tasks {a.tasks} --seed {a.seed} on {len(names)} server(s) of {a.config.name}")
    print("\n| server | tasks | usability score | check verdict | wall |\n|---|---|---|---|---|", flush=True)
    rows = []
    for name in names:
        r = one(a.config, name, a.model, a.tasks, a.seed, a.timeout)
        rows.append(r)
        print(row(r), flush=True)
    scored = [r for r in rows if isinstance(r.get("score"), (int, float))]
    print(f"\n{len(scored)}/{len(rows)} servers got a usability score; "
          f"mean {sum(r['score'] for r in scored) / max(1, len(scored)):.3f}; "
          f"{sum(1 for r in scored if r['score'] >= 0.95)} at ≥ 0.95")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    return 0 if len(scored) == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
