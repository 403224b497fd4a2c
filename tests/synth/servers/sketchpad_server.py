"""A small stateful MCP server (stdio) whose every tool switches on an `action` parameter: the enum-switched shape.

- `board(action, name)`: "Actions: create — … Params: name. list — … No params needed." `action` is a plain string
  whose choices are only in words; `name` is optional in the schema, but `create` refuses to run without it.
- `notes(action, board_name, notes, ids)`: `add_notes` takes `notes` (a list of `{label, colour?}` objects, the shape
  documented only in the description), `delete_notes` takes `ids`. The schema makes every parameter optional;
  a call without `board_name` is refused ("'board_name' must be a non-empty string"), one on a board that does not
  exist too ("board 'x' not found").
- `look(action, board_name)`: "Read-only views of boards": `notes` lists a board's notes, `summary` counts them.

Faults come back as ok text starting with "Error:", as some servers report them. Every board lives in memory, so
only an isolated instance per episode (stateful: true) may be written to.
"""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("sketchpad", version="0.1.0")
BOARDS: dict[str, list[dict]] = {}


def _board(name: str) -> list[dict] | str:
    if not name:
        return "Error: 'board_name' must be a non-empty string."
    if name not in BOARDS:
        return f"Error: board '{name}' not found."
    return BOARDS[name]


@mcp.tool()
def board(action: str, name: str = "") -> str:
    """Board lifecycle.

    Actions:
      create — Create a new empty board. Params: name.
      list   — List all boards with their note counts. No params needed.

    Args:
        action: One of: create, list.
        name: Board name.
    """
    if action == "create":
        if not name:
            return "Error: 'name' must be a non-empty string."
        BOARDS.setdefault(name, [])
        return f"Board '{name}' created."
    if action == "list":
        return json.dumps([{"name": n, "notes": len(v)} for n, v in BOARDS.items()])
    return f"Error: unknown action {action!r}."


@mcp.tool()
def notes(action: str, board_name: str = "", notes: list[dict] | None = None, ids: list[str] | None = None) -> str:
    """Add or remove sticky notes.

    Actions:
      add_notes    — Add sticky notes in a column. Params: notes (list of
                     {label, colour?}).
      delete_notes — Delete notes by id. Params: ids.

    Args:
        action: One of the actions listed above.
        board_name: Target board name.
        notes: Notes for add_notes.
        ids: Note ids for delete_notes.
    """
    found = _board(board_name)
    if isinstance(found, str):
        return found
    if action == "add_notes":
        made = []
        for n in notes or []:
            if not isinstance(n, dict) or not n.get("label"):
                return "Error: every note needs a label."
            found.append({"id": str(len(found) + 1), "label": n["label"], "colour": n.get("colour", "yellow")})
            made.append(found[-1]["id"])
        return json.dumps({"note_ids": made})
    if action == "delete_notes":
        BOARDS[board_name] = [n for n in found if n["id"] not in set(ids or [])]
        return "Deleted."
    return f"Error: unknown action {action!r}."


@mcp.tool()
def look(action: str, board_name: str = "") -> str:
    """Read-only views of boards.

    Actions:
      notes   — List every note of a board with its label. Params: board_name.
      summary — Count the notes of a board. Params: board_name.

    Args:
        action: One of: notes, summary.
        board_name: Target board name.
    """
    found = _board(board_name)
    if isinstance(found, str):
        return found
    if action == "notes":
        return json.dumps(found, indent=1)
    if action == "summary":
        return json.dumps({"board": board_name, "note_count": len(found)})
    return f"Error: unknown action {action!r}."


if __name__ == "__main__":
    mcp.run()
