"""The do-nothing and oracle baselines through the real agent loop."""

from __future__ import annotations

import anyio
import pytest
from agent_doubles import MemoryToolbox, Rendezvous

from mcpbench.agent import Limits, run_episode
from mcpbench.models import get_provider
from mcpbench.models.base import EpisodeBound
from mcpbench.models.scripted import DO_NOTHING_ANSWER
from task_synth.task import Check, ReferenceStep, Task

pytestmark = pytest.mark.anyio

TASK = Task(id="t-oracle", servers=["notes"], precise="Create a note and read it back with the listing.",
            fuzzy="Jot down 'milk' and tell me what it says.", checks=[Check(kind="contains", value="milk")],
            reference=[
                ReferenceStep(server="notes", tool="create", arguments={"text": "milk"}, output="created note 7"),
                ReferenceStep(server="notes", tool="count", arguments={}, output="0"),
                ReferenceStep(server="notes", tool="read", arguments={"id": 7}, depends_on=[0],
                              bindings={"id": "step[0]:note (\\d+)"}, output="milk"),
            ], answer="The note says: milk")


def notes_toolbox(meet: Rendezvous) -> MemoryToolbox:
    notes: dict[int, str] = {}

    async def create(text: str) -> str:
        await meet.wait()
        notes[len(notes) + 41] = text
        return f"created note {len(notes) + 40}"

    async def count() -> str:
        await meet.wait()
        return str(len(notes))

    async def read(id: int) -> str:
        return notes.get(id, f"no note {id}")

    return MemoryToolbox({"notes__create": create, "notes__count": count, "notes__read": read})


async def episode(model: str, box: MemoryToolbox):
    provider = get_provider(model)
    player = provider.for_episode(TASK, {}) if isinstance(provider, EpisodeBound) else provider  # as the runner does
    with anyio.fail_after(30):
        return await run_episode(player, box, TASK.fuzzy, limits=Limits(), episode_id="e", task_id=TASK.id,
                                 model_name=model)


async def test_the_oracle_replays_the_chain_in_parallel_where_it_can_and_binds_live_values():
    box = notes_toolbox(Rendezvous(2))
    traj = await episode("scripted/oracle", box)
    assert traj.status == "completed" and traj.final_answer == TASK.answer
    assert [(e.tool, e.parallel_group, e.outcome) for e in traj.tool_calls()] == [
        ("create", 1, "ok"), ("count", 1, "ok"), ("read", 2, "ok")]
    read = traj.tool_calls()[2]
    assert read.arguments == {"id": 41}, "the id comes from the live output, not the grounded 7"
    assert read.content == "milk"


async def test_do_nothing_calls_no_tools_and_answers_with_its_fixed_sentence():
    box = notes_toolbox(Rendezvous(1))
    traj = await episode("scripted/do-nothing", box)
    assert traj.status == "completed" and traj.tool_calls() == [] and box.arrived == []
    assert traj.final_answer == DO_NOTHING_ANSWER and len(traj.model_turns()) == 1
