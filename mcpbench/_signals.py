"""SIGTERM handled like Ctrl-C, for every mcpbench process that owns servers (the CLI, process-executor workers)."""

from __future__ import annotations

import signal


def _terminate_like_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def sigterm_as_interrupt() -> None:
    """Make SIGTERM (`timeout`, CI cancellation, a driver stopping its workers) raise KeyboardInterrupt, so the same
    orderly shutdown runs as for Ctrl-C: servers and the local model server are stopped by their context managers
    instead of being orphaned."""
    signal.signal(signal.SIGTERM, _terminate_like_interrupt)
