"""A small MCP server (stdio): a product manual in two editions, browsed by outline and searched by words.

The shape of specification and documentation servers: every tool takes the edition as a choice (an enum), the only
listing needs it, and the search's query has no example and no listing of its own.

- `manual_outline(edition)`: the sections of one edition (JSON list of id and title).
- `manual_search(edition, query)`: excerpts of that edition's sections whose title or text holds the words.
"""

import json
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("manual", version="0.1.0")
Edition = Literal["2024", "2025"]
SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    "2024": [("1", "Unpacking", "Remove the pump from its crate and keep the 4 mounting bolts."),
             ("2", "Mounting", "Fix the pump to a level base with the 4 bolts; torque 12 Nm."),
             ("3", "Priming", "Fill the housing with 2 litres of water before the first start."),
             ("4", "Maintenance", "Replace the seal every 3000 hours of running.")],
    "2025": [("1", "Unpacking", "Remove the pump from its crate and keep the 6 mounting bolts."),
             ("2", "Mounting", "Fix the pump to a level base with the 6 bolts; torque 15 Nm."),
             ("3", "Priming", "Fill the housing with 3 litres of water before the first start."),
             ("4", "Wiring", "Connect the motor to a 400 V supply through a 16 A breaker."),
             ("5", "Maintenance", "Replace the seal every 4000 hours of running.")]}


@mcp.tool()
def manual_outline(edition: Annotated[Edition, Field(description="Edition of the manual.")]) -> str:
    """Section ids and titles of one edition of the pump manual, for browsing."""
    return json.dumps([{"id": i, "title": t} for i, t, _ in SECTIONS[edition]], indent=2)


@mcp.tool()
def manual_search(edition: Annotated[Edition, Field(description="Edition of the manual.")],
                  query: Annotated[str, Field(description="Words to look for.")]) -> str:
    """Excerpts of the pump manual's sections that best match the words, from one edition."""
    words = [w for w in query.lower().split() if w]
    hits = [{"section": i, "title": t, "excerpt": x} for i, t, x in SECTIONS[edition]
            if words and all(w in (t + " " + x).lower() for w in words)]
    if not hits:
        raise ToolError(f"Nothing in the {edition} edition matches {query!r}.")
    return json.dumps(hits, indent=2)


if __name__ == "__main__":
    mcp.run()
