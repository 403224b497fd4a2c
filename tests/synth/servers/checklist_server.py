"""A small stateful MCP server (stdio) whose list items are documented only in words: the items shape.

- `replace_checklist(entries)`: `entries` is an array of objects the schema leaves open (`additionalProperties`);
  the fields each item must have (ref, text, state, urgency) are only listed in the parameter's description, and the
  tool refuses items without them or with a state/urgency outside the listed words. The whole list is replaced and
  kept in `checklist.json` where the server runs.
- `read_checklist()`: returns the list.

Every call is appended to $CHECKLIST_LOG (when set), so a test can prove what was sent.
"""

import json
import os
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("checklist", version="0.1.0")
STORE = Path("checklist.json")
FIELDS = {"ref", "text", "state", "urgency"}


def _log(tool: str, args: dict) -> None:
    path = os.environ.get("CHECKLIST_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


@mcp.tool()
def replace_checklist(entries: Annotated[list[dict[str, Any]], Field(description=(
        "The checklist's entries, each containing:\n- ref: Unique reference of the entry\n- text: What is to be done"
        "\n- state: Where it stands (open, doing, done)\n- urgency: How urgent it is (high, normal, low)\n"
        "- notes: Optional extra data"))]) -> str:
    """Replace the whole checklist."""
    _log("replace_checklist", {"entries": entries})
    for i, e in enumerate(entries):
        missing = FIELDS - set(e)
        if missing:
            raise ToolError(f"entry {i} is missing required fields: {sorted(missing)}")
        if e["state"] not in ("open", "doing", "done") or e["urgency"] not in ("high", "normal", "low"):
            raise ToolError(f"entry {i} has an unknown state or urgency")
    STORE.write_text(json.dumps(entries), encoding="utf-8")
    return json.dumps({"saved": len(entries)})


@mcp.tool()
def read_checklist() -> str:
    """Read the current checklist."""
    _log("read_checklist", {})
    return STORE.read_text(encoding="utf-8") if STORE.exists() else "[]"


if __name__ == "__main__":
    mcp.run()
