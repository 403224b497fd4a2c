"""`mcpbench judge RUN`: (re-)score a finished run without re-running agents."""

from __future__ import annotations

from pathlib import Path

import typer

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import console, fail, print_json


def judge_cmd(run_dir: Path = typer.Argument(..., help="A run directory."),
              judge: list[str] | None = typer.Option(None, "--judge", "-j", help="Judge provider/model "
                                                        "(repeatable). None: rule metrics and checks only."),
              judge_k: int = typer.Option(1, "--judge-samples", min=1),
              seed: int | None = typer.Option(None, "--seed", help="Rubric-shuffle seed (default: the run's)."),
              json_out: bool = typer.Option(False, "--json")) -> None:
    """Re-score every episode of RUN_DIR from its stored trajectories (and an optional judge panel)."""
    from mcpbench.progress import summary_table
    from mcpbench.rescore import recompute_scores, rejudge
    from mcpbench.runner import aggregate_store
    from mcpbench.store import RunStore

    try:
        store = RunStore(run_dir, create=False)
    except FileNotFoundError as e:
        fail(str(e))
        return
    with store:
        judges = judge or []
        scores = run_loop(lambda: rejudge(store, judges, k=judge_k, seed=seed)) if judges else recompute_scores(store)
        store.replace_scores(scores, ",".join(judges) or "rules")
        results = aggregate_store(store)
        store.set_meta("results", results)
    if json_out:
        print_json(results)
    else:
        console.print(summary_table(results))


def register(app: typer.Typer) -> None:
    app.command("judge")(judge_cmd)
