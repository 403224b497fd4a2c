"""A small stateless MCP server (stdio) whose tools take an HTML document, and a calculator that answers in prose —
two shapes common among small third-party servers (accessibility checkers, HTML-to-text converters, toy maths):

- `outline(html)` answers the page's headings as JSON, `link_report(html_content)` counts its links and
  `plain_text(page)` (a parameter named like nothing, described as HTML) gives its visible words;
- `add(a, b)` answers "🔢 12 + 3 = 15" and `percent_of(value, percent)` "The result is 4.5.".
"""

import json
import re
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

mcp = MCPServer("markup", version="0.1.0")


@mcp.tool()
def outline(html: str) -> str:
    """Check the heading hierarchy of an HTML page."""
    heads = [{"level": int(m.group(1)), "text": re.sub(r"<[^>]+>", "", m.group(2)).strip()}
             for m in re.finditer(r"<h([1-6])[^>]*>(.*?)</h\1>", html, re.S | re.I)]
    return json.dumps({"headings": heads, "heading_count": len(heads), "top_level": heads[0]["text"] if heads
                       else None}, indent=2)


@mcp.tool()
def link_report(html_content: str) -> str:
    """Count the links and the tables of an HTML document."""
    return json.dumps({"link_count": len(re.findall(r"<a\s", html_content, re.I)),
                       "table_count": len(re.findall(r"<table", html_content, re.I)),
                       "list_items": len(re.findall(r"<li", html_content, re.I))})


@mcp.tool()
def plain_text(page: Annotated[str, Field(description="The HTML source of the page")]) -> str:
    """Strip the markup of an HTML page and count its words."""
    words = re.findall(r"[A-Za-z]+", re.sub(r"<[^>]+>", " ", page))
    return json.dumps({"word_count": len(words), "title": (re.findall(r"<title>(.*?)</title>", page, re.S) or [""])[0]})


@mcp.tool()
def add(a: float, b: float) -> str:
    """Add two numbers."""
    total = a + b
    return f"🔢 {a:g} + {b:g} = {total:g}"


@mcp.tool()
def percent_of(value: float, percent: float) -> str:
    """Work out a percentage of a value."""
    return f"The result is {value * percent / 100:g}."


if __name__ == "__main__":
    mcp.run()
