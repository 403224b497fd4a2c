"""SIGTERM handled like Ctrl-C, for every mcpbench process that owns servers (the CLI, process-executor workers)."""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.lowlevel

T = TypeVar("T")


def _terminate_like_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def sigterm_as_interrupt() -> None:
    """Make SIGTERM (`timeout`, CI cancellation, a driver stopping its workers) raise KeyboardInterrupt, so the same
    orderly shutdown runs as for Ctrl-C: servers and the local model server are stopped by their context managers
    instead of being orphaned."""
    signal.signal(signal.SIGTERM, _terminate_like_interrupt)


async def until_interrupted(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await func(*args); Ctrl-C (SIGINT) cancels it through an anyio cancel scope and, once it has unwound (its
    `finally` blocks run, servers stopped, the run marked cancelled), raises KeyboardInterrupt.

    Without this, Ctrl-C reaches the run as asyncio.Runner's native cancellation of the main task, which every
    cancel scope it passes must recognise as not its own. One clean-clone CI run saw a Ctrl-C end as a normal
    return (exit 0, the run not marked cancelled); it did not reproduce locally, so rather than guess which scope
    took it, the run is now cancelled by a scope of its own. A second Ctrl-C while it unwinds falls back to
    asyncio's handling."""
    interrupted = False
    error: Exception | None = None
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            nonlocal interrupted
            with anyio.open_signal_receiver(signal.SIGINT) as signals:
                async for _ in signals:
                    interrupted = True
                    tg.cancel_scope.cancel()
                    return

        tg.start_soon(watch)
        await anyio.lowlevel.checkpoint()  # the receiver is installed before the work starts
        try:
            result = await func(*args)
        except Exception as e:  # raised after the task group: inside it, it would reach the caller wrapped in an
            error = e           # ExceptionGroup, past every `except RunError` (a bad --suite printed a traceback)
        tg.cancel_scope.cancel()
    if error is not None:
        raise error
    if interrupted:  # the work was cancelled: no result
        raise KeyboardInterrupt("SIGINT")
    return result
