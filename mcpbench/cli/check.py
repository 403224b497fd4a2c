"""`mcpbench check`: a compatibility report card for one MCP server (exit code and JUnit XML for CI)."""

from __future__ import annotations

import importlib
import logging
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
import typer

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import ConfigOpt, console, err_console, fail, load_or_exit

if TYPE_CHECKING:
    from mcpbench.check import Target

HELP = """Check one MCP server: protocol, schemas, robustness, security (and usability with --model).

\b
  mcpbench check -- uvx my-server --flag
  mcpbench check --url http://localhost:8000/mcp
  mcpbench check --url http://localhost:8000/sse --transport sse
  mcpbench check --server time [--config servers.yaml]

Exit code: 0 when no check fails (warnings too with --fail-on warn), 1 otherwise, 2 for usage errors.
With --baseline previous.json: 1 only when something got worse since that report.
Every check id, its severity and why it matters: docs/check.md."""


def _pairs(items: list[str] | None, sep: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, found, value = item.partition(sep)
        if not found or not key.strip():
            fail(f"{what} must look like KEY{sep}VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


LAUNCHER_CONNECT_S = 300.0
"""Connect deadline of a `uvx`/`npx` line under check: its first start may download and compile the package."""


def _launcher(target: Target | None) -> str | None:
    from mcpbench.launchers import LAUNCHERS

    name = Path(target.command).name if target is not None and target.command else None
    return name if name in LAUNCHERS else None


def _spec_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_-]", "-", name).strip("-_") or "server"
    return clean[:32] if clean[0].isalnum() else f"s{clean}"[:32]


async def tool_vectors(embed: Callable[[list[str]], Any], tools: list[Any]) -> dict[str, list[float]]:
    """Embed every tool's text (name, description, parameter names) off the event loop."""
    from mcpbench.check.confusable import tool_text
    from mcpbench.check.rubric import unique_tools

    unique = unique_tools(tools)
    try:
        vectors = await anyio.to_thread.run_sync(embed, [tool_text(t) for t in unique])
    except Exception as e:  # the embedding model could not be fetched or run: say so, the check itself stands
        raise EmbeddingsFailed(f"--embeddings failed: {type(e).__name__}: {e}") from e
    return {t.name: [float(x) for x in v] for t, v in zip(unique, vectors, strict=True)}


class EmbeddingsFailed(Exception):
    """The embedding model could not be loaded or run (the message says why)."""


def check_cmd(
    command: list[str] | None = typer.Argument(None, metavar="[-- COMMAND ARGS...]",
                                                  help="Launch this stdio server (put it after --)."),
    url: str | None = typer.Option(None, "--url", help="Check a running server at this URL."),
    transport: str | None = typer.Option(None, "--transport", help="With --url: 'http' (streamable HTTP, "
                                            "default unless the path ends in /sse) or 'sse'."),
    server: str | None = typer.Option(None, "--server", "-s", help="Check this server of servers.yaml."),
    config: Path | None = ConfigOpt,
    env: list[str] | None = typer.Option(None, "--env", "-e", help="KEY=VALUE for a launched server (repeat)."),
    header: list[str] | None = typer.Option(None, "--header", "-H", help="'Name: value' HTTP header (repeat)."),
    call_timeout: float = typer.Option(30.0, "--call-timeout", min=0.1, help="Deadline of one tool call, seconds."),
    connect_timeout: float | None = typer.Option(None, "--connect-timeout", min=0.1, help="Spawn + handshake "
                                                 "deadline (default 30 s; 300 s for a uvx/npx line, whose first "
                                                 "start may download and build the package)."),
    allow_destructive: bool = typer.Option(False, "--allow-destructive",
                                           help="Also call tools not known to be read-only (by default only tools "
                                                "declaring readOnlyHint, or named get/list/read/status..., are "
                                                "called)."),
    cwd: Path | None = typer.Option(None, "--cwd", help="Run a launched server in this directory (default: a "
                                    "fresh scratch directory, so its tools cannot touch your files)."),
    skip_tool: list[str] | None = typer.Option(None, "--skip-tool", help="Never call this tool (repeat)."),
    model: str | None = typer.Option(None, "--model", "-m", help="Also measure usability with this model "
                                        "(provider/model)."),
    usability_flag: bool = typer.Option(False, "--usability", help="Measure usability with the default local "
                                        "model (same as --model local/<default>)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON instead of the card."),
    json_file: Path | None = typer.Option(None, "--json-out", help="Also write the JSON report to this file."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write JUnit XML to this file."),
    sarif: Path | None = typer.Option(None, "--sarif", help="Also write SARIF 2.1.0 (code scanning) to this file."),
    sarif_artifact: str = typer.Option(".", "--sarif-artifact", help="Repository path SARIF results point at "
                                       "(e.g. your server's entry file)."),
    badge: Path | None = typer.Option(None, "--badge", help="Write the status badge SVG here (default: "
                                      "mcpbench-check.svg next to --junit/--json-out/--sarif)."),
    baseline: Path | None = typer.Option(None, "--baseline", help="A previous --json report: exit 1 only on what "
                                         "got worse since it."),
    tasks: int = typer.Option(5, "--tasks", min=1, max=50, help="With --model: tasks to synthesise."),
    seed: int = typer.Option(0, "--seed", help="With --model: seed of synthesis and of the model's rubric grading."),
    embeddings: bool = typer.Option(False, "--embeddings", help="Also compare tools by embedding similarity "
                                    "(mcpbench.embeddings; fetches its model on first use)."),
    fail_on: str = typer.Option("error", "--fail-on", help="'error' (default): exit 1 on failed checks; "
                                "'warn': on warnings too."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every detail line and full hashes."),
) -> None:
    from mcpbench.check import CheckOptions, CheckReport, Target, build_report, observe
    from mcpbench.check.ci import BaselineError, compare, load_baseline, to_badge, to_sarif
    from mcpbench.check.model import FailOn
    from mcpbench.check.report import exit_code, render, render_comparison, to_json, to_junit
    from mcpbench.check.target import spec_target
    from mcpbench.check.usability import usability
    from mcpbench.config import ConfigError, ServerSpec
    from mcpbench.install import InstallError
    from mcpbench.world import WorldError

    if fail_on not in ("warn", "error"):
        fail("--fail-on must be 'warn' or 'error'")
    if transport not in (None, "http", "sse"):
        fail("--transport must be 'http' or 'sse'")
    given = [x for x, on in (("-- COMMAND", bool(command)), ("--url", bool(url)), ("--server", bool(server))) if on]
    if len(given) != 1:
        fail("give exactly one of: -- COMMAND ARGS..., --url URL, --server NAME" +
             (f" (got {', '.join(given)})" if given else ""))
    if transport and not url:
        fail("--transport only applies to --url")
    if cwd is not None and not command:
        fail("--cwd only applies to -- COMMAND (a servers.yaml entry sets its own cwd)")
    embed: Callable[[list[str]], Any] | None = None
    if embeddings:
        try:
            embed = importlib.import_module("mcpbench.embeddings").embed
        except (ImportError, AttributeError) as e:
            fail(f"--embeddings is not available: it needs mcpbench.embeddings.embed ({e}); run without it for the "
                 "lexical confusable-tools check")
    previous = None
    if baseline is not None:
        try:
            previous = load_baseline(baseline)
        except BaselineError as e:
            fail(str(e))

    spec: ServerSpec | None = None
    target: Target | None = None
    try:
        if server:
            try:
                spec = load_or_exit(config).get(server)
            except KeyError as e:
                fail(str(e.args[0]))
                return
        elif url:
            target = Target.from_url(url, transport, headers=_pairs(header, ":", "--header"))  # type: ignore[arg-type]
        else:
            assert command
            if cwd is not None and not cwd.is_dir():
                fail(f"--cwd {cwd} is not a directory")
            target = Target.from_command(command, env=_pairs(env, "=", "--env"),
                                         cwd=str(cwd.resolve()) if cwd is not None else None)
    except (ConfigError, ValueError, OSError) as e:
        fail(str(e))
        return

    if usability_flag and not model:
        from mcpbench.models.local_weights import DEFAULT_MODEL

        model = f"local/{DEFAULT_MODEL}"
    if model:
        from mcpbench.models.base import split_name

        try:
            split_name(model)
        except ValueError as e:
            fail(str(e))
        if spec is None:
            assert target is not None
            spec = ServerSpec(name=_spec_name(target.name), transport=target.transport, command=target.command,
                              args=target.args, env=target.env, cwd=target.cwd, url=target.url,
                              headers=target.headers)

    # The SDK logs every unparseable stdout line with a traceback; the report already counts them.
    mcp_logger = logging.getLogger("mcp")
    mcp_logger.addHandler(logging.NullHandler())
    mcp_logger.propagate = False
    launcher = _launcher(target)
    if connect_timeout is None:
        connect_timeout = LAUNCHER_CONNECT_S if launcher else 30.0
    if launcher and not json_out:
        err_console.print(f"[dim]{launcher}: a first start may download and build the package (installing…); "
                          f"connect deadline {connect_timeout:g} s[/]", highlight=False)
    opts = CheckOptions(call_timeout_s=call_timeout, connect_timeout_s=connect_timeout,
                        allow_destructive=allow_destructive, skip_tools=frozenset(skip_tool or []))

    async def go() -> CheckReport:
        async with AsyncExitStack() as stack:
            if target is not None:
                t = target
            else:
                assert spec is not None  # set above whenever no target was given
                t = await stack.enter_async_context(spec_target(spec))
            if not json_out:
                err_console.print(f"[dim]checking {t.describe()} …[/]", highlight=False)
            t0 = time.perf_counter()
            obs = await observe(t, opts)
            if embed is not None and obs.tools:
                obs.tool_vectors = await tool_vectors(embed, obs.tools)
            report = build_report(obs, time.perf_counter() - t0)
            if model and spec is not None:
                from mcpbench.check.model_grade import add_model_grade

                use = spec
                if target is not None and spec.command and spec.cwd is None:  # the model's calls: in a scratch dir too
                    scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="mcpbench-check-cwd-"))
                    use = spec.model_copy(update={"cwd": scratch})
                report.results.append(await usability(use, model, tasks=tasks, seed=seed))
                await add_model_grade(report, obs.tools, model, seed=seed)
        return report

    try:
        report = run_loop(go)
    except EmbeddingsFailed as e:
        fail(str(e))
        return
    except (ConfigError, InstallError, WorldError, OSError) as e:  # resolving --server; already phrased
        fail(str(e))
        return
    comparison = None
    if previous is not None and baseline is not None:
        comparison = compare(report, previous)
        report.baseline = {"path": str(baseline), **comparison.model_dump()}
    if json_out:
        typer.echo(to_json(report))
    else:
        render(report, console, fail_on=fail_on, verbose=verbose)  # type: ignore[arg-type]
    if comparison is not None:
        render_comparison(comparison, err_console if json_out else console)
    fo: FailOn = fail_on  # type: ignore[assignment]
    renderers: list[tuple[Path | None, Callable[[], str]]] = [
        (json_file, lambda: to_json(report)), (junit, lambda: to_junit(report, fo)),
        (sarif, lambda: to_sarif(report, artifact=sarif_artifact, fail_on=fo))]
    written: list[Path] = []
    for path, text in renderers:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(), encoding="utf-8")
            written.append(path)
    badge_path = badge or (written[0].parent / "mcpbench-check.svg" if written else None)
    if badge_path is not None:
        badge_path.parent.mkdir(parents=True, exist_ok=True)
        badge_path.write_text(to_badge(report, fo), encoding="utf-8")
    if comparison is not None:
        raise typer.Exit(1 if comparison.regressions else 0)
    raise typer.Exit(exit_code(report, fail_on))  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    app.command("check", help=HELP, no_args_is_help=False)(check_cmd)
