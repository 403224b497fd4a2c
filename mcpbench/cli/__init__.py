"""The `mcpbench` command line. Each command group lives in its own module with a `register(app)` function."""

from __future__ import annotations

import importlib

import typer

from mcpbench._signals import sigterm_as_interrupt

app = typer.Typer(
    name="mcpbench",
    help="MCP-native live-server benchmark orchestrator: run, score, report, check and discover MCP servers.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = ["servers", "models", "synth", "tasks_hard", "judge", "run", "report", "check", "discover", "splits"]

for _name in COMMAND_MODULES:
    importlib.import_module(f"mcpbench.cli.{_name}").register(app)


def main() -> None:
    sigterm_as_interrupt()
    app()


__all__ = ["app", "main"]
