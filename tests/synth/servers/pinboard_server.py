"""A small stateful MCP server (stdio) whose schemas say less than its validation: the fill shape.

- `add_card(kind, title, body)`: `kind` is a plain string whose allowed values ("one of: bug, chore, or idea") are
  only in its description; anything else is refused. The board starts empty, so nothing can be asked about it
  until this creator is filled right.
- `pin_note(text, name)`: the schema marks only `text` required, but the tool refuses a call without `name`
  ("'name' is required"), as some servers check in code what their schema leaves optional; names must be
  filename-safe, as its description says.
- `add_pin(pin_type, text)`: `pin_type` is documented nowhere but in the tool's first sentence ("a new photo,
  link, or quote pin").
- `sample_cards(count)`: `count` is an integer with `minimum 1, maximum 5`; the server validates the schema.
- `list_cards()`, `show_notes()`: reads.

Every call is appended to $PINBOARD_LOG (when set), so a test can prove what was sent.
"""

import json
import os
import re
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("pinboard", version="0.1.0")
CARDS: list[dict] = []
NOTES: dict[str, str] = {}
PINS: list[dict] = []
KINDS = ("bug", "chore", "idea")


def _log(tool: str, args: dict) -> None:
    path = os.environ.get("PINBOARD_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


@mcp.tool()
def add_card(kind: Annotated[str, Field(description="Kind of card, one of: bug, chore, or idea")],
             title: str, body: str) -> str:
    """Add a card to the board."""
    _log("add_card", {"kind": kind, "title": title})
    if kind not in KINDS:
        raise ToolError(f"Invalid kind {kind!r}")
    CARDS.append({"id": len(CARDS) + 1, "kind": kind, "title": title, "body": body})
    return json.dumps({"id": len(CARDS), "kind": kind, "title": title})


@mcp.tool()
def list_cards() -> str:
    """List every card on the board with its text."""
    _log("list_cards", {})
    return json.dumps({"cards": CARDS})


@mcp.tool()
def pin_note(text: str, name: str | None = None) -> str:
    """Pin a note on the board under a name (alphanumeric, hyphens and underscores only)."""
    _log("pin_note", {"name": name})
    if not name:
        raise ToolError("'name' is required")
    if not re.fullmatch(r"[\w-]+", name):
        raise ToolError(f"Invalid name {name!r}")
    NOTES[name] = text
    return json.dumps({"pinned": name})


@mcp.tool()
def show_notes() -> str:
    """Show every pinned note."""
    _log("show_notes", {})
    return json.dumps({"notes": NOTES})


@mcp.tool()
def add_pin(pin_type: str, text: str) -> str:
    """Add a new photo, link, or quote pin to the board."""
    _log("add_pin", {"pin_type": pin_type})
    if pin_type not in ("photo", "link", "quote"):
        raise ToolError(f"Unknown pin type {pin_type!r}")
    PINS.append({"type": pin_type, "text": text})
    return json.dumps({"pinned": len(PINS)})


@mcp.tool()
def show_pins() -> str:
    """Show every pin with its caption."""
    _log("show_pins", {})
    return json.dumps({"pins": PINS})


@mcp.tool()
def sample_cards(count: Annotated[int, Field(ge=1, le=5, description="How many cards")]) -> str:
    """Get the first cards of the board."""
    _log("sample_cards", {"count": count})
    return json.dumps({"count": count, "cards": CARDS[:count]})


if __name__ == "__main__":
    mcp.run()
