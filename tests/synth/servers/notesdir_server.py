"""A small MCP server (stdio) over the user's own folder of markdown notes: its working directory, which it never
fills. The shape of editors and loaders that take a path to a file the user already has:

- `list_notes()` answers the relative paths of every `.md` file under the working directory, as JSON;
- `read_note(path)` answers a note's text, `count_words(path)` `{"path": …, "words": N}`;
- no tool creates a file, so a task can ask something of this server only when the files come with it.
"""

import json
import re
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("notesdir", version="0.1.0")
ROOT = Path.cwd()

NotePath = Annotated[str, Field(description="The note's path relative to the notes folder, e.g. memos/q3.md")]


def _note(path: str) -> Path:
    target = (ROOT / path).resolve()
    if not target.is_relative_to(ROOT.resolve()) or target.suffix != ".md" or not target.is_file():
        raise ToolError(f"no note at {path!r}")
    return target


@mcp.tool()
def list_notes() -> str:
    """List the markdown notes in the notes folder (paths relative to it)."""
    notes = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.md") if p.is_file())
    return json.dumps({"notes": notes, "count": len(notes)})


@mcp.tool()
def read_note(path: NotePath) -> str:
    """Read a markdown note."""
    return _note(path).read_text(encoding="utf-8")


@mcp.tool()
def count_words(path: NotePath) -> str:
    """Count the words of a markdown note."""
    words = re.findall(r"[A-Za-z0-9']+", _note(path).read_text(encoding="utf-8"))
    return json.dumps({"path": path, "words": len(words)})


if __name__ == "__main__":
    mcp.run()
