"""A small stateful MCP server (stdio): named markdown documents ("contexts") kept as files where the server runs.

Its reads **echo the key they were asked for**, found or not, a shape common among small stores:
`get_context(name)` — one name, or a list of names to get several at once — answers a name never saved with
`{"name": <name>, "content": null, "error": "Context '<name>' not found"}`; a saved one with its name, content,
metadata, size and the time it was saved. Called with no name it answers `{"error": "name is required"}`.
`search_contexts(query)` answers the query with its matches (none on a fresh store). `save_context`,
`list_contexts` and `delete_context` complete a store of named documents.

Every call is appended to $ECHO_STORE_LOG (when set), so a test can prove what was sent.
"""

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("contexts", version="0.1.0")
ROOT = Path("contexts")


def _log(tool: str, args: dict[str, Any]) -> None:
    path = os.environ.get("ECHO_STORE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


def _file(name: str) -> Path:
    return ROOT / (re.sub(r"[^A-Za-z0-9_-]+", "_", name) + ".md")


def _read(name: str) -> dict[str, Any] | None:
    f = _file(name)
    if not f.exists():
        return None
    return json.loads(f.read_text(encoding="utf-8"))


@mcp.tool()
def save_context(name: str, text: str, metadata: dict[str, str] | None = None) -> str:
    """Save a named context: a markdown document with optional metadata. Overwrites a context of the same name."""
    _log("save_context", {"name": name, "text": text, "metadata": metadata})
    ROOT.mkdir(exist_ok=True)
    doc = {"name": name, "content": text, "metadata": metadata or {}, "size": len(text),
           "saved_at": datetime.now(UTC).isoformat(timespec="seconds")}
    _file(name).write_text(json.dumps(doc), encoding="utf-8")
    return json.dumps({"success": True, "name": name, "size": len(text)})


@mcp.tool()
def get_context(name: str | list[str] | None = None) -> str:
    """Get one saved context by name, or several at once (a list of names), with content and metadata."""
    _log("get_context", {"name": name})
    if not name:
        return json.dumps({"error": "name is required"})
    found = [_read(n) or {"name": n, "content": None, "error": f"Context '{n}' not found"}
             for n in ([name] if isinstance(name, str) else name)]
    return json.dumps(found[0] if isinstance(name, str) else {"contexts": found})


@mcp.tool()
def list_contexts() -> str:
    """List the names of all saved contexts."""
    _log("list_contexts", {})
    names = sorted(json.loads(f.read_text(encoding="utf-8"))["name"] for f in ROOT.glob("*.md")) if ROOT.exists() \
        else []
    return json.dumps({"contexts": names, "count": len(names)})


@mcp.tool()
def search_contexts(query: str) -> str:
    """Search saved contexts for a query in their name or content."""
    _log("search_contexts", {"query": query})
    hits = []
    for f in sorted(ROOT.glob("*.md")) if ROOT.exists() else []:
        doc = json.loads(f.read_text(encoding="utf-8"))
        if query.lower() in (doc["name"] + "\n" + doc["content"]).lower():
            hits.append({"name": doc["name"], "content": doc["content"]})
    return json.dumps({"query": query, "matches": hits, "count": len(hits)})


@mcp.tool()
def delete_context(name: str) -> str:
    """Delete a saved context by name."""
    _log("delete_context", {"name": name})
    f = _file(name)
    if not f.exists():
        return json.dumps({"name": name, "deleted": False, "error": f"Context '{name}' not found"})
    f.unlink()
    return json.dumps({"name": name, "deleted": True})


if __name__ == "__main__":
    mcp.run()
