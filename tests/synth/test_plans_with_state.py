"""Curated plans with final-state checks (issue 21: `tasks pick --stateful` exports seeded tasks as plans, and a
recipe's `plans:` part grounds them): grounding a plan reads its final state after each run and on a fresh instance,
so the filters judge the state checks as they judge a seeded chain's. Live, on the stateful fixture server."""

from __future__ import annotations

import anyio
import pytest

from mcpbench.fleet import Fleet
from task_synth import SynthOptions, synthesize
from task_synth.synth import plans_from_tasks
from tests.synth.test_seeding import ledger


@pytest.mark.anyio
async def test_a_seeded_task_exported_as_a_plan_grounds_again_and_its_state_checks_are_read_not_missed(tmp_path):
    with anyio.fail_after(420):
        async with Fleet.open([ledger()]) as fleet:
            made = await synthesize(fleet, SynthOptions(servers=["ledger"], n=8, seed=3), work=tmp_path / "synth")
            seeded = [t for t in made.tasks if t.state_checks]
            assert seeded, [r.reasons for r in made.rejected]
            plans = plans_from_tasks(seeded[:2])
            # the same plan, but its state check wants a value the chain never writes: it must be read and fail
            wrong = plans[0].model_copy(deep=True, update={"id": plans[0].id + "-wrong"})
            state_check = next(c for c in wrong.checks if c.kind == "state")
            state_check.value = "Nobody Ever Wrote This"
            again = await synthesize(fleet, SynthOptions(servers=["ledger"], n=8, seed=3), plans=[*plans, wrong],
                                     work=tmp_path / "plans")
    kept = {t.id: t for t in again.tasks}
    assert set(kept) == {p.id for p in plans}, [(r.id, r.reasons) for r in again.rejected]
    for p in plans:
        assert [c.kind for c in kept[p.id].checks] == [c.kind for c in p.checks]
        assert kept[p.id].state_checks  # still scored on the final state
    (rejected,) = [r for r in again.rejected if r.id == wrong.id]
    assert any("(state) fails on the reference answer" in x and "Nobody Ever Wrote This" in x
               and "not read" not in x for x in rejected.reasons), rejected.reasons
