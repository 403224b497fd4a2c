"""A small stateful MCP server (stdio) whose writes answer with the new item's id in plain text and whose reads take
that id: built to exercise seeding that verifies a write through the id it returns (task_synth/seeding.py
`state_read`, handles.id_regex).

- `create_collection` numbers collections 1, 2, … in each fresh process ("Created collection 1 with 5 items."): the
  same id in every episode, so a final-state read can name it.
- `start_basket` draws a new id in every episode ("Basket b7f3a9c2 is ready."): a final-state read must take it from
  the agent's own call.
Run as a `stateful` server, every episode gets a fresh process (the sandbox). Standard library only.
"""

import json
import random

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

mcp = MCPServer("shelf", version="0.1.0")
COLLECTIONS: dict[str, dict[str, object]] = {}
BASKETS: dict[str, list[str]] = {}
_RNG = random.SystemRandom()


@mcp.tool()
def create_collection(title: str, items: list[str]) -> str:
    """Create a new collection of items under a title."""
    cid = str(len(COLLECTIONS) + 1)
    COLLECTIONS[cid] = {"title": title, "items": list(items)}
    return f"Created collection {cid} with {len(items)} items."


@mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
def get_collection(collection_id: str) -> str:
    """Show a collection's title and items."""
    if collection_id not in COLLECTIONS:
        raise ToolError(f"no collection {collection_id}")
    return json.dumps({"collection_id": collection_id, **COLLECTIONS[collection_id]})


@mcp.tool()
def start_basket(label: str) -> str:
    """Start a new, empty basket."""
    bid = "b" + "".join(_RNG.choice("0123456789abcdef") for _ in range(6)) + str(_RNG.randint(0, 9))
    BASKETS[bid] = []
    return f"Basket {bid} is ready."


@mcp.tool()
def add_to_basket(basket_id: str, items: list[str]) -> str:
    """Add items to a basket."""
    if basket_id not in BASKETS:
        raise ToolError(f"no basket {basket_id}: use start_basket first")
    BASKETS[basket_id].extend(items)
    return f"Added {len(items)} items."


@mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
def view_basket(basket_id: str) -> str:
    """List the items in a basket."""
    if basket_id not in BASKETS:
        raise ToolError(f"no basket {basket_id}")
    return json.dumps({"items": BASKETS[basket_id]})


if __name__ == "__main__":
    mcp.run()
