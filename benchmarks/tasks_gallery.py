"""Write docs/tasks-gallery.md: three synthesized tasks per dev-set server (fuzzy, precise, chain, checks), for anyone
to judge. Offline, no model: exactly what `mcpbench synth --servers X --seed S` makes.

    python benchmarks/tasks_gallery.py [--config benchmarks/devset.servers.yaml] [--seed 1] [--n 10]
                                       [--from DIR]   # reuse DIR/<server>.jsonl suites instead of synthesizing
                                       [--out docs/tasks-gallery.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pick(tasks: list[Any], k: int = 3) -> list[Any]:
    """Up to k tasks, varied: a final-state task, a multi-server or read-only one, then the rest in suite order."""
    chosen: list[Any] = []
    for want in (lambda t: bool(t.state_checks), lambda t: len(t.servers) > 1, lambda t: "stateful" not in t.tags):
        t = next((t for t in tasks if want(t) and t not in chosen), None)
        if t is not None and len(chosen) < k:
            chosen.append(t)
    chosen += [t for t in tasks if t not in chosen][: k - len(chosen)]
    return chosen


def _short(v: Any, n: int = 90) -> str:
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= n else s[: n - 1] + "…"


def render(server: str, tasks: list[Any], total: int) -> str:
    lines = [f"## {server}", "", f"{total} task(s) synthesized; {len(tasks)} shown.", ""]
    if not tasks:
        lines += ["(no task: see the yield table in docs/tasks.md for why)", ""]
    for t in tasks:
        lines += [f"### {t.id} — {', '.join(x for x in t.tags if not x.startswith(('servers-', 'hops-')))}", "",
                  f"**Fuzzy (the agent sees):** {t.fuzzy}", "", f"**Precise (the judges see):** {t.precise}", "",
                  "**Chain:**", ""]
        for i, s in enumerate(t.reference):
            froms = ", ".join(f"{k} from {v.split(':', 1)[0]}" for k, v in s.bindings.items())
            bound = f" ← {froms}" if froms else ""
            args = {k: v for k, v in s.arguments.items() if k not in s.bindings}
            lines.append(f"{i + 1}. `{s.server}/{s.tool}` {_short(args)}{bound}")
        lines += ["", "**Checks:**", ""]
        for c in t.checks:
            if c.kind == "state" and c.read is not None:
                lines.append(f"- state: after the episode `{c.read.server}/{c.read.tool}` "
                             f"{_short(c.read.arguments, 60)} shows {c.value!r}")
            else:
                src = f" (read from step {c.from_step + 1})" if c.from_step is not None else ""
                lines.append(f"- {c.kind}: {c.value!r}{src}")
        lines += ["", f"**Reference answer:** {t.answer}", ""]
    return "\n".join(lines)


async def synth_one(specs: list[Any], server: str, n: int, seed: int) -> list[Any]:
    from mcpbench.fleet import Fleet
    from task_synth import SynthOptions, synthesize

    async with Fleet.open([s for s in specs if s.name == server]) as fleet:
        if fleet.status[server].status == "failed":
            return []
        state = await synthesize(fleet, SynthOptions(servers=[server], n=n, seed=seed))
        return list(state.tasks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=ROOT / "benchmarks" / "devset.servers.yaml")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--from", dest="src", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "tasks-gallery.md")
    a = ap.parse_args()

    from mcpbench._loop import run as run_loop
    from mcpbench.config import load_config
    from task_synth.task import Suite

    cfg = load_config(a.config)
    specs = list(cfg.enabled())
    how = (f"the suites `benchmarks/synth_yield.py --suites DIR --seed {a.seed} --n {a.n}` wrote (rendered with "
           "`python benchmarks/tasks_gallery.py --from DIR`)") if a.src else \
        f"`python benchmarks/tasks_gallery.py --seed {a.seed} --n {a.n}`"
    parts = ["# Tasks gallery: synthesized on the development set's third-party servers", "",
             f"Generated from {how}, servers from "
             f"`{a.config.relative_to(ROOT) if a.config.is_relative_to(ROOT) else a.config}`: offline, no model, no "
             "per-server code (no code names these servers; fixes were worked out on their shapes, each shown first "
             "on a fixture server, so the held-out set in docs/tasks.md is the test on servers never worked against). "
             "Three tasks per server — judge them yourself. How they are made: docs/tasks.md.", ""]
    for spec in specs:
        if a.src is not None:
            f = a.src / f"{spec.name}.jsonl"
            tasks = list(Suite.load(f).tasks) if f.exists() else []
        else:
            tasks = run_loop(synth_one, specs, spec.name, a.n, a.seed)
        parts.append(render(spec.name, pick(tasks), len(tasks)))
    a.out.write_text("\n".join(parts).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
