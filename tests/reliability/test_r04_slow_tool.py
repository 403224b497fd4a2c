"""R4: a slow tool that stays within its budget is not timed out, and the trajectory records its time apart from the
model's (tool_time_s vs model_time_s)."""

from __future__ import annotations

import anyio
import pytest
from reliability_helpers import fault_spec

from mcpbench.agent import Limits, run_episode
from mcpbench.fleet import Fleet
from mcpbench.models.scripted import Script, ScriptCall, ScriptedProvider, ScriptTurn

pytestmark = pytest.mark.anyio
NAP, MODEL, BUDGET = 1.2, 0.8, 1.6
SLACK = 0.5
"""Scheduling noise allowed on a loaded machine; smaller than either time, so swallowing one is still caught."""


async def test_a_slow_tool_within_its_deadline_succeeds_and_its_time_is_kept_apart_from_model_time(tmp_path):
    script = Script(turns=[ScriptTurn(tool_calls=[ScriptCall(server="f", tool="nap", arguments={"seconds": NAP})]),
                           ScriptTurn(text="done")], latency_s=MODEL)
    spec = fault_spec("f", tmp_path / "f.log", timeouts={"call": BUDGET})
    with anyio.fail_after(60):
        async with Fleet.open([spec], log_dir=tmp_path / "logs") as fleet, fleet.episode("slow") as tools:
            traj = await run_episode(ScriptedProvider(script), tools, "take a nap", episode_id="slow", task_id="t",
                                     limits=Limits(call_timeout_s=BUDGET))
    [call] = traj.tool_calls()
    assert traj.status == "completed" and call.outcome == "ok", call.error
    assert call.content.startswith(f"slept {NAP}")
    assert NAP <= call.latency_s < BUDGET
    # tool time is the nap, model time the two scripted pauses: neither swallows the other
    assert NAP <= traj.tool_time_s < NAP + SLACK
    assert 2 * MODEL <= traj.model_time_s < 2 * MODEL + SLACK
    assert traj.wall_time_s >= traj.tool_time_s + traj.model_time_s
