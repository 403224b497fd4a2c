"""A small MCP server (stdio) whose tools work on a session another tool opens: the handle shape.

`create_session(file_path)` loads a CSV file of the working directory into a new session and answers its id (drawn
at random, as real servers do); every other tool takes that `session_id`. Built to exercise handle producers in
synthesis (task_synth/handles.py): nothing can fill `session_id` but the opener's output.

Every call of a tool that takes a session is appended to the file named by $TALLY_LOG (when set) with whether the
session was known, so a test can prove no read was ever called with a made-up handle.
"""

import csv
import json
import os
import uuid
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("tally", version="0.1.0")
SESSIONS: dict[str, dict] = {}


def _log(tool: str, session_id: str) -> None:
    path = os.environ.get("TALLY_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "session_id": session_id, "known": session_id in SESSIONS}) + "\n")


def _session(tool: str, session_id: str) -> dict:
    _log(tool, session_id)
    if session_id not in SESSIONS:
        raise ToolError(f"Session {session_id} not found")
    return SESSIONS[session_id]


def _number(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


@mcp.tool()
def create_session(file_path: str) -> str:
    """Load a CSV file into a new analysis session and return its session id."""
    p = Path(file_path)
    if p.is_absolute() or ".." in p.parts or p.suffix != ".csv" or not p.is_file():
        raise ToolError(f"{file_path} is not a CSV file in the working directory")
    with p.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    sid = str(uuid.uuid4())
    SESSIONS[sid] = {"file": file_path, "rows": rows}
    return json.dumps({"session_id": sid, "file": file_path, "rows": len(rows)})


@mcp.tool()
def list_sessions() -> str:
    """List the open sessions."""
    return json.dumps({"sessions": [{"session_id": k, "file": v["file"]} for k, v in SESSIONS.items()]})


@mcp.tool()
def row_count(session_id: str) -> str:
    """Count the data rows of a session's table."""
    s = _session("row_count", session_id)
    return json.dumps({"session_id": session_id, "row_count": len(s["rows"])})


@mcp.tool()
def numeric_totals(session_id: str) -> str:
    """Sum every numeric column of a session's table."""
    s = _session("numeric_totals", session_id)
    rows = s["rows"]
    cols = [c for c in (rows[0] if rows else {}) if all(_number(r[c]) is not None for r in rows)]
    totals = {c: round(sum(_number(r[c]) or 0.0 for r in rows), 2) for c in cols}
    return json.dumps({"session_id": session_id, "total": totals[cols[-1]] if cols else 0, "totals": totals})


@mcp.tool()
def column_names(session_id: str) -> str:
    """List the column names of a session's table."""
    s = _session("column_names", session_id)
    return json.dumps({"session_id": session_id, "columns": list(s["rows"][0]) if s["rows"] else []})


@mcp.tool()
def close_session(session_id: str) -> str:
    """Close a session and free its table."""
    _session("close_session", session_id)
    del SESSIONS[session_id]
    return json.dumps({"closed": session_id})


if __name__ == "__main__":
    mcp.run()
