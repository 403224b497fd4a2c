"""docs/check.md lists every registered check with its id and severity (the doc is the contract CI users read)."""

from __future__ import annotations

import re
from pathlib import Path

from mcpbench.check import checks

DOC = Path(__file__).resolve().parents[2] / "docs" / "check.md"


def test_every_check_is_documented_with_its_severity() -> None:
    rows = dict(re.findall(r"^\| `([a-z_.]+)` \| (error|warn|info) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    registered = {c.id: c.severity for c in checks()}
    assert {k: v for k, v in rows.items() if k in registered} == registered
    assert set(rows) - set(registered) == {"usability.model"}
