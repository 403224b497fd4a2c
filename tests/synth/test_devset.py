"""Synthesis on a real third-party server of the development set (benchmarks/devset.servers.yaml), one the
synthesizer's code never names: offline, no model. The test set-up installs the server (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from task_synth.task import Suite
from tests.synth._cli import run_mcpbench as _mcpbench

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "benchmarks" / "devset.servers.yaml"


@pytest.mark.integration
@pytest.mark.devset("word")
@pytest.mark.timeout(1800)
@pytest.mark.anyio
async def test_a_document_server_never_seen_yields_stateful_tasks_checked_on_the_final_state(tmp_path):
    code, out, err = await _mcpbench("synth", "--config", str(DEVSET), "--servers", "word", "--n", "5", "--seed", "1",
                                     "--out", "w.jsonl", cwd=tmp_path, timeout=900)
    assert code == 0, out + err
    suite = Suite.load(tmp_path / "w.jsonl")
    assert len(suite.tasks) == 5
    for t in suite.tasks:
        assert "stateful" in t.tags and t.state_checks
        assert not any(s.tool in t.fuzzy for s in t.reference)  # no tool-name leaks
        # the write failed on a missing document: creating it was learnt from the error and runs first
        assert len(t.reference) >= 3 and t.reference[0].tool != t.reference[1].tool
    code, out, err = await _mcpbench("tasks", "validate", "w.jsonl", "--config", str(DEVSET), cwd=tmp_path,
                                     timeout=900)
    assert code == 0, out + err
