"""Synthesis yield on servers the synthesizer has never seen (issue 19): offline, no model, no per-server code.

For every server of a servers.yaml (default: benchmarks/devset.servers.yaml) alone, and for mixed selections, runs
`task_synth.synthesize` and prints: candidates (chains sampled or seeded), grounded, tasks, rejected by stage and
reason, stateful share, multi-server share, tool-name leaks and wall time. With --score it also runs the oracle and
the do-nothing baselines on the tasks (through the real runner) and `tasks validate`.

Targets (docs/tasks.md): ≥ 5 tasks on ≥ 80 % of the servers with a read tool; ≥ 25 % stateful; ≥ 30 % multi-server
when 2+ servers are selected; 0 leaks; oracle ≥ 0.95 and do-nothing ≤ 0.05.

    python benchmarks/synth_yield.py [--config FILE] [--servers a,b] [--mixed a+b,c+d] [--n 10] [--seed 1]
                                     [--score] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEVSET = ROOT / "benchmarks" / "devset.servers.yaml"
DEFAULT_MIXED = ["excel+word", "sqlitejs+taskmanager", "sympy+mathematics", "word+slides"]
"""Mixed selections of the dev set (names from benchmarks/devset.servers.yaml; the synthesizer never sees them)."""


def reason_class(reason: str) -> str:
    """A rejection reason without its specifics ('ground: step 0 x/y: output is empty' -> 'ground: output is empty')."""
    r = re.sub(r"step \d+ [\w.-]+/[\w.-]+:?", "step:", reason)
    r = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?", "…", r)
    return r[:70]


def leaks(tasks: list[Any], catalog: Any) -> list[str]:
    """Tool names of the fleet (as words, any case) that appear in a task's fuzzy request."""
    names = {e.name for e in catalog.entries(include_quarantined=True) if len(e.name) > 3}
    out = []
    for t in tasks:
        for n in names:
            if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", t.fuzzy, re.IGNORECASE) and (
                    re.search(r"[_.]|[a-z][A-Z]", n) or n.lower() not in t.fuzzy.lower().split()):
                out.append(f"{t.id}: {n}")
    return out


async def one_selection(specs: list[Any], servers: list[str], n: int, seed: int, score: bool, cfg_path: Path,
                        suites: Path | None = None) -> dict[str, Any]:
    from mcpbench.fleet import Fleet
    from task_synth import SynthOptions, synthesize, validate_suite, write_outputs
    from task_synth.graph import is_read_only
    from task_synth.task import Suite

    t0 = time.perf_counter()
    async with Fleet.open([s for s in specs if s.name in servers]) as fleet:
        up = [s for s in servers if fleet.status.get(s) and fleet.status[s].status != "failed"]
        reads = {s: any(True for _ in fleet.catalog.entries([s])) for s in up}
        entries = list(fleet.catalog.entries(up))
        state = await synthesize(fleet, SynthOptions(servers=up, n=n, seed=seed))
        wall = time.perf_counter() - t0
        tasks = state.tasks
        if suites is not None:
            suites.mkdir(parents=True, exist_ok=True)
            write_outputs(state, suites / f"{'+'.join(servers)}.jsonl", "+".join(servers))
        row: dict[str, Any] = {
            "servers": servers, "connected": up, "has_tools": reads,
            "tools": len(entries), "read_tools": sum(is_read_only(e) for e in entries),
            "candidates": len(state.chains), "grounded": len(state.grounded), "tasks": len(tasks),
            "rejected": dict(Counter(r.stage for r in state.rejected)),
            "reasons": dict(Counter(f"{r.stage}: {reason_class(r.reasons[0])}" for r in state.rejected
                                    if r.reasons).most_common(6)),
            "stateful_share": round(sum("stateful" in t.tags for t in tasks) / len(tasks), 3) if tasks else 0.0,
            "final_state_share": round(sum(bool(t.state_checks) for t in tasks) / len(tasks), 3) if tasks else 0.0,
            "multi_server_share": round(sum(len(t.servers) > 1 for t in tasks) / len(tasks), 3) if tasks else 0.0,
            "leaks": leaks(tasks, fleet.catalog), "wall_s": round(wall, 1),
        }
        if score and tasks:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "suite.jsonl"
                write_outputs(state, out, "yield")
                results = await validate_suite(Suite.load(out), fleet, concurrency=2)
                row["validate_failures"] = [r.id for r in results if not r.ok]
                row["scores"] = await _baselines(out, cfg_path, Path(tmp) / "run")
    return row


async def _baselines(suite: Path, cfg: Path, out: Path) -> dict[str, float]:
    from mcpbench.runner import Runner, RunOptions

    res = await Runner(RunOptions(models=["scripted/oracle", "scripted/do-nothing"], suite=str(suite), config=cfg,
                                  out=out, concurrency=2)).run()
    return {m: round(v["overall"]["mean"], 3) for m, v in res.results["models"].items()}


def plan_selections(config: Path, servers: str, mixed: str | None, known: list[str]) -> list[list[str]]:
    """The selections to measure: each named (default: every known) server alone, then the mixed ones.

    `mixed` None means the dev set's DEFAULT_MIXED when `config` is the dev set and none otherwise (their names are
    the dev set's). A name that is not an enabled server of the config raises ValueError.
    """
    names = [s for s in servers.split(",") if s] or list(known)
    names = [] if names == ["none"] else names
    if mixed is None:
        mixed = ",".join(DEFAULT_MIXED) if config.resolve() == DEVSET.resolve() else ""
    selections = [[s] for s in names] + [m.split("+") for m in mixed.split(",") if m]
    unknown = sorted({s for sel in selections for s in sel} - set(known))
    if unknown:
        raise ValueError(f"not enabled servers of {config}: {', '.join(unknown)}")
    return selections


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=DEVSET,
                    help="servers.yaml (default: the dev set; benchmarks/heldout.servers.yaml is the held-out set)")
    ap.add_argument("--servers", default="", help="comma-separated (default: every enabled server; 'none': no single)")
    ap.add_argument("--mixed", default=None,
                    help="'a+b,c+d' (empty: none; default: the dev set's mixed selections with the dev set, else none)")
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--score", action="store_true", help="also validate and run oracle / do-nothing")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--suites", type=Path, help="also write each selection's suite to DIR/<a+b>.jsonl "
                    "(benchmarks/tasks_gallery.py --from DIR renders them)")
    a = ap.parse_args()

    from mcpbench._loop import run as run_loop
    from mcpbench.config import load_config

    cfg = load_config(a.config)
    specs = list(cfg.enabled())
    try:
        selections = plan_selections(a.config, a.servers, a.mixed, [s.name for s in specs])
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = []
    for sel in selections:
        try:
            row = run_loop(one_selection, specs, sel, a.n, a.seed, a.score, a.config, a.suites)
        except Exception as e:  # one selection failing must not hide the others
            row = {"servers": sel, "error": f"{type(e).__name__}: {e}"[:300], "tasks": 0}
        rows.append(row)
        _print_row(row)
    _summary(rows)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


def _print_row(r: dict[str, Any]) -> None:
    sel = "+".join(r["servers"])
    if "error" in r:
        print(f"{sel:32} ERROR {r['error']}", flush=True)
        return
    extra = ""
    if "scores" in r:
        extra = f" validate_fail={len(r['validate_failures'])} scores={r['scores']}"
    print(f"{sel:32} tools={r.get('tools', 0):3} reads={r.get('read_tools', 0):3} "
          f"cand={r['candidates']:3} grounded={r['grounded']:3} tasks={r['tasks']:3} "
          f"stateful={r['stateful_share']:.2f} final-state={r['final_state_share']:.2f} "
          f"multi={r['multi_server_share']:.2f} leaks={len(r['leaks'])} wall={r['wall_s']}s{extra}", flush=True)
    for k, v in r["reasons"].items():
        print(f"{'':34}{v:3} × {k}")


def _summary(rows: list[dict[str, Any]]) -> None:
    singles = [r for r in rows if len(r["servers"]) == 1 and "error" not in r and any(r["has_tools"].values())]
    mixed = [r for r in rows if len(r["servers"]) > 1 and "error" not in r]
    ok = sum(r["tasks"] >= 5 for r in singles)
    total = sum(r["tasks"] for r in rows if "error" not in r)
    stateful = sum(r["tasks"] * r["stateful_share"] for r in rows if "error" not in r)
    mt = sum(r["tasks"] for r in mixed)
    multi = sum(r["tasks"] * r["multi_server_share"] for r in mixed)
    print()
    print(f"servers with ≥ 5 tasks: {ok}/{len(singles)} = {ok / max(1, len(singles)):.0%} (target ≥ 80 %)")
    print(f"stateful share: {stateful / max(1, total):.0%} of {total} tasks (target ≥ 25 %)")
    print(f"multi-server share of mixed selections: {multi / max(1, mt):.0%} of {mt} tasks (target ≥ 30 %)")
    print(f"tool-name leaks: {sum(len(r['leaks']) for r in rows if 'error' not in r)} (target 0)")


if __name__ == "__main__":
    raise SystemExit(main())
