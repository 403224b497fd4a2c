"""The run's live display: episodes done/total per model, errors, tokens, elapsed and ETA.

A summary table at the end."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from mcpbench.executors.base import EpisodeOutcome


class RichProgress:
    """Implements mcpbench.runner.Progress on a rich Live table (stderr, so --json stdout stays clean)."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.live: Live | None = None
        self.t0 = time.monotonic()
        self.rows: dict[str, dict[str, Any]] = {}
        self.run_id = ""

    def start(self, run_id: str, run_dir: Path, totals: dict[str, int], already_done: dict[str, int]) -> None:
        self.run_id = run_id
        self.t0 = time.monotonic()
        for m, n in totals.items():
            self.rows[m] = {"total": n, "done": already_done.get(m, 0), "resumed": already_done.get(m, 0), "new": 0,
                            "errors": 0, "infra": 0, "tokens": 0, "passed": 0}
        skipped = sum(already_done.values())
        self.console.print(f"[bold]run {run_id}[/] → {run_dir}" + (f"  (resuming: {skipped} episodes already done)"
                                                                      if skipped else ""))
        self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def episode(self, outcome: EpisodeOutcome, score: Any) -> None:
        r = self.rows[outcome.plan.model]
        t = outcome.trajectory
        r["done"] += 1
        r["new"] += 1
        r["tokens"] += t.usage.input_tokens + t.usage.output_tokens
        r["errors"] += sum(c.outcome != "ok" for c in t.tool_calls())
        r["infra"] += t.status == "infra_failed"
        r["passed"] += bool(getattr(score, "passed", False))
        if self.live:
            self.live.update(self._table())

    def _table(self) -> Table:
        elapsed = time.monotonic() - self.t0
        table = Table(title=f"mcpbench run {self.run_id} · {elapsed:,.0f}s elapsed")
        for col in ("model", "episodes", "passed", "tool errors", "infra-failed", "tokens", "ETA"):
            table.add_column(col, justify="right" if col != "model" else "left")
        for m, r in self.rows.items():
            left = r["total"] - r["done"]
            eta = f"{elapsed / r['new'] * left:,.0f}s" if r["new"] and left else ("done" if not left else "…")
            table.add_row(m, f"{r['done']}/{r['total']}", str(r["passed"]), str(r["errors"]), str(r["infra"]),
                          f"{r['tokens']:,}", eta)
        return table

    def finish(self, state: str) -> None:
        if self.live:
            self.live.update(self._table())
            self.live.stop()
        self.console.print(f"run {self.run_id}: [bold]{state}[/]")


def summary_table(results: dict[str, Any]) -> Table:
    """One column per model; rows: overall with its 95% CI, every radar dimension, pass@1, infra-failed episodes."""
    models = results.get("models", {})
    table = Table(title="scores · mean [95% CI] · infra-failed episodes excluded and counted apart")
    table.add_column("")
    for name in models:
        table.add_column(name, justify="right")

    def fmt(e: dict[str, Any]) -> str:
        if e.get("mean") is None:
            return "–"
        return f"{e['mean']:.3f} [{e['lo']:.2f}, {e['hi']:.2f}]"

    ms = list(models.values())
    table.add_row("[bold]overall[/]", *[f"[bold]{fmt(m['overall'])}[/]" for m in ms])
    from judges import RADAR

    present = set(ms[0].get("dimensions", {})) if ms else set()
    dims = [d for d in RADAR if d in present] + sorted(present - set(RADAR))
    for d in dims:
        table.add_row(d.replace("_", " "), *[fmt(m["dimensions"][d]) for m in ms])
    table.add_row("pass@1", *[f"{(m.get('pass_at_k') or {}).get('1', 0.0):.2f}" for m in ms])
    table.add_row("infra-failed", *[f"{m['infra_failed']}/{m['episodes']}" for m in ms])
    return table


__all__ = ["RichProgress", "summary_table"]
