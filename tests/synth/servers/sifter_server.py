"""A small MCP server (stdio) over the world's orders sheet (orders.csv in its working directory) whose filter takes
a SQL WHERE-style condition: the condition-parameter shape.

- `preview_rows()`: the first rows as a markdown table (the columns and values a condition can be built from).
- `describe_columns()`: one JSON object per column with a sample value (column descriptors, not records).
- `filter_rows(expression)`: how many orders match a condition `column op literal` (`=`, `!=`, `>`, `>=`, `<`,
  `<=`, joined by AND), and their total. Anything else — arithmetic such as `12 * 7`, an unknown column — is refused.

Standard library only.
"""

import csv
import json
import re
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("sifter", version="0.1.0")
_COND = re.compile(r"""^\s*([A-Za-z_]\w*)\s*(=|!=|>=|<=|>|<)\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*$""")


def _rows() -> list[dict[str, str]]:
    with Path("orders.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _value(v: str) -> float | str:
    try:
        return float(v)
    except ValueError:
        return v


def _matches(row: dict[str, str], expression: str) -> bool:
    for part in re.split(r"\s+AND\s+", expression, flags=re.IGNORECASE):
        m = _COND.match(part)
        if m is None:
            raise ToolError(f"cannot parse condition {part!r}")
        col, op, lit = m.groups()
        if col not in row:
            raise ToolError(f"unknown column {col!r}; columns: {', '.join(row)}")
        want: float | str = lit[1:-1].replace("''", "'") if lit.startswith("'") else float(lit)
        have = _value(row[col])
        if isinstance(want, float) != isinstance(have, float):
            return False
        ok = {"=": have == want, "!=": have != want, ">": have > want, ">=": have >= want,  # type: ignore[operator]
              "<": have < want, "<=": have <= want}[op]  # type: ignore[operator]
        if not ok:
            return False
    return True


@mcp.tool()
def preview_rows() -> str:
    """Preview the first ten orders as a markdown table."""
    rows = _rows()
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(r[c] for c in head) + " |" for r in rows[:10]]
    return f"Rows 0-9 of {len(rows)}.\n\n" + "\n".join(lines)


@mcp.tool()
def describe_columns() -> str:
    """Describe every column of the orders with one sample value."""
    rows = _rows()
    return json.dumps([{"name": c, "sample": rows[0][c]} for c in rows[0]], indent=1)


@mcp.tool()
def filter_rows(expression: str) -> str:
    """Filter the orders using a SQL WHERE-style expression and report how many match.

    Args:
        expression: SQL WHERE clause (without the WHERE keyword), e.g. "status = 'open'".
    """
    rows = _rows()
    hits = [r for r in rows if _matches(r, expression)]
    return json.dumps({"matching_orders": len(hits), "all_orders": len(rows),
                       "matching_total_eur": round(sum(float(r["total_eur"]) for r in hits), 2)}, indent=1)


if __name__ == "__main__":
    mcp.run()
