"""A small stateless MCP server (stdio) of text helpers whose every parameter is a plain string, the shape of many
small third-party "text utility" servers:

- `recase(sentence, mode)` and `encode(sentence, scheme)` answer the whole sentence changed (re-cased, encoded): the
  changed text itself is the answer; `squeeze(sentence)` only tidies its spacing;
- `json_shape(text)` and `csv_shape(text)` take a JSON or a CSV text (the format said only by the tool's description,
  the parameter is a bare `text`) and count what it holds; they fail on prose as such tools do.
"""

import base64
import codecs
import csv
import io
import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("scribe", version="0.1.0")


@mcp.tool()
def recase(sentence: str, mode: str) -> str:
    """Convert a sentence to another letter case. mode: upper, lower, title"""
    if mode not in ("upper", "lower", "title"):
        raise ToolError(f"unknown mode {mode!r}")
    return getattr(sentence, mode)()


@mcp.tool()
def encode(sentence: str, scheme: str) -> str:
    """Encode a sentence. scheme: base64, hex, rot13"""
    if scheme == "base64":
        return base64.b64encode(sentence.encode()).decode()
    if scheme == "hex":
        return sentence.encode().hex()
    if scheme == "rot13":
        return codecs.encode(sentence, "rot13")
    raise ToolError(f"unknown scheme {scheme!r}")


@mcp.tool()
def squeeze(sentence: str) -> str:
    """Collapse runs of spaces in a sentence."""
    return " ".join(sentence.split())


@mcp.tool()
def json_shape(text: str) -> str:
    """Count the records and fields of a JSON text."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ToolError(f"Expecting a JSON text: {e}") from None
    items = data if isinstance(data, list) else next((v for v in data.values() if isinstance(v, list)), [data]) \
        if isinstance(data, dict) else []
    fields = sorted({k for x in items if isinstance(x, dict) for k in x})
    return json.dumps({"record_count": len(items), "field_count": len(fields)})


@mcp.tool()
def csv_shape(text: str) -> str:
    """Count the rows and columns of CSV text."""
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) < 2 or len(rows[0]) < 2:
        raise ToolError("Expecting a CSV text with a header and rows")
    return json.dumps({"row_count": len(rows) - 1, "column_count": len(rows[0])})


if __name__ == "__main__":
    mcp.run()
