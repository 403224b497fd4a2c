"""R13: SIGINT to `mcpbench run` — the run is marked cancelled, every server process is reaped within 10 s, and
re-running the same command resumes it (finished episodes are not run again)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import psutil
import pytest
from reliability_helpers import FAULT_SERVER, echo_task, fault_config

from mcpbench.store import RunStore
from task_synth.task import Suite

N_TASKS = 6


def _poll(what: str, ready: Callable[[], bool], timeout: float) -> None:
    """Wait for another process to reach a state. There is nothing to await across processes, so this polls."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _done(run_dir) -> int:
    if not (run_dir / "store.sqlite").exists():
        return 0
    with RunStore(run_dir) as store:
        return len(store.done_ids())


def test_sigint_cancels_the_run_reaps_every_server_within_ten_seconds_and_the_run_resumes(tmp_path):
    cfg = fault_config(tmp_path / "servers.yaml", {f"s{i}": [] for i in range(3)})
    suite = tmp_path / "sigint.jsonl"
    Suite(name="sigint", tasks=[echo_task(f"t{i}", f"s{i % 3}", f"w{i}") for i in range(N_TASKS)]).dump(suite)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "mcpbench.cli.__main__", "run", "-m", "scripted/oracle", "--suite", str(suite),
           "--config", str(cfg), "--out", str(out), "--quiet", "--no-report", "--concurrency", "1",
           "--model-opt", "latency_s=0.5"]
    with (tmp_path / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        try:
            _poll("a first finished episode", lambda: _done(out) >= 1, 300)
            servers = [p for p in psutil.Process(proc.pid).children(recursive=True)
                       if str(FAULT_SERVER) in " ".join(p.cmdline())]
            assert len(servers) == 3
            os.kill(proc.pid, signal.SIGINT)
            interrupted = time.monotonic()
            code = proc.wait(timeout=60)
            _, alive = psutil.wait_procs(servers, timeout=max(0.0, 10 - (time.monotonic() - interrupted)))
            reaped_in = time.monotonic() - interrupted
        finally:
            if proc.poll() is None:
                proc.kill()
    assert not alive, f"servers still running {reaped_in:.1f}s after SIGINT: {[p.pid for p in alive]}"
    assert code == 130, (tmp_path / "stderr.txt").read_text()[-2000:]
    assert "interrupted" in (tmp_path / "stderr.txt").read_text()
    with RunStore(out) as store:
        assert store.integrity_ok() and store.get_meta("state") == "cancelled"
        before = {e.episode_id: e.trajectory.wall_time_s for e in store.episodes()}
    assert 1 <= len(before) < N_TASKS

    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with RunStore(out) as store:
        assert store.get_meta("state") == "completed"
        after = {e.episode_id: e.trajectory.wall_time_s for e in store.episodes()}
    assert len(after) == N_TASKS and all(after[k] == v for k, v in before.items())
