"""R7: invalid schemas, overlong names, dotted names and duplicates (within and across servers) — the offending tools
are quarantined with a reason, the others stay usable, and `servers tools --quarantined` reports them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from reliability_helpers import FAULT_SERVER, fault_spec
from typer.testing import CliRunner

from mcpbench.catalog import PROVIDER_NAME
from mcpbench.cli import app
from mcpbench.fleet import Fleet
from mcpbench.trajectory import RequestedCall

OBJ = {"type": "object", "properties": {"q": {"type": "string"}}}
LONG = "t" * 70
"""A valid MCP name too long for providers once prefixed: exposed with a hash, still usable."""
OVERLONG = "x" * 130
"""Over the MCP limit of 128 characters: quarantined."""
MIXED = [
    {"name": "ok_tool", "description": "fine", "inputSchema": OBJ},
    {"name": "no_items", "description": "array without items",
     "inputSchema": {"type": "object", "properties": {"xs": {"type": "array"}}}},
    {"name": "not_object", "description": "root is a string", "inputSchema": {"type": "string"}},
    {"name": "bad_type", "description": "not JSON Schema",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}},
    {"name": OVERLONG, "description": "too long", "inputSchema": OBJ},
    {"name": "read.file", "description": "dotted but valid", "inputSchema": OBJ},
    {"name": LONG, "description": "long but valid", "inputSchema": OBJ},
    {"name": "ok_tool", "description": "the same name again", "inputSchema": OBJ},
]
QUARANTINED = {"no_items": "array without 'items'", "not_object": "root type is 'string'",
               "bad_type": "not valid JSON Schema", OVERLONG: "breaks the MCP naming rule", "ok_tool": "duplicate"}


def _servers(tmp: Path) -> list[tuple[str, list[dict]]]:
    return [("mixed", MIXED), ("other", [MIXED[0]]),
            # 'a_' + '_x' and 'a' + '__x' would both print as 'a____x': each gets a distinct hashed name
            ("a_", [{"name": "_x", "description": "one", "inputSchema": OBJ}]),
            ("a", [{"name": "__x", "description": "two", "inputSchema": OBJ}])]


def _tools_file(tmp: Path, name: str, tools: list[dict]) -> Path:
    p = tmp / f"{name}.tools.json"
    p.write_text(json.dumps(tools))
    return p


@pytest.mark.anyio
async def test_bad_tools_are_quarantined_and_the_rest_of_the_fleet_stays_usable(tmp_path):
    specs = [fault_spec(n, None, "--tools", str(_tools_file(tmp_path, n, t))) for n, t in _servers(tmp_path)]
    with anyio.fail_after(60):
        async with Fleet.open(specs, log_dir=tmp_path / "logs") as fleet:
            cat = fleet.catalog
            bad = {e.name: e.quarantined for e in cat.quarantined()}
            assert set(bad) == set(QUARANTINED)
            for name, why in QUARANTINED.items():
                assert why in bad[name], (name, bad[name])
            async with fleet.episode("e") as tools:
                offered = {s.name for s in tools.tool_specs()}
                assert all(PROVIDER_NAME.fullmatch(n) for n in offered) and len(offered) == 6
                usable = {e.exposed_name: e for e in cat.entries() if e.exposed_name in offered}
                assert {(e.server, e.name) for e in usable.values()} == {
                    ("mixed", "ok_tool"), ("mixed", "read.file"), ("mixed", LONG), ("other", "ok_tool"),
                    ("a_", "_x"), ("a", "__x")}
                for i, (exposed, e) in enumerate(sorted(usable.items())):
                    out = await tools.call(RequestedCall(id=str(i), name=exposed, arguments={"q": exposed}), turn=1)
                    assert (out.outcome, out.server, out.tool) == ("ok", e.server, e.name)
                    assert json.loads(out.content) == {"q": exposed}  # reached the right tool with its arguments
                hidden = next(e for e in cat.quarantined() if e.name == "no_items")
                refused = await tools.call(RequestedCall(id="q", name=hidden.exposed_name, arguments={}), turn=2)
                assert (refused.outcome, refused.error_kind) == ("model_error", "unknown_tool")
            assert fleet.status["mixed"].status == "connected"


def test_servers_tools_quarantined_lists_each_offender_with_its_reason(tmp_path):
    lines = ["servers:"]
    for name, tools in _servers(tmp_path):
        lines += [f"  - name: {name}", f"    command: {sys.executable}",
                  f"    args: [{FAULT_SERVER}, --tools, {_tools_file(tmp_path, name, tools)}]"]
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(app, ["servers", "tools", "--quarantined", "--json", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert sorted(r["name"] for r in rows) == sorted(QUARANTINED)
    assert all(r["server"] == "mixed" and r["quarantined"] for r in rows)
