"""The whole default fleet, installed and launched as servers.yaml declares it: every server connects and lists tools,
the fleet's size meets the issue-21 floor, and each new domain answers one call on the Brightwater world."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import anyio
import pytest

from mcpbench.config import load_config
from mcpbench.fleet import Fleet
from mcpbench.install import install_servers_async
from mcpbench.world import SOURCE_DIR, World

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
CONFIG = SOURCE_DIR.parent / "servers.yaml"


def _targets_total(world: World, office: str) -> int:
    with (world.sheets_dir / "sales_targets.csv").open(encoding="utf-8") as f:
        return round(sum(float(r["target_eur"]) for r in csv.DictReader(f) if r["office_id"] == office))


async def test_every_fleet_server_connects_lists_tools_and_each_new_domain_answers_on_the_world(tmp_path: Path) -> None:
    specs = [s for s in load_config(CONFIG).servers if s.enabled]
    results = await install_servers_async(specs)  # cached when already installed
    assert [r.name for r in results if r.status == "failed"] == [], results
    world = World.ensure()
    orders = world.manifest.db_rows["orders"]
    lis_target = _targets_total(world, "LIS")
    # server → [(tool, arguments, text the answer must contain)], calls in order within one episode
    smoke: dict[str, list[tuple[str, dict[str, object], str]]] = {
        "csv": [("load_csv", {"file_path": "orders.csv"}, f'"rows_affected":{orders}')],
        "sheets": [("run_query", {"file_path": "brightwater.xlsx", "sheet_name": "Targets",
                                  "sql": "SELECT SUM(target_eur) AS t FROM data WHERE office_id = 'LIS'"},
                    str(lis_target))],
        "profiler": [("column_stats", {"path": "orders.csv", "column": "total_eur"}, f'"count": {orders}')],
        "docx": [("open_document", {"path": "memos/2026-09-22-price-update.docx"}, "paragraph_count"),
                 ("search_text", {"query": "1,350"}, "EUR 1,350")],
        "pdf": [("read_pdf", {"sources": [{"path": "policies/returns-policy.pdf"}], "include_full_text": True},
                 "restocking fee")],
        "handbook": [("find_text", {"document_name": "policies", "search_text": "restocking"}, "15 %")],
        "loans": [("calculate_loan_payment", {"principal": 20000, "annual_rate": 0.05, "years": 3}, "599.4")],
        "fincalc": [("percent_change", {"old_value": 1290, "new_value": 1350}, "4.65")],
        "bizday": [("business_days_between", {"start_date": "2026-10-01", "end_date": "2026-10-31", "country": "PT"},
                    '"business_days":21')],
        "text": [("count_chars", {"text": "BW-AQ-310"}, '"digits": 3')],
        "drawio": [("diagram", {"action": "create", "name": "org"}, "created"),
                   ("draw", {"action": "add_vertices", "diagram_name": "org",
                             "vertices": [{"label": "Marta Quintela", "x": 0, "y": 0}]}, ""),
                   ("inspect", {"action": "cells", "diagram_name": "org"}, "Marta Quintela")],
        "chemdraw": [("generate_molecule", {"name_or_smiles": "CCO"}, "")],
    }
    answers: dict[str, list[tuple[str, str, str]]] = {}
    with anyio.fail_after(300):
        async with Fleet.open(specs, log_dir=tmp_path) as fleet:
            status = fleet.status
            down = {n: s.error for n, s in status.items() if s.status != "connected"}
            assert down == {}, down
            assert all(s.tools >= 1 for s in status.values())
            assert len(status) >= 20
            assert sum(s.tools for s in status.values()) >= 250
            assert len({s.domain for s in specs}) >= 10
            async with fleet.episode("smoke", servers=list(smoke)) as ep:
                for server, calls in smoke.items():
                    for tool, args, _ in calls:
                        out = await ep.call_real(server, tool, args, timeout=60)
                        answers.setdefault(server, []).append((tool, out.outcome, out.content or ""))
    for server, calls in smoke.items():
        for (tool, _, expected), (_, outcome, text) in zip(calls, answers[server], strict=True):
            assert outcome == "ok", (server, tool, text[:300])
            assert expected in text, (server, tool, expected, text[:300])
            assert json.dumps(text)  # text content, not a binary blob
