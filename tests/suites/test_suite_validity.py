"""Suite validity (issues 5 and 6): on the shipped suites over the live default fleet, the do-nothing baseline scores
overall ≤ 0.05 and the oracle ≥ 0.95 — through `mcpbench run` itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mcpbench.store import RunStore

pytestmark = pytest.mark.integration


def _run(suite: str, model: str, out) -> dict:
    cmd = [sys.executable, "-m", "mcpbench.cli.__main__", "run", "--suite", suite, "--model", model, "--out", str(out),
           "--quiet", "--concurrency", "6"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with RunStore(out) as store:
        assert store.get_meta("state") == "completed"
        return store.get_meta("results")["models"][model]


@pytest.mark.timeout(2400)
@pytest.mark.parametrize("suite", ["smoke", "core"])
def test_the_baselines_bracket_the_shipped_suite(suite, tmp_path):
    oracle = _run(suite, "scripted/oracle", tmp_path / "oracle")
    nothing = _run(suite, "scripted/do-nothing", tmp_path / "nothing")
    # infra-failed episodes (e.g. the fetch server timing out on a loaded machine) are excluded from scores and
    # counted apart; a broken server would push this well past the bound
    assert oracle["infra_failed_rate"] <= 0.15 and nothing["infra_failed_rate"] <= 0.15, json.dumps(oracle)[:2000]
    assert oracle["counted"] >= 0.85 * oracle["episodes"]
    assert oracle["overall"]["mean"] >= 0.95, json.dumps(oracle["dimensions"])
    assert nothing["overall"]["mean"] <= 0.05
    assert (tmp_path / "oracle" / "report.html").exists() and (tmp_path / "oracle" / "results.json").exists()
