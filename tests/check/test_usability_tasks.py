"""Which synthesised tasks `check --model` plays, and a real development-set server (benchmarks/devset.servers.yaml)
whose usability the oracle could not reach before: its SQL tasks (create a table, insert the records, read them back)
were replayed in one turn, so the insert raced the create."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from mcpbench.check.usability import chosen, usability
from mcpbench.config import load_config
from task_synth.artifacts import Rejection
from task_synth.task import ReferenceStep, Task

ROOT = Path(__file__).resolve().parents[2]


def _task(tid: str, hops: int) -> Task:
    return Task(id=tid, servers=["s"], precise="p", fuzzy="f", answer="a", checks=[],
                reference=[ReferenceStep(server="s", tool=f"t{i}", arguments={}) for i in range(hops)])


def _rejected(task: Task, *reasons: str) -> Rejection:
    return Rejection(id=task.id, stage="filter", reasons=list(reasons), candidate=task.model_dump(mode="json"))


def test_short_tasks_are_played_first_and_longer_ones_only_when_a_server_yields_too_few():
    short = _task("short", 2)
    five, four = _task("five", 5), _task("four", 4)
    bad = _task("bad", 4)
    state = SimpleNamespace(tasks=[short], rejected=[
        _rejected(five, "hops: 5 hops, outside 1..3"), _rejected(four, "hops: 4 hops, outside 1..3"),
        _rejected(bad, "hops: 4 hops, outside 1..3", "given_away: the expected number 7 appears")])
    assert [t.id for t in chosen(state, 3)] == ["short", "four", "five"]  # shortest first; a task failing another
    assert [t.id for t in chosen(state, 1)] == ["short"]                    # rule is never played
    assert [t.id for t in chosen(SimpleNamespace(tasks=[], rejected=[]), 3)] == []


@pytest.mark.integration
@pytest.mark.devset("sqlitejs")
@pytest.mark.timeout(300)
@pytest.mark.anyio
async def test_the_oracle_scores_full_usability_on_a_sql_server_it_has_to_fill_first():
    """Regression: `check --model scripted/oracle` scored 0.47 on this server (its create/insert/select steps carried
    no dependency, so the oracle sent them in one turn and the insert raced the create)."""
    spec = load_config(ROOT / "benchmarks" / "devset.servers.yaml").get("sqlitejs")
    with anyio.fail_after(240):
        result = await usability(spec, "scripted/oracle", tasks=3, seed=0)
    assert result.status == "pass", result.details
    assert result.data["score"] == 1.0 and result.data["tasks"] == 3
    tools = result.data["tools"]
    assert tools and all(u["errors"] == 0 for u in tools.values()), tools  # no call of the oracle's failed
