"""A small stateful MCP server (stdio): a club roster whose member ids a search lists and a description exemplifies.

The shape of many CRM-like servers: the store starts full (members exist before any call), a search lists them with
their ids, the read of one member gives an example id in prose ("Use the id from search_members (e.g. M-1001)"), and
the only write appends a note to a member the caller names by id. Nothing makes a member.

- `search_members(query)`: members whose name or city contains the words (JSON list of id, name, city).
- `get_member(member_id)`: one member's profile and last 5 notes.
- `add_note(member_id, text)`: append a timestamped note to a member's timeline.
"""

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("roster", version="0.1.0")
MEMBERS: dict[str, dict[str, Any]] = {
    f"M-{1001 + i}": {"id": f"M-{1001 + i}", "name": name, "city": city, "joined": joined, "notes": []}
    for i, (name, city, joined) in enumerate([
        ("Amira Haddad", "Lisbon", "2021-03-14"), ("Jonas Berg", "Oslo", "2019-11-02"),
        ("Priya Raman", "Lisbon", "2022-06-30"), ("Tomás Ortega", "Seville", "2020-01-19"),
        ("Keiko Sato", "Osaka", "2023-09-05"), ("Liam Walsh", "Cork", "2018-04-22")])}
_clock = [0]


@mcp.tool()
def search_members(query: str, limit: int = 10) -> str:
    """Find members by name or city (case-insensitive substring). Returns up to `limit` (max 50)."""
    q = query.strip().lower()
    found = [m for m in MEMBERS.values() if q and (q in m["name"].lower() or q in m["city"].lower())]
    return json.dumps([{"id": m["id"], "name": m["name"], "city": m["city"]} for m in found[:min(limit, 50)]],
                      indent=2)


@mcp.tool()
def get_member(member_id: str) -> str:
    """Full view of one member: profile and last 5 notes. Use the id from search_members (e.g. M-1001)."""
    m = MEMBERS.get(member_id.strip())
    if m is None:
        raise ToolError(f"No member {member_id!r}.")
    return json.dumps({**m, "notes": m["notes"][-5:]}, indent=2)


@mcp.tool()
def add_note(member_id: str, text: str) -> str:
    """Append a timestamped note to a member's timeline (max 2,000 characters)."""
    m = MEMBERS.get(member_id.strip())
    if m is None:
        raise ToolError(f"No member {member_id!r}.")
    if len(text) > 2000:
        raise ToolError("A note holds at most 2,000 characters.")
    _clock[0] += 1
    m["notes"].append({"at": f"2026-01-01T09:{_clock[0]:02d}:00", "text": text})
    return json.dumps({"member_id": m["id"], "notes": len(m["notes"])})


if __name__ == "__main__":
    mcp.run()
