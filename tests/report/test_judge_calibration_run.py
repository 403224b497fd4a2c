"""A real run judged by two judges on the scripted OpenAI-compatible endpoint (real HTTP, the real openai SDK): the
report, results.json, the bundle and the leaderboard all carry each judge's agreement with the verifiable checks, and
the lenient judge is flagged (issue 21 item 5)."""

from __future__ import annotations

import json

import anyio
import pytest
from fixtures import toy_suite, write_config

from judges.rubric import DIMENSIONS
from mcpbench.bundle import verify_bundle, write_bundle
from mcpbench.leaderboard import write_leaderboard
from mcpbench.models.scripted import DO_NOTHING_ANSWER
from mcpbench.report import write_report
from mcpbench.runner import Runner, RunOptions
from mcpbench.testing import FakeLLM, FakeTurn, RecordedRequest

pytestmark = pytest.mark.anyio


def _judge(req: RecordedRequest) -> FakeTurn:
    """openai/lenient scores everything 9; openai/strict scores 10 unless the agent answered nothing useful."""
    prompt = json.dumps(req.body["messages"])
    score = 9 if req.body["model"] == "lenient" else (1 if DO_NOTHING_ANSWER in prompt else 10)
    return FakeTurn(text=json.dumps({d: score for d in DIMENSIONS}))


async def test_a_judged_run_reports_each_judges_agreement_with_the_checks_and_flags_the_lenient_one(tmp_path,
                                                                                                    monkeypatch):
    cfg = write_config(tmp_path / "servers.yaml")
    suite = tmp_path / "toy.jsonl"
    toy_suite(3).dump(suite)
    async with FakeLLM(responder=_judge) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base_url)
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        opts = RunOptions(models=["scripted/oracle", "scripted/do-nothing"], suite=str(suite), config=cfg,
                          out=tmp_path / "run", judges=["openai/lenient", "openai/strict"])
        with anyio.fail_after(240):
            res = await Runner(opts).run()
    assert res.state == "completed"
    write_report(tmp_path / "run")
    assert {r.body["model"] for r in fake.requests} == {"lenient", "strict"} and len(fake.requests) == 12
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    cal = results["judges"]["calibration"]
    lenient, strict, panel = (cal["judges"][k] for k in ("openai/lenient", "openai/strict", "panel"))
    assert lenient["confusion"] == {"tp": 3, "fp": 3, "fn": 0, "tn": 0} and lenient["flagged"]
    assert lenient["alpha"] == pytest.approx(-2 / 9)  # o11 6, o10 = o01 3, n 12, n1 9, n0 3: 1 − (6/12)/(54/132)
    assert strict["confusion"] == {"tp": 3, "fp": 0, "fn": 0, "tn": 3} and strict["alpha"] == 1.0
    assert not strict["flagged"] and panel["confusion"]["tp"] == 3  # panel mean (9 + 1)/2 = 5 → 4/9 < 0.5 on do-nothing
    assert panel["confusion"]["tn"] == 3 and cal["flagged"] == ["openai/lenient"]
    md = (tmp_path / "run" / "results.md").read_text()
    assert "Agreement with the checks on task completion" in md and "FLAGGED" in md
    assert "Agreement with the checks" in (tmp_path / "run" / "report.html").read_text()

    bundle = write_bundle(tmp_path / "run", tmp_path / "run.tar.gz")
    assert verify_bundle(bundle).ok  # the calibration is re-computed from the bundled scores, like every number
    lb, paths = write_leaderboard([bundle], tmp_path / "board")
    row = lb.groups[0].rows[0]
    assert row.judges == ["openai/lenient", "openai/strict"] and row.flagged_judges == ["openai/lenient"]
    assert row.judge_agreement["openai/strict"] == 1.0
    assert "openai/lenient α -0.222 (flagged)" in paths["md"].read_text()
