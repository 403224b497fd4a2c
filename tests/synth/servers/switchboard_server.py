"""A server (stdio) none of whose tools synthesis can call, for tests of what a run that makes nothing says: one
takes a code nothing lists and no kind knows, one a required setting with no default, one a free-text query.

Before the per-tool reasons, a run on it made 0 candidates and wrote nothing in rejected.jsonl nor in the summary."""

import json
from typing import Literal

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("switchboard", version="0.1.0")


@mcp.tool()
def trunk_details(trunk_code: str) -> str:
    """Details of one trunk line."""
    return json.dumps({"trunk": trunk_code, "lines": 12})


@mcp.tool()
def board_layout(layout_format: Literal["compact", "detailed"]) -> str:
    """The layout of the board, in one of two formats."""
    return json.dumps({"format": layout_format, "rows": 4})


@mcp.tool()
def find_extension(query: str) -> str:
    """Find extensions whose owner matches the words."""
    return json.dumps({"query": query, "matches": []})


if __name__ == "__main__":
    mcp.run()
