"""A small MCP server (stdio) that runs code: Python scripts in a subprocess, in a fresh temporary directory.

Built to exercise world calculations on code runners: one tool taking the source code and a runtime (an enum) and
returning the program's standard output; a failing program is an error result with its stderr.
"""

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("sandbox", version="0.1.0")


@mcp.tool()
def execute(script: Annotated[str, Field(description="The program's source code")],
            runtime: Annotated[Literal["python3", "ruby"], Field(description="Interpreter to run it with")]) -> str:
    """Run a script in a scratch directory and return what it prints on standard output."""
    if runtime != "python3":
        raise ToolError(f"runtime {runtime} is not installed")
    with tempfile.TemporaryDirectory(prefix="sandbox-") as tmp:
        path = Path(tmp) / "main.py"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run([sys.executable, "-I", str(path)], cwd=tmp, capture_output=True, text=True,
                              timeout=20, check=False)
    if done.returncode != 0:
        raise ToolError(f"the script failed:\n{done.stderr[-2000:]}")
    return done.stdout


if __name__ == "__main__":
    mcp.run()
