"""R12: SIGKILL the run at 20 random points and resume each time: the final scores equal an uninterrupted run's
(byte-identical JSON, wall-clock `speed` set aside: see docs/metrics.md), no episode is counted twice and the store is
never corrupt."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

RUNNER_DIR = Path(__file__).resolve().parent.parent / "runner"
sys.path.insert(0, str(RUNNER_DIR))

from fixtures import toy_suite, write_config

from mcpbench.store import RunStore

KILLS = 20
TASKS = 8


def _cmd(cfg: Path, suite: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mcpbench.cli.__main__", "run", "-m", "scripted/oracle", "--suite", str(suite),
            "--config", str(cfg), "--out", str(out), "--quiet", "--no-report", "--concurrency", "2",
            "--model-opt", "latency_s=0.15"]


def _scores_without_wall_clock(results: dict) -> str:
    """Everything but wall-clock measurements (the speed dimension and *_time_s / latency totals)."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()
                    if k != "speed" and not k.endswith("time_s") and "latency" not in k}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return json.dumps(strip(results), sort_keys=True)


def test_sigkill_at_20_random_points_then_resume_gives_the_uninterrupted_scores(tmp_path):
    cfg = write_config(tmp_path / "servers.yaml")
    suite = tmp_path / "toy.jsonl"
    toy_suite(TASKS).dump(suite)

    ref = subprocess.run(_cmd(cfg, suite, tmp_path / "reference"), capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr[-1500:]
    with RunStore(tmp_path / "reference") as s:
        reference = s.get_meta("results")

    out = tmp_path / "killed"
    rng = random.Random(12)
    kills = 0
    progress: list[int] = []
    while kills < KILLS:
        proc = subprocess.Popen(_cmd(cfg, suite, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a random point: anywhere from interpreter start-up to the middle of an episode
        time.sleep(rng.uniform(0.2, 6.0))
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        if (out / "store.sqlite").exists():
            with RunStore(out) as s:
                assert s.integrity_ok()
                done = len(s.done_ids())
                if done == TASKS and s.get_meta("state") == "completed":
                    # the run finished before we could kill it: start over to spend the remaining kills
                    progress.append(done)
                    break
                progress.append(done)
    assert progress == sorted(progress), "episodes were lost between kills"

    final = subprocess.run(_cmd(cfg, suite, out), capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-1500:]
    with RunStore(out) as s:
        assert s.integrity_ok()
        assert s.get_meta("state") == "completed"
        ids = [e.episode_id for e in s.episodes()]
        assert len(ids) == len(set(ids)) == TASKS  # none counted twice
        results = s.get_meta("results")
    assert results["models"]["scripted/oracle"]["episodes"] == TASKS
    assert _scores_without_wall_clock(results) == _scores_without_wall_clock(reference)
    assert kills == KILLS or progress[-1] == TASKS

