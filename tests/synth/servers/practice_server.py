"""A small stateful MCP server (stdio): a practice log over a fixed set of exercises, each known only by its name.

The shape of trackers whose items ship with the server (problems, exercises, habits): nothing lists them, nothing
makes them, and a write that names one that does not exist is refused with the close names it knows:

- `log_session(exercise, notes)`: "No exercise matches 'X'. Did you mean: A, B?" for an unknown name.
- `exercise_history(exercise)`: the exercise's logged sessions and their notes.
"""

import difflib
import json
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("practice", version="0.1.0")
EXERCISES = ["Major Scales", "Minor Arpeggios", "Chromatic Runs", "Broken Chords", "Sight Reading", "Pedal Control"]
LOG: dict[str, list[str]] = {e: [] for e in EXERCISES}
Exercise = Annotated[str, Field(description="Name of the exercise (case-insensitive).")]


def _exercise(name: str) -> str:
    for e in EXERCISES:
        if e.lower() == name.strip().lower():
            return e
    close = difflib.get_close_matches(name, EXERCISES, n=2, cutoff=0.0)
    raise ToolError(f"No exercise matches {name!r}. Did you mean: {', '.join(close)}?")


@mcp.tool()
def log_session(exercise: Exercise, notes: str) -> str:
    """Record a practice session on an exercise, with notes on how it went."""
    e = _exercise(exercise)
    LOG[e].append(notes)
    return json.dumps({"exercise": e, "sessions": len(LOG[e])})


@mcp.tool()
def exercise_history(exercise: Exercise) -> str:
    """All logged sessions of one exercise, oldest first, with their notes."""
    e = _exercise(exercise)
    return json.dumps({"exercise": e, "sessions": [{"n": i + 1, "notes": n} for i, n in enumerate(LOG[e])]},
                      indent=2)


if __name__ == "__main__":
    mcp.run()
