"""R15: a tenth of the servers fail — the run completes, the failure fraction is reported, and scores exclude the
infra failures (they are neither dropped silently nor counted as zeros)."""

from __future__ import annotations

import anyio
from reliability_helpers import echo_task, fault_config

from mcpbench.runner import Runner, RunOptions
from mcpbench.store import RunStore
from task_synth.task import Suite

SERVERS = [f"s{i}" for i in range(10)]
DOWN = "s7"


def test_a_run_with_a_tenth_of_its_servers_down_completes_and_scores_only_what_could_run(tmp_path):
    cfg = fault_config(tmp_path / "servers.yaml",
                       {s: (["--mode", "exit-now"] if s == DOWN else []) for s in SERVERS}, timeouts="{connect: 60}")
    suite = tmp_path / "tenth.jsonl"
    Suite(name="tenth", tasks=[echo_task(f"t{i}", s, f"word{i}") for i, s in enumerate(SERVERS)]).dump(suite)
    res = anyio.run(Runner(RunOptions(models=["scripted/oracle", "scripted/do-nothing"], suite=str(suite),
                                      config=cfg, out=tmp_path / "run", infra_retries=1)).run)
    assert res.state == "completed"
    assert set(res.failed_servers) == {DOWN}
    oracle, nothing = (res.results["models"][m] for m in ("scripted/oracle", "scripted/do-nothing"))
    for m in (oracle, nothing):
        assert (m["episodes"], m["infra_failed"], m["counted"]) == (10, 1, 9)
        assert m["infra_failed_rate"] == 0.1
    # counted as zeros, the oracle would score at most 0.9 here; excluded, it keeps its ≈ 1
    assert oracle["overall"]["mean"] >= 0.95 and nothing["overall"]["mean"] <= 0.05
    with RunStore(res.run_dir) as store:
        assert store.counts() == {"completed": 18, "infra_failed": 2}
        failed = [e for e in store.episodes() if e.status == "infra_failed"]
        assert {e.task_id for e in failed} == {"t7"} and all(e.attempts == 2 for e in failed)
        assert store.get_meta("manifest")["failed_servers"].keys() == {DOWN}
        assert store.get_meta("fleet_health")[DOWN]["status"] == "failed"
