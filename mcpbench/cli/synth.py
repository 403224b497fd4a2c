"""`mcpbench synth` and `mcpbench tasks list|show|plans|validate|build`."""

from __future__ import annotations

import json
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import ConfigOpt, JsonOpt, console, err_console, fail, load_or_exit, print_json

tasks_app = typer.Typer(help="Inspect, validate and build task suites (files, or the shipped ones: smoke, core, wide).",
                        no_args_is_help=True)


def _split(csv: str | None) -> list[str]:
    return [x.strip() for x in (csv or "").split(",") if x.strip()]


def _load_suite(name: str) -> Any:
    from task_synth.task import Suite, suite_path

    try:
        return Suite.load(suite_path(name))
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))


async def _open_fleet(specs: list[Any], fn: Any) -> Any:
    from mcpbench.fleet import Fleet

    async with Fleet.open(specs) as fleet:
        failed = {n: st.error for n, st in fleet.status.items() if st.status == "failed"}
        return await fn(fleet, failed)


def synth_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="Output suite (JSONL); FILE.rejected.jsonl is written beside."),
    servers: str | None = typer.Option(None, "--servers", "-s", help="Comma-separated servers (default: all)."),
    n: int = typer.Option(10, "--n", help="Tasks wanted."),
    seed: int = typer.Option(0, "--seed", help="Seed for every choice; same seed, same file."),
    writer: str | None = typer.Option(None, "--writer", help="provider/model that proposes edges, words tasks "
                                         "and scores them (default: deterministic templates)."),
    planner: str | None = typer.Option(None, "--planner", help="provider/model that proposes scenarios and tool "
                                          "chains with concrete arguments; mcpbench runs them live (write tools only "
                                          "on sandboxed, stateful servers), repairs or drops failing steps, reads the "
                                          "answer key from the outputs, and the model rewrites and scores each task."),
    model_timeout: float | None = typer.Option(None, "--model-timeout", min=1.0, help="Seconds one model request "
                                               "may take (--writer/--planner; default 180, 600 for local/ models); "
                                               "a model that misses it is not asked again and the tasks made so far "
                                               "are kept."),
    plans: Path | None = typer.Option(None, "--plans", help="Curated plans (YAML/JSONL) to ground instead of "
                                         "sampling chains."),
    work: Path | None = typer.Option(None, "--work", help="Work dir for graph.json, chains.jsonl, grounded.jsonl, "
                                        "tasks.jsonl, rejected.jsonl (default: FILE.work/)."),
    min_hops: int = typer.Option(2, "--min-hops"),
    max_hops: int = typer.Option(6, "--max-hops"),
    variants: int = typer.Option(1, "--variants", min=1, help="Variants of each kind of chain (literals, topics): "
                                 "raise it for large suites."),
    seed_world: bool = typer.Option(True, "--seed-world/--no-seed-world", help="Write the world's facts into "
                                    "servers isolated per episode (stateful: true) and ask about them."),
    refill: bool = typer.Option(True, "--refill/--no-refill", help="When the distinct chains give fewer than N "
                                "tasks, make distinct variants of the kept tasks' chains (another field or question "
                                "asked, other literal arguments), each grounded and filtered like any chain."),
    name: str = typer.Option("synth", "--name", help="Suite name and task id prefix (kept out of the path so the "
                             "same seed gives the same bytes wherever the file goes)."),
    secret_file: Path | None = typer.Option(None, "--secret-file", help="Derive the seed from this secret (`mcpbench "
                                            "splits secret`) to make a private split; instead of --seed."),
    config: Path | None = ConfigOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Synthesize verified multi-hop tasks from the live fleet's tools (or ground curated plans)."""
    from task_synth import SynthOptions, load_plans, synthesize, write_outputs
    from task_synth.synth import rejected_path

    if planner and (writer or plans):
        fail("--planner replaces --writer and --plans: give one of them")
    commitment = None
    if secret_file is not None:
        from mcpbench.splits import SplitError, read_secret, secret_seed, seed_commitment

        if seed != 0:
            fail("give --seed or --secret-file, not both")
        try:
            secret = read_secret(secret_file)
        except SplitError as e:
            fail(str(e))
        seed, commitment = secret_seed(secret), seed_commitment(secret)
    cfg = load_or_exit(config)
    plan_list = None
    if plans is not None:
        try:
            plan_list = load_plans(plans)
        except (OSError, ValueError) as e:
            fail(str(e))
    names = _split(servers)
    if not names and plan_list:
        names = sorted({s.server for p in plan_list for s in p.steps})
    try:
        specs = cfg.select(names or None)
    except KeyError as e:
        fail(str(e.args[0]))
    options = SynthOptions(servers=[s.name for s in specs], n=n, seed=seed, writer=writer, planner=planner,
                           model_timeout_s=model_timeout or _default_model_timeout(planner or writer),
                           min_hops=min_hops, max_hops=max_hops, id_prefix=name, variants=variants,
                           seed_world=seed_world, refill=refill)
    work_dir = work or out.with_name(out.name.removesuffix(".jsonl") + ".work")

    async def go(fleet: Any, failed: dict[str, str]) -> Any:
        if failed:
            fail("server(s) failed to connect: " + "; ".join(f"{k}: {v}" for k, v in sorted(failed.items())))
        model = None
        if writer or planner:
            from mcpbench.models.registry import get_provider

            try:
                model = get_provider(planner or writer or "")
            except (ValueError, TypeError) as e:
                fail(str(e))
        try:
            # the planner keeps each task as it is made: the suite on disk grows with the run
            return await synthesize(fleet, options, plans=plan_list, model=model, work=work_dir,
                                    on_progress=lambda st: write_outputs(st, out, name))
        except TimeoutError:
            fail(f"a synthesis stage overran its {options.stage_timeout_s:g} s deadline")
        finally:
            if model is not None:
                await model.aclose()

    state = run_loop(_open_fleet, specs, go)
    suite = write_outputs(state, out, name)
    for note in state.notes:
        if note.startswith("model unavailable:"):
            err_console.print(f"[yellow]warning:[/] {escape(note)}", highlight=False)
        elif note.startswith("hint:"):
            err_console.print(f"[yellow]hint:[/] {escape(note.removeprefix('hint:').strip())}", highlight=False)
    summary = {"out": str(out), "rejected": str(rejected_path(out)), "work": str(work_dir), "tasks": len(suite.tasks),
               "wanted": None if plan_list else n, "rejected_count": len(state.rejected), "sha256": suite.sha256,
               "by_hops": dict(sorted(Counter(t.hops for t in suite.tasks).items())),
               "by_servers": dict(sorted(Counter(len(t.servers) for t in suite.tasks).items())),
               "live_varying": sum(t.live_varying for t in suite.tasks),
               "rejected_by_stage": dict(sorted(Counter(r.stage for r in state.rejected).items())),
               "notes": state.notes}
    if commitment is not None:  # the seed stays private: the suite file and its work dir must too
        summary["private_split"] = {"suite_sha256": suite.sha256, "seed_commitment": commitment,
                                    "register": f"mcpbench splits add {out} --name NAME --secret-file {secret_file} "
                                                "--registry splits.json"}
    if json_out:
        print_json(summary)
    else:
        _print_summary(summary, state)
    if not plan_list and len(suite.tasks) < n:
        raise typer.Exit(1)


def _default_model_timeout(model: str | None) -> float:
    """A local model on a loaded CPU takes minutes for one long prompt (measured: 160 s for 574 prompt tokens)."""
    return 600.0 if (model or "").startswith("local/") else 180.0


def _print_summary(s: dict[str, Any], state: Any) -> None:
    t = Table(title=f"mcpbench synth → {s['out']}")
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("tasks", f"{s['tasks']}" + (f" of {s['wanted']} wanted" if s["wanted"] else ""))
    t.add_row("hops", ", ".join(f"{k}: {v}" for k, v in s["by_hops"].items()))
    t.add_row("servers per task", ", ".join(f"{k}: {v}" for k, v in s["by_servers"].items()))
    t.add_row("live-varying", str(s["live_varying"]))
    t.add_row("rejected", f"{s['rejected_count']} " + str(s["rejected_by_stage"]) + f" → {s['rejected']}")
    t.add_row("suite sha256", s["sha256"][:16])
    if "private_split" in s:
        t.add_row("private split", f"seed commitment {s['private_split']['seed_commitment'][:16]}; keep the suite, "
                                   f"its work dir and the secret private; register: {s['private_split']['register']}")
    t.add_row("work dir", s["work"])
    console.print(t)
    reasons = Counter(r.reasons[0].split(":")[0] + ": " + r.reasons[0].split(":", 2)[-1][:60].strip()
                      for r in state.rejected if r.reasons and r.stage != "select")
    for reason, k in reasons.most_common(5):
        console.print(f"  [dim]{k} × {reason}[/]", highlight=False)
    unreached = [n.removeprefix("sample:walk: no chain on ") for n in s["notes"]
                 if n.startswith("sample:walk: no chain on ")]
    if unreached and (not s["wanted"] or s["tasks"] < s["wanted"]):
        console.print("  tools no chain calls:", highlight=False)
        for line in unreached[:12]:
            console.print(f"  [dim]· {escape(line)}[/]", highlight=False)
        if len(unreached) > 12:
            console.print(f"  [dim]· … and {len(unreached) - 12} more (notes in --json)[/]", highlight=False)


@tasks_app.command("list")
def list_cmd(suite: str = typer.Argument(..., help="A suite file, or 'smoke' / 'core'."), json_out: bool = JsonOpt
             ) -> None:
    """One line per task: id, servers, hops, tags and the fuzzy request."""
    s = _load_suite(suite)
    rows = [{"id": t.id, "servers": t.servers, "hops": t.hops, "tags": t.tags, "fuzzy": t.fuzzy} for t in s.tasks]
    if json_out:
        print_json(rows)
        return
    t = Table(title=f"{s.name} v{s.version} · {len(s.tasks)} tasks · sha256 {s.sha256[:12]}")
    for col in ("id", "servers", "hops", "request"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], ",".join(r["servers"]), str(r["hops"]), r["fuzzy"][:110])
    console.print(t)


@tasks_app.command("show")
def show_cmd(suite: str = typer.Argument(...), task_id: str = typer.Argument(...), json_out: bool = JsonOpt) -> None:
    """Everything about one task: requests, reference chain, checks, answer."""
    s = _load_suite(suite)
    task = next((t for t in s.tasks if t.id == task_id), None)
    if task is None:
        fail(f"no task '{task_id}' in {s.name} (try `mcpbench tasks list {suite}`)")
        return
    if json_out:
        print_json(task.model_dump(mode="json"))
        return
    console.print(f"[bold]{task.id}[/]  servers: {', '.join(task.servers)}  tags: {', '.join(task.tags)}")
    console.print(f"[bold]fuzzy:[/] {task.fuzzy}", highlight=False)
    console.print(f"[bold]precise:[/] {task.precise}", highlight=False)
    for i, st in enumerate(task.reference):
        live = " [yellow](live)[/]" if st.live_varying else ""
        console.print(f"[bold]step {i}[/] {st.server}/{st.tool} {json.dumps(st.arguments, ensure_ascii=False)}{live}",
                      highlight=False)
        for arg, spec in st.bindings.items():
            console.print(f"    {arg} ← {spec}", highlight=False, markup=False)
        console.print("    → " + st.output[:300].replace("\n", " "), highlight=False, markup=False)
    for i, c in enumerate(task.checks):
        src = f" from step {c.from_step} via {c.extract!r}" if c.from_step is not None else ""
        console.print(f"[bold]check {i}[/] {c.kind} {c.value!r}{src}", highlight=False)
    console.print(f"[bold]answer:[/] {task.answer}", highlight=False, markup=False)


@tasks_app.command("plans")
def plans_cmd(suite: str = typer.Argument(..., help="A suite file, or 'smoke' / 'core'."),
              out: Path = typer.Option(..., "--out", "-o", help="Plans YAML to write.")) -> None:
    """Export tasks as editable plans: reword the fuzzy requests, then rebuild with `mcpbench synth --plans`."""
    from task_synth.synth import dump_plans, plans_from_tasks

    s = _load_suite(suite)
    plans = plans_from_tasks(list(s.tasks))
    dump_plans(plans, out)
    console.print(f"{len(plans)} plans → {out}")


@tasks_app.command("validate")
def validate_cmd(suite: str = typer.Argument(..., help="A suite file, or 'smoke' / 'core'."),
                 config: Path | None = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Schema, rule filters and an oracle replay on the live fleet; exits 1 listing the tasks that fail."""
    from task_synth import validate_suite

    s = _load_suite(suite)
    cfg = load_or_exit(config)
    needed = sorted({x for t in s.tasks for x in t.servers})
    try:
        specs = cfg.select(needed) if needed else []
    except KeyError as e:
        fail(f"suite '{s.name}' needs {e.args[0]}")

    async def go(fleet: Any, failed: dict[str, str]) -> Any:
        for name, err in sorted(failed.items()):
            err_console.print(f"[yellow]warning:[/] server {name} failed to connect: {err}", highlight=False)
        return await validate_suite(s, fleet)

    results = run_loop(_open_fleet, specs, go)
    bad = [r for r in results if not r.ok]
    if json_out:
        print_json([r.model_dump(mode="json") for r in results])
    else:
        for r in results:
            for w in r.warnings:
                console.print(f"[yellow]{r.id}[/]: {w}", highlight=False)
        for r in bad:
            console.print(f"[red]FAIL[/] {r.id}", highlight=False)
            for reason in r.reasons:
                console.print(f"    {reason}", highlight=False, markup=False)
        console.print(f"{len(results) - len(bad)}/{len(results)} tasks valid in {s.name} (sha256 {s.sha256[:12]})")
    if bad:
        raise typer.Exit(1)


@tasks_app.command("pick")
def pick_cmd(suite: str = typer.Argument(..., help="The suite to pick from (a file, or a shipped suite)."),
             out: Path = typer.Option(..., "--out", "-o", help="Plans YAML to write (build it with --plans or a "
                                      "recipe's `plans:` part)."),
             n: int = typer.Option(..., "--n", min=1, help="Tasks to pick."),
             multi: int = typer.Option(0, "--multi", min=0, help="First pick this many multi-server tasks with "
                                       "--min-multi-hops or more hops."),
             min_multi_hops: int = typer.Option(3, "--min-multi-hops", min=1),
             stateful: int = typer.Option(0, "--stateful", min=0, help="Then this many stateful tasks with "
                                          "final-state checks."),
             per_server: int = typer.Option(0, "--per-server", min=0, help="Then make sure every server has this "
                                            "many tasks (counting --besides)."),
             besides: str | None = typer.Option(None, "--besides", help="A suite or plans file the pick is added "
                                                "to: its tasks count for coverage and are never repeated."),
             prefix: str = typer.Option("picked", "--prefix", help="The picked tasks' new id prefix."),
             seed: int = typer.Option(0, "--seed"), json_out: bool = JsonOpt) -> None:
    """Pick a balanced subset of a suite (multi-server, stateful, every server covered) as editable plans."""
    from task_synth.pick import PickOptions, pick, renamed
    from task_synth.synth import dump_plans, load_plans, plans_from_tasks

    source = _load_suite(suite)
    already: list[Any] = []
    if besides:
        if besides.endswith((".yaml", ".yml")):
            try:
                already = [_plan_stub(p) for p in load_plans(besides)]
            except (OSError, ValueError) as e:
                fail(str(e))
        else:
            already = list(_load_suite(besides).tasks)
    chosen = renamed(pick(source.tasks, PickOptions(n=n, multi=multi, min_multi_hops=min_multi_hops,
                                                    stateful=stateful, per_server=per_server, seed=seed),
                          already), prefix)
    dump_plans(plans_from_tasks(chosen), out)
    from task_synth.build import suite_shares

    by_server = dict(sorted(Counter(s for t in chosen for s in t.servers).items()))
    summary = {"out": str(out), "picked": len(chosen), "of": len(source.tasks), "shares": suite_shares(chosen),
               "servers": by_server}
    if json_out:
        print_json(summary)
    else:
        console.print(f"{len(chosen)} of {len(source.tasks)} tasks → {out}; servers: "
                      + ", ".join(f"{k} {v}" for k, v in by_server.items()), highlight=False)


def _plan_stub(plan: Any) -> Any:
    """A curated plan seen as a task, for coverage and repeat checks only."""
    from task_synth.task import Task

    servers = sorted({s.server for s in plan.steps})
    return Task.model_construct(id=plan.id, fuzzy=plan.fuzzy, precise=plan.precise, servers=servers,
                                tags=list(plan.tags), checks=[], reference=[])


@tasks_app.command("build")
def build_cmd(recipe: str = typer.Argument(..., help="A recipe file (*.build.yaml), or the name of a shipped suite "
                                           "built from one (e.g. 'wide')."),
              cache: Path | None = typer.Option(None, "--cache", help="Where each part's result is kept (default: "
                                                "$MCPBENCH_HOME/build); a crashed build resumes from it."),
              fresh: bool = typer.Option(False, "--fresh", help="Rebuild every part, ignoring the cache."),
              concurrency: int = typer.Option(4, "--concurrency", min=1, help="Chains grounded and tasks replayed "
                                              "at once within a part."),
              config: Path | None = ConfigOpt, json_out: bool = JsonOpt) -> None:
    """Build a suite from its recipe: synthesize (or ground plans for) every part on the live fleet, replay every
    task and keep those that pass, write the suite and FILE.build.json. Exits 1 when a part failed or the suite is
    empty."""
    from mcpbench.install import home_dir
    from task_synth.build import RecipeError, build_report_path, build_suite, fleet_part_runner, load_recipe
    from task_synth.task import SUITES_DIR

    path = Path(recipe)
    if not path.exists() and "/" not in recipe and (SUITES_DIR / "src" / f"{recipe}.build.yaml").exists():
        path = SUITES_DIR / "src" / f"{recipe}.build.yaml"
    try:
        spec = load_recipe(path)
    except RecipeError as e:
        fail(str(e))
        return
    cfg = load_or_exit(config)
    for i, part in enumerate(spec.parts):
        try:
            cfg.select(part.servers or None) if part.servers else None
        except KeyError as e:
            fail(f"{path}: parts.{i}.servers: {e.args[0]}")
    root = Path(__file__).resolve().parents[2]

    def progress(p: Any) -> None:
        if json_out:
            return
        state = "[red]failed[/]" if p.error else ("cached" if p.cached else f"{p.wall_s:.0f} s")
        wanted = f" of {p.wanted}" if p.wanted else ""
        console.print(f"part {p.index + 1}/{len(spec.parts)} {escape(p.name)}: {p.kept}{wanted} kept "
                      f"({p.made} made, {len(p.dropped)} failed the replay) · {state}"
                      + (f"\n    {escape(p.error)}" if p.error else ""), highlight=False)

    report = run_loop(partial(build_suite, spec, path, fleet_part_runner(cfg, path.parent, concurrency=concurrency),
                              cache=cache or home_dir() / "build", root=root, fresh=fresh, on_part=progress))
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in report.shares.items())
        console.print(f"{report.tasks} tasks over {len(report.servers)} servers → {report.out} (sha256 "
                      f"{report.sha256[:12]}); {shares}; report {build_report_path(Path(report.out))}",
                      highlight=False)
    if report.failed_parts or not report.tasks:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("synth")(synth_cmd)
    app.add_typer(tasks_app, name="tasks")


__all__ = ["register", "tasks_app"]
