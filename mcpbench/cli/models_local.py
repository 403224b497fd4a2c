"""`mcpbench models install local/NAME`: weights (sha256-verified), the llama.cpp runtime, and a proof run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from mcpbench.cli.common import JsonOpt, console, err_console, fail, print_json


def install(
    name: str = typer.Argument(..., help="local/qwen2.5-coder-1.5b or local/qwen2.5-coder-0.5b"),
    force: bool = typer.Option(False, "--force", help="Download, assemble and prove again even when done before."),
    no_proof: bool = typer.Option(False, "--no-proof", help="Skip the proof run (start the server, generate a few "
                                  "tokens)."),
    home: Path | None = typer.Option(None, "--home", envvar="MCPBENCH_HOME", help="Cache directory."),
    as_json: bool = JsonOpt,
) -> None:
    """Install a local model: weights under $MCPBENCH_HOME/models (pinned sha256, provenance recorded), the runtime,
    and a proof run that starts the server and generates a few tokens. Exit 1 with the cause and remedy if it fails."""
    from mcpbench.cli.first_use import install_local
    from mcpbench.models.local_weights import MODELS, LocalModelError, WeightsError, source_for

    try:
        source = source_for(name)
    except WeightsError as e:
        fail(str(e))
        return
    try:
        path, runtime, proof = install_local(source.name, Console(stderr=True, quiet=as_json),
                                             home.expanduser() if home else None, force=force, prove=not no_proof)
    except LocalModelError as e:
        if as_json:
            print_json({"name": f"local/{source.name}", "ok": False, "error": str(e)})
            raise typer.Exit(1) from None
        fail(str(e), 1)
        return
    if as_json:
        print_json({"name": f"local/{source.name}", "ok": True, "path": str(path), "size": source.size,
                    "sha256": source.sha256, "upstream": source.upstream, "runtime": runtime.describe(),
                    "runtime_command": list(runtime.command),
                    "proof": proof.model_dump(mode="json") if proof is not None else None})
        return
    console.print(f"[green]ready[/] local/{source.name} → {path}", highlight=False)
    console.print(f"  {source.size:,} bytes · sha256 {source.sha256}", highlight=False)
    console.print(f"  runtime: {runtime.describe()}", highlight=False)
    if proof is not None:
        console.print(f"  proof run: ready in {proof.ready_s:.1f} s, {proof.completion_tokens} tokens in "
                      f"{proof.generate_s:.1f} s ({proof.proved_at})", highlight=False)
    else:
        err_console.print("[yellow]warning:[/] proof run skipped (--no-proof): the runtime was not started")
    others = ", ".join(f"local/{n}" for n in MODELS if n != source.name)
    if others:
        console.print(f"  [dim]also available: {others}[/]", highlight=False)


def register_local(models_app: typer.Typer) -> None:
    """Add `install` to the `mcpbench models` group."""
    models_app.command("install")(install)


__all__ = ["install", "register_local"]
