"""R17: the same seed and a scripted model give identical tasks (synthesised twice), identical trajectories
(Trajectory.canonical(): everything but wall-clock fields) and identical scores, run after run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.runner import Runner, RunOptions
from mcpbench.store import RunStore
from task_synth import SynthOptions, synthesize, write_outputs

ATLAS = Path(__file__).resolve().parents[1] / "synth" / "servers" / "atlas_server.py"
LIVE = ["local_time", "utc_offset"]
"""Tools whose answers follow the clock: left out by the server's entry (`synth_exclude`), so that equal behaviour
means equal bytes."""
TIMING = {"speed", "latency_s", "wall_time_s", "model_time_s", "tool_time_s", "time_s"}


def _synth(out: Path, seed: int) -> bytes:
    async def go() -> None:
        spec = ServerSpec(name="atlas", command=sys.executable, args=[str(ATLAS)], synth_exclude=LIVE)
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["atlas"], n=4, seed=seed))
            assert not {e.name for e in state.entries} & set(LIVE) and state.entries
            write_outputs(state, out, "atlas")

    anyio.run(go)
    return out.read_bytes()


def _untimed(v: object) -> object:
    if isinstance(v, dict):
        return {k: _untimed(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [_untimed(x) for x in v]
    return v


def _run(cfg: Path, suite: Path, out: Path) -> tuple[dict, dict, dict]:
    res = anyio.run(Runner(RunOptions(models=["scripted/oracle", "scripted/do-nothing"], suite=str(suite),
                                      config=cfg, out=out, seed=7)).run)
    assert res.state == "completed"
    with RunStore(out) as store:
        trajectories = {e.episode_id: e.trajectory.canonical() for e in store.episodes()}
        scores = store.scores()
    return trajectories, _untimed(scores), _untimed(res.results)  # type: ignore[return-value]


def test_the_same_seed_gives_the_same_tasks_trajectories_and_scores(tmp_path):
    first, second = _synth(tmp_path / "a.jsonl", 11), _synth(tmp_path / "b.jsonl", 11)
    assert first == second
    tasks = [json.loads(line) for line in first.decode().splitlines() if line.strip()]
    assert len([t for t in tasks if "id" in t]) >= 3
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"servers:\n  - name: atlas\n    command: {sys.executable}\n    args: [{ATLAS}]\n")

    traj_a, scores_a, results_a = _run(cfg, tmp_path / "a.jsonl", tmp_path / "run-a")
    traj_b, scores_b, results_b = _run(cfg, tmp_path / "a.jsonl", tmp_path / "run-b")
    assert traj_a.keys() == traj_b.keys() and len(traj_a) >= 6
    for eid in traj_a:
        assert traj_a[eid] == traj_b[eid], eid
    assert scores_a == scores_b
    assert results_a == results_b
    oracle = results_a["models"]["scripted/oracle"]["overall"]["mean"]  # type: ignore[index]
    assert oracle >= 0.95  # the runs did real work: the oracle solved the synthesised tasks
