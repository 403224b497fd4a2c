"""A small stateful MCP server (stdio): an assistant's long-term journal kept in `journal.db` (SQLite) where the
server runs, in the shape of generic memory stores for assistants.

- `log_entry(type, content, entity=None, force=False)`: `type` has no enum in the schema; its choices are given only in
  the tool's description ("`type` is one of: fact, decision, task, question, note"), as are what `content` and
  `entity` should be. It answers in prose, "Logged entry #3 (fact/auth)", and "CONFLICT: …" without writing when a
  live entry of the same type and entity exists (unless `force`).
- `search_entries(query, budget_tokens=1500, types=None)`: a keyword search over the contents ("`query` should be a
  few keywords"); an entry matches when one of its words is a keyword; ranked by how many keywords it holds.
- `list_open(type=None)`: open tasks and questions.
- `revise_entry(old_id, new_content)`, `set_status(entry_id, status)`, `entry_history(entry_id)`: take the number a
  write answered in prose; `set_status`'s choices are quoted in its description ("'done' or 'dropped' (or reopen
  with 'open')").
- `journal_stats()`: counts.

Every parameter is a plain title with no description (pydantic's `{"title": "Type", "type": "string"}`).
"""

import re
import sqlite3

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("journal", version="0.1.0")
TYPES = ("fact", "decision", "task", "question", "note")
STATUSES = ("open", "done", "dropped")


def _db() -> sqlite3.Connection:
    con = sqlite3.connect("journal.db")
    con.execute("CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, type TEXT, entity TEXT, content TEXT,"
                " status TEXT, live INTEGER DEFAULT 1, replaces INTEGER)")
    return con


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if len(w) > 2}


def _line(row: tuple[object, ...]) -> str:
    eid, typ, entity, content, status = row[:5]
    tag = f"{typ}/{entity}" if entity else str(typ)
    return f"#{eid} [{tag}]" + (f" ({status})" if status else "") + f" {content}"


@mcp.tool()
def log_entry(type: str, content: str, entity: str | None = None, force: bool = False) -> str:
    """Log an entry in the long-term journal, so it can be found again in later sessions.

    `type` is one of: fact, decision, task, question, note. `content` must be 1-2 sentences, self-contained, written
    so it makes sense without the conversation around it. `entity` is a short slug for what the entry concerns (e.g.
    'auth', 'db-choice'). If a live entry with the same type and entity exists, nothing is written and a CONFLICT is
    returned: revise that entry instead, or pass force=true."""
    if type not in TYPES:
        return f"Error: unknown type '{type}'. Use one of: {', '.join(TYPES)}."
    if not content.strip():
        return "Error: content is empty."
    with _db() as con:
        if entity and not force:
            old = con.execute("SELECT id FROM entries WHERE type=? AND entity=? AND live=1", (type, entity)).fetchone()
            if old:
                return f"CONFLICT: entry #{old[0]} ({type}/{entity}) already exists. Revise it or pass force=true."
        status = "open" if type in ("task", "question") else None
        cur = con.execute("INSERT INTO entries (type, entity, content, status) VALUES (?, ?, ?, ?)",
                          (type, entity, content.strip(), status))
        eid = cur.lastrowid
    return f"Logged entry #{eid} ({type}/{entity})" if entity else f"Logged entry #{eid} ({type})"


@mcp.tool()
def search_entries(query: str, budget_tokens: int = 1500, types: list[str] | None = None) -> str:
    """Find the journal entries relevant to what you are doing now. `query` should be a few keywords describing the
    task. Results are ranked by relevance and cut to fit the token budget."""
    keys = _words(query)
    with _db() as con:
        rows = con.execute("SELECT id, type, entity, content, status FROM entries WHERE live=1 ORDER BY id").fetchall()
    scored = [(len(keys & _words(f"{r[3]} {r[2] or ''}")), r) for r in rows if not types or r[1] in types]
    hits = [r for s, r in sorted(scored, key=lambda x: (-x[0], x[1][0])) if s > 0]
    if not hits:
        return "No matching entries."
    out, used = [], 0
    for r in hits:
        line = _line(r)
        used += len(line) // 4 + 1
        if used > budget_tokens:
            break
        out.append(line)
    return f"{len(out)} relevant entries:\n" + "\n".join(out)


@mcp.tool()
def list_open(type: str | None = None) -> str:
    """List the open tasks and questions; optionally filter by type: 'task' or 'question'."""
    wanted = (type,) if type else ("task", "question")
    with _db() as con:
        rows = con.execute("SELECT id, type, entity, content, status FROM entries WHERE live=1 AND status='open'"
                           " ORDER BY id").fetchall()
    rows = [r for r in rows if r[1] in wanted]
    return "\n".join(_line(r) for r in rows) if rows else "Nothing open."


@mcp.tool()
def revise_entry(old_id: int, new_content: str) -> str:
    """Replace an entry's content with a corrected version; the old version stays in its history."""
    with _db() as con:
        old = con.execute("SELECT id, type, entity, status FROM entries WHERE id=? AND live=1", (old_id,)).fetchone()
        if old is None:
            return f"Error: no live entry #{old_id}."
        con.execute("UPDATE entries SET live=0 WHERE id=?", (old_id,))
        cur = con.execute("INSERT INTO entries (type, entity, content, status, replaces) VALUES (?, ?, ?, ?, ?)",
                          (old[1], old[2], new_content.strip(), old[3], old_id))
    return f"Entry #{old_id} revised as #{cur.lastrowid}."


@mcp.tool()
def set_status(entry_id: int, status: str) -> str:
    """Mark a task/question as 'done' or 'dropped' (or reopen with 'open')."""
    if status not in STATUSES:
        return f"Error: unknown status '{status}'."
    with _db() as con:
        row = con.execute("SELECT type FROM entries WHERE id=? AND live=1", (entry_id,)).fetchone()
        if row is None:
            return f"Error: no live entry #{entry_id}."
        if row[0] not in ("task", "question"):
            return f"Error: entry #{entry_id} is a {row[0]}; only tasks and questions have a status."
        con.execute("UPDATE entries SET status=? WHERE id=?", (status, entry_id))
    return f"Entry #{entry_id} is now {status}."


@mcp.tool()
def entry_history(entry_id: int) -> str:
    """Show an entry and the versions it replaced, newest first."""
    out: list[str] = []
    with _db() as con:
        eid: int | None = entry_id
        while eid is not None:
            row = con.execute("SELECT id, type, entity, content, status, replaces FROM entries WHERE id=?",
                              (eid,)).fetchone()
            if row is None:
                break
            out.append(_line(row))
            eid = row[5]
    return "\n".join(out) if out else f"Error: no entry #{entry_id}."


@mcp.tool()
def journal_stats() -> str:
    """Count the journal's live entries by type, and the open ones."""
    with _db() as con:
        rows = con.execute("SELECT type, COUNT(*) FROM entries WHERE live=1 GROUP BY type ORDER BY type").fetchall()
        open_ = con.execute("SELECT COUNT(*) FROM entries WHERE live=1 AND status='open'").fetchone()[0]
    counts = ", ".join(f"{t}: {n}" for t, n in rows) or "none"
    return f"Live entries by type: {counts}. Open: {open_}."


if __name__ == "__main__":
    mcp.run()
