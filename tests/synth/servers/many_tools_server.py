"""A real MCP server (stdio) with a very large catalog (240 tools) for the planner's prompt budget."""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("many", version="0.1.0")
TOPICS = ["gamma", "sine", "cosine", "logarithm", "square root", "factorial", "median", "variance", "prime factors",
          "binomial coefficient", "determinant", "integral", "derivative", "limit", "series sum", "modulus", "floor",
          "ceiling", "absolute value", "reciprocal", "cube", "exponential", "tangent", "arc sine"]
VARIANTS = ["of a number", "of a list of numbers", "of an expression", "in degrees", "in radians", "rounded",
            "as a fraction", "with steps", "as text", "in scientific notation"]


def _make(name: str, doc: str) -> None:
    def tool(x: float) -> str:
        return json.dumps({"tool": name, "input": x, "result": x * 2})

    tool.__name__ = name
    tool.__doc__ = doc
    mcp.tool()(tool)


for topic in TOPICS:
    for j, variant in enumerate(VARIANTS):
        _make(f"{topic.replace(' ', '_')}_{j}", f"Compute the {topic} {variant}. Returns the result as JSON.")

if __name__ == "__main__":
    mcp.run()
