"""A small stateful MCP server (stdio): named documents kept as files where the server runs, in a shape common among
small stores that take one item or many in every call.

- Every parameter is optional in the schema. What must be given is said only in words, and errors come back as a JSON
  error object in a result that is *not* marked as an error: `get_entry()` with neither `name` nor `names` answers
  `{"error": {"code": "INVALID_PARAMETER", "message": "Either 'name' or 'names' must be provided"}}`.
- `name` takes one name or a list of names; `names` takes a list (a nullable array: `anyOf [array, null]`).
- `put_entry` refuses a name that is not filename-safe, as its description says; `get_entry`'s description does not
  say so, so a read that builds its own name from the topic instead of taking the write's misses the entry.
- `list_entries` shows names and a 60-character preview; `search_entries` finds a query in the text.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("vault", version="0.1.0")
ROOT = Path("entries")
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def _error(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}})


def _read(name: str) -> dict[str, Any] | None:
    f = ROOT / f"{name}.json"
    return json.loads(f.read_text(encoding="utf-8")) if _SAFE.match(name) and f.exists() else None


@mcp.tool()
def put_entry(name: str | None = None, text: str | None = None, metadata: dict[str, Any] | None = None,
              entries: list[dict[str, Any]] | None = None) -> str:
    """Add or update an entry by name. Single: provide 'name' and 'text' (markdown), optional 'metadata'.
    Bulk: provide 'entries' (list of dicts with 'name', 'text'). Names must be filename-safe (alphanumeric, hyphens,
    underscores). Overwrites an existing entry."""
    items = entries if entries else [{"name": name, "text": text, "metadata": metadata}]
    for item in items:
        if not item.get("name"):
            return _error("INVALID_PARAMETER", "'name' is required for single operation")
        if not _SAFE.match(str(item["name"])):
            return _error("INVALID_NAME", f"Name '{item['name']}' must be filename-safe")
        if not item.get("text"):
            return _error("INVALID_PARAMETER", "'text' is required")
    ROOT.mkdir(exist_ok=True)
    for item in items:
        doc = {"name": item["name"], "text": item["text"], "metadata": item.get("metadata") or {},
               "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        (ROOT / f"{item['name']}.json").write_text(json.dumps(doc), encoding="utf-8")
    return json.dumps({"success": True, "count": len(items)})


@mcp.tool()
def get_entry(name: str | list[str] | None = None, names: list[str] | None = None) -> str:
    """Get an entry by name, with its text and metadata. Single: provide 'name'. Bulk: provide 'names'."""
    wanted = names or ([name] if isinstance(name, str) else name)
    if not wanted:
        return _error("INVALID_PARAMETER", "Either 'name' or 'names' must be provided")
    found = [_read(n) or {"name": n, "success": False, "error": "Entry not found"} for n in wanted]
    if len(wanted) == 1 and isinstance(name, str):
        return json.dumps(found[0]) if "error" not in found[0] else _error("NOT_FOUND", f"Entry '{name}' not found")
    return json.dumps({"count": len(found), "entries": found})


@mcp.tool()
def list_entries(limit: int | None = None) -> str:
    """List all entries, newest first, with a preview of each."""
    docs = [json.loads(f.read_text(encoding="utf-8")) for f in ROOT.glob("*.json")] if ROOT.exists() else []
    docs.sort(key=lambda d: (d["created_at"], d["name"]), reverse=True)
    shown = [{"name": d["name"], "preview": d["text"][:60]} for d in docs[: limit or None]]
    return json.dumps({"count": len(shown), "entries": shown})


@mcp.tool()
def search_entries(query: str, limit: int | None = None) -> str:
    """Search entries by a query string in their text."""
    docs = [json.loads(f.read_text(encoding="utf-8")) for f in ROOT.glob("*.json")] if ROOT.exists() else []
    hits = [{"name": d["name"], "text": d["text"]} for d in sorted(docs, key=lambda d: d["name"])
            if query.casefold() in d["text"].casefold()]
    return json.dumps({"count": len(hits[: limit or None]), "matches": hits[: limit or None]})


if __name__ == "__main__":
    mcp.run()
