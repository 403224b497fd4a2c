"""A small MCP server (stdio) of string tools whose every parameter is a plain string or integer: a text, a word or
marker inside it, a position. Built to exercise world text (task_synth/freetext.py): the text comes from the world,
the word and markers from that very text, and a transformed text feeds the next call."""

import json

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("strings", version="0.1.0")


@mcp.tool()
def word_count(text: str) -> str:
    """Count the words and characters of a text."""
    return json.dumps({"word_count": len(text.split()), "length": len(text)})


@mcp.tool()
def find_word(text: str, word: str) -> str:
    """Where a word first occurs in a text (0-based character index) and how often it occurs."""
    i = text.find(word)
    if i < 0:
        raise ToolError(f"{word!r} does not occur in the text")
    return json.dumps({"index": i, "count": text.count(word)})


@mcp.tool()
def between_markers(text: str, start_marker: str, end_marker: str) -> str:
    """The part of a text between a start marker and the next end marker, with its length."""
    i = text.find(start_marker)
    j = text.find(end_marker, i + len(start_marker)) if i >= 0 else -1
    if i < 0 or j < 0:
        raise ToolError("markers not found in order")
    part = text[i + len(start_marker):j]
    return json.dumps({"content": part, "length": len(part)})


@mcp.tool()
def shout(text: str) -> str:
    """The text in upper case."""
    return text.upper()


@mcp.tool()
def spliced(text: str, position: int, insertion: str) -> str:
    """The text with an insertion placed at a character position (no state is kept)."""
    if not 0 <= position <= len(text):
        raise ToolError(f"position {position} is outside the text")
    return text[:position] + insertion + text[position:]


if __name__ == "__main__":
    mcp.run()
