"""A small MCP server (stdio) that makes documents from content blocks: the shape of document, slide and report
generators whose content is an array of objects tagged by a discriminator.

- `create_document(title, content)` writes a document of `content` blocks into its working directory and answers
  its id; a block is a heading (`{"type": "heading", "text": …, "level": 1}`), a paragraph (`{"type": "text",
  "text": …}`), an image (`{"type": "image", "path": …}`) or a page break (`{"type": "pageBreak"}`); anything else
  is refused, block by block (`content.0: Invalid input`), as strict validators do;
- `get_document(document_id)` answers the document's text (headings as `# …`), `list_documents()` the ids and titles.
"""

import json
from pathlib import Path
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field

mcp = MCPServer("folio", version="0.1.0")
STORE = Path.cwd() / "documents"


class Heading(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["heading"]
    text: str = Field(description="The heading's text")
    level: int = Field(default=1, ge=1, le=4, description="Heading level (1 is the largest)")


class Paragraph(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str = Field(description="Text content to render")
    bold: bool = False


class Image(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["image"]
    path: str = Field(description="Path to the image file")


class PageBreak(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["pageBreak"]


Block = Heading | Paragraph | Image | PageBreak


def _path(document_id: str) -> Path:
    target = STORE / f"{document_id}.json"
    if not document_id.isalnum() or not target.is_file():
        raise ToolError(f"no document {document_id!r}")
    return target


@mcp.tool()
def create_document(title: Annotated[str, Field(description="The document's title")],
                    content: Annotated[list[Block], Field(description="Document content in flow order")]) -> str:
    """Create a document from content blocks (headings, text, images, page breaks) and answer its id."""
    STORE.mkdir(exist_ok=True)
    document_id = f"doc{len(list(STORE.glob('*.json'))) + 1}"
    blocks = [b.model_dump() for b in content]
    (STORE / f"{document_id}.json").write_text(json.dumps({"title": title, "content": blocks}), encoding="utf-8")
    return json.dumps({"document_id": document_id, "title": title, "blocks": len(blocks)})


@mcp.tool()
def get_document(document_id: Annotated[str, Field(description="The document's id, e.g. doc1")]) -> str:
    """Read a document's text."""
    doc = json.loads(_path(document_id).read_text(encoding="utf-8"))
    lines = [f"Title: {doc['title']}"]
    for b in doc["content"]:
        if b["type"] == "heading":
            lines.append("#" * b["level"] + " " + b["text"])
        elif b["type"] == "text":
            lines.append(b["text"])
        elif b["type"] == "image":
            lines.append(f"[image {b['path']}]")
    return "\n".join(lines)


@mcp.tool()
def list_documents() -> str:
    """List the documents: their ids and titles."""
    docs = [{"document_id": p.stem, "title": json.loads(p.read_text(encoding="utf-8"))["title"]}
            for p in sorted(STORE.glob("*.json"))] if STORE.is_dir() else []
    return json.dumps({"documents": docs, "count": len(docs)})


if __name__ == "__main__":
    mcp.run()
