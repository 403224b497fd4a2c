"""A small real MCP server (stdio) for fleet tests: arithmetic, failures, sleeps, crashes, per-instance state."""

import os
import sys
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("toy", version="1.2.3")
STATE = Path(os.environ.get("TOY_STATE_DIR", ".")) / "counter.txt"


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    if "--kill-parent-on-add" in sys.argv:  # a fault for executor tests: the process that runs the fleet dies
        import signal

        os.kill(os.getppid(), signal.SIGKILL)
    return a + b


@mcp.tool()
def boom() -> str:
    """Always fails with an error result."""
    raise ValueError("kaboom")


@mcp.tool()
async def nap(seconds: float) -> str:
    """Sleep for a while, then answer."""
    import anyio

    await anyio.sleep(seconds)
    return f"slept {seconds}"


@mcp.tool()
def crash() -> str:
    """Kill this server process mid-call."""
    os._exit(3)


@mcp.tool()
def big(n_bytes: int) -> str:
    """Return n_bytes of text."""
    return "x" * n_bytes


@mcp.tool()
def bump() -> int:
    """Increment and return a counter stored in this instance's data directory."""
    n = int(STATE.read_text()) + 1 if STATE.exists() else 1
    STATE.write_text(str(n))
    return n


@mcp.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


if __name__ == "__main__":
    if "--print-garbage-and-exit" in sys.argv:
        print("not json", flush=True)
        sys.exit(1)
    if "--stderr-then-exit" in sys.argv:
        print("fatal: missing database file", file=sys.stderr, flush=True)
        sys.exit(2)
    _ = time
    mcp.run()
