"""`mcpbench tasks hard`: mark the tasks the oracle solves and every local model fails (mcpbench/hard.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from mcpbench.cli.common import JsonOpt, console, err_console, fail, print_json


def _plan_files(suite_arg: str, plans: list[Path] | None) -> tuple[list[Path], Path | None]:
    """The plans files the suite is built from, and the file beside which the evidence goes (None: beside the suite).

    --plans (repeatable) as given; else, for a shipped suite, the plans of its recipe (`src/NAME.build.yaml`) or its
    plans file (`src/NAME.yaml`)."""
    from task_synth.build import RecipeError, load_recipe
    from task_synth.task import SUITES_DIR

    if plans:
        for f in plans:
            if not f.is_file():
                fail(f"--plans {f}: no such file")
        return list(plans), plans[0]
    if "/" in suite_arg or suite_arg.endswith(".jsonl"):
        return [], None
    src = SUITES_DIR / "src"
    recipe = src / f"{suite_arg}.build.yaml"
    if recipe.is_file():
        try:
            r = load_recipe(recipe)
        except RecipeError as e:
            fail(str(e))
            return [], None
        return [recipe.parent / p.plans for p in r.parts if p.plans], src / f"{suite_arg}.yaml"
    shipped = src / f"{suite_arg}.yaml"
    return ([shipped], shipped) if shipped.is_file() else ([], None)


def _evidence_path(suite_file: Path, anchor: Path | None) -> Path:
    from mcpbench.hard import EVIDENCE_SUFFIX

    base = anchor if anchor is not None else suite_file
    return base.with_name(base.stem + EVIDENCE_SUFFIX)


def hard_cmd(
    suite: str = typer.Argument(..., help="A suite file, or 'smoke' / 'core'."),
    runs: list[Path] | None = typer.Option(None, "--runs", "-r", help="Run directory holding the oracle and/or the "
                                           "models on this suite (repeatable). None: check the suite's hard tags "
                                           "against its evidence file."),
    model: list[str] | None = typer.Option(None, "--model", "-m", help="A model that must fail every hard task "
                                           "(repeatable). Default: every local/ model in the runs."),
    oracle: str = typer.Option("scripted/oracle", "--oracle", help="The model that must solve every hard task."),
    solved_at: float = typer.Option(1.0, "--solved-at", min=0.0, max=1.0, help="Check score an episode needs to "
                                    "solve its task (1.0: every verifiable check passed)."),
    plans: list[Path] | None = typer.Option(None, "--plans", help="Plans YAML the suite is built from "
                                            "(repeatable; default for a shipped suite: the plans of its recipe "
                                            "src/SUITE.build.yaml, else src/SUITE.yaml)."),
    write: bool = typer.Option(False, "--write", help="Set the tag in the plans and the suite file (added where "
                               "the runs say hard, removed elsewhere) and write the evidence file beside them."),
    json_out: bool = JsonOpt,
) -> None:
    """Tag `hard` the tasks the oracle solves and every local model fails, from finished runs; without --runs, check
    that every `hard` tag still has evidence (exit 1 if not).

    It reads run stores' scores only (no server, no model, no trajectory); the cost is the runs it reads, e.g.
    `mcpbench run -m scripted/oracle --suite core` (minutes) and `mcpbench run -m local/qwen2.5-coder-1.5b -m
    local/qwen2.5-coder-0.5b --suite core -n 2` (minutes per episode on a CPU). Rule, files and evidence:
    docs/leaderboard.md, "The hard tag"."""
    from mcpbench.hard import (
        Evidence,
        decide,
        default_models,
        evidence,
        read_run,
        stale_tags,
        tag_plan_files,
        tag_suite_file,
    )
    from task_synth.task import Suite, suite_path

    try:
        suite_file = suite_path(suite)
        s = Suite.load(suite_file)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
        return
    plan_files, anchor = _plan_files(suite, plans)
    ev_path = _evidence_path(suite_file, anchor)
    if not runs:
        ev = Evidence.model_validate_json(ev_path.read_text(encoding="utf-8")) if ev_path.is_file() else None
        stale = stale_tags(s, ev)
        tagged = sum("hard" in t.tags for t in s.tasks)
        if json_out:
            print_json({"suite": s.name, "evidence": str(ev_path), "tagged": tagged, "unbacked": stale})
        else:
            console.print(f"{s.name}: {tagged} task(s) tagged hard; evidence {ev_path}"
                          + ("" if ev else " (none)"), highlight=False)
            for tid in stale:
                console.print(f"[red]UNBACKED[/] {tid}: tagged hard, but {ev_path.name} does not show it hard with "
                              "this content (reworded, or never measured): re-run the oracle and the models on it",
                              highlight=False)
        if stale:
            raise typer.Exit(1)
        return
    evidence_runs = []
    for d in runs:
        try:
            evidence_runs.append(read_run(d, s, solved_at=solved_at))
        except (FileNotFoundError, ValueError) as e:
            fail(f"--runs {d}: {e}")
    models = list(model or default_models(evidence_runs, oracle))
    try:
        verdicts = decide(s, evidence_runs, oracle=oracle, models=models)
    except ValueError as e:
        fail(f"{e} with --model")
        return
    ev = evidence(s, evidence_runs, verdicts, oracle=oracle, models=models, solved_at=solved_at)
    changed_plans: dict[str, list[str]] = {}
    changed_tasks: list[str] = []
    unplanned: list[str] = []
    wanted = {v.task_id: v.hard for v in verdicts}
    if write:
        try:
            changed_plans, unplanned = tag_plan_files(plan_files, wanted)
            changed_tasks = tag_suite_file(suite_file, wanted)
        except ValueError as e:
            fail(str(e), 1)
        ev_path.write_text(ev.model_dump_json(indent=1) + "\n", encoding="utf-8")
    out: dict[str, Any] = {"suite": s.name, "oracle": oracle, "models": models, "solved_at": solved_at,
                           "hard": ev.hard, "tasks": len(verdicts),
                           "decided": sum(v.oracle.counted > 0 for v in verdicts),
                           "changed_runs": {r.run_id: r.changed for r in evidence_runs if r.changed},
                           "written": {"plans": [str(f) for f in plan_files] if write else [],
                                       "suite": str(suite_file) if write else None,
                                       "evidence": str(ev_path) if write else None,
                                       "plans_changed": changed_plans, "tasks_changed": changed_tasks,
                                       "hard_without_plan": [t for t in unplanned if wanted.get(t)] if write else []},
                           "verdicts": [v.model_dump(mode="json") for v in verdicts]}
    if json_out:
        print_json(out)
    else:
        _print(s.name, verdicts, out)
    if not any(v.oracle.counted for v in verdicts):
        err_console.print(f"[bold red]error:[/] no run holds a counted {oracle} episode of a task of {s.name} with "
                          "its current content: nothing could be decided")
        raise typer.Exit(1)


def _print(name: str, verdicts: list[Any], out: dict[str, Any]) -> None:
    t = Table(title=f"{name}: {len(out['hard'])} hard of {len(verdicts)} (oracle {out['oracle']}; models "
                    f"{', '.join(out['models'])}; solved at check score ≥ {out['solved_at']:g})")
    for col in ("task", "hard", "why"):
        t.add_column(col, overflow="fold")
    for v in verdicts:
        t.add_row(v.task_id, "[bold]hard[/]" if v.hard else "–", v.reason)
    console.print(t)
    for run_id, ids in out["changed_runs"].items():
        console.print(f"[yellow]run {run_id}[/]: {len(ids)} task(s) had other content then (reworded since), no "
                      f"evidence from it: {', '.join(ids)}", highlight=False)
    w = out["written"]
    if w["evidence"]:
        n = sum(len(v) for v in w["plans_changed"].values())
        console.print(f"wrote {w['evidence']}; tag changed on {n} plan(s) in {', '.join(w['plans']) or 'no plans'}, "
                      f"{len(w['tasks_changed'])} task(s) in {w['suite']}", highlight=False)
    if w["hard_without_plan"]:
        console.print(f"[yellow]no plan carries[/] {', '.join(w['hard_without_plan'])}: tagged in the suite file "
                      "only, so a rebuild drops the tag (synthesized parts have no plans)", highlight=False)


def register(app: typer.Typer) -> None:
    from mcpbench.cli.synth import tasks_app

    tasks_app.command("hard")(hard_cmd)


__all__ = ["hard_cmd", "register"]
