"""A small read-only MCP server (stdio) of pay statistics looked up by occupation code, in a shape common among data
servers that ship a reference table:

- `get_pay(occ_code, scope)` takes a 6-digit code that its parameter's name does not say how to find; its description
  sends the reader to `list_common_codes()` for them ("See list_common_codes() for common mappings").
- `list_common_codes()` answers a JSON object that maps each code to its name, not a list:
  `{"codes": {"151252": "Software Developers", …}}`.
"""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("codebook", version="0.1.0")
PAY = {
    "151252": ("Software Developers", 132270, 61.0),
    "131082": ("Project Management Specialists", 100750, 48.4),
    "132011": ("Accountants and Auditors", 79880, 38.4),
    "151212": ("Information Security Analysts", 120360, 57.9),
}


@mcp.tool()
def list_common_codes() -> str:
    """List common occupation codes for pay lookups.

    Use these codes with get_pay()."""
    return json.dumps({"codes": {code: name for code, (name, _, _) in PAY.items()}})


@mcp.tool()
def get_pay(occ_code: str | int, scope: str = "national") -> str:
    """Get pay statistics for an occupation.

    occ_code: 6-digit occupation code without a dash (e.g. '999999'). See list_common_codes() for common
    mappings.

    scope: 'national' (the default) or 'state'."""
    row = PAY.get(str(occ_code))
    if row is None:
        return json.dumps({"error": f"no data for occupation {occ_code}"})
    name, annual, hourly = row
    return json.dumps({"occupation": name, "scope": scope, "annual_median_wage": annual, "hourly_median_wage": hourly})


if __name__ == "__main__":
    mcp.run()
