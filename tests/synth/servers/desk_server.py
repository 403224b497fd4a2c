"""A small MCP server (stdio) whose every read needs a set-up call first: a session working folder.

Built to exercise prerequisites from errors for reads: until a folder is opened, each read answers "No working
folder set. Please use open_folder first." The folder to open is the server's own per-episode data (the fleet's
isolation copies it into the working directory); paths outside the working directory are refused. The read that
sorts first (`a_note_outline`) also fails after the set-up when it is given a made-up note: the set-up must be
confirmed by another read.
"""

import json
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("desk", version="0.1.0")
FOLDER: list[Path] = []


def _folder() -> Path:
    if not FOLDER:
        raise ToolError("No working folder set. Please use open_folder first.")
    return FOLDER[0]


def _note(path: str) -> Path:
    p = _folder() / path
    if ".." in Path(path).parts or not p.is_file():
        raise ToolError(f"note {path} not found")
    return p


@mcp.tool()
def open_folder(path: str) -> str:
    """Set the session's working folder; later calls read notes inside it."""
    p = Path(path)
    if p.is_absolute() or ".." in p.parts or not p.is_dir():
        raise ToolError(f"{path} is not a folder inside the working directory")
    FOLDER[:] = [p]
    return json.dumps({"opened": path})


@mcp.tool()
def a_note_outline(path: str) -> str:
    """Outline a markdown note of the working folder: its headings."""
    text = _note(path).read_text(encoding="utf-8")
    return json.dumps([ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")][:20])


@mcp.tool()
def list_notes() -> str:
    """List the markdown notes (.md files) of the working folder."""
    root = _folder()
    return json.dumps(sorted(str(f.relative_to(root)) for f in root.rglob("*.md"))[:20])


@mcp.tool()
def note_stats(path: str) -> str:
    """Count the words and lines of a markdown note in the working folder."""
    text = _note(path).read_text(encoding="utf-8")
    return json.dumps({"path": path, "words": len(text.split()), "lines": len(text.splitlines())})


if __name__ == "__main__":
    mcp.run()
