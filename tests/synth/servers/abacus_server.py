"""A toy calculator MCP server (stdio) whose tools take exactly two numbers and answer in prose, as registries' toy
calculators do: `add(a, b)` -> "The sum of 12 and 128 is 140.", `multiply(x, y)` -> "12 times 3 makes 36.", plus an
`echo` that gives back its text. Built to exercise the two-number calculator shape of world calculations
(task_synth/binarycalc.py): neither tool takes an expression nor runs code.

Every call is appended to the file named by $ABACUS_LOG (when set), so a test can see which figures were added.
"""

import json
import os

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("abacus", version="0.1.0")


def _log(tool: str, args: dict) -> None:
    path = os.environ.get("ABACUS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0")


@mcp.tool()
def add(a: float, b: float) -> str:
    """Add two numbers and return their sum."""
    _log("add", {"a": a, "b": b})
    return f"The sum of {_fmt(a)} and {_fmt(b)} is {_fmt(a + b)}."


@mcp.tool()
def multiply(x: float, y: float) -> str:
    """Multiply two numbers."""
    _log("multiply", {"x": x, "y": y})
    return f"{_fmt(x)} times {_fmt(y)} makes {_fmt(round(x * y, 2))}."


@mcp.tool()
def echo(message: str) -> str:
    """Echo back the message."""
    _log("echo", {"message": message})
    return message


if __name__ == "__main__":
    mcp.run()
