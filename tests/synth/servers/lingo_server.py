"""A small MCP server (stdio) whose every read takes a `language` the schema does not describe: only a zero-argument
tool, `list_languages`, says which values exist. Built to exercise listers (task_synth/listers.py): the language
codes come from that listing, dates from the examples the tools document in their descriptions."""

import datetime as dt
import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("lingo", version="0.1.0")

LANGUAGES = {
    "de": ("German", ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"], "10-03"),
    "en": ("English", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], "07-04"),
    "fr": ("French", ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"], "07-14"),
    "mi": ("Maori", ["Rahina", "Ratu", "Raapa", "Rapare", "Ramere", "Rahoroi", "Ratapu"], "02-06"),
    "pt": ("Portuguese", ["segunda-feira", "terca-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sabado",
                          "domingo"], "06-10"),
}


def _lang(language: str) -> tuple[str, list[str], str]:
    if language not in LANGUAGES:
        raise ToolError(f"unknown language {language!r}; see list_languages")
    return LANGUAGES[language]


def _date(date: str) -> dt.date:
    try:
        return dt.date.fromisoformat(date)
    except ValueError:
        raise ToolError(f"not an ISO date: {date!r}") from None


@mcp.tool()
def list_languages() -> str:
    """List the languages this server speaks, with their codes."""
    return json.dumps({"languages": [{"code": c, "name": v[0]} for c, v in sorted(LANGUAGES.items())]})


@mcp.tool()
def national_day(language: str, year: int) -> str:
    """The national day of the country most associated with a language, in a year.

    Args:
        language: language code.
        year: four-digit year, e.g. 2026.
    """
    _, _, md = _lang(language)
    return json.dumps({"language": language, "date": f"{year:04d}-{md}"})


@mcp.tool()
def weekday_name(language: str, date: str) -> str:
    """The name of the weekday of a date, in a language.

    Args:
        language: language code.
        date: ISO date (YYYY-MM-DD), e.g. "2026-10-15".
    """
    _, days, _ = _lang(language)
    d = _date(date)
    return json.dumps({"date": date, "weekday": days[d.weekday()], "day_number": d.isoweekday()})


@mcp.tool()
def days_to_year_end(date: str) -> str:
    """How many days are left in the year after a date.

    Args:
        date: ISO date (YYYY-MM-DD), e.g. "2026-10-15".
    """
    d = _date(date)
    return json.dumps({"date": date, "days_left": (dt.date(d.year, 12, 31) - d).days})


if __name__ == "__main__":
    mcp.run()
