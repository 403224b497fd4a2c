"""A small read-only MCP server (stdio): three lookups over a fixed table of timezones — a zone's facts, a wall-clock
time converted between two zones, and the office hours two zones share. Standard offsets only and no clock, so every
answer follows from the arguments and the same seed gives the same tasks. Built for
tests/synth/test_small_catalogs.py: three tools give few distinct chains, so a run that wants ten tasks must make
more of the same shapes (other zones and times, other fields of the same output). Standard library only."""

import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("zones", version="0.1.0")

ZONES = {
    "Europe/Lisbon": {"offset": 0, "abbreviation": "WET", "country": "Portugal", "largest_city": "Lisbon"},
    "Europe/Berlin": {"offset": 1, "abbreviation": "CET", "country": "Germany", "largest_city": "Berlin"},
    "Asia/Tokyo": {"offset": 9, "abbreviation": "JST", "country": "Japan", "largest_city": "Tokyo"},
    "Asia/Singapore": {"offset": 8, "abbreviation": "SGT", "country": "Singapore", "largest_city": "Singapore"},
    "America/New_York": {"offset": -5, "abbreviation": "EST", "country": "United States", "largest_city": "New York"},
    "America/Denver": {"offset": -7, "abbreviation": "MST", "country": "United States", "largest_city": "Denver"},
    "Pacific/Auckland": {"offset": 12, "abbreviation": "NZST", "country": "New Zealand", "largest_city": "Auckland"},
    "Australia/Sydney": {"offset": 10, "abbreviation": "AEST", "country": "Australia", "largest_city": "Sydney"},
}


def _zone(name: str) -> dict[str, object]:
    if name not in ZONES:
        raise ToolError(f"unknown timezone {name!r}")
    return ZONES[name]


def _minutes(hhmm: str) -> int:
    try:
        h, m = (int(x) for x in hhmm.strip().split(":"))
    except ValueError:
        raise ToolError(f"not a time (HH:MM): {hhmm!r}") from None
    return h * 60 + m


@mcp.tool()
def zone_info(timezone: str) -> str:
    """Look up an IANA timezone: its standard UTC offset in hours, its abbreviation, its country and largest city."""
    z = _zone(timezone)
    return json.dumps({"timezone": timezone, "utc_offset_hours": z["offset"], "abbreviation": z["abbreviation"],
                       "country": z["country"], "largest_city": z["largest_city"]})


@mcp.tool()
def convert_time(time: str, source_timezone: str, target_timezone: str) -> str:
    """Convert a wall-clock time (HH:MM) from one IANA timezone to another, at standard offsets."""
    a, b = _zone(source_timezone), _zone(target_timezone)
    shift = (int(b["offset"]) - int(a["offset"])) * 60  # type: ignore[call-overload]
    total = _minutes(time) + shift
    day = "the same day" if 0 <= total < 1440 else ("the next day" if total >= 1440 else "the previous day")
    t = total % 1440
    return json.dumps({"source_time": time, "target_time": f"{t // 60:02d}:{t % 60:02d}",
                       "hours_apart": shift // 60, "target_day": day})


@mcp.tool()
def shared_office_hours(timezone_a: str, timezone_b: str) -> str:
    """How many office hours (nine to five, local time) two IANA timezones share, and how far apart they are."""
    a, b = int(_zone(timezone_a)["offset"]), int(_zone(timezone_b)["offset"])  # type: ignore[call-overload]
    start = max(9 - a, 9 - b)
    end = min(17 - a, 17 - b)
    hours = max(0, end - start)
    return json.dumps({"shared_hours": hours, "offset_gap_hours": abs(a - b)})


if __name__ == "__main__":
    mcp.run()
