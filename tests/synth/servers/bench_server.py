"""A small read-only MCP server (stdio): workshop helpers that answer in emoji-headed markdown, as many registry
servers do.

- `beam_deflection(span_m, load_kg)`: `**Deflection:**` over one bullet `• δ (delta) = **4.500mm**`, a list whose
  lines stress a figure (`• Load (F) = **392.3N**`) and a `**Formula:** …` that is the same on every call;
- `tap_drill(thread_mm)`: `**Nearest Thread:** M8` and `**Tap Drill for 8.0mm:**` over one line `6.80mm bit, fits
  H` (a label that holds a figure: never cut to 'tap drill for mm');
- `knot_card(number)`: `**Name:** Bowline` and `**Uses:** rescue, mooring, hoisting`.
"""

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("bench", version="0.1.0")
THREADS = [(3, 2.5), (4, 3.3), (5, 4.2), (6, 5.0), (8, 6.8), (10, 8.5), (12, 10.2), (16, 14.0), (20, 17.5),
           (24, 21.0), (30, 26.5), (36, 32.0), (42, 37.5), (48, 43.0), (64, 58.0), (80, 74.0), (100, 94.0),
           (125, 118.0)]
KNOTS = [("Bowline", "rescue, mooring, hoisting"), ("Clove Hitch", "fencing, lashing"),
         ("Sheet Bend", "joining two ropes"), ("Figure Eight", "climbing, stopper"), ("Reef Knot", "bandages, sails"),
         ("Trucker's Hitch", "tying down loads"), ("Taut-Line Hitch", "tent lines")]


@mcp.tool()
def beam_deflection(span_m: float, load_kg: float) -> str:
    """Estimate how far a pine shelf board sags under a load at its middle."""
    force = load_kg * 9.80665
    delta = force * (span_m * 1000) ** 3 / (48 * 10000 * 833333.0)
    return f"""📏 Shelf Sag Estimator

**Input:**
  • Span: {span_m}m
  • Load: {load_kg}kg

**Forces:**
  • Load (F) = **{force:.1f}N**
  • Support reaction = **{force / 2:.1f}N**

**Deflection:**
  • δ (delta) = **{delta:.3f}mm**

**Formula:** δ = F·L³ / (48·E·I)"""


@mcp.tool()
def tap_drill(thread_mm: float) -> str:
    """Find the tap drill for the nearest metric thread to a bolt diameter in millimetres."""
    size, drill = min(THREADS, key=lambda t: (abs(t[0] - thread_mm), t[0]))
    return f"""🔩 Tap Drill Finder

**Nearest Thread:** M{size}

**Tap Drill for {float(size):.1f}mm:**
  {drill:.2f}mm bit, fits {'ABCDEFGHIJ'[size % 10]}"""


@mcp.tool()
def knot_card(number: int) -> str:
    """Show the card of a knot from the rigging deck by its number."""
    name, uses = KNOTS[int(number) % len(KNOTS)]
    return f"""🪢 Knot {int(number)}

**Name:** {name}

**Uses:** {uses}"""


if __name__ == "__main__":
    mcp.run()
