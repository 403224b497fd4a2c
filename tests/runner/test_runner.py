"""`mcpbench run` end to end on a real subprocess server: baselines, resume after SIGKILL, drift, isolation of runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from fixtures import toy_suite, write_config

import mcpbench.executors.local as local_executor
from mcpbench.runner import RunError, Runner, RunOptions
from mcpbench.store import RunStore
from task_synth.task import Provenance, Suite

TIMING = {"speed"}
"""Wall-clock dimensions: real measurements, so they differ between any two runs (docs/metrics.md)."""


def _stable(results: dict) -> dict:
    """Results without wall-clock measurements (speed, *_time_s totals, latencies)."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in TIMING and not k.endswith("time_s")
                    and "latency" not in k}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(json.loads(json.dumps(results)))


def _run(cfg: Path, suite: Path, out: Path, *models: str, **kw) -> object:
    return anyio.run(Runner(RunOptions(models=list(models), suite=str(suite), config=cfg, out=out, **kw)).run)


def test_the_oracle_scores_near_one_and_do_nothing_near_zero(world, tmp_path):
    cfg, suite = world
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", "scripted/do-nothing")
    assert res.state == "completed"
    models = res.results["models"]
    assert models["scripted/oracle"]["overall"]["mean"] >= 0.95
    assert models["scripted/do-nothing"]["overall"]["mean"] <= 0.05
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 8}
        assert store.get_meta("state") == "completed"
        assert store.get_meta("spec")["suite_sha256"] == store.get_meta("manifest")["suite_sha256"]


def test_rerunning_the_same_command_resumes_without_repeating_episodes(world, tmp_path):
    cfg, suite = world
    out = tmp_path / "run"
    first = _run(cfg, suite, out, "scripted/oracle", max_episodes=2)
    assert first.state == "partial"
    with RunStore(out) as store:
        done_before = {e.episode_id: e.trajectory.wall_time_s for e in store.episodes()}
    assert len(done_before) == 2
    second = _run(cfg, suite, out, "scripted/oracle")
    assert second.state == "completed" and second.run_id == first.run_id
    with RunStore(out) as store:
        after = {e.episode_id: e.trajectory.wall_time_s for e in store.episodes()}
    assert len(after) == 4
    assert all(after[k] == v for k, v in done_before.items())  # the first two were not re-run


def test_a_run_killed_mid_way_resumes_to_the_same_final_scores(world, tmp_path):
    cfg, suite = world
    reference = _run(cfg, suite, tmp_path / "uninterrupted", "scripted/oracle")
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "mcpbench.cli.__main__", "run", "-m", "scripted/oracle", "--suite", str(suite),
           "--config", str(cfg), "--out", str(out), "--quiet", "--no-report", "--concurrency", "1",
           "--model-opt", "latency_s=0.4"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:  # polling another process's store: there is nothing to await
            if (out / "store.sqlite").exists():
                with RunStore(out) as s:
                    if len(s.done_ids()) >= 1:
                        break
            time.sleep(0.1)
        else:
            pytest.fail("the run never recorded an episode: " + proc.stderr.read().decode()[-2000:])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with RunStore(out) as s:
        assert s.integrity_ok()
        partial = len(s.done_ids())
    assert 1 <= partial < 4
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-600:]
    with RunStore(out) as s:
        assert len(s.done_ids()) == 4 and s.get_meta("state") == "completed"
        results = s.get_meta("results")
    assert _stable(results) == _stable(reference.results)


def test_tool_definition_drift_stops_the_run_unless_allowed(world, tmp_path):
    cfg, suite = world
    from task_synth.task import Provenance, Suite

    s = Suite.load(suite)
    drifted = Suite(name="drift", tasks=[t.model_copy(update={"provenance": Provenance(
        tool_sha256={"toy/add": "0" * 64})}) for t in s.tasks])
    path = tmp_path / "drift.jsonl"
    drifted.dump(path)
    with pytest.raises(RunError, match="toy/add: definition changed"):
        _run(cfg, path, tmp_path / "d1", "scripted/oracle")
    res = _run(cfg, path, tmp_path / "d2", "scripted/oracle", allow_drift=True)
    assert res.drift and res.state == "completed"
    with RunStore(res.run_dir) as store:
        assert store.get_meta("manifest")["allow_drift"] is True


def test_a_run_dir_holding_another_run_is_refused(world, tmp_path):
    cfg, suite = world
    _run(cfg, suite, tmp_path / "r", "scripted/do-nothing")
    with pytest.raises(RunError, match="holds another run"):
        _run(cfg, suite, tmp_path / "r", "scripted/oracle")


async def _toy_hashes(cfg: Path) -> dict[str, str]:
    from mcpbench.config import load_config
    from mcpbench.fleet import Fleet

    async with Fleet.open(load_config(cfg).servers) as fleet:
        return fleet.catalog.hashes()


def test_an_unreachable_server_makes_its_episodes_infra_failed_and_they_are_counted_apart(tmp_path):
    cfg = write_config(tmp_path / "servers.yaml", timeouts="{connect: 30}")
    text = cfg.read_text().replace("]\n", ", --stderr-then-exit]\n", 1)
    cfg.write_text(text)
    suite = tmp_path / "toy.jsonl"
    # as a synthesized suite does, the tasks record the tool hashes they were made on: the run id then stays the
    # same whether the server is down (its hashes come from the suite) or back (live)
    live = anyio.run(_toy_hashes, write_config(tmp_path / "healthy.yaml"))
    tasks = [t.model_copy(update={"provenance": Provenance(tool_sha256=live)}) for t in toy_suite(2).tasks]
    Suite(name="toy", tasks=tasks).dump(suite)
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", infra_retries=1)
    m = res.results["models"]["scripted/oracle"]
    assert res.failed_servers and "toy" in res.failed_servers
    assert m["infra_failed"] == 2 and m["counted"] == 0
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"infra_failed": 2}
    # the server's stderr outlives the fleet's temp dir: one session directory under RUN_DIR/logs
    [session] = (res.run_dir / "logs").iterdir()
    assert "fatal: missing database file" in (session / "toy.log").read_text()
    # the fleet is fixed: the same command resumes the same run and tries the infra-failed episodes again
    cfg.write_text(text.replace(", --stderr-then-exit]", "]").replace("{connect: 30}", "{connect: 60}"))
    again = _run(cfg, suite, tmp_path / "run", "scripted/oracle", infra_retries=1)
    assert again.run_id == res.run_id and again.state == "completed" and not again.failed_servers
    assert again.results["models"]["scripted/oracle"]["infra_failed"] == 0
    with RunStore(again.run_dir) as store:
        assert store.counts() == {"completed": 2}
        assert store.infra_attempt_counts() == {e: 2 for e in store.done_ids()}  # the first session's, kept


def test_finished_episodes_are_judged_concurrently_not_one_after_another(world, tmp_path, monkeypatch):
    # the runner hands finished episodes to finisher tasks; with a judge panel (network-bound) as many judge at once
    # as episodes run, so a slow judge does not serialise the run
    import judges

    real = judges.judge_panel
    state = {"now": 0, "peak": 0}

    async def slow_panel(*args, **kwargs):
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        try:
            await anyio.sleep(0.3)
            return await real(*args, **kwargs)
        finally:
            state["now"] -= 1

    monkeypatch.setattr(judges, "judge_panel", slow_panel)
    cfg, suite = world
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", judges=["scripted/oracle"], concurrency=4)
    assert res.state == "completed"
    assert state["peak"] > 1
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 4} and len(store.scores()) == 4


def test_episodes_that_finish_together_share_a_commit_and_all_are_stored(world, tmp_path, monkeypatch):
    # without a judge panel the finisher stores the episodes scored close together in one transaction (group commit)
    groups = []
    real = RunStore.record_episodes

    def counting(self, records):
        groups.append(len(records))
        return real(self, records)

    monkeypatch.setattr(RunStore, "record_episodes", counting)
    monkeypatch.setattr(local_executor, "GROUP_WAIT_S", 2.0)  # a loaded machine must not split the groups
    cfg, suite = world
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", "scripted/do-nothing", concurrency=8)
    assert res.state == "completed"
    assert sum(groups) == 8 and len(groups) < 8 and max(groups) > 1
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 8} and len(store.scores()) == 8


def test_a_group_of_episodes_is_stored_whole_or_not_at_all(tmp_path):
    from mcpbench.store import EpisodeRecord
    from mcpbench.trajectory import FinalAnswer, Trajectory

    def traj(i):
        return Trajectory(episode_id=f"e{i}", task_id="t", model="m", prompt="?", final_answer="a",
                          events=[FinalAnswer(turn=1, text="a")], status="completed")

    with RunStore(tmp_path / "run") as store:
        store.record_episodes([EpisodeRecord(traj(i), 1, None, {"overall": i / 2}) for i in range(3)])
        assert store.done_ids() == {"e0", "e1", "e2"} and store.scores()["e2"] == {"overall": 1.0}
        with pytest.raises(TypeError):  # the second record's score cannot be stored: the first is rolled back too
            store.record_episodes([EpisodeRecord(traj(3), 1, None, {"overall": 0.0}),
                                   EpisodeRecord(traj(4), 1, None, {"overall": object()})])
        assert store.done_ids() == {"e0", "e1", "e2"}


def test_the_start_up_heap_is_frozen_while_episodes_run_and_thawed_after(world, tmp_path, monkeypatch):
    import gc

    seen = []
    real = local_executor.execute_episode

    async def watching(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return await real(*args, **kwargs)

    monkeypatch.setattr(local_executor, "execute_episode", watching)
    cfg, suite = world
    before = gc.get_freeze_count()
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle")
    assert res.state == "completed" and len(seen) == 4
    assert min(seen) > before  # the collector skips what existed when the episodes started
    assert gc.get_freeze_count() == before == 0  # and gets it back when they are done
