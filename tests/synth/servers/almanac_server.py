"""A small read-only MCP server (stdio) with fixed data: a listing of named trails, a search that takes a trail's
name, and readings whose outputs lead with boilerplate (a status token, a counter) before the figure the tool is
about. Built to exercise two general mechanisms of task synthesis: a listing's names feed a search query
(task_synth/listers.py `learn_searches`), and a one-hop read asks for the field its name and description are about
(task_synth/focus.py). Every answer is fixed, so the same seed gives the same tasks. Standard library only."""

import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("almanac", version="0.1.0")

TRAILS = [
    {"name": "Harbour Loop", "region": "Coast", "distance_km": 5.2, "ascent_m": 40, "difficulty": "easy"},
    {"name": "Cliff Path", "region": "Coast", "distance_km": 8.9, "ascent_m": 310, "difficulty": "hard"},
    {"name": "Pine Ridge", "region": "Hills", "distance_km": 12.4, "ascent_m": 520, "difficulty": "hard"},
    {"name": "Mill Stream Walk", "region": "Valley", "distance_km": 3.1, "ascent_m": 15, "difficulty": "easy"},
]


@mcp.tool()
def list_trails() -> str:
    """List every trail in the almanac."""
    return json.dumps({"trails": [{"name": t["name"], "region": t["region"]} for t in TRAILS]})


@mcp.tool()
def search_trails(query: str) -> str:
    """Search the trails by name. Returns the best match with its details."""
    hits = [t for t in TRAILS if query.strip().lower() in str(t["name"]).lower()]
    if not hits:
        raise ToolError(f"no trail matches {query!r}")
    return json.dumps({"status": "match_found", "trail": hits[0]})


@mcp.tool()
def rainfall_summary() -> str:
    """Summarise this week's rainfall across the weather stations."""
    return json.dumps({"status": "summary_ready", "station_count": 4, "total_rainfall_mm": 42.5,
                       "wettest_station": "Harbour"})


if __name__ == "__main__":
    mcp.run()
