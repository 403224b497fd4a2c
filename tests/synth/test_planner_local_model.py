"""The planner with the real local model (llama.cpp + Qwen2.5-Coder 1.5B) on two small real stdio servers.

What a 1.5B model manages is recorded in docs/tasks.md; this test pins what must hold whatever it proposes: every
proposal ends as a task or as a rejection with its stage and reasons, the model answers every request in time (the
prompts fit its context and budget), and every task kept validates by oracle replay on a fresh fleet.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.models.local import check_ready, local_provider
from mcpbench.models.local_server import ServerOptions
from task_synth import Suite, SynthOptions, synthesize, validate_suite
from task_synth.registry import StepRef

pytestmark = pytest.mark.anyio
MODEL = "qwen2.5-coder-1.5b"
SERVERS = Path(__file__).parent / "servers"


def atlas() -> ServerSpec:
    return ServerSpec(name="atlas", command=sys.executable, args=[str(SERVERS / "atlas_server.py")])


def ledger() -> ServerSpec:
    return ServerSpec(name="ledger", command=sys.executable, args=[str(SERVERS / "ledger_server.py")], stateful=True)


@pytest.mark.local_model
@pytest.mark.timeout(3000)
async def test_the_real_small_model_plans_tasks_that_are_executed_and_every_proposal_is_accounted_for(tmp_path,
                                                                                                     capsys):
    problem = check_ready(MODEL)
    if problem:
        pytest.fail(f"{problem} (the local_model tests need the real model)")
    model = local_provider(MODEL, options=ServerOptions(ctx=8192, parallel=1), log_path=tmp_path / "llama.log")
    options = SynthOptions(servers=["atlas", "ledger"], n=1, seed=0, planner=f"local/{MODEL}", model_timeout_s=600)
    steps = [StepRef("sample", "planner", (("proposals_per_task", 2),))]
    t0 = time.monotonic()
    try:
        with anyio.fail_after(2800):
            async with Fleet.open([atlas(), ledger()]) as fleet:
                state = await synthesize(fleet, options, model=model, work=tmp_path / "work", steps=steps)
                results = await validate_suite(Suite(name="local", tasks=state.tasks), fleet)
    finally:
        await model.aclose()
    wall = time.monotonic() - t0
    proposals = {f"synth-p{i:04d}" for i in range(2)}
    made = [n for n in state.notes if n.startswith("planner: ") and " proposals, " in n]
    assert len(made) == 1
    n_made = int(made[0].split()[1])
    accounted = {r.id for r in state.rejected if r.stage in ("plan", "ground", "write")}
    accounted |= {g.chain_id for g in state.grounded}
    assert accounted == {f"synth-p{i:04d}" for i in range(n_made)} and accounted <= proposals
    assert all(r.reasons for r in state.rejected)
    assert not [n for n in state.notes if n.startswith("model unavailable:")], state.notes
    assert [r.reasons for r in results if not r.ok] == []
    with capsys.disabled():
        print(f"\n[planner local/{MODEL}] {n_made} proposals, {len(state.tasks)} tasks in {wall:.0f} s; rejected by "
              f"stage: {dict(Counter(r.stage for r in state.rejected))}")
        for r in state.rejected:
            print(f"  {r.id} {r.stage}: " + " | ".join(x[:200] for x in r.reasons))
            steps = r.candidate.get("steps") or []
            print("    proposed: " + "; ".join(f"{s.get('tool')} {s.get('arguments')}" for s in steps
                                             if isinstance(s, dict)))
        for t in state.tasks:
            print(f"  task {t.id}: {t.fuzzy}")
