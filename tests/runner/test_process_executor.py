"""`mcpbench run --executor processes`: worker processes on this machine, one fleet each, results streamed back to the
driver, which scores and stores them in the same run store as the local executor."""

from __future__ import annotations

import json

import anyio
import psutil
from fixtures import toy_suite, write_config
from test_runner import _stable
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.executors.process_executor import deal
from mcpbench.runner import Runner, RunOptions, plan_episodes
from mcpbench.runspec import RunSpec
from mcpbench.store import RunStore


def _run(cfg, suite, out, *models, **kw):
    return anyio.run(Runner(RunOptions(models=list(models), suite=str(suite), config=cfg, out=out, **kw)).run)


def test_episodes_are_dealt_round_robin_so_each_worker_gets_every_model():
    spec = RunSpec(models=["a/x", "b/y"], suite="s", suite_sha256="0", tasks=3, fleet={}, seed=0)
    plans = plan_episodes(spec, toy_suite(3).tasks, ["toy"])
    groups = deal(plans, 2)
    assert [len(g) for g in groups] == [3, 3]
    assert all({p.model for p in g} == {"a/x", "b/y"} for g in groups)
    assert sorted(p.episode_id for g in groups for p in g) == sorted(p.episode_id for p in plans)
    assert len(deal(plans[:1], 4)) == 1  # never more workers than episodes


def test_worker_processes_give_the_local_executors_scores_and_store_each_episode_once(world, tmp_path):
    cfg, suite = world
    models = ("scripted/oracle", "scripted/do-nothing")
    local = _run(cfg, suite, tmp_path / "local", *models)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    procs = _run(cfg, suite, tmp_path / "procs", *models, executor="processes", workers=2, concurrency=4)
    assert procs.state == "completed" and procs.run_id == local.run_id
    assert _stable(procs.results) == _stable(local.results)
    with RunStore(procs.run_dir) as store:
        assert store.counts() == {"completed": 8}
        eps = list(store.episodes())
    assert len({e.episode_id for e in eps}) == 8
    assert all(e.context["builtins"]["MCPBENCH_HOME"] for e in eps)
    # every worker and its servers are gone
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before
    assert sorted(p.name for p in (procs.run_dir / "logs").glob("worker-*.log")) == ["worker-0.log", "worker-1.log"]


def test_a_worker_that_dies_leaves_its_episodes_infra_failed_with_the_reason_and_a_resume_retries_them(tmp_path):
    cfg = write_config(tmp_path / "servers.yaml")
    healthy = cfg.read_text()
    cfg.write_text(healthy.replace("]\n", ", --kill-parent-on-add]\n", 1))  # the first tool call kills the worker
    suite = tmp_path / "toy.jsonl"
    toy_suite(2).dump(suite)
    res = _run(cfg, suite, tmp_path / "run", "scripted/oracle", executor="processes", workers=2, infra_retries=0)
    assert res.state == "completed"  # every episode has an outcome: infra_failed, counted apart
    m = res.results["models"]["scripted/oracle"]
    assert m["infra_failed"] == 2 and m["counted"] == 0
    with RunStore(res.run_dir) as store:
        errors = [ev.message for e in store.episodes() for ev in e.trajectory.events]
    assert len(errors) == 2 and all("exited with code -9 before the episode finished" in e for e in errors)
    # the fleet is healthy again: the same command resumes the run and tries both episodes again
    cfg.write_text(healthy)
    again = _run(cfg, suite, tmp_path / "run", "scripted/oracle", executor="processes", workers=2, infra_retries=0)
    assert again.run_id == res.run_id and again.state == "completed"
    with RunStore(again.run_dir) as store:
        assert store.counts() == {"completed": 2}
        assert store.infra_attempt_counts() == {e: 1 for e in store.done_ids()}


def test_the_cli_takes_the_executor_and_refuses_local_models_on_it(world, tmp_path):
    cfg, suite = world
    res = CliRunner().invoke(app, ["run", "-m", "scripted/oracle", "-s", str(suite), "-c", str(cfg), "-o",
                                   str(tmp_path / "r"), "--executor", "processes", "--workers", "2", "--json",
                                   "--no-report"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["state"] == "completed"
    res = CliRunner().invoke(app, ["run", "-m", "local/qwen2.5-coder-1.5b", "-s", str(suite), "-c", str(cfg),
                                   "--executor", "processes"])
    assert res.exit_code == 2 and "use --executor local" in res.output
