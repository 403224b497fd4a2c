"""The Ray executor on a local Ray instance: same scores as the local executor, every episode stored once, worker death
re-queued once and then infra-failed, and `mcpbench run --executor ray` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import anyio
import pytest
import ray
from fixtures import toy_suite

from mcpbench.config import ServerSpec, load_config
from mcpbench.executors import ray_executor
from mcpbench.executors.ray_host import connect_ray
from mcpbench.executors.shard import ShardEpisode, ShardPlan, ShardResult, make_shard, run_shard, split_into_shards
from mcpbench.runner import Runner, RunOptions, plan_episodes
from mcpbench.runspec import RunSpec
from mcpbench.store import RunStore

pytestmark = pytest.mark.ray

TIMING = {"speed"}
"""Wall-clock dimensions differ between any two runs (docs/metrics.md)."""
TIMING_TOTALS = {"model_time_s", "tool_time_s"}
"""Per-model wall-clock totals: measured, so they differ too."""


def _stable(results: dict) -> dict:
    out = json.loads(json.dumps(results))
    for m in out["models"].values():
        for d in TIMING:
            m["dimensions"].pop(d, None)
        for k in TIMING_TOTALS:
            m.pop(k, None)
    return out


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray instance (2 CPUs) for the module, started the way the executor starts one; its GCS address."""
    host = anyio.run(partial(connect_ray, None, num_cpus=2))
    assert host is not None
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        host.close()
    assert not ray.is_initialized()


def _run(cfg: Path, suite: Path, out: Path, *models: str, **kw):
    return anyio.run(Runner(RunOptions(models=list(models), suite=str(suite), config=cfg, out=out, **kw)).run)


def _spec(n_tasks: int = 4) -> RunSpec:
    return RunSpec(models=["scripted/oracle"], suite="toy", suite_sha256="0" * 64, tasks=n_tasks, fleet={})


def test_shards_are_consecutive_groups_of_the_plan_in_plan_order():
    plans = plan_episodes(_spec(), toy_suite(5).tasks, ["toy"])
    shards = split_into_shards(plans, 2)
    assert [len(s) for s in shards] == [2, 2, 1]
    assert [p.episode_id for s in shards for p in s] == [p.episode_id for p in plans]
    with pytest.raises(ValueError):
        split_into_shards(plans, 0)


def test_a_shard_plan_survives_its_wire_form_including_aliased_server_fields(tmp_path):
    """Regression: ServerSpec.isolation.copy_ dumped by field name was refused by the worker (extra_forbidden), so
    every shard failed; the wire form is by alias."""
    server = ServerSpec(name="toy", command=sys.executable, args=["x.py"], stateful=True,
                        isolation={"copy": ["repo"]}, timeouts={"connect": 7})
    plans = plan_episodes(_spec(), toy_suite(3).tasks, ["toy"])
    shard = make_shard("s1", plans, _spec(), {"toy": server}, 2, {plans[1].episode_id: 2})
    back = ShardPlan.model_validate_json(shard.to_json())
    assert back == shard
    assert back.servers[0].isolation.copy_ == ["repo"]
    assert [e.attempts_before for e in back.episodes] == [0, 2, 0]
    # 3 episodes at 2 in flight: two waves, each allowed every retry plus a live re-grounding
    per_episode = (_spec().infra_retries + 2) * (_spec().limits.episode_timeout_s + 7)
    assert back.deadline_s() == pytest.approx(180 + 7 + 2 * per_episode)


def test_the_worker_entry_point_runs_a_shard_on_its_own_fleet_without_ray(world):
    cfg, _ = world
    plans = plan_episodes(_spec(2), toy_suite(2).tasks, ["toy"])
    shard = make_shard("s1", plans, _spec(2), {s.name: s for s in load_config(cfg).servers}, 2, {})
    result = ShardResult.model_validate_json(run_shard(shard.to_json()))
    assert [r.episode_id for r in result.results] == [p.episode_id for p in plans]
    for r, task in zip(result.results, toy_suite(2).tasks):
        assert r.error is None and r.trajectory is not None
        assert r.trajectory.status == "completed"
        assert str(task.checks[0].value) in r.trajectory.final_answer
    # the worker fleet's placeholder values travel back with each episode: the driver scores with them
    from mcpbench.executors.shard import outcome_of
    from mcpbench.install import home_dir

    first = result.results[0]
    assert first.builtins["MCPBENCH_HOME"] == str(home_dir())
    assert outcome_of(first, plans[0], []).builtins == first.builtins


def test_an_episode_that_raises_on_the_worker_comes_back_as_an_error_and_its_shard_mates_still_run(world):
    cfg, _ = world
    tasks = toy_suite(2).tasks
    shard = ShardPlan(shard_id="s1", spec=_spec(2), servers=load_config(cfg).servers, concurrency=2, episodes=[
        ShardEpisode(episode_id="ok", model="scripted/oracle", task=tasks[0], repeat=0, servers=["toy"]),
        # a server the worker's fleet does not have: fleet.episode raises KeyError
        ShardEpisode(episode_id="bad", model="scripted/oracle", task=tasks[1], repeat=0, servers=["toy", "ghost"])])
    result = ShardResult.model_validate_json(run_shard(shard.to_json()))
    ok, bad = result.results
    assert ok.error is None and ok.trajectory is not None and ok.trajectory.status == "completed"
    assert bad.trajectory is None and bad.error is not None
    assert bad.error.startswith("KeyError") and "ghost" in bad.error


def test_the_ray_executor_gives_the_local_executors_scores_and_stores_each_episode_once(ray_cluster, world, tmp_path):
    cfg, suite = world
    models = ("scripted/oracle", "scripted/do-nothing")
    local = _run(cfg, suite, tmp_path / "local", *models, concurrency=2)
    # 8 episodes in shards of 2 on 2 CPUs: several shards, two in flight at a time
    on_ray = _run(cfg, suite, tmp_path / "ray", *models, concurrency=2, executor="ray")
    assert on_ray.state == local.state == "completed"
    assert _stable(on_ray.results) == _stable(local.results)
    assert on_ray.results["models"]["scripted/oracle"]["overall"]["mean"] >= 0.95
    with RunStore(tmp_path / "local") as a, RunStore(tmp_path / "ray") as b:
        assert b.counts() == {"completed": 8}
        assert b.db.execute("SELECT COUNT(*) FROM infra_attempts").fetchone()[0] == 0
        assert b.get_meta("manifest")["executor"] == "ray"
        # the executor is not part of the spec: the same run, executed elsewhere (git HEAD may move in between)
        assert {**a.get_meta("spec"), "git_commit": None} == {**b.get_meta("spec"), "git_commit": None}
        local_eps = {e.episode_id: e.trajectory.canonical() for e in a.episodes()}
        ray_eps = {e.episode_id: e.trajectory.canonical() for e in b.episodes()}
    assert ray_eps == local_eps
    assert ray.is_initialized()  # a Ray it did not start is left running


def _dies_once(marker: Path):
    """A worker entry point whose first call kills its worker process (as an OOM kill or a segfault would)."""
    def entry(payload: str) -> str:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return run_shard(payload)
        os._exit(1)
    return entry


def _dies_with(episode_fragment: str):
    """A worker entry point that kills its worker whenever the shard holds a matching episode."""
    def entry(payload: str) -> str:
        if episode_fragment in payload:
            os._exit(1)
        return run_shard(payload)
    return entry


def test_a_shard_whose_worker_dies_is_requeued_once_and_no_episode_is_lost(ray_cluster, world, tmp_path,
                                                                            monkeypatch):
    cfg, suite = world
    monkeypatch.setattr(ray_executor, "run_shard", _dies_once(tmp_path / "died"))
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", concurrency=2, executor="ray")
    assert (tmp_path / "died").exists()
    assert res.state == "completed"
    assert res.results["models"]["scripted/oracle"]["overall"]["mean"] >= 0.95
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 4}
        retried = store.db.execute("SELECT episode_id, error FROM infra_attempts").fetchall()
        attempts = {e.episode_id: e.attempts for e in store.episodes()}
    # exactly the two episodes of the shard that died were sent again, and the death is on record
    assert len(retried) == 2 and all("WorkerCrashedError" in err for _, err in retried)
    assert sorted(attempts.values()) == [1, 1, 2, 2]


def test_episodes_whose_shard_dies_twice_are_infra_failed_with_the_reason_and_the_rest_complete(
        ray_cluster, world, tmp_path, monkeypatch):
    cfg, suite = world
    monkeypatch.setattr(ray_executor, "run_shard", _dies_with("scripted-oracle.toy-001.r0"))
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", concurrency=2, executor="ray")
    m = res.results["models"]["scripted/oracle"]
    assert m["infra_failed"] == 2 and m["counted"] == 2
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 2, "infra_failed": 2}
        failed = {e.episode_id: e for e in store.episodes() if e.status == "infra_failed"}
    assert set(failed) == {"scripted-oracle.toy-000.r0", "scripted-oracle.toy-001.r0"}  # the shard that held toy-001
    for ep in failed.values():
        errors = [ev.message for ev in ep.trajectory.events if ev.type == "error"]
        assert len(errors) == ray_executor.REQUEUES + 1
        assert all("WorkerCrashedError" in e for e in errors)
        assert ep.attempts == ray_executor.REQUEUES + 1


def test_mcpbench_run_with_the_ray_executor_on_a_ray_address_completes_the_run(ray_cluster, world, tmp_path):
    cfg, suite = world
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "mcpbench.cli.__main__", "run", "-m", "scripted/oracle", "--suite", str(suite),
           "--config", str(cfg), "--out", str(out), "--json", "--no-report", "--concurrency", "2",
           "--executor", "ray", "--ray-address", ray_cluster]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["state"] == "completed"
    assert result["results"]["models"]["scripted/oracle"]["overall"]["mean"] >= 0.95
    with RunStore(out) as store:
        assert store.counts() == {"completed": 4}
        assert store.get_meta("manifest")["executor"] == "ray"
