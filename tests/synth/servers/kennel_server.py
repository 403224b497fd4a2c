"""A small stateful MCP server (stdio): a vet's owners and visits, kept in memory (a fresh process per episode).

Shapes common among third-party stores whose items all answer a bare `id`:

- `register_owner(name, balance=0)` answers `{"id": "own_1", …}`; `start_visit(owner_id, fee)` answers `{"id": "vis_1",
  "owner_id": …, …}` and fails unless the owner's balance covers the fee (an owner made without credit is of no use);
  `show_owner(owner_id)` and `show_visit(visit_id)` read them. An owner's `id` fed to `show_visit` is "No such visit".
- `cancel`-like verbs that are not in every list of writes: `void_visit(visit_id)` gives the fee back.
- a price list of its own, listed by `list_treatments()` as `{"data": [{"id": …}], "count": N}`, and
  `show_treatment(treatment_id)` that reads one.
- a table of breeds (`list_breeds()`: `{"count": N, "filters": …, "breeds": [{"name": …}]}`, long enough to be
  cut at the output cap) and `breed_facts(name)` that reads one.
"""

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("kennel", version="0.1.0")
OWNERS: dict[str, dict[str, Any]] = {}
VISITS: dict[str, dict[str, Any]] = {}
TREATMENTS = {f"trt_{i}": {"id": f"trt_{i}", "name": name, "price": price, "minutes": minutes}
              for i, (name, price, minutes) in enumerate([("vaccination", 4500, 15), ("dental cleaning", 12000, 60),
                                                          ("nail trim", 3000, 10)], 900)}
BREEDS = [{"name": f"{a} {b}", "size": size, "weight_kg": w, "coat": coat, "notes": "Friendly with children. " * 6}
          for a in ("Highland", "Coastal", "Northern", "Alpine", "Valley", "River")
          for b, size, w, coat in (("Terrier", "small", 8.5, "wiry"), ("Shepherd", "large", 32.0, "double"),
                                   ("Spaniel", "medium", 14.0, "silky"), ("Hound", "large", 28.5, "short"),
                                   ("Collie", "medium", 19.0, "long"), ("Retriever", "large", 30.0, "dense"))]


@mcp.tool()
def register_owner(name: str, email: str | None = None, balance: int = 0) -> str:
    """Register an owner with a starting balance (in cents)."""
    owner = {"id": f"own_{len(OWNERS) + 1}", "name": name, "email": email, "balance": balance}
    OWNERS[owner["id"]] = owner
    return json.dumps(owner, indent=2)


@mcp.tool()
def show_owner(owner_id: str) -> str:
    """Show an owner by id, with the balance left."""
    if owner_id not in OWNERS:
        raise ToolError(json.dumps({"error": {"message": f"No such owner: {owner_id}"}}))
    return json.dumps(OWNERS[owner_id], indent=2)


@mcp.tool()
def start_visit(owner_id: str, fee: int) -> str:
    """Start a visit for an owner; the fee (in cents) is taken from the owner's balance."""
    owner = OWNERS.get(owner_id)
    if owner is None:
        raise ToolError(json.dumps({"error": {"message": f"No such owner: {owner_id}"}}))
    if owner["balance"] < fee:
        raise ToolError(json.dumps({"error": {"code": "declined", "message": "The owner's balance is too low."}}))
    owner["balance"] -= fee
    visit = {"id": f"vis_{len(VISITS) + 1}", "owner_id": owner_id, "fee": fee, "status": "booked"}
    VISITS[visit["id"]] = visit
    return json.dumps(visit, indent=2)


@mcp.tool()
def show_visit(visit_id: str) -> str:
    """Show a visit by id, with its fee and status."""
    if visit_id not in VISITS:
        raise ToolError(json.dumps({"error": {"message": f"No such visit: {visit_id}"}}))
    return json.dumps(VISITS[visit_id], indent=2)


@mcp.tool()
def void_visit(visit_id: str) -> str:
    """Void a booked visit and give its fee back to the owner."""
    visit = VISITS.get(visit_id)
    if visit is None:
        raise ToolError(json.dumps({"error": {"message": f"No such visit: {visit_id}"}}))
    visit["status"] = "void"
    if visit.get("owner_id") in OWNERS:
        OWNERS[visit["owner_id"]]["balance"] += visit["fee"]
    return json.dumps(visit, indent=2)


@mcp.tool()
def list_treatments() -> str:
    """List treatments, cheapest last. Returns {data: [...], count: N}."""
    return json.dumps({"data": list(TREATMENTS.values()), "count": len(TREATMENTS)}, indent=2)


@mcp.tool()
def show_treatment(treatment_id: str) -> str:
    """Show a single treatment by id, with its price and length."""
    if treatment_id not in TREATMENTS:
        raise ToolError(json.dumps({"error": {"message": f"No such treatment: {treatment_id}"}}))
    return json.dumps(TREATMENTS[treatment_id], indent=2)


@mcp.tool()
def list_breeds() -> str:
    """List breeds from the registry, with size and weight."""
    return json.dumps({"count": len(BREEDS), "filters": {"size": None}, "breeds": BREEDS}, indent=2)


@mcp.tool()
def breed_facts(name: str) -> str:
    """Look up a single breed by name and return its size, weight and coat."""
    for b in BREEDS:
        if b["name"].lower() == name.lower():
            return json.dumps(b, indent=2)
    raise ToolError(json.dumps({"error": "breed_not_found", "message": f"No breed matching '{name}'."}))


if __name__ == "__main__":
    mcp.run()
