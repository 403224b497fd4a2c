"""Real tool definitions (as the servers list them) for tests that need a catalog but no live server."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mcpbench.catalog import Catalog, ToolEntry

RO = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}
TZ_DESC = "IANA timezone name (e.g., 'America/New_York', 'Europe/London')."
TIME_RESULT = {"properties": {"timezone": {"type": "string"}, "datetime": {"type": "string"},
                              "day_of_week": {"type": "string"}, "is_dst": {"type": "boolean"}},
               "title": "TimeResult", "type": "object"}


def _s(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props)}


TOOLS = [
    ToolEntry(server="time", name="get_current_time", description="Get current time in a specific timezone",
              input_schema=_s(timezone={"type": "string", "description": TZ_DESC}), output_schema=TIME_RESULT,
              annotations=RO),
    ToolEntry(server="time", name="convert_time", description="Convert time between timezones",
              input_schema=_s(source_timezone={"type": "string", "description": TZ_DESC},
                              time={"type": "string", "description": "Time to convert in 24-hour format (HH:MM)"},
                              target_timezone={"type": "string", "description": TZ_DESC}),
              output_schema={"properties": {"source": {"$ref": "#/$defs/TimeResult"},
                                            "target": {"$ref": "#/$defs/TimeResult"},
                                            "time_difference": {"type": "string"}},
                             "$defs": {"TimeResult": TIME_RESULT}, "type": "object"}, annotations=RO),
    ToolEntry(server="calculator", name="calculate", description="Calculates/evaluates the given expression.",
              input_schema=_s(expression={"type": "string"}),
              output_schema={"properties": {"result": {"type": "string"}}, "type": "object"}),
    ToolEntry(server="sqlite", name="read_query", description="Execute a SELECT query on the SQLite database",
              input_schema=_s(query={"type": "string", "description": "SELECT SQL query to execute"})),
    ToolEntry(server="sqlite", name="write_query", description="Execute an INSERT, UPDATE, or DELETE query",
              input_schema=_s(query={"type": "string", "description": "SQL query to execute"})),
    ToolEntry(server="sqlite", name="list_tables", description="List all tables in the SQLite database",
              input_schema={"type": "object", "properties": {}}),
    ToolEntry(server="sqlite", name="describe_table", description="Get the schema information for a specific table",
              input_schema=_s(table_name={"type": "string", "description": "Name of the table to describe"})),
    ToolEntry(server="sqlite", name="append_insight", description="Add a business insight to the memo",
              input_schema=_s(insight={"type": "string"})),
]


def catalog() -> Catalog:
    return Catalog(TOOLS)


def live(builtins: dict[str, str] | None = None) -> Any:
    """A stand-in for the fleet for steps that read the catalog only (graph:schema, sample:walk)."""
    return SimpleNamespace(catalog=catalog(), builtins=builtins or {})
