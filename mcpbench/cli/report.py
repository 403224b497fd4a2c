"""`mcpbench report | leaderboard | bundle | verify`: everything after a run, from the run store alone."""

from __future__ import annotations

from pathlib import Path

import typer

from mcpbench.cli.common import console, err_console, fail, print_json


def report_cmd(run_dir: Path = typer.Argument(..., help="A run directory."),
               json_out: bool = typer.Option(False, "--json", help="Print the written paths as JSON.")) -> None:
    """Write report.html, radar.png, radar.svg, results.json and results.md into RUN_DIR."""
    from mcpbench.report import write_report

    try:
        paths = write_report(run_dir)
    except FileNotFoundError as e:
        fail(str(e))
        return
    if json_out:
        print_json({k: str(v) for k, v in paths.items()})
    else:
        console.print(f"report: {paths['html']}")
        console.print(f"also: {', '.join(str(paths[k].name) for k in ('png', 'svg', 'json', 'md'))}")


def leaderboard_cmd(
    sources: list[Path] = typer.Argument(..., help="Run directories, results.json files or bundles (.tar.gz)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for leaderboard.html, .md and .json."),
    reruns: Path | None = typer.Option(None, "--reruns", help="The maintainers' re-runs file (JSON): bundles "
                                          "whose results they reproduced get the 're-run' tier."),
    splits: Path | None = typer.Option(None, "--splits", help="The splits registry (JSON): names each group's "
                                          "split (public / private); default: shipped suites only."),
    max_infra: float | None = typer.Option(None, "--max-infra", min=0.0, max=1.0,
                                           help="Largest share of a row's episodes that may be infra-failed for it "
                                                "to be ranked (infra-failed episodes are left out of its score). "
                                                "Default: 0.05."),
    json_out: bool = typer.Option(False, "--json", help="Print the leaderboard as JSON."),
) -> None:
    """Rank submissions; different suites, fleets or formulas are grouped apart, never ranked together."""
    from mcpbench.leaderboard import MAX_INFRA_RATE, Reruns, write_leaderboard
    from mcpbench.splits import SplitError, SplitRegistry

    try:
        flags = Reruns.load(reruns)
    except (OSError, ValueError) as e:
        fail(f"re-runs file {reruns}: {str(e).splitlines()[0]}")
        return
    try:
        registry = SplitRegistry.load(splits)
    except SplitError as e:
        fail(str(e))
        return
    max_infra_rate = MAX_INFRA_RATE if max_infra is None else max_infra
    lb, paths = write_leaderboard(list(sources), out, reruns=flags, splits=registry, max_infra_rate=max_infra_rate)
    if json_out:
        print_json(lb.model_dump(mode="json"))
        return
    for i, g in enumerate(lb.groups):
        console.print(f"group {i + 1}: {g.split.describe() if g.split else 'suite ' + g.suite}, "
                      f"fleet {g.fleet_sha256[:12]}: "
                      f"{len(g.rows)} row(s)" + (f" — not ranked with group 1: different {', '.join(g.differs)}"
                                                  if g.differs else ""), highlight=False, soft_wrap=True)
    for r in lb.rejected:
        err_console.print(f"[yellow]rejected[/] {r.source}: {r.reason}", highlight=False, soft_wrap=True)
    console.print(f"leaderboard: {paths['html']}")


def bundle_cmd(run_dir: Path = typer.Argument(..., help="A run directory."),
               output: Path = typer.Option(..., "--output", "-o", help="The bundle to write (FILE.tar.gz).")) -> None:
    """Pack a run into a deterministic, verifiable bundle (the same run always gives the same bytes)."""
    import hashlib

    from mcpbench.bundle import BundleError, write_bundle
    from mcpbench.report.results import RunData

    try:
        path = write_bundle(run_dir, output)
    except BundleError as e:
        fail(str(e))
        return
    state = RunData.load(run_dir).state
    if state != "completed":
        err_console.print(f"[yellow]warning:[/] the run is {state}, not completed: leaderboards list it unranked")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    console.print(f"bundle: {path}  sha256 {sha}", highlight=False, soft_wrap=True)


def verify_cmd(bundle: Path = typer.Argument(..., help="A bundle (.tar.gz) made by `mcpbench bundle`."),
               json_out: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
               max_mib: int = typer.Option(192, "--max-mib", min=1,
                                           help="Refuse a bundle whose file, decompressed archive or any member is "
                                                "larger than this many MiB (guards against decompression bombs)."),
               splits: Path | None = typer.Option(None, "--splits", help="The splits registry (JSON) that names the "
                                                  "split the run was scored on (default: shipped suites only).")
               ) -> None:
    """Check a bundle's bytes and re-compute every score from its trajectories. Exit 0 when all match, 1 if not."""
    from mcpbench.bundle import ReadLimits, verify_bundle
    from mcpbench.splits import SplitError, SplitRegistry

    try:
        registry = SplitRegistry.load(splits)
    except SplitError as e:
        fail(str(e))
        return
    try:
        report = verify_bundle(bundle, ReadLimits.of_mib(max_mib), registry)
    except OSError as e:
        fail(f"cannot read {bundle}: {e}")
        return
    if json_out:
        print_json(report.model_dump(mode="json", exclude={"results"}))
    else:
        for w in report.warnings:
            err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
        if report.ok:
            console.print(f"[green]verified[/]: run {report.run_id}, {report.episodes} episodes; every score "
                          f"re-computed and equal. sha256 {report.bundle_sha256}", highlight=False, soft_wrap=True)
            if report.split is not None:
                console.print(f"scored on: {report.split.describe()}", highlight=False, soft_wrap=True)
        else:
            err_console.print(f"[bold red]verification failed[/] ({len(report.differences)} difference(s)):",
                              highlight=False, soft_wrap=True)
            for d in report.differences:
                err_console.print(f"  - {d}", markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
    app.command("leaderboard")(leaderboard_cmd)
    app.command("bundle")(bundle_cmd)
    app.command("verify")(verify_cmd)
