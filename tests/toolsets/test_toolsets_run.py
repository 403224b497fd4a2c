"""`mcpbench run --tools retrieval|all` end to end: the real toy server, a scripted endpoint through the OpenAI SDK."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.runner import RunError, Runner, RunOptions
from mcpbench.store import RunStore
from mcpbench.testing.fake_llm import FakeLLM
from mcpbench.toolsets import Toolset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))
from fixtures import toy_suite, write_config


def _run(tmp_path: Path, turns: list[dict], toolset: Toolset) -> tuple[object, list]:
    cfg = write_config(tmp_path / "servers.yaml")
    suite = tmp_path / "toy.jsonl"
    toy_suite(1).dump(suite)

    async def go() -> tuple[object, list]:
        with anyio.fail_after(120):
            async with FakeLLM(turns) as fake:
                res = await Runner(RunOptions(models=["openai/fake"], suite=str(suite), config=cfg,
                                              out=tmp_path / "run", base_url=fake.openai_base_url,
                                              toolset=toolset, concurrency=1)).run()
                return res, fake.requests

    return anyio.run(go)


def test_a_retrieval_run_finds_the_tool_calls_it_and_scores_recall_and_tool_list_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "home"))
    # toy-000: 2 + 3 = 5, then 5 + 5 = 10
    turns = [{"tool_calls": [{"name": "search_tools", "arguments": {"query": "add two integers"}}]},
             {"tool_calls": [{"name": "toy__add", "arguments": {"a": 2, "b": 3}}]},
             {"tool_calls": [{"name": "toy__add", "arguments": {"a": 5, "b": 5}}]},
             {"text": "You have 10."}]
    res, requests = _run(tmp_path, turns, Toolset(mode="retrieval", ranker="bm25", top_k=3))
    offered = [[t["function"]["name"] for t in r.body.get("tools", [])] for r in requests]
    assert offered[0] == ["search_tools"]
    assert offered[1] == ["search_tools", "toy__add"]  # bm25 returns only tools sharing a word with the query
    with RunStore(res.run_dir) as store:
        [(_, score)] = list(store.scores().items())
        assert store.get_meta("spec")["toolset"]["mode"] == "retrieval"
    ts = score["toolset"]
    assert ts["mode"] == "retrieval" and ts["retrieval_recall"] == 1.0 and ts["reference_tools"] == 1
    assert ts["requests"] == 4 and ts["searches"] == 1 and ts["tool_list_tokens"] > 0
    assert score["rules"]["valid_name_rate"] == 1.0  # the search_tools call is not a fleet call
    assert score["passed"] is True
    model = res.results["models"]["openai/fake"]
    assert model["toolset"]["retrieval_recall"] == 1.0


def test_all_mode_over_the_cap_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "home"))
    with pytest.raises(RunError, match="accepts at most 2 per request"):
        _run(tmp_path, [{"text": "x"}], Toolset(mode="all", cap=2))


@pytest.mark.parametrize("args, message", [
    (["--tools", "everything"], "--tools must be 'task', 'all' or 'retrieval'"),
    (["--tools", "retrieval", "--tool-ranker", "magic"], "--tool-ranker must be one of"),
    (["--tools", "all", "--on-tool-cap", "drop"], "--on-tool-cap must be 'error' or 'truncate'"),
])
def test_bad_toolset_options_are_refused_before_anything_starts(args, message):
    from typer.testing import CliRunner

    from mcpbench.cli import app

    res = CliRunner().invoke(app, ["run", "-m", "scripted/oracle", *args], catch_exceptions=False)
    assert res.exit_code == 2 and message in res.stderr
