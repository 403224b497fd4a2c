"""A small stateful MCP server (stdio): binders of sections and pages, kept in memory (a fresh process per episode).

Shapes common among third-party knowledge stores that start empty:

- a binder is made by name (`open_binder(name)`, "used as the file name when saved": still a name, not a file);
  a section must be made in it (`add_section(binder, name)`) before pages go in; both fail with "… not found" until
  then;
- a page is added under an id the caller chooses (`add_page(binder, section, id, body)`: "Unique page ID (e.g.
  'intro')"), and `bulk_add_pages(binder, section, pages)` takes page objects `{id, body, extra}` whose `extra` is an
  object of free fields;
- `read_page(binder, id)` shows one page whole, `find_pages(binder, query)` searches pages' ids and bodies, and
  `list_sections(binder)` only counts pages (it shows no page's words).
"""

import json
from typing import Annotated, Any, NotRequired

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field
from typing_extensions import TypedDict

mcp = MCPServer("binder", version="0.1.0")
BINDERS: dict[str, dict[str, Any]] = {}


def _binder(name: str) -> dict[str, Any]:
    if name not in BINDERS:
        raise ToolError(f'Binder "{name}" not found')
    return BINDERS[name]


def _section(binder: str, name: str) -> dict[str, Any]:
    b = _binder(binder)
    if name not in b["sections"]:
        raise ToolError(f'Section "{name}" not found')
    return b["sections"][name]


BINDER = Annotated[str, Field(description="Binder name")]
SECTION = Annotated[str, Field(description="Section name")]


def _page(b: dict[str, Any], page_id: str) -> dict[str, Any] | None:
    return next((p for s in b["sections"].values() for p in s["pages"] if p["id"] == page_id), None)


class Page(TypedDict):
    id: Annotated[str, Field(description="Unique page ID")]
    body: Annotated[str, Field(description="Page text")]
    extra: NotRequired[Annotated[dict[str, str], Field(description="Free fields, e.g. source or licence")]]


@mcp.tool()
def open_binder(name: Annotated[str, Field(description="Binder name (used as the file name when saved)")]) -> str:
    """Open a new binder. Each binder keeps sections of pages."""
    BINDERS[name] = {"name": name, "sections": {}}
    return json.dumps({"name": name, "sections": []}, indent=2)


@mcp.tool()
def add_section(binder: BINDER, name: Annotated[str, Field(description="Section name")]) -> str:
    """Add a section to a binder."""
    b = _binder(binder)
    b["sections"][name] = {"id": f"sec-{len(b['sections']) + 1:04d}", "name": name, "pages": []}
    return json.dumps({"id": b["sections"][name]["id"], "name": name, "pages": []}, indent=2)


@mcp.tool()
def add_page(binder: BINDER, section: SECTION,
             id: Annotated[str, Field(description="Unique page ID (e.g. 'intro', 'safety_rules')")],
             body: Annotated[str, Field(description="Text of the page")]) -> str:
    """Add a single page to a section of a binder."""
    s = _section(binder, section)
    if _page(_binder(binder), id) is not None:
        raise ToolError(f'Page "{id}" already exists')
    s["pages"].append({"id": id, "body": body, "extra": {}})
    return json.dumps({"id": id, "section": section, "length": len(body)}, indent=2)


@mcp.tool()
def bulk_add_pages(binder: BINDER, section: SECTION, pages: Annotated[list[Page], Field(
        description="Page objects, each with id, body and optional extra")]) -> str:
    """Add several pages at once to a section. Skips pages whose id exists."""
    s = _section(binder, section)
    added = []
    for p in pages:
        if _page(_binder(binder), p["id"]) is None:
            s["pages"].append({"id": p["id"], "body": p["body"], "extra": p.get("extra", {})})
            added.append(p["id"])
    return json.dumps({"added": len(added), "ids": added}, indent=2)



@mcp.tool()
def read_page(binder: BINDER, id: Annotated[str, Field(description="Page ID")]) -> str:
    """Get the full text of one page by its ID."""
    p = _page(_binder(binder), id)
    if p is None:
        raise ToolError(f'Page "{id}" not found in binder "{binder}"')
    return json.dumps(p, indent=2)


@mcp.tool()
def find_pages(binder: BINDER, query: Annotated[str, Field(description="Search query (page IDs and text)")]) -> str:
    """Search pages by ID or text across the whole binder. Returns matching pages with a preview."""
    b = _binder(binder)
    q = query.lower()
    hits = [{"id": p["id"], "preview": p["body"][:400]} for s in b["sections"].values() for p in s["pages"]
            if q in p["id"].lower() or all(w in p["body"].lower() for w in q.split())]
    return json.dumps(hits, indent=2)


@mcp.tool()
def list_sections(binder: BINDER) -> str:
    """List the sections of a binder with their page counts."""
    b = _binder(binder)
    return json.dumps([{"name": n, "pages": len(s["pages"])} for n, s in b["sections"].items()], indent=2)


if __name__ == "__main__":
    mcp.run()
