"""Parameters that take addresses (IPv4 addresses, networks, netmasks, e-mail addresses) and parameters with no
schema at all.

Tried on registry servers: an IPv4 subnet calculator whose every tool takes an address or a network under a bare
name (`network_base`, `network`, `subnet_mask`) gave 0 candidates; a mailbox's `to` had no value; an expense
tracker written as unannotated Python functions (`date: {}`, `amount: {}`) could be neither read nor written.
Shown on tests/synth/servers/netplan_server.py (0 candidates before the address kinds).
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth import addresses
from task_synth.artifacts import ToolGraph
from task_synth.graph import build_node, literal_values, seed_pools
from task_synth.kinds import find_values, param_kind
from tests.synth._baselines import valid_tasks

NETPLAN = Path(__file__).parent / "servers" / "netplan_server.py"


def _entry(name: str, description: str, props: dict[str, dict[str, object]]) -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"type": "object", "properties": props, "required": list(props)})


def _graph(*entries: ToolEntry) -> ToolGraph:
    g = ToolGraph(nodes=[build_node(e) for e in entries], pools=seed_pools(list(entries), None))
    addresses.assign(g, list(entries))
    return g


def test_address_kinds_come_from_names_formats_and_what_the_tool_is_about():
    s = {"type": "string"}
    assert param_kind("ip_address", s) == "ipv4"
    assert param_kind("network_base", s) == "ipv4"
    assert param_kind("subnet_mask", s) == "netmask"
    assert param_kind("cidr", s) == "ipv4_network"
    assert param_kind("owner_email", s) == "email"
    assert param_kind("x", {"type": "string", "format": "email"}) == "email"
    assert param_kind("x", {"type": "string", "format": "ipv4"}) == "ipv4"
    # a bare role name is an address only on a tool about addresses
    g = _graph(_entry("in_block", "Check whether an IPv4 address lies inside a subnet.", {"address": s, "block": s}),
               _entry("send", "Send an email to a colleague.", {"to": s, "subject": s}),
               _entry("pay", "Pay on a blockchain network.", {"network": s, "to": s}),
               _entry("blur", "Blur an image under a mask.", {"mask": s}))
    kinds = {n.tool: n.params for n in g.nodes}
    assert kinds["in_block"] == {"address": "ipv4", "block": "ipv4_network"}
    assert kinds["send"]["to"] == "email"
    assert kinds["pay"] == {"network": None, "to": None}
    assert kinds["blur"] == {"mask": None}


def test_addresses_come_from_the_world_and_are_said_with_what_they_belong_to():
    g = _graph(_entry("plan", "Plan a block.", {"network_base": {"type": "string"}, "ip_address": {"type": "string"}}))
    bases = literal_values(g, "ipv4", {"type": "string"}, "s", "network_base")
    hosts = literal_values(g, "ipv4", {"type": "string"}, "s", "ip_address")
    assert bases and all(str(ipaddress.IPv4Address(b)).endswith(".0") for b in bases)
    assert hosts and not set(hosts) & set(bases)
    assert all(e.endswith("@brightwater.example") for e in literal_values(g, "email", {"type": "string"}, "s"))
    assert addresses.words("ipv4_network", "10.20.0.0/16") == "the Lisbon office network 10.20.0.0/16"
    assert addresses.words("email", "marta.quintela@brightwater.example") == \
        "Marta Quintela (marta.quintela@brightwater.example)"
    assert addresses.words("ipv4", "10.9.9.9") == "10.9.9.9"


def test_outputs_give_hosts_and_masks_apart():
    out = json.dumps({"network_address": "10.20.4.0", "subnet_mask": "255.255.252.0", "wildcard": "0.0.3.255",
                      "first_usable": "10.20.4.1", "cidr": "10.20.4.0/22", "owner": "ops@brightwater.example"})
    assert [v for _, _, v in find_values("ipv4", out)] == ["10.20.4.0", "10.20.4.1"]
    assert [v for _, _, v in find_values("netmask", out)] == ["255.255.252.0"]
    assert [v for _, _, v in find_values("ipv4_network", out)] == ["10.20.4.0/22"]
    assert [v for _, _, v in find_values("email", out)] == ["ops@brightwater.example"]


def test_a_parameter_with_no_schema_is_filled_by_what_its_name_says():
    assert param_kind("amount", {}) == "number"
    assert param_kind("start_date", {}) == "date"
    assert param_kind("category", {}) is None


def test_a_subnet_planner_whose_parameters_are_bare_names_gives_tasks_on_office_networks(tmp_path):
    spec = ServerSpec(name="netplan", command=sys.executable, args=[str(NETPLAN)])
    tasks = valid_tasks(spec, tmp_path / "a.jsonl", n=8, seed=1)
    assert len(tasks) >= 5
    given = [v for t in tasks for s in t["reference"] for p, v in s["arguments"].items() if p not in s["bindings"]]
    for v in given:
        if isinstance(v, str):
            ipaddress.ip_network(v, strict=False)  # every literal is an address, a network or a mask
    assert any(re.search(r"the \w+ office network \d", t["fuzzy"]) for t in tasks)


SPENDBOOK = Path(__file__).parent / "servers" / "spendbook_server.py"


def test_a_write_with_untyped_parameters_and_a_bare_recipient_is_seeded_and_says_what_it_was_given(tmp_path):
    import anyio

    from tests.synth._baselines import synthesized, validated_and_scored

    spec = ServerSpec(name="spendbook", command=sys.executable, args=[str(SPENDBOOK)], stateful=True)
    state, suite = anyio.run(synthesized, spec, tmp_path, 6, 1)
    entry = next(e for e in state.entries if e.name == "log_spend")
    assert "type" not in (entry.input_schema or {})["properties"]["date"]  # the shape under test: no type at all
    seeded = [t for t in suite.tasks if "seeded" in t.tags]
    tools = {s.tool for t in seeded for s in t.reference}
    assert {"log_spend", "mail_report"} <= tools, [r.reasons for r in state.rejected if r.stage == "seed"]
    for t in seeded:
        for s in t.reference:
            if s.tool == "log_spend":
                assert re.search(rf"a date of {s.arguments['date']}\b", t.fuzzy), t.fuzzy
                assert f"an amount of {s.arguments['amount']}" in t.fuzzy, t.fuzzy
            if s.tool == "mail_report":
                assert s.arguments["to"].endswith("@brightwater.example")
                assert "addressed to " in t.fuzzy and s.arguments["to"] in t.fuzzy, t.fuzzy
            if s.tool == "spends_between":
                assert s.arguments["start_date"] <= s.arguments["end_date"]
    anyio.run(validated_and_scored, spec, suite, tmp_path)


SWITCHBOARD = Path(__file__).parent / "servers" / "switchboard_server.py"


def test_a_run_that_makes_nothing_says_why_for_every_tool(tmp_path):
    """Pins the silent zero: 0 candidates with nothing in rejected.jsonl nor in the summary."""
    import anyio

    from tests.synth._cli import run_mcpbench

    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"version: 1\nservers:\n  - name: switchboard\n    command: {sys.executable}\n"
                   f"    args: [{str(SWITCHBOARD)!r}]\n", encoding="utf-8")
    code, out, err = anyio.run(lambda: run_mcpbench("synth", "--config", str(cfg), "--n", "3", "--out", "s.jsonl",
                                                    cwd=tmp_path, timeout=300))
    assert code == 1, err  # fewer tasks than wanted
    rejected = [json.loads(line) for line in (tmp_path / "s.rejected.jsonl").read_text().splitlines()]
    why = {r["id"]: r["reasons"][0] for r in rejected if r["stage"] == "sample"}
    assert set(why) == {"switchboard/trunk_details", "switchboard/board_layout", "switchboard/find_extension"}
    assert "no value for trunk_code" in why["switchboard/trunk_details"]
    assert "required choice of layout_format" in why["switchboard/board_layout"]
    assert "no value for query (a search)" in why["switchboard/find_extension"]
    text = " ".join(out.split())
    assert "tools no chain calls" in text and "trunk_details: no value for trunk_code" in text
