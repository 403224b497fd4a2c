"""Ctrl-C during a run: mcpbench._signals.until_interrupted cancels the work through a cancel scope of its own, lets
it unwind, then raises KeyboardInterrupt (the CLI turns that into exit 130)."""

from __future__ import annotations

import os
import signal

import anyio
import pytest

from mcpbench._loop import run as run_loop
from mcpbench._signals import until_interrupted


def test_sigint_cancels_the_work_lets_it_unwind_and_then_raises_keyboard_interrupt():
    seen = []

    async def work() -> str:
        try:
            os.kill(os.getpid(), signal.SIGINT)  # the receiver is installed before the work starts
            await anyio.sleep(30)
            return "finished"
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.05)  # cleanup that awaits, as the runner's does
                seen.append("cleaned up")

    with pytest.raises(KeyboardInterrupt) as raised:
        run_loop(until_interrupted, work)
    assert seen == ["cleaned up"]
    # raised by until_interrupted after the unwinding, not by asyncio's own SIGINT handling (which has no message)
    assert raised.value.args == ("SIGINT",)


def test_without_sigint_the_result_comes_back():
    async def work(x: int) -> int:
        await anyio.sleep(0.01)
        return x + 1

    assert run_loop(until_interrupted, work, 41) == 42


def test_an_error_of_the_work_reaches_the_caller_as_itself_not_wrapped_in_an_exception_group():
    class BadInput(Exception):
        pass

    async def work() -> int:
        await anyio.sleep(0)
        raise BadInput("no task of suite 'smoke' carries tag(s) nope")

    with pytest.raises(BadInput, match="carries tag"):
        run_loop(until_interrupted, work)
