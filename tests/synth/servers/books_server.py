"""A small stateful MCP server (stdio) for seeding tests: books on disk (in the working directory) and in-memory lists.

Built to exercise what seeding must discover on its own: a write that fails until a set-up tool runs ("use
create_book first"), ids a later call must bind from an earlier output, and reads that show what was written.
"""

import json
import uuid
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("books", version="0.1.0")
LISTS: dict[str, list[str]] = {}


def _book(path: str) -> Path:
    p = Path(path)
    if p.is_absolute() or ".." in p.parts:
        raise ToolError("path must be relative to the working directory")
    return p


@mcp.tool()
def create_book(path: str) -> str:
    """Create a new, empty ledger book (a .ledger file)."""
    p = _book(path)
    if p.exists():
        raise ToolError(f"book {path} already exists")
    p.write_text("[]", encoding="utf-8")
    return json.dumps({"created": path})


@mcp.tool()
def append_rows(path: str, rows: list[list[Any]]) -> str:
    """Append rows of values to a ledger book."""
    p = _book(path)
    if not p.exists():
        raise ToolError(f"Book {path} not found. Use create_book first.")
    data = json.loads(p.read_text(encoding="utf-8")) + rows
    p.write_text(json.dumps(data), encoding="utf-8")
    return json.dumps({"path": path, "rows_written": len(rows)})


@mcp.tool()
def read_book(path: str) -> str:
    """Read every row of a ledger book."""
    p = _book(path)
    if not p.exists():
        raise ToolError(f"Book {path} not found.")
    return json.dumps({"path": path, "rows": json.loads(p.read_text(encoding="utf-8"))})


@mcp.tool()
def book_count() -> str:
    """How many ledger books exist."""
    return json.dumps({"books": len(list(Path(".").glob("*.ledger")))})


@mcp.tool()
def open_list() -> str:
    """Start a new checklist; returns its list_id."""
    lid = uuid.uuid4().hex[:8]
    LISTS[lid] = []
    return json.dumps({"list_id": lid})


@mcp.tool()
def add_items(list_id: str, items: list[str]) -> str:
    """Add items to a checklist."""
    if list_id not in LISTS:
        raise ToolError(f"no list {list_id}")
    LISTS[list_id].extend(items)
    return json.dumps({"list_id": list_id, "count": len(LISTS[list_id])})


@mcp.tool()
def show_list(list_id: str) -> str:
    """Show the items of a checklist."""
    if list_id not in LISTS:
        raise ToolError(f"no list {list_id}")
    return json.dumps({"list_id": list_id, "items": LISTS[list_id]})


if __name__ == "__main__":
    mcp.run()
