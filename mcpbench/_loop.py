"""The event loop every mcpbench command runs on: uvloop where it is installed (a dependency on Linux and macOS),
else asyncio's own. On P3's workload (one orchestrator process, CPU-bound in the MCP SDK's per-request machinery)
uvloop cuts the orchestrator's CPU by about a tenth. `MCPBENCH_LOOP=asyncio` opts out (to rule the loop out when
diagnosing a problem)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


def backend_options() -> dict[str, Any]:
    """anyio's asyncio backend options: uvloop unless opted out or not installed."""
    if os.environ.get("MCPBENCH_LOOP", "").strip().lower() == "asyncio":
        return {}
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return {}
    return {"use_uvloop": True}


def run(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """anyio.run(func, *args) on mcpbench's loop."""
    return anyio.run(func, *args, backend_options=backend_options())


__all__ = ["backend_options", "run"]
