"""An id a description gives only as an example still comes from a live output when a seeded write needs one.

Shown on tests/synth/servers/roster_server.py: a store that starts full, whose read of one member says "Use the id
from search_members (e.g. M-1001)", and whose only write appends a note to the member a caller names by id:

- the example gives `member_id` a run-local kind (exemplars.py), so no tool is learnt to open it as a handle; the
  seeded write then runs the read of one member with the example first (seeding.WritePlanner._read_example) and
  binds the id to that read's output ("add_note: cannot fill id 'member_id'" before);
- the search, which nothing lists values for, takes the member's name that read gave, once a live search for it
  finds it (listers.search_words);
- the final-state check then reads that fixed member, so the request says which one ("in the record of member
  M-1001"); an agent that put the note on another member would otherwise fail for doing what it was asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from task_synth.artifacts import ChainStep
from task_synth.seeding import NO_PLACE, checked_item, where_words
from task_synth.task import StateRead
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

ROSTER = Path(__file__).parent / "servers" / "roster_server.py"


def test_the_item_a_state_check_reads_is_named_when_it_existed_before_the_task():
    read_one = ChainStep(server="s", tool="get_member", arguments={"member_id": "M-1001"})
    note = ChainStep(server="s", tool="add_note", arguments={"text": "x"},
                     bindings={"member_id": 'step[0]:"id"\\s*:\\s*"([^"]+)"'})
    verify = ChainStep(server="s", tool="get_member", arguments={},
                       bindings={"member_id": 'step[1]:"member_id"\\s*:\\s*"([^"]+)"'})
    steps = [read_one, note, verify]
    fixed = StateRead(server="s", tool="get_member", arguments={"member_id": "M-1001"})
    assert checked_item(steps, fixed, made={1}) == "member M-1001"  # back through the note to the read
    # a bare id is called by the thing the read's tool names
    bare = verify.model_copy(update={"bindings": {"id": 'step[1]:"id"\\s*:\\s*"([^"]+)"'}})
    assert checked_item([read_one, note, bare], StateRead(server="s", tool="get_member", arguments={"id": 7}),
                        made={1}) == "member 7"
    # an item a write of the chain made (the first request of a fresh store, 'req-1' in every episode) is the
    # agent's to make: not named
    assert checked_item(steps, fixed, made={0, 1}) == ""
    # an id every episode draws anew is read from the agent's own calls: nothing to name
    drawn = StateRead(server="s", tool="get_member", arguments={})
    assert checked_item(steps, drawn, made={1}) == "" and checked_item(steps, None, made={1}) == ""
    assert where_words(steps, ("text", "text")) == NO_PLACE


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_note_on_an_existing_member_is_seeded_named_and_checked(tmp_path):
    spec = stateful_fixture("roster", ROSTER)
    state, suite = await synthesized(spec, tmp_path, 8, 1)
    assert state.graph.node("roster/get_member").params["member_id"] == "member_id@roster"
    # the search nothing listed takes the name the read of the example member gave, tried live (listers.search_words)
    assert state.graph.local_pools["roster"]["search"] == ["Amira Haddad"]
    assert state.graph.node("roster/search_members").probe is not None
    seeded = [t for t in suite.tasks if "seeded" in t.tags]
    assert len(seeded) >= 4, [r.reasons for r in state.rejected][:10]
    for t in seeded:
        note = next(s for s in t.reference if s.tool == "add_note")
        assert note.bindings.get("member_id", "").startswith("step[0]:"), note  # bound to the read's output
        reads = [c.read for c in t.checks if c.kind == "state"]
        assert reads and all(r is not None and r.arguments == {"member_id": "M-1001"} for r in reads)
        assert "the record of member M-1001" in t.fuzzy and "the record of member M-1001" in t.precise, t.fuzzy
        assert NO_PLACE[0] not in t.fuzzy
    await validated_and_scored(spec, suite, tmp_path)
