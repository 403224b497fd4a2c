"""A small MCP server (stdio) whose tools take their parameters wrapped in one object, as servers that validate
their input with one pydantic model per tool write them: `{"params": {"$ref": "#/$defs/…Input"}}`.

An aircraft fleet, kept in memory: `list_aircraft()` lists them by `aircraft_id` (the tail number);
`aircraft_status(params: {aircraft_id})` shows one; `log_flight(params: {aircraft_id, minutes, pilot})` adds flight
time; `find_aircraft(params: {model?, min_hours?})` filters the fleet. A call whose arguments are not wrapped fails
validation ("params: Field required").
"""

import json
from enum import StrEnum

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field

mcp = MCPServer("hangar", version="0.1.0")
FLEET = {
    "CS-HBA": {"model": "Cessna 172", "hours": 1840.5, "base": "Cascais", "status": "airworthy"},
    "CS-HBB": {"model": "Piper PA-28", "hours": 3120.0, "base": "Cascais", "status": "in maintenance"},
    "CS-HBC": {"model": "Diamond DA40", "hours": 960.25, "base": "Evora", "status": "airworthy"},
    "CS-HBD": {"model": "Cessna 172", "hours": 2210.0, "base": "Evora", "status": "airworthy"},
}
FLIGHTS: list[dict[str, object]] = []


class Model(StrEnum):
    cessna = "Cessna 172"
    piper = "Piper PA-28"
    diamond = "Diamond DA40"


class TailInput(BaseModel):
    """Input model for aircraft_status."""

    model_config = ConfigDict(extra="forbid")
    aircraft_id: str = Field(description="Tail number (registration) of the aircraft, as list_aircraft shows it.",
                             min_length=4, max_length=10)


class LogFlightInput(BaseModel):
    """Input model for log_flight."""

    model_config = ConfigDict(extra="forbid")
    aircraft_id: str = Field(description="Tail number (registration) of the aircraft flown.", min_length=4,
                             max_length=10)
    minutes: int = Field(description="Flight time in minutes.", ge=1, le=900)
    pilot: str = Field(description="Name of the pilot in command.", min_length=1, max_length=80)


class FindInput(BaseModel):
    """Input model for find_aircraft."""

    model_config = ConfigDict(extra="forbid")
    model: Model | None = Field(default=None, description="Only aircraft of this model.")
    min_hours: float | None = Field(default=None, description="Only aircraft with at least this many hours.", ge=0)


def _show(tail: str) -> dict[str, object]:
    if tail not in FLEET:
        raise ToolError(f"no aircraft with tail number {tail!r}")
    return {"aircraft_id": tail, **FLEET[tail]}


@mcp.tool()
def list_aircraft() -> str:
    """List the aircraft of the fleet with their models."""
    return json.dumps({"aircraft": [{"aircraft_id": t, "model": a["model"]} for t, a in FLEET.items()]}, indent=2)


@mcp.tool()
def aircraft_status(params: TailInput) -> str:
    """Show one aircraft: model, total hours, home base and status."""
    return json.dumps(_show(params.aircraft_id), indent=2)


@mcp.tool()
def log_flight(params: LogFlightInput) -> str:
    """Log a flight on an aircraft: its flight time is added to the aircraft's total hours."""
    a = _show(params.aircraft_id)
    FLEET[params.aircraft_id]["hours"] = round(float(a["hours"]) + params.minutes / 60, 2)  # type: ignore[arg-type]
    FLIGHTS.append({"tail": params.aircraft_id, "minutes": params.minutes, "pilot": params.pilot})
    return json.dumps({"logged": len(FLIGHTS), **_show(params.aircraft_id)}, indent=2)


@mcp.tool()
def find_aircraft(params: FindInput) -> str:
    """Find aircraft by model and minimum total hours."""
    hits = [_show(t) for t, a in FLEET.items() if (params.model is None or a["model"] == params.model.value)
            and (params.min_hours is None or float(a["hours"]) >= params.min_hours)]  # type: ignore[arg-type]
    return json.dumps({"count": len(hits), "aircraft": hits}, indent=2)


if __name__ == "__main__":
    mcp.run()
