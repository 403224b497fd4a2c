"""A small stateful MCP server (stdio) for planner tests: an in-memory ledger that starts empty.

Run as a `stateful` server, every episode gets a fresh process, so writes made while synthesizing touch nothing
shared (the sandbox)."""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("ledger", version="0.1.0")
ENTRIES: list[dict[str, object]] = []


@mcp.tool()
def add_entry(customer: str, amount: float) -> str:
    """Record an invoice amount for a customer in the ledger."""
    ENTRIES.append({"id": len(ENTRIES) + 1, "customer": customer, "amount": amount})
    return json.dumps({"id": len(ENTRIES), "customer": customer, "amount": amount})


@mcp.tool()
def list_entries() -> str:
    """List every invoice recorded in the ledger."""
    return json.dumps(ENTRIES)


@mcp.tool()
def total_for(customer: str) -> str:
    """The total invoiced amount of one customer."""
    rows = [e for e in ENTRIES if e["customer"] == customer]
    if not rows:
        raise ValueError(f"no entries for customer {customer}")
    return json.dumps({"customer": customer, "entries": len(rows), "total": sum(float(e["amount"]) for e in rows)})


if __name__ == "__main__":
    mcp.run()
