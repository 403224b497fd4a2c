"""A small stateful MCP server (stdio): a notice board of numbered panels of numbered text slots (any number is a
panel or slot: an empty one until something is put there).

The shape of slide-deck and form editors: a tool that *fills* a slot reads, by its words, like a read (no verb that
changes anything), yet it takes the text to store and replaces what the slot held. It shares the slot's two numbers
with the real write, so a verifying read ranked by shared parameters would try it first.

- `add_lines(panel, slot, lines)`: append lines of text to a slot of a panel.
- `fill_slot(panel, slot, text)`: the slot's text, replaced by TEXT (a caption).
- `show_panel(panel)`: every slot of one panel, with its text.
"""

import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("placard", version="0.1.0")
PANELS: dict[int, dict[int, str]] = {}


def _panel(panel: int) -> dict[int, str]:
    if panel < 0:
        raise ToolError(f"Invalid panel index: {panel}")
    return PANELS.setdefault(panel, {})


@mcp.tool()
def add_lines(panel: int, slot: int, lines: list[str]) -> str:
    """Add lines of text to a slot of a panel (after what it holds)."""
    slots = _panel(panel)
    slots[slot] = "\n".join(x for x in [slots.get(slot, ""), *lines] if x)
    return json.dumps({"message": f"Added {len(lines)} lines to slot {slot} of panel {panel}"})


@mcp.tool()
def fill_slot(panel: int, slot: int, text: str) -> str:
    """Fill a slot of a panel with a caption."""
    _panel(panel)[slot] = text
    return json.dumps({"message": f"Filled slot {slot} of panel {panel}"})


@mcp.tool()
def show_panel(panel: int) -> str:
    """Show the text of every slot of one panel."""
    slots = _panel(panel)
    return json.dumps({"panel": panel, "slots": [{"slot": i, "text": t} for i, t in sorted(slots.items())]}, indent=2)


if __name__ == "__main__":
    mcp.run()
