"""Reports its environment: proves what a server receives."""

import os

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("envdump")


@mcp.tool()
def environ() -> dict:
    """The process environment."""
    return dict(os.environ)


mcp.run()
