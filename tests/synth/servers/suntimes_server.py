"""A small MCP server (stdio) of sun times for a point on Earth, the shape of astronomy and weather tools that take a
place's name beside its coordinates and timezone (each required, nothing to say they go together):

- `solar_noon(location, latitude, longitude, time_zone)`: the UTC time of solar noon at that longitude and how far
  the place is from the equator, as JSON; it refuses a timezone it knows whose offset is over six hours from the
  longitude's (a place and a timezone that do not go together);
- `day_length(location, latitude, longitude, time_zone)`: the equinox day length there (12 h) and the sign of the
  hemisphere;
- `equinox_sunrise(location, latitude, longitude, time_zone)`: the local clock time of sunrise at the equinox.
"""

import json
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("suntimes", version="0.1.0")

Location = Annotated[str, Field(description="Name of the place, e.g. 'Lisbon'", min_length=1)]
Latitude = Annotated[float, Field(description="Latitude in decimal degrees", ge=-90, le=90)]
Longitude = Annotated[float, Field(description="Longitude in decimal degrees", ge=-180, le=180)]
TimeZone = Annotated[str, Field(description="IANA timezone, e.g. 'Europe/Lisbon'")]
OFFSETS = {"Europe/Lisbon": 0, "America/Denver": -7, "Asia/Singapore": 8, "Pacific/Auckland": 13,
           "America/New_York": -5, "Asia/Tokyo": 9, "Europe/London": 0, "UTC": 0}


def _check(longitude: float, time_zone: str) -> None:
    if time_zone in OFFSETS and abs(OFFSETS[time_zone] - longitude / 15) > 6:
        raise ToolError(f"timezone {time_zone} is far from longitude {longitude}")


@mcp.tool()
def solar_noon(location: Location, latitude: Latitude, longitude: Longitude, time_zone: TimeZone) -> str:
    """Get the time of solar noon (UTC) for a place."""
    _check(longitude, time_zone)
    minutes = round(12 * 60 - longitude * 4) % (24 * 60)
    return json.dumps({"location": location, "solar_noon_utc": f"{minutes // 60:02d}:{minutes % 60:02d}",
                       "degrees_from_equator": round(abs(latitude), 2)})


@mcp.tool()
def day_length(location: Location, latitude: Latitude, longitude: Longitude, time_zone: TimeZone) -> str:
    """Get the equinox day length for a place."""
    _check(longitude, time_zone)
    return json.dumps({"location": location, "hemisphere": "north" if latitude >= 0 else "south",
                       "equinox_day_hours": 12})


@mcp.tool()
def equinox_sunrise(location: Location, latitude: Latitude, longitude: Longitude, time_zone: TimeZone) -> str:
    """Get the local clock time of sunrise at the equinox for a place."""
    _check(longitude, time_zone)
    minutes = round(6 * 60 + (OFFSETS.get(time_zone, 0) * 15 - longitude) * 4) % (24 * 60)
    return json.dumps({"location": location, "sunrise_local": f"{minutes // 60:02d}:{minutes % 60:02d}"})


if __name__ == "__main__":
    mcp.run()
