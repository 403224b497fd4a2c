"""The description rubric, confusable tools, context cost and annotation probes on real servers of the default fleet:
findings that are true of them, and no false alarm from the behaviour probes (stateful servers, in their sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from mcpbench.check import CheckOptions, CheckReport, run_check
from mcpbench.check.target import spec_target
from mcpbench.cli import app
from mcpbench.config import load_config
from mcpbench.install import is_installed

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = CheckOptions(call_timeout_s=30.0, connect_timeout_s=60.0)
SERVERS = ("memory", "filesystem", "git", "sqlite")
_REPORTS: dict[str, CheckReport] = {}


@pytest.fixture(scope="module")
def installed() -> None:
    config = load_config(ROOT / "servers.yaml")
    names = [n for n in SERVERS if not is_installed(config.get(n))]
    if names:
        subprocess.run([sys.executable, "-c", "from mcpbench.cli import main; main()", "servers", "install", *names,
                        "--config", str(ROOT / "servers.yaml")], check=True, timeout=900)


async def report_of(name: str) -> CheckReport:
    if name not in _REPORTS:
        with anyio.fail_after(300):
            async with spec_target(load_config(ROOT / "servers.yaml").get(name)) as target:
                _REPORTS[name] = await run_check(target, OPTIONS)
    return _REPORTS[name]


@pytest.mark.anyio
async def test_the_memory_servers_read_only_tools_are_probed_and_its_two_delete_tools_are_confusable(
        installed: None) -> None:
    report = await report_of("memory")
    ann = report.by_id("schemas.annotations")
    assert ann.status == "pass", ann.details
    probed = {p["tool"]: p for p in ann.data["probes"]}
    assert "read_graph" in probed and all(p["changed"] == [] and p["retry"] == "ok" for p in probed.values())
    pairs = {(p["a"], p["b"]) for p in report.by_id("schemas.confusable_tools").data["pairs"]}
    assert ("delete_entities", "delete_relations") in pairs


@pytest.mark.anyio
async def test_the_filesystem_servers_two_listing_tools_are_confusable_and_its_hints_hold(installed: None) -> None:
    report = await report_of("filesystem")
    pair = next(p for p in report.by_id("schemas.confusable_tools").data["pairs"] if p["a"] == "list_directory")
    assert pair["b"] == "list_directory_with_sizes" and pair["description"] >= 0.6
    assert report.by_id("schemas.annotations").status == "pass"
    cost = report.by_id("usability.context_cost")
    assert cost.status == "pass" and 1000 < cost.data["total_tokens"] < 5000 and len(cost.data["tools"]) == 14


@pytest.mark.anyio
async def test_the_git_servers_staged_and_unstaged_diffs_are_confusable_and_its_terse_tools_score_low(
        installed: None) -> None:
    report = await report_of("git")
    pairs = {(p["a"], p["b"]) for p in report.by_id("schemas.confusable_tools").data["pairs"]}
    assert ("git_diff_unstaged", "git_diff_staged") in pairs
    quality = report.by_id("schemas.description_quality")
    assert quality.status == "warn" and quality.data["score"] < 60
    assert any(d.startswith("git_commit.message: parameter 'message' has no description") for d in quality.details)


@pytest.mark.anyio
async def test_the_sqlite_servers_writing_tools_without_hints_are_named(installed: None) -> None:
    report = await report_of("sqlite")
    ann = report.by_id("schemas.annotations")
    assert ann.status == "warn"
    assert {d.split(":")[0] for d in ann.details} == {"write_query", "create_table", "append_insight"}


def test_with_embeddings_the_deprecated_read_tool_and_its_replacement_are_confusable(installed: None) -> None:
    """`--embeddings` (mcpbench.embeddings, MiniLM): a pair with few shared words but one meaning, which the lexical
    signals miss, is flagged by the cosine similarity; the lexical pair is still there."""
    result = CliRunner().invoke(app, ["check", "--json", "--embeddings", "--server", "filesystem", "--config",
                                      str(ROOT / "servers.yaml")])
    assert result.exit_code == 0, result.output
    confusable = next(r for r in json.loads(result.stdout)["results"] if r["id"] == "schemas.confusable_tools")
    pairs = {(p["a"], p["b"]): p for p in confusable["data"]["pairs"]}
    assert confusable["data"]["embeddings"] is True
    assert "embeddings" in " ".join(pairs[("read_file", "read_text_file")]["reasons"])
    assert ("list_directory", "list_directory_with_sizes") in pairs
