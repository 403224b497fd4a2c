"""`mcpbench models install local/NAME`: download, assemble and verify a local GGUF model (and check the runtime)."""

from __future__ import annotations

from pathlib import Path

import typer

from mcpbench.cli.common import JsonOpt, console, err_console, fail, print_json


def install(
    name: str = typer.Argument(..., help="local/qwen2.5-coder-1.5b or local/qwen2.5-coder-0.5b"),
    force: bool = typer.Option(False, "--force", help="Download and assemble again even when a verified copy exists."),
    home: Path | None = typer.Option(None, "--home", envvar="MCPBENCH_HOME", help="Cache directory."),
    as_json: bool = JsonOpt,
) -> None:
    """Install a local model's weights under $MCPBENCH_HOME/models (pinned sha256, provenance recorded)."""
    from mcpbench.models.local_server import RuntimeMissingError, ensure_runtime
    from mcpbench.models.local_weights import MODELS, WeightsError, WeightsEvent, install_model, source_for

    try:
        source = source_for(name)
    except WeightsError as e:
        fail(str(e))
        return

    def show(ev: WeightsEvent) -> None:
        if not as_json:
            err_console.print(f"[dim]{ev.stage:>9}[/] local/{ev.name} {ev.detail}", highlight=False)

    try:
        path = install_model(source.name, home.expanduser() if home else None, show, force=force)
    except WeightsError as e:
        fail(str(e), 1)
        return
    try:
        runtime: str | None = str(ensure_runtime())
        runtime_error = None
    except RuntimeMissingError as e:
        runtime, runtime_error = None, str(e)
    if as_json:
        print_json({"name": f"local/{source.name}", "path": str(path), "size": source.size, "sha256": source.sha256,
                    "upstream": source.upstream, "runtime": runtime, "runtime_error": runtime_error})
        return
    console.print(f"[green]ready[/] local/{source.name} → {path}", highlight=False)
    console.print(f"  {source.size:,} bytes · sha256 {source.sha256}", highlight=False)
    if runtime:
        console.print(f"  runtime: {runtime}", highlight=False)
    else:
        err_console.print(f"[yellow]warning:[/] {runtime_error}", highlight=False)
    others = ", ".join(f"local/{n}" for n in MODELS if n != source.name)
    if others:
        console.print(f"  [dim]also available: {others}[/]", highlight=False)


def register_local(models_app: typer.Typer) -> None:
    """Add `install` to the `mcpbench models` group."""
    models_app.command("install")(install)


__all__ = ["install", "register_local"]
