"""A small MCP server (stdio) whose parameters are colours, unit names, arrays and figures with a meaning, as design
and calculator servers have them. Built to exercise task_synth's kinds (colours.py, units.py, shapes.py,
magnitudes.py); every answer is computed from the arguments, so the same seed gives the same tasks. Standard library
and the MCP SDK only.

- `make_harmony(base)`: a palette from a seed colour, listed as bare codes ("1F77B4 5D6AB9 …"); `base` says only
  its role.
- `check_contrast(fg, bg)`: the contrast ratio of a foreground on a background, with the text colour it suggests.
- `score_palette(palette)`: a palette given as one string of comma-separated hex colours (at least two).
- `name_colours(colours)`: an array of colours.
- `convert_distance(value, from_unit, to_unit)`: the units it knows are only quoted in its description.
- `loan_payment(principal, annual_rate, years)`: refuses a rate above 30 % or a term above 40 years, as a lender's
  calculator checks in code what its schema leaves open.
- `order_total(items)`: an array of objects, each with a quantity and a unit price (both required).

Every call is appended to $SWATCH_LOG (when set), so a test can prove what was sent.
"""

import colorsys
import json
import os
import re
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

mcp = MCPServer("swatch", version="0.1.0")
TO_METRES = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "ft": 0.3048}


def _log(tool: str, args: dict) -> None:
    path = os.environ.get("SWATCH_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


def _rgb(code: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"#?([0-9A-Fa-f]{6})", code.strip())
    if not m:
        raise ToolError(f"bad hex colour {code!r}: use #RRGGBB")
    h = m.group(1)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(code: str) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(code)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


@mcp.tool()
def make_harmony(base: str) -> str:
    """Generate a harmony palette from a seed colour."""
    _log("make_harmony", {"base": base})
    r, g, b = _rgb(base)
    h, light, s = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    codes = []
    for shift in (0.0, 1 / 12, -1 / 12, 0.5):
        rr, gg, bb = colorsys.hls_to_rgb((h + shift) % 1.0, light, s)
        codes.append(f"{round(rr * 255):02X}{round(gg * 255):02X}{round(bb * 255):02X}")
    return "palette: " + " ".join(codes) + "\nrule: analogous plus complement"


@mcp.tool()
def check_contrast(fg: str, bg: str) -> str:
    """Contrast for one fg/bg pair, with the text colour that reads best on the background."""
    _log("check_contrast", {"fg": fg, "bg": bg})
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    ratio = round((a + 0.05) / (b + 0.05), 2)
    text = "#000000" if _luminance(bg) > 0.179 else "#FFFFFF"
    return json.dumps({"contrast_ratio": ratio, "passes_aa": ratio >= 4.5, "suggested_text_colour": text})


@mcp.tool()
def score_palette(palette: Annotated[str, Field(description="Comma-separated hex colours")]) -> str:
    """Score how readable a palette is: its best text pair and the number of colours."""
    _log("score_palette", {"palette": palette})
    codes = [c for c in re.split(r"[,\s]+", palette) if c]
    if len(codes) < 2:
        raise ToolError("a palette needs at least two colours")
    lums = sorted((_luminance(c), c) for c in codes)
    (lo, dark), (hi, light) = lums[0], lums[-1]
    return json.dumps({"colour_count": len(codes), "best_contrast_ratio": round((hi + 0.05) / (lo + 0.05), 2),
                       "darkest": "#" + dark.lstrip("#").upper(), "lightest": "#" + light.lstrip("#").upper()})


@mcp.tool()
def name_colours(colours: list[str]) -> str:
    """Name each colour of a list by its hue."""
    _log("name_colours", {"colours": colours})
    out = []
    for c in colours:
        r, g, b = _rgb(c)
        h, _, _ = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
        out.append({"hex": "#" + c.lstrip("#").upper(), "hue_degrees": round(h * 360)})
    return json.dumps({"colours": out, "count": len(out)})


@mcp.tool()
def convert_distance(value: float, from_unit: str, to_unit: str) -> str:
    """Convert a distance between units.

    Args:
        value: the distance to convert
        from_unit: unit to convert from, e.g. 'km', 'mi', 'm' or 'ft'
        to_unit: unit to convert to, e.g. 'km', 'mi', 'm' or 'ft'
    """
    _log("convert_distance", {"value": value, "from_unit": from_unit, "to_unit": to_unit})
    for u in (from_unit, to_unit):
        if u not in TO_METRES:
            raise ToolError(f"unknown unit {u!r}")
    return json.dumps({"converted_value": round(value * TO_METRES[from_unit] / TO_METRES[to_unit], 4),
                       "unit": to_unit})


@mcp.tool()
def loan_payment(principal: float, annual_rate: float, years: int) -> str:
    """Calculate the monthly payment of a loan."""
    _log("loan_payment", {"principal": principal, "annual_rate": annual_rate, "years": years})
    if not 0 < annual_rate <= 30:
        raise ToolError(f"an annual rate of {annual_rate}% is not a loan rate")
    if not 0 < years <= 40:
        raise ToolError(f"a term of {years} years is not a loan term")
    r, n = annual_rate / 100 / 12, years * 12
    payment = principal * r / (1 - (1 + r) ** -n)
    return json.dumps({"monthly_payment": round(payment, 2), "total_paid": round(payment * n, 2)})


class Item(BaseModel):
    quantity: int
    unit_price: float


@mcp.tool()
def order_total(items: list[Item]) -> str:
    """Total an order from its items."""
    _log("order_total", {"items": [i.model_dump() for i in items]})
    if not items:
        raise ToolError("an order needs items")
    total = sum(i.quantity * i.unit_price for i in items)
    return json.dumps({"order_total": round(total, 2), "line_count": len(items)})


if __name__ == "__main__":
    mcp.run()
