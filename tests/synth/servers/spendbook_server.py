"""A small stateful spend book (stdio) for tests whose parameters have no type, as unannotated Python functions give
on registry servers: `date: {"title": "Date"}`, `amount: {"title": "Amount"}` (`Any`).
It also mails a report, to a bare `to`.

Run as a `stateful` server, every episode gets a fresh process. Before parameters with no schema were filled by what
their names say, and a recipient by what the tool is about, no write here could be filled."""

import json
from typing import Any

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("spendbook", version="0.1.0")
SPENDS: list[dict[str, object]] = []
OUTBOX: list[dict[str, object]] = []


@mcp.tool()
def log_spend(date: Any, amount: Any, category: Any, note: Any = "") -> str:
    """Log one spend in the book."""
    if not isinstance(date, str) or len(date) != 10 or date[4] != "-":
        raise ValueError("date must be YYYY-MM-DD")
    SPENDS.append({"id": len(SPENDS) + 1, "date": date, "amount": float(amount), "category": str(category),
                   "note": str(note)})
    return json.dumps(SPENDS[-1])


@mcp.tool()
def spends_between(start_date: Any, end_date: Any) -> str:
    """Spends logged between two dates, both included."""
    if start_date > end_date:
        raise ValueError("start_date is after end_date")
    return json.dumps([s for s in SPENDS if start_date <= str(s["date"]) <= end_date])


@mcp.tool()
def mail_report(to: str, subject: str, body: str) -> str:
    """Send an email with a spend report."""
    if "@" not in to:
        raise ValueError(f"not an e-mail address: {to}")
    OUTBOX.append({"id": len(OUTBOX) + 1, "to": to, "subject": subject, "body": body})
    return json.dumps({"sent": len(OUTBOX)})


@mcp.tool()
def outbox() -> str:
    """List the reports sent so far."""
    return json.dumps(OUTBOX)


if __name__ == "__main__":
    mcp.run()
