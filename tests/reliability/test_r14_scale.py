"""R14: 50 servers × 200 episodes (raw stdio fault servers, the scripted oracle): the per-server in-flight limit is
never exceeded — counted on our side (ServerStatus.peak_in_flight) and on the servers' side (their own count of naps
running at once) — and file descriptors and child processes are back to their baseline afterwards."""

from __future__ import annotations

import anyio
import psutil
import pytest
from reliability_helpers import echo_task, events, fault_spec, open_fds

from mcpbench.agent import Limits, run_episode
from mcpbench.fleet import Fleet
from mcpbench.models.scripted import OracleProvider

pytestmark = pytest.mark.anyio
N_SERVERS, N_EPISODES, LIMIT, PARALLEL_NAPS, EPISODES_AT_ONCE = 50, 200, 2, 4, 16


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


async def test_fifty_servers_and_two_hundred_episodes_keep_every_limit_and_leak_nothing(tmp_path):
    with anyio.fail_after(120):  # warm up lazy imports and pools so the baseline is the steady state
        async with Fleet.open([fault_spec("warm", None)], log_dir=tmp_path / "warm") as fleet:
            assert (await fleet.call("warm", "echo", {"text": "x"})).ok
    fds, children = open_fds(), _children()

    names = [f"s{i:02d}" for i in range(N_SERVERS)]
    logs = {n: tmp_path / f"{n}.log" for n in names}
    specs = [fault_spec(n, logs[n], max_concurrency=LIMIT, timeouts={"connect": 120}) for n in names]
    # four naps and an echo that do not depend on each other: the oracle sends all five in one turn
    tasks = [echo_task(f"t{i}", names[i % N_SERVERS], f"w{i}", before=[("nap", {"seconds": 0.02})] * PARALLEL_NAPS,
                       parallel=True) for i in range(N_EPISODES)]
    oracle = OracleProvider()  # bound to each episode's task below
    limiter = anyio.CapacityLimiter(EPISODES_AT_ONCE)
    statuses: dict[str, str] = {}

    async def episode(i: int) -> None:
        async with limiter, fleet.episode(f"e{i}", servers=tasks[i].servers) as tools:
            traj = await run_episode(oracle.for_episode(tasks[i], {}), tools, tasks[i].fuzzy, episode_id=f"e{i}",
                                     task_id=tasks[i].id, limits=Limits(call_timeout_s=60))
        statuses[traj.episode_id] = f"{traj.status}:{sorted({c.outcome for c in traj.tool_calls()})}"

    with anyio.fail_after(900):
        async with Fleet.open(specs, log_dir=tmp_path / "logs") as fleet:
            assert all(st.status == "connected" for st in fleet.status.values()), fleet.summary()
            async with anyio.create_task_group() as tg:
                for i in range(N_EPISODES):
                    tg.start_soon(episode, i)
            peaks = {n: st.peak_in_flight for n, st in fleet.status.items()}
            restarts = sum(st.restarts for st in fleet.status.values())

    assert set(statuses.values()) == {"completed:['ok']"} and len(statuses) == N_EPISODES
    assert restarts == 0
    assert max(peaks.values()) == LIMIT  # the limit was reached (the test is not vacuous) ...
    server_side = {n: max(e["concurrent"] for e in events(logs[n], "nap")) for n in names}
    assert max(server_side.values()) == LIMIT  # ... and never exceeded, by our count or by the servers'
    assert all(peaks[n] <= LIMIT and server_side[n] <= LIMIT for n in names)
    assert sum(len(events(logs[n], "nap")) for n in names) == N_EPISODES * PARALLEL_NAPS

    assert open_fds() <= fds, "file descriptors leaked"
    assert _children() <= children, "child processes left behind"
    assert all(not psutil.pid_exists(e["pid"]) or psutil.Process(e["pid"]).status() == psutil.STATUS_ZOMBIE
               for n in names for e in events(logs[n], "start"))
