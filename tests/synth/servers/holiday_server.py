"""A small read-only MCP server (stdio) of public holidays, in a shape common among calendar utilities:

- `list_holidays(year)` takes a year on the calendar as a bare integer (pydantic style: a title, no description)
  and answers a JSON object whose holidays carry ISO dates;
- `is_holiday(date)` and `next_business_day(date)` take one of those dates (YYYY-MM-DD);
- `count_business_days(start_date, end_date)` counts the working days between two dates.

Before calendar years were known, `year` took the figures of a period ("10", "25") and every listing was empty.
"""

import datetime as dt
import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("holidays", version="0.1.0")
FIXED = (("01-01", "New Year's Day"), ("05-01", "Labour Day"), ("06-24", "Midsummer Day"), ("10-05", "Republic Day"),
         ("12-25", "Christmas Day"))


def _holidays(year: int) -> list[dict[str, str]]:
    if not 1900 <= year <= 2100:
        return []
    return [{"date": f"{year}-{md}", "name": name} for md, name in FIXED]


def _day(date: str) -> dt.date:
    return dt.date.fromisoformat(date)


def _is_holiday(day: dt.date) -> str | None:
    return next((h["name"] for h in _holidays(day.year) if h["date"] == day.isoformat()), None)


@mcp.tool()
def list_holidays(year: int) -> str:
    """List the public holidays of a year."""
    return json.dumps({"year": year, "holidays": _holidays(year)}, indent=2)


@mcp.tool()
def is_holiday(date: str) -> str:
    """Check whether a date (YYYY-MM-DD) is a public holiday."""
    day = _day(date)
    name = _is_holiday(day)
    return json.dumps({"date": day.isoformat(), "holiday": name is not None, "name": name,
                       "weekday": day.strftime("%A")}, indent=2)


@mcp.tool()
def next_business_day(date: str) -> str:
    """The first working day after a date (YYYY-MM-DD), skipping weekends and public holidays."""
    day = _day(date) + dt.timedelta(days=1)
    while day.weekday() >= 5 or _is_holiday(day):
        day += dt.timedelta(days=1)
    return json.dumps({"after": date, "next_business_day": day.isoformat(), "weekday": day.strftime("%A")}, indent=2)


@mcp.tool()
def count_business_days(start_date: str, end_date: str) -> str:
    """Count the working days from start_date (included) to end_date (excluded)."""
    day, end, n = _day(start_date), _day(end_date), 0
    while day < end:
        n += day.weekday() < 5 and not _is_holiday(day)
        day += dt.timedelta(days=1)
    return json.dumps({"start_date": start_date, "end_date": end_date, "business_days": n}, indent=2)


if __name__ == "__main__":
    mcp.run()
