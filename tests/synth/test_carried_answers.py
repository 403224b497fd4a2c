"""Servers unrelated by their values, used together by a purpose: one answers a question, the other keeps the answer.

Held-out measurements showed mixed selections of unrelated servers (a calendar utility with a notes store) giving
no multi-server task at all: walks join servers only through a value one outputs and the other takes. Shown here on
two fixture servers that share no kind of value: a read-only holiday calendar (tests/synth/servers/holiday_server.py)
and a stateful task/todo store (tests/synth/servers/jotter_server.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mcpbench.config import ServerSpec
from task_synth.artifacts import CheckSpec, Draft, Grounded, GroundedStep
from task_synth.carry import answer_of, carried_draft, finding_topic
from task_synth.task import StateRead
from tests.synth._baselines import mixed_suite_scored

SERVERS = Path(__file__).parent / "servers"
HOLIDAYS = ServerSpec(name="holidays", command=sys.executable, args=[str(SERVERS / "holiday_server.py")])
JOTTER = ServerSpec(name="jotter", command=sys.executable, args=[str(SERVERS / "jotter_server.py")],
                    cwd="${EPISODE_DIR}", stateful=True)

FIRST = Draft(precise="(1) Call calendar/next_day with date=2026-10-05. Report the date in the result.",
              fuzzy="Could you tell me the next working day after 2026-10-05?", answer="It is {{step[0]:x}}.",
              checks=[CheckSpec(kind="contains", step=0, extract=r'"next"\s*:\s*"([^"]+)"',
                                description="Report the date in the result.")],
              tags=["single-server", "servers-1", "hops-1"])


def _grounded(*outputs: str) -> Grounded:
    return Grounded(chain_id="c", steps=[GroundedStep(server="calendar", tool="next_day", arguments={},
                                                      outputs=list(outputs))])


def test_the_carried_value_is_what_the_first_task_asks_read_from_its_output_the_same_in_both_runs():
    check, value = answer_of(FIRST, _grounded('{"next": "2026-10-06"}', '{"next": "2026-10-06"}')) or (None, "")
    assert check is FIRST.checks[0] and value == "2026-10-06"
    assert answer_of(FIRST, _grounded('{"next": "2026-10-06"}', '{"next": "2026-10-07"}')) is None  # it changed
    assert answer_of(FIRST, _grounded('{"next": "Mo"}', '{"next": "Mo"}')) is None  # too short to find again


def test_a_carried_task_asks_the_first_question_then_to_keep_the_answer_and_checks_both():
    read = StateRead(server="store", tool="list_notes")
    d = carried_draft(FIRST, "2026-10-06", ('a new list called "Brightwater follow ups"', "a new list named x"),
                      " as a note", [read])
    assert d.fuzzy == ("Could you tell me the next working day after 2026-10-05? Once you have it, keep it in a new "
                       'list called "Brightwater follow ups" as a note, so it\'s on record.')
    # the final-state check comes first (its read is kept under state_key(0)), the first task's checks follow
    assert [c.kind for c in d.checks] == ["state", "contains"] and d.checks[0].value == "2026-10-06"
    assert d.checks[0].read == read
    assert {"stateful", "carried", "final-state"} <= set(d.tags) and "single-server" not in d.tags
    vague = carried_draft(FIRST, "2026-10-06", ("the system you have access to", "the server's store"), "", [read],
                          "a new todo")
    assert vague.fuzzy.endswith("Once you have it, save it as a new todo, so it's on record.")
    assert finding_topic("the date", "2026-10-06").lines() == ["the date (2026-10-06)"]


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_calendar_and_a_store_that_share_no_value_give_multi_server_tasks_scored_on_the_final_state(
        tmp_path):
    suite = await mixed_suite_scored([HOLIDAYS, JOTTER], tmp_path, n=10, seed=1)
    carried = [t for t in suite.tasks if "carried" in t.tags]
    assert carried and all(t.servers == ["holidays", "jotter"] for t in carried)
    assert sum(len(t.servers) > 1 for t in suite.tasks) / len(suite.tasks) >= 0.3
    for t in carried:
        state_checks = [c for c in t.checks if c.kind == "state"]
        answer = [c for c in t.checks if c.kind in ("contains", "numeric")]
        kept = [json.dumps(s.arguments) for s in t.reference if s.server == "jotter"]
        assert state_checks and answer and any(str(state_checks[0].value) in k for k in kept)  # what was found
        assert "Once you have it" in t.fuzzy and "jotter" not in t.fuzzy and "task_new" not in t.fuzzy
