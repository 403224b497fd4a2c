"""A small stateful MCP server (stdio): a plant nursery whose working values are given only as examples in prose.

Shapes common among third-party shops whose ids no tool lists on its own:

- `find_plants(query)` matches words against a plant's name or family; its parameter's description says "Try fern,
  maple or orchid" and its own description "Example queries that find plants: fern, maple, orchid, cactus". A word
  that matches nothing gives `[]`.
- `plant_card(plant_code)` and `bench_count(plant_code)` read one plant by a code (`PLT-201`) that only the
  parameter's description ("Catalogue code of a plant, e.g. PLT-201") or the tool's ("Example: PLT-201 (…)",
  "Example with pots: PLT-201. Example sold out: PLT-205.") gives; `find_plants` lists codes of that shape.
- `fill_tray(tray_id, plant_code)` puts a plant on a tray; `ring_up_tray(tray_id)` — whose name and first sentence
  say nothing of a change — "Removes the pots from the benches, returns a receipt_id like RCP-XXXX, and deletes the
  tray.": a write said only in a later sentence.
"""

import json
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("nursery", version="0.1.0")
PLANTS: dict[str, dict[str, Any]] = {
    f"PLT-{201 + i}": {"code": f"PLT-{201 + i}", "name": name, "family": family, "height_cm": h, "price": p}
    for i, (name, family, h, p) in enumerate([
        ("Maidenhair Fern", "fern", 35, 12.5), ("Japanese Maple", "maple", 180, 64.0),
        ("Moth Orchid", "orchid", 45, 22.0), ("Barrel Cactus", "cactus", 25, 9.75),
        ("Boston Fern", "fern", 60, 15.0), ("Paper Birch Maple", "maple", 220, 88.0),
        ("Slipper Orchid", "orchid", 30, 27.5), ("Bunny Ear Cactus", "cactus", 40, 11.0)])}
POTS = {"PLT-201": 14, "PLT-202": 3, "PLT-203": 9, "PLT-204": 21, "PLT-205": 0, "PLT-206": 2, "PLT-207": 6,
        "PLT-208": 17}
TRAYS: dict[str, dict[str, int]] = {}
RECEIPTS: dict[str, dict[str, Any]] = {}

PlantCode = Annotated[str, Field(description="Catalogue code of a plant, e.g. PLT-201")]


@mcp.tool()
def find_plants(query: Annotated[str, Field(description="Words matched against a plant's name or family. Try fern, "
                                                        "maple or orchid; other words often find nothing.")]) -> str:
    """Look up plants in the nursery catalogue.

    Example queries that find plants: fern, maple, orchid, cactus.
    """
    q = query.strip().lower()
    found = [p for p in PLANTS.values() if q and (q in p["name"].lower() or q in p["family"])]
    return json.dumps([{"code": p["code"], "name": p["name"], "family": p["family"]} for p in found], indent=2)


def _plant(plant_code: str) -> dict[str, Any]:
    if plant_code.strip() not in PLANTS:
        raise ToolError(f"No plant with code {plant_code!r}.")
    return PLANTS[plant_code.strip()]


@mcp.tool()
def plant_card(plant_code: PlantCode) -> str:
    """Get one plant by its code. Example: PLT-201 (Maidenhair Fern)."""
    return json.dumps(_plant(plant_code), indent=2)


@mcp.tool()
def bench_count(plant_code: str) -> str:
    """Count the pots of a plant on the benches.

    Example with pots: PLT-201. Example sold out: PLT-205.
    Does not change the benches.
    """
    p = _plant(plant_code)
    return json.dumps({"code": p["code"], "pots_on_bench": POTS[p["code"]]}, indent=2)


@mcp.tool()
def fill_tray(tray_id: str, plant_code: PlantCode, pots: int = 1) -> str:
    """Put pots of a plant on a tray (made when first used). Example: tray_id=tray-1, plant_code=PLT-201."""
    p = _plant(plant_code)
    if POTS[p["code"]] < pots:
        raise ToolError(f"Only {POTS[p['code']]} pots of {p['name']} on the benches.")
    tray = TRAYS.setdefault(tray_id, {})
    tray[p["code"]] = tray.get(p["code"], 0) + pots
    return json.dumps({"tray_id": tray_id, "pots": tray}, indent=2)


@mcp.tool()
def ring_up_tray(tray_id: str) -> str:
    """Ring up a tray filled with fill_tray.

    Example: tray_id=tray-1 after filling PLT-201.
    Removes the pots from the benches, returns a receipt_id like RCP-XXXX, and deletes the tray.
    """
    tray = TRAYS.pop(tray_id, None)
    if not tray:
        raise ToolError(f"No tray {tray_id!r}.")
    for code, n in tray.items():
        POTS[code] -= n
    rid = f"RCP-{len(RECEIPTS) + 1:04d}"
    RECEIPTS[rid] = {"receipt_id": rid, "pots": tray,
                     "total": sum(PLANTS[c]["price"] * n for c, n in tray.items())}
    return json.dumps(RECEIPTS[rid], indent=2)


if __name__ == "__main__":
    mcp.run()
