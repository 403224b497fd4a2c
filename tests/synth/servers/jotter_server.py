"""A small stateful MCP server (stdio): a task list and a todo list kept in `jotter.json` where the server runs.

Two shapes common among small third-party stores:

- tasks are numbered by the store: `task_new(title, desc=None)` answers `{"id": 1, …}`, and `task_edit(id, desc)`
  and `task_show(id)` take that number as a strict JSON integer (a string "1" is refused, as servers validating
  their input schema do); `task_all()` lists them.
- todos get a drawn id and need a text to exist at all: `todo_add(text)` answers `{"todo": {"id": "<uuid>", …}}`,
  `todo_edit(todo_id, text)` and `todo_show(todo_id)` take it. `todo_show` of an unknown id answers an error that
  echoes the id it was asked for.

Every call is appended to $JOTTER_LOG (when set), so a test can prove what was sent.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("jotter", version="0.1.0")
STORE = Path("jotter.json")


def _log(tool: str, args: dict[str, Any]) -> None:
    path = os.environ.get("JOTTER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


def _load() -> dict[str, Any]:
    return json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else {"tasks": [], "todos": []}


def _save(data: dict[str, Any]) -> None:
    STORE.write_text(json.dumps(data), encoding="utf-8")


@mcp.tool()
def task_new(title: str, desc: str | None = None) -> str:
    """Create a new task"""
    _log("task_new", {"title": title, "desc": desc})
    data = _load()
    task = {"id": len(data["tasks"]) + 1, "title": title, "desc": desc or "", "done": False}
    data["tasks"].append(task)
    _save(data)
    return json.dumps(task)


@mcp.tool()
def task_edit(id: Annotated[int, Field(strict=True)], desc: str) -> str:
    """Update an existing task"""
    _log("task_edit", {"id": id, "desc": desc})
    data = _load()
    for t in data["tasks"]:
        if t["id"] == id:
            t["desc"] = desc
            _save(data)
            return json.dumps(t)
    raise ToolError(f"Task {id} not found")


@mcp.tool()
def task_show(id: Annotated[int, Field(strict=True)]) -> str:
    """Get a task by ID"""
    _log("task_show", {"id": id})
    for t in _load()["tasks"]:
        if t["id"] == id:
            return json.dumps(t)
    raise ToolError(f"Task {id} not found")


@mcp.tool()
def task_all() -> str:
    """List tasks"""
    _log("task_all", {})
    return json.dumps(_load()["tasks"])


@mcp.tool()
def todo_add(text: str) -> str:
    """Add a new todo item."""
    _log("todo_add", {"text": text})
    data = _load()
    todo = {"id": str(uuid.uuid4()), "text": text}
    data["todos"].append(todo)
    _save(data)
    return json.dumps({"success": True, "todo": todo})


@mcp.tool()
def todo_edit(todo_id: str, text: str) -> str:
    """Update a todo item."""
    _log("todo_edit", {"todo_id": todo_id, "text": text})
    data = _load()
    for t in data["todos"]:
        if t["id"] == todo_id:
            t["text"] = text
            _save(data)
            return json.dumps({"success": True, "todo": t})
    return json.dumps({"error": f"Todo with ID '{todo_id}' not found", "todo_id": todo_id})


@mcp.tool()
def todo_show(todo_id: str) -> str:
    """Get a specific todo by its ID."""
    _log("todo_show", {"todo_id": todo_id})
    for t in _load()["todos"]:
        if t["id"] == todo_id:
            return json.dumps({"todo": t})
    return json.dumps({"error": f"Todo with ID '{todo_id}' not found", "todo_id": todo_id})


if __name__ == "__main__":
    mcp.run()
