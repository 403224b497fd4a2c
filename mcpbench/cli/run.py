"""`mcpbench run`: the main job."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from mcpbench._loop import run as run_loop
from mcpbench._signals import until_interrupted
from mcpbench.cli.common import ConfigOpt, console, err_console, fail, load_or_exit, print_json
from mcpbench.run_status import describe, parse_max_infra, run_status

DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"


def run_cmd(
    model: list[str] | None = typer.Option(None, "--model", "-m", help="provider/model (repeatable). Default: "
                                              f"{DEFAULT_MODEL}."),
    suite: str = typer.Option("smoke", "--suite", "-s", help="smoke | core | FILE.jsonl"),
    tags: list[str] | None = typer.Option(None, "--tags", "-t", help="Only the tasks carrying this tag "
                                          "(repeatable: every tag), e.g. --tags hard."),
    repeats: int = typer.Option(1, "--repeats", "-k", min=1, help="Episodes per task and model (pass@k, pass^k)."),
    judge: list[str] | None = typer.Option(None, "--judge", "-j", help="LLM judge provider/model (repeatable). "
                                              "None: rule metrics and checks only."),
    judge_k: int = typer.Option(1, "--judge-samples", min=1,
                                help="Samples per judge (rubric orders in reversed pairs)."),
    concurrency: int = typer.Option(8, "--concurrency", "-n", min=1, help="Episodes in flight."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Run directory (default: runs/<run id>)."),
    seed: int = typer.Option(0, "--seed"),
    max_turns: int = typer.Option(20, "--max-turns", min=1),
    call_timeout: float = typer.Option(60.0, "--call-timeout", help="Seconds per tool call."),
    episode_timeout: float = typer.Option(600.0, "--episode-timeout", help="Seconds per episode."),
    temperature: float | None = typer.Option(None, "--temperature"),
    max_tokens: int | None = typer.Option(None, "--max-tokens"),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint for openai/ models."),
    model_opt: list[str] | None = typer.Option(None, "--model-opt", help="KEY=VALUE passed to every model's "
                                                  "provider (JSON values allowed), e.g. latency_s=0.1."),
    distractors: int = typer.Option(0, "--distractors", min=0, help="Extra servers offered per task (seeded)."),
    tools: str = typer.Option("task", "--tools", help="Tools offered per episode: task (the task's servers) | all "
                              "(every tool of the fleet) | retrieval (a search_tools meta-tool over the fleet)."),
    tool_ranker: str = typer.Option("hybrid", "--tool-ranker", help="search_tools' ranker (--tools retrieval): "
                                    "bm25 | embedding | hybrid."),
    tool_top_k: int = typer.Option(5, "--tool-top-k", min=1, max=50, help="Tools one search_tools call returns."),
    tool_cap: int | None = typer.Option(None, "--tool-cap", min=1, help="Tools per request (default: the provider's "
                                        "documented cap, e.g. 128 for openai/)."),
    on_tool_cap: str = typer.Option("error", "--on-tool-cap", help="--tools all over the cap: error (refuse the "
                                    "run) | truncate (the task's servers' tools first, up to the cap)."),
    allow_drift: bool = typer.Option(False, "--allow-drift", help="Run even if tool definitions changed."),
    on_tool_change: str = typer.Option("flag", "--on-tool-change", help="A server changing its tools mid-run: "
                                       "flag (record it, go on) | stop (end the run; re-run to resume)."),
    executor: str = typer.Option("local", "--executor", help="local (one process) | processes (worker processes "
                                 "on this machine, one fleet each) | ray (shards on a Ray cluster)"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes for --executor "
                                          "processes (default: one per core)."),
    ray_address: str | None = typer.Option(None, "--ray-address"),
    no_report: bool = typer.Option(False, "--no-report", help="Do not write the report at the end."),
    max_infra: str = typer.Option("50%", "--max-infra", help="Most infra-failed episodes a usable run may have: a "
                                  "count (3) or a share (25%). More, or all, exits 1 naming the first infra error."),
    no_install: bool = typer.Option(False, "--no-install", help="Do not install missing servers or local models "
                                    "first (fail instead)."),
    config: Path | None = ConfigOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live display (CI)."),
) -> None:
    """Run models on a suite over the live fleet; re-running the same command resumes the same run."""
    from mcpbench.agent import Limits
    from mcpbench.config import ConfigError
    from mcpbench.fleet import ToolDriftError
    from mcpbench.models.base import ModelSettings
    from mcpbench.progress import RichProgress, summary_table
    from mcpbench.runner import NullProgress, RunError, Runner, RunOptions
    from mcpbench.toolsets import Toolset

    models = model or [DEFAULT_MODEL]
    if on_tool_change not in ("flag", "stop"):
        fail(f"--on-tool-change must be 'flag' or 'stop', not '{on_tool_change}'")
    if executor not in ("local", "processes", "ray"):
        fail(f"--executor must be 'local', 'processes' or 'ray', not '{executor}'")
    if executor == "processes" and any(m.startswith("local/") for m in models):
        fail("local/ models run one llama-server per process, so every worker would load its own copy of the "
             "model: use --executor local for them")
    if tools not in ("task", "all", "retrieval"):
        fail(f"--tools must be 'task', 'all' or 'retrieval', not '{tools}'")
    if on_tool_cap not in ("error", "truncate"):
        fail(f"--on-tool-cap must be 'error' or 'truncate', not '{on_tool_cap}'")
    from mcpbench.search import RANKERS

    if tool_ranker not in RANKERS:
        fail(f"--tool-ranker must be one of {', '.join(sorted(RANKERS))}, not '{tool_ranker}'")
    try:
        parse_max_infra(max_infra, 1)
    except ValueError as e:
        fail(str(e))
    if no_install:
        _check_local_models(models)
    else:
        _install_first(models, config, suite, tags or [], distractors, tools, quiet=quiet or json_out)
    provider_options = {}
    for kv in model_opt or []:
        key, sep, raw = kv.partition("=")
        if not sep:
            fail(f"--model-opt takes KEY=VALUE, got '{kv}'")
        try:
            provider_options[key] = json.loads(raw)
        except json.JSONDecodeError:
            provider_options[key] = raw
    opts = RunOptions(models=models, provider_options=provider_options, suite=suite, tags=tags or [], repeats=repeats,
                      judges=judge or [], judge_k=judge_k,
                      concurrency=concurrency, out=out, seed=seed, base_url=base_url, distractors=distractors,
                      limits=Limits(max_turns=max_turns, call_timeout_s=call_timeout,
                                    episode_timeout_s=episode_timeout),
                      settings=ModelSettings(temperature=temperature, max_tokens=max_tokens),
                      allow_drift=allow_drift, on_tool_change=on_tool_change, config=config, executor=executor,
                      workers=workers, ray_address=ray_address,
                      toolset=Toolset.model_validate({"mode": tools, "ranker": tool_ranker, "top_k": tool_top_k,
                                                      "cap": tool_cap, "on_cap": on_tool_cap}))
    progress = NullProgress() if (quiet or json_out) else RichProgress()
    try:
        result = run_loop(until_interrupted, Runner(opts, progress).run)
    except (RunError, ConfigError, ValueError, ToolDriftError) as e:
        fail(str(e))
        return
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted: the run is marked cancelled; re-run the same command to resume[/]")
        raise typer.Exit(130) from None
    if not no_report:
        _write_report(result.run_dir, quiet or json_out)
    status = run_status(result.run_dir, max_infra)
    if json_out:
        print_json({**result.model_dump(mode="json"), "status": status.model_dump(mode="json")})
    elif not quiet:
        console.print(summary_table(result.results))
        if result.failed_servers:
            err_console.print(f"[yellow]servers that failed: {', '.join(result.failed_servers)}[/] (their episodes "
                              "are infra-failed, excluded from scores and counted apart)")
        console.print(f"run dir: {result.run_dir}")
    if not status.usable:
        err_console.print(f"[bold red]error:[/] {escape(describe(status))}", highlight=False)
        raise typer.Exit(1)


def _install_first(models: list[str], config: Path | None, suite: str, tags: list[str], distractors: int,
                   tools: str, *, quiet: bool) -> None:
    """First use: install the missing servers this run opens and the local models named, with progress on stderr.

    Only the servers the run will open are installed (the suite's, or the whole fleet with distractors or
    `--tools all|retrieval`), so a first smoke run does not wait for servers it never starts.
    """
    from rich.console import Console

    from mcpbench.cli.first_use import install_fleet, install_local
    from mcpbench.hard import select_tagged
    from mcpbench.models.local_weights import LocalModelError
    from mcpbench.runner import RunError, RunOptions, run_servers
    from mcpbench.toolsets import Toolset
    from task_synth.task import Suite, suite_path

    out = Console(stderr=True, quiet=quiet)
    cfg = load_or_exit(config)
    specs = cfg.enabled()
    try:
        loaded = select_tagged(Suite.load(suite_path(suite)), tags)
        names = set(run_servers(loaded, cfg, RunOptions(models=models, suite=suite, distractors=distractors,
                                                           toolset=Toolset.model_validate({"mode": tools}))))
        specs = [s for s in cfg.servers if s.name in names]
    except (FileNotFoundError, ValueError, RunError):
        pass  # the run itself reports a bad suite; install the whole fleet meanwhile
    for r in install_fleet(specs, out):
        if r.status == "failed":
            err_console.print(f"[yellow]warning:[/] server {r.name} did not install (its episodes will be "
                              f"infra-failed): {escape((r.error or '')[-300:])}", highlight=False)
    for m in models:
        if m.startswith("local/"):
            try:
                install_local(m, out, rehash=False)
            except LocalModelError as e:
                fail(str(e), 1)


def _check_local_models(models: list[str]) -> None:
    """A clear message, before any work, when a local model is not installed."""
    local = [m for m in models if m.startswith("local/")]
    if not local:
        return
    from mcpbench.models.local import check_ready

    for m in local:
        problem = check_ready(m.split("/", 1)[1])
        if problem:
            fail(problem)


def _write_report(run_dir: Path, quiet: bool) -> None:
    from mcpbench.report import write_report

    paths = write_report(run_dir)
    if not quiet:
        err_console.print(f"report: {paths.get('html', run_dir / 'report.html')}")


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)
