"""A small read-only MCP server (stdio) of sports-club calculators, in a shape common among hobby calculators: each
tool takes a few plain numbers and answers a JSON object of figures, and no tool's figure means anything to another.

- `travel_time(distance_km, speed_kmh)` answers hours and minutes on the road;
- `match_rating(goals, shots, fouls)` rates a match;
- `league_points(wins, draws)` counts league points.

Walks feed one tool's figures into another's (the hours on the road as goals): numbers of the right type, and no
purpose. Before time spans were judged by what the parameter names, such walks were words like "the rating if you
rate a match with the travel hours goals"; after, they are cut, and each tool gets lone reads of its own.
"""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("pitchside", version="0.1.0")


@mcp.tool()
def travel_time(distance_km: float, speed_kmh: float) -> str:
    """Estimate the time on the road to an away match, with the arithmetic shown."""
    hours = distance_km / speed_kmh if speed_kmh > 0 else 0.0
    return json.dumps({"distance_km": distance_km, "speed_kmh": speed_kmh, "travel_hours": round(hours, 2),
                       "travel_minutes": round(hours * 60)})


@mcp.tool()
def match_rating(goals: int, shots: int, fouls: int) -> str:
    """Rate a team's match from its goals, shots and fouls, on a scale of 0 to 10."""
    rating = max(0.0, min(10.0, 5 + goals * 1.5 + shots * 0.1 - fouls * 0.2))
    return json.dumps({"goals": goals, "shots": shots, "fouls": fouls, "rating": round(rating, 2)})


@mcp.tool()
def league_points(wins: int, draws: int) -> str:
    """Count league points for a season from wins and draws."""
    return json.dumps({"wins": wins, "draws": draws, "points": wins * 3 + draws})


if __name__ == "__main__":
    mcp.run()
