"""The validity ladder (issue 21 item 4): scripted agents with graded, known faults must rank in their true order with
non-overlapping 95 % CIs; and the real local models' scores with their CIs. Not a performance benchmark: it runs
`mcpbench run` as a user would and reads results.json.

    python benchmarks/validity_ladder.py                      # the ladder on core, prints the table and the verdict
    python benchmarks/validity_ladder.py --write-docs         # ... and writes it into docs/leaderboard.md
    python benchmarks/validity_ladder.py --from-run runs/ID   # judge an existing run of the ladder
    python benchmarks/validity_ladder.py --local local/qwen2.5-coder-1.5b --local local/qwen2.5-coder-0.5b \\
        --local-suite smoke --write-docs                      # the local models' table

Exit 0 when the ladder holds (order and separation), 1 when it does not, 2 when a run failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine

from mcpbench.validity import RUNGS, ladder_table, ladder_verdict

DOC = ROOT / "docs" / "leaderboard.md"
LADDER_MARKS = ("<!-- validity-ladder:begin -->", "<!-- validity-ladder:end -->")
LOCAL_MARKS = ("<!-- local-models:begin -->", "<!-- local-models:end -->")


def run(models: list[str], suite: str, out: Path, concurrency: int, extra: list[str]) -> tuple[dict[str, Any], float]:
    """`mcpbench run` of MODELS on SUITE into OUT (resumes when OUT holds the same run); (results.json, seconds)."""
    cmd = [sys.executable, "-m", "mcpbench.cli", "run", *(a for m in models for a in ("--model", m)), "--suite", suite,
           "--out", str(out), "--concurrency", str(concurrency), "--quiet", *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or not (out / "results.json").exists():
        print(f"mcpbench run failed (exit {proc.returncode}): {' '.join(cmd)}", file=sys.stderr)
        sys.exit(2)
    return json.loads((out / "results.json").read_text(encoding="utf-8")), wall


def replace_section(text: str, marks: tuple[str, str], body: str) -> str:
    start, end = marks
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.DOTALL)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def provenance(results: dict[str, Any], wall: float | None, host: dict[str, Any]) -> str:
    r = results["run"]
    took = f"{wall:.0f} s wall" if wall is not None else "wall time not measured (judged from an existing run)"
    return (f"Run `{r['run_id']}`: suite `{r['suite']}` (sha256 `{r['suite_sha256'][:16]}`), {r['tasks']} tasks × "
            f"{r['repeats']} repeat(s), seed {r['seed']}, formula v{results['formula']['version']}; {took} on "
            f"{host['cores']} cores ({host['cpu']}), load average {host['loadavg']} at the end — a machine shared with "
            f"other jobs, so times are not performance figures; {host['date']}, mcpbench {host['mcpbench_commit']}.")


def stored_span(run_dir: Path) -> float | None:
    """Seconds from the run's start to its last stored episode (a resumed run's pauses included)."""
    from mcpbench.store import RunStore

    with RunStore(run_dir, create=False) as store:
        started = (store.get_meta("manifest") or {}).get("started_at")
        last = store.db.execute("SELECT MAX(finished_at) FROM episodes").fetchone()[0]
    return float(last) - float(started) if isinstance(started, int | float) and last is not None else None


def local_table(runs: list[dict[str, Any]]) -> str:
    """One row per model of each run's results (a model in several runs gets a row per run)."""
    lines = ["| model | overall [95% CI] | task completion [95% CI] | pass@1 | episodes | failed | infra-failed |",
             "|---|---|---|---|---|---|---|"]
    for name, s in ((n, s) for results in runs for n, s in results["scores"]["models"].items()):
        o, tc = s["overall"], s["dimensions"]["task_completion"]

        def ci(e: dict[str, Any]) -> str:
            return "–" if e.get("mean") is None else f"{e['mean']:.3f} [{e['lo']:.3f}, {e['hi']:.3f}]"

        p1 = s.get("pass_at_k", {}).get("1")
        lines.append(f"| `{name}` | {ci(o)} | {ci(tc)} | {'–' if p1 is None else f'{p1:.2f}'} | {s['episodes']} | "
                     f"{s['failed']} | {s['infra_failed']} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="core")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "validity-ladder")
    p.add_argument("--from-run", type=Path, default=None, help="Judge this existing run instead of running one.")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--local", action="append", default=[], help="Also run these local models (repeatable).")
    p.add_argument("--local-suite", default="smoke")
    p.add_argument("--local-out", type=Path, default=ROOT / "runs" / "local-models")
    p.add_argument("--local-concurrency", type=int, default=2,
                   help="Local episodes in flight: up to the model server's slots (2), which decode together in one "
                        "batch — nearly twice the tokens per second of one slot on a CPU.")
    p.add_argument("--local-from-run", type=Path, action="append", default=[],
                   help="Write the local models' table from this finished run instead of running one (repeatable: "
                        "one row per model of each run; a run made under another commit cannot be resumed by this "
                        "one: the run id includes the commit).")
    p.add_argument("--skip-ladder", action="store_true", help="Only the local models.")
    p.add_argument("--write-docs", action="store_true", help="Write the tables into docs/leaderboard.md.")
    args = p.parse_args()
    sections: list[tuple[tuple[str, str], str]] = []  # written at the end into the doc as it is then (runs are long)
    status = 0
    if not args.skip_ladder:
        if args.from_run:
            results, wall = json.loads((args.from_run / "results.json").read_text(encoding="utf-8")), None
        else:
            results, wall = run(list(RUNGS), args.suite, args.out, args.concurrency, [])
        verdict = ladder_verdict(results)
        table = ladder_table(verdict)
        print(table)
        print("verdict:", "the ladder holds (true order, non-overlapping 95% CIs)" if verdict.ok else
              "the ladder FAILS: " + "; ".join(verdict.problems))
        status = 0 if verdict.ok else 1
        body = (f"{table}\n\n{provenance(results, wall, machine())} Verdict: "
                + ("**holds** — every rung strictly above the next, with non-overlapping 95 % CIs."
                   if verdict.ok else "**fails**: " + "; ".join(verdict.problems)))
        sections.append((LADDER_MARKS, body))
    if args.local or args.local_from_run:
        if args.local_from_run:
            runs = [(json.loads((d / "results.json").read_text(encoding="utf-8")), stored_span(d))
                    for d in args.local_from_run]
        else:
            runs = [run(args.local, args.local_suite, args.local_out, args.local_concurrency, [])]
        table = local_table([results for results, _ in runs])
        print(table)
        sources = " ".join(provenance(results, wall, machine()) for results, wall in runs)
        sections.append((LOCAL_MARKS, f"{table}\n\n{sources}"))
    if args.write_docs:
        doc = DOC.read_text(encoding="utf-8")
        for marks, body in sections:
            doc = replace_section(doc, marks, body)
        DOC.write_text(doc, encoding="utf-8")
        print(f"wrote {DOC}")
    sys.exit(status)


if __name__ == "__main__":
    main()
