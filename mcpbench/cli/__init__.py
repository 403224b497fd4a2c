"""The `mcpbench` command line. Each command group lives in its own module with a `register(app)` function."""

from __future__ import annotations

import importlib
import signal

import typer

app = typer.Typer(
    name="mcpbench",
    help="MCP-native live-server benchmark orchestrator: run, score, report, check and discover MCP servers.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = ["servers", "models", "synth", "judge", "run", "report", "check", "discover"]

for _name in COMMAND_MODULES:
    importlib.import_module(f"mcpbench.cli.{_name}").register(app)


def _terminate_like_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    # SIGTERM (e.g. `timeout`, CI cancellation) gets the same orderly shutdown as Ctrl-C: servers and the local model
    # server are stopped by their context managers instead of being orphaned.
    signal.signal(signal.SIGTERM, _terminate_like_interrupt)
    app()


__all__ = ["app", "main"]
