"""A server (stdio) none of whose tools synthesis can call, for tests of what a run that makes nothing says: one
takes a code nothing lists and no kind knows, one a required choice with no default, one a free-text query.

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
def board_layout(edition: Literal["classic", "modern"]) -> str:
    """The layout of one edition of the board."""
    return json.dumps({"edition": edition, "rows": 4})


@mcp.tool()
def find_extension(query: str) -> str:
    """Find extensions whose owner matches the words."""
    return json.dumps({"query": query, "matches": []})


if __name__ == "__main__":
    mcp.run()
