"""A small stateful MCP server (stdio) in the shape of a pattern tester's case store, kept in the process.

Shapes seen on registry servers (docs/tasks.md, "Five more registry servers"):

- the text a case holds is `input_string` (not `text`/`content`), next to a required array of strings
  (`expected_matches`) and a required array of numbers (`groups`), so a store that only a write fills has nothing
  to read until all three are filled;
- the read lists the stored cases as text; with none it answers a hint ("No cases yet. Use add_case …");
- `shift_clock(source_timezone, target_timezone, time)` goes from one place to another, for the wording of routes;
- `current_side()` answers one plain word, which only its description says what it is.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("casebook", version="0.1.0")
CASES: list[dict[str, object]] = []


@mcp.tool()
def add_case(input_string: str, expected_matches: list[str], groups: list[float]) -> str:
    """Add a test case. Each case is an input string with the substrings a pattern should match."""
    CASES.append({"input_string": input_string, "expected_matches": expected_matches, "groups": groups})
    return f"Added case {len(CASES)}."


@mcp.tool()
def get_cases() -> str:
    """Get all current test cases."""
    if not CASES:
        return "No cases yet. Use add_case to add some."
    return "\n".join(f"Case {i + 1}: {c['input_string']} -> {c['expected_matches']} groups {c['groups']}"
                     for i, c in enumerate(CASES))


@mcp.tool()
def shift_clock(source_timezone: str, target_timezone: str, time: str) -> str:
    """Convert a time of day between timezones.

    source_timezone and target_timezone are IANA timezone names; time is HH:MM."""
    h, m = (int(x) for x in time.split(":"))
    start = datetime(2026, 6, 1, h, m, tzinfo=ZoneInfo(source_timezone))
    end = start.astimezone(ZoneInfo(target_timezone))
    return f'{{"source": "{source_timezone}", "target": "{target_timezone}", "time": "{end:%H:%M}", "day": "{end:%A}"}}'


@mcp.tool()
def current_side() -> str:
    """Indicates whose turn it is ('white' or 'black')."""
    return "white"


if __name__ == "__main__":
    mcp.run()
