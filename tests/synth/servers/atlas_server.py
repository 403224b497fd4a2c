"""A small real MCP server (stdio) for synthesis tests: deterministic lookups, one clock, one write tool."""

import ast
import datetime as dt
import json
import operator
import zoneinfo

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("atlas", version="0.1.0")

TABLES = {"cities": 7, "rivers": 12, "mountains": 31}
OFFSETS = {"Europe/Lisbon": 0, "Asia/Tokyo": 9, "Pacific/Auckland": 13, "America/Denver": -7}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.USub: operator.neg}


@mcp.tool()
def list_tables() -> str:
    """List all tables in the atlas database."""
    return json.dumps([{"name": t} for t in TABLES])


@mcp.tool()
def count_rows(table_name: str) -> str:
    """Count the rows of one table of the atlas database."""
    if table_name not in TABLES:
        raise ValueError(f"no table {table_name}")
    return json.dumps({"table": table_name, "count": TABLES[table_name]})


@mcp.tool()
def utc_offset(timezone: str) -> str:
    """The standard UTC offset, in hours, of an IANA timezone (e.g. 'Asia/Tokyo')."""
    if timezone not in OFFSETS:
        raise ValueError(f"unknown timezone {timezone}")
    return json.dumps({"timezone": timezone, "offset_hours": OFFSETS[timezone]})


@mcp.tool()
def local_time(timezone: str) -> str:
    """The current local time in an IANA timezone (e.g. 'Pacific/Auckland')."""
    now = dt.datetime.now(zoneinfo.ZoneInfo(timezone))
    return json.dumps({"timezone": timezone, "datetime": now.isoformat(timespec="microseconds"),
                       "day_of_week": now.strftime("%A")})


@mcp.tool()
def evaluate(expression: str) -> str:
    """Evaluate an arithmetic expression with + - * / and parentheses."""

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise ValueError("unsupported expression")

    return str(ev(ast.parse(expression, mode="eval")))


@mcp.tool()
def write_note(text: str) -> str:
    """Store a note (a write: synthesis must never probe it)."""
    raise RuntimeError("write_note must not be called by synthesis")


if __name__ == "__main__":
    mcp.run()
