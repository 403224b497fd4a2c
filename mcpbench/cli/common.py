"""Shared CLI helpers: config loading with clean errors, JSON output, running async code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from mcpbench.config import ConfigError, FleetConfig, load_config

console = Console()
err_console = Console(stderr=True)

ConfigOpt = typer.Option(None, "--config", "-c", envvar="MCPBENCH_CONFIG", help="servers.yaml to use.")
JsonOpt = typer.Option(False, "--json", help="Machine-readable JSON on stdout.")


def load_or_exit(path: Path | None) -> FleetConfig:
    """Load servers.yaml or print the error (file:line: field: message) and exit 2."""
    try:
        return load_config(path)
    except ConfigError as e:
        err_console.print(f"[bold red]error:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


__all__ = ["ConfigOpt", "JsonOpt", "console", "err_console", "fail", "load_or_exit", "print_json"]
