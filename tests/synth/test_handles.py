"""Handles (task_synth/handles.py): a server whose every read takes the session id another tool opens
(tests/synth/servers/tally_server.py, real stdio, a fresh instance and copy of the world's sheets per episode).

Probing finds the opener and which output key carries the handle, fills the opener from the world's files the server
sees, probes the reads after it with the handle bound, and walks put the opener first and bind its handle; the
request names the file, never the handle or the opener. On a shared server nothing is opened and no read that needs
a handle is ever called."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import Isolation, ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import ChainStep, HandleSource, ToolGraph, ToolNode
from task_synth.handles import MARK, is_handle_param, mask, with_handles
from tests.synth._baselines import run_baselines

TALLY = Path(__file__).parent / "servers" / "tally_server.py"
RX = r'"session_id"\s*:\s*"([^"\n]+)"'


def tally(log: Path, *, stateful: bool = True) -> ServerSpec:
    if stateful:
        return ServerSpec(name="tally", command=sys.executable, args=[str(TALLY)], cwd="${EPISODE_DIR}/sheets",
                          env={"TALLY_LOG": str(log)}, stateful=True, isolation=Isolation(copy=["sheets"]))
    return ServerSpec(name="tally", command=sys.executable, args=[str(TALLY)], cwd="${WORLD}/sheets",
                      env={"TALLY_LOG": str(log)})


def _graph() -> ToolGraph:
    nodes = [ToolNode(server="s", tool="load", sha256="", params={"file_path": "path"}, read_only=False),
             ToolNode(server="s", tool="stats", sha256="", params={"session_id": None}, read_only=True),
             ToolNode(server="t", tool="calc", sha256="", params={"expression": "expression"}, read_only=True)]
    return ToolGraph(nodes=nodes, handles=[HandleSource(server="s", tool="load", param="session_id", extract=RX,
                                                        arguments=[{"file_path": "a.csv"}, {"file_path": "b.csv"}])])


def test_a_parameter_named_like_an_id_or_session_with_no_kind_is_a_handle():
    assert is_handle_param("session_id", {"type": "string"}, None)
    assert is_handle_param("requestId", {"type": "string"}, None)
    assert is_handle_param("deck_handle", {"type": "string"}, None)
    assert not is_handle_param("session_id", {"type": "string"}, "entity")  # a known kind fills it
    assert not is_handle_param("column", {"type": "string"}, None)


def test_a_walk_step_that_needs_a_handle_gets_its_opener_first_and_later_bindings_move_along():
    g = _graph()
    walk = [ChainStep(server="s", tool="stats"),
            ChainStep(server="t", tool="calc", bindings={"expression": "template:{{step[0]:(\\d+)}} * 2"},
                      depends_on=[0])]
    out = with_handles(g, walk, random.Random(1))
    assert [s.tool for s in out] == ["load", "stats", "calc"]
    assert out[0].arguments in ({"file_path": "a.csv"}, {"file_path": "b.csv"})
    assert out[1].bindings == {"session_id": f"step[0]:{RX}"} and out[1].depends_on == [0]
    assert out[2].bindings == {"expression": "template:{{step[1]:(\\d+)}} * 2"} and out[2].depends_on == [1]
    # the same seed draws the same file; a step already bound is left alone
    assert with_handles(g, walk, random.Random(1)) == out
    bound = [ChainStep(server="s", tool="load", arguments={"file_path": "a.csv"}),
             ChainStep(server="s", tool="stats", bindings={"session_id": f"step[0]:{RX}"}, depends_on=[0])]
    assert with_handles(g, bound, random.Random(1)) == bound


def test_handle_values_are_masked_longest_first_and_short_values_are_left():
    assert mask('{"session_id": "abc-123", "n": 1}', ["abc-123", "1"]) == f'{{"session_id": "{MARK}", "n": 1}}'


async def _synth(tmp: Path, name: str, log: Path) -> tuple[bytes, object]:
    async with Fleet.open([tally(log)]) as fleet:
        options = SynthOptions(servers=["tally"], n=6, seed=3, variants=2, seed_world=False)
        state = await synthesize(fleet, options,
                                 work=tmp / name)
        out = tmp / f"{name}.jsonl"
        write_outputs(state, out, "tally")
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_reads_that_take_an_opened_session_become_verified_walks_through_the_opener(tmp_path):
    log = tmp_path / "calls.jsonl"
    with anyio.fail_after(600):
        a, state = await _synth(tmp_path, "a", log)
        b, _ = await _synth(tmp_path, "b", log)
    assert a == b  # same seed, same bytes, although every episode draws new session ids
    handles = [(h.tool, h.param, h.opener) for h in state.graph.handles]
    assert handles == [("create_session", "session_id", True)]  # the listing shows no session on a fresh instance
    assert sorted(state.graph.handles[0].arguments, key=str)[0]["file_path"].endswith(".csv")
    probed = {n.tool for n in state.graph.nodes if n.probe and n.probe.outcome == "ok"}
    assert {"row_count", "numeric_totals", "column_names"} <= probed
    assert "close_session" not in probed  # a removal is neither an opener nor a read
    suite = Suite.load(tmp_path / "a.jsonl")
    assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected]
    for t in suite.tasks:
        assert t.reference[0].tool == "create_session" and t.reference[0].arguments["file_path"].endswith(".csv")
        assert all(s.bindings.get("session_id", "").startswith("step[0]:") for s in t.reference[1:])
        assert "live-varying" not in t.tags  # the session id is masked, the figures are not live
        assert t.reference[0].arguments["file_path"] in t.fuzzy  # the file is what a person knows
        assert not any(s.tool in t.fuzzy for s in t.reference) and "session_id" not in t.fuzzy  # no call, no handle
    async with Fleet.open([tally(log)]) as fleet:
        with anyio.fail_after(300):
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls and all(c["known"] for c in calls)  # no read ever got a made-up session
    await run_baselines(tmp_path / "a.jsonl", f"  - name: tally\n    command: {sys.executable}\n"
                        f"    args: [{json.dumps(str(TALLY))}]\n    cwd: '${{EPISODE_DIR}}/sheets'\n"
                        f"    stateful: true\n    isolation: {{copy: [sheets]}}\n", tmp_path)


@pytest.mark.anyio
async def test_on_a_shared_server_nothing_is_opened_and_no_read_that_needs_a_handle_is_called(tmp_path):
    log = tmp_path / "calls.jsonl"
    with anyio.fail_after(300):
        async with Fleet.open([tally(log, stateful=False)]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["tally"], n=3, seed=3, seed_world=False))
    assert state.graph.handles == [] and state.tasks == []
    assert not log.exists() or log.read_text() == ""
