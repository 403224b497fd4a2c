"""`mcpbench check` in CI: --baseline fails only on regressions, SARIF/JUnit/JSON and the badge are written, and the
composite GitHub Action's own script runs the command as documented (on the rubric fixture servers, for real)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from check_helpers import FIXTURES
from ruamel.yaml import YAML
from typer.testing import CliRunner

from mcpbench.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def rubric_cmd(rule: str) -> list[str]:
    return ["--", sys.executable, str(FIXTURES / "rubric_rules.py"), rule]


def test_a_baseline_run_fails_only_when_something_got_worse(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    first = runner.invoke(app, ["check", "--call-timeout", "5", "--json-out", str(good), *rubric_cmd("exemplary")])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["check", "--call-timeout", "5", "--json-out", str(bad),
                                 *rubric_cmd("purpose.missing")])
    assert second.exit_code == 0, "warnings alone do not fail the run"
    worse = runner.invoke(app, ["check", "--json", "--call-timeout", "5", "--baseline", str(good),
                                *rubric_cmd("purpose.missing")])
    assert worse.exit_code == 1
    regressions = {c["id"] for c in json.loads(worse.stdout)["baseline"]["regressions"]}
    assert regressions == {"schemas.tool_descriptions", "schemas.description_quality"}
    better = runner.invoke(app, ["check", "--call-timeout", "5", "--baseline", str(bad), *rubric_cmd("exemplary")])
    assert better.exit_code == 0 and "no regression since the baseline" in better.output


def test_a_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    result = runner.invoke(app, ["check", "--baseline", str(junk), *rubric_cmd("exemplary")])
    assert result.exit_code == 2 and "not a `mcpbench check --json` report" in " ".join(result.output.split())


def test_sarif_junit_json_and_the_badge_are_written_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "ci"
    result = runner.invoke(app, ["check", "--call-timeout", "5", "--junit", str(out / "check.xml"), "--sarif",
                                 str(out / "check.sarif"), "--sarif-artifact", "server.py",
                                 *rubric_cmd("disambiguation.confusable")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["check.sarif", "check.xml", "mcpbench-check.svg"]
    sarif = json.loads((out / "check.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"schemas.confusable_tools"}  # passing checks add no result
    pair = next(r for r in results if r["ruleId"] == "schemas.confusable_tools")
    assert pair["message"]["text"].startswith("echo_text ↔ echo_texts")
    assert pair["locations"][0]["logicalLocations"][0]["name"] == "echo_text"
    assert "1 warning · 96/100" in (out / "mcpbench-check.svg").read_text()


def test_the_github_action_script_runs_the_check_and_reports_its_exit_code(tmp_path: Path) -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "mcpbench").write_text(f"#!/bin/sh\nexec {sys.executable} -m mcpbench.cli \"$@\"\n")
    (shim / "mcpbench").chmod(0o755)
    out = tmp_path / "out"
    gh_out = tmp_path / "github_output"
    env = {"PATH": f"{shim}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", ""), "GITHUB_OUTPUT": str(gh_out),
           "PYTHONPATH": str(ROOT), "MCPB_COMMAND": f"{sys.executable} {FIXTURES / 'rubric_rules.py'} purpose.missing",
           "MCPB_URL": "", "MCPB_SERVER": "", "MCPB_CONFIG": "", "MCPB_ARGS": "--call-timeout 5",
           "MCPB_FAIL_ON": "warn", "MCPB_BASELINE": "", "MCPB_MODEL": "", "MCPB_SARIF_ARTIFACT": "server.py",
           "MCPB_OUT": str(out)}
    done = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=300,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the step records the verdict; the last step turns it into the exit
    outputs = dict(line.split("=", 1) for line in gh_out.read_text().splitlines())
    assert outputs["exit-code"] == "1"  # --fail-on warn and the fixture warns
    assert {p.name for p in out.iterdir()} >= {"report.json", "check.xml", "check.sarif", "mcpbench-check.svg"}
    assert json.loads((out / "report.json").read_text())["results"]


def test_embeddings_without_the_embedding_module_is_a_clear_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mcpbench.embeddings", None)  # as on an install without it
    result = runner.invoke(app, ["check", "--embeddings", *rubric_cmd("exemplary")])
    assert result.exit_code == 2
    assert "--embeddings is not available: it needs mcpbench.embeddings.embed" in " ".join(result.output.split())
