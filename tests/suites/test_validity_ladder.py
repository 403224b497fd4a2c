"""The validity ladder on a small suite over the live default fleet, through `mcpbench run` itself: the scripted agents
with graded, known faults rank in their true order (oracle > 20 % of bound arguments corrupted > last hop skipped >
random tools > do nothing). The full ladder on `core`, with non-overlapping CIs, is benchmarks/validity_ladder.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mcpbench.models.ladder import FaultyOracle
from mcpbench.validity import RUNGS, ladder_verdict
from task_synth.task import Suite, suite_path

pytestmark = pytest.mark.integration

CHEAP = {"sqlite", "calculator", "time"}
"""Python servers that start fast: the small suite is every core task that uses only these."""


def small_suite() -> Suite:
    core = Suite.load(suite_path("core"))
    return Suite(name="core-small", tasks=[t for t in core.tasks if set(t.servers) <= CHEAP])


def test_the_small_suite_holds_a_task_the_seeded_corruption_reaches():
    """Otherwise the corrupted oracle would tie with the oracle by construction, and the order test would prove
    nothing about the corruption rung."""
    suite, faulty = small_suite(), FaultyOracle(name="x", corrupt=0.2)
    assert len(suite.tasks) >= 8
    assert any(faulty.corrupts(t.id, i, arg) for t in suite.tasks for i, s in enumerate(t.reference)
               for arg in s.bindings)


@pytest.mark.timeout(1800)
def test_the_ladder_ranks_in_its_true_order_on_a_small_suite(tmp_path):
    suite = tmp_path / "core-small.jsonl"
    small_suite().dump(suite)
    cmd = [sys.executable, "-m", "mcpbench.cli", "run", "--suite", str(suite), "--out", str(tmp_path / "run"),
           "--quiet", "--concurrency", "4", *(a for m in RUNGS for a in ("--model", m))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1700)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    verdict = ladder_verdict(results, require_separation=False)
    assert verdict.ordered, verdict.problems
    assert [r.model for r in verdict.rungs] == list(RUNGS)
    top, bottom = verdict.rungs[0], verdict.rungs[-1]
    assert top.overall is not None and top.overall >= 0.95 and bottom.overall is not None and bottom.overall <= 0.05
