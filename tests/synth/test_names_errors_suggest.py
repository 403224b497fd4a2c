"""A write refused for naming an item that does not exist, whose error names the items that do, works on one of them.

Shown on tests/synth/servers/practice_server.py: a practice log over exercises that ship with the server, known only
by name ("Name of the exercise"), which nothing lists or makes; a session logged on an unknown exercise is refused
with "No exercise matches 'X'. Did you mean: A, B?":

- the seeded write is tried again on the first name the error suggests (seeding.suggested), and every later step of
  the chain takes that name too (SynthState.existing, seeding.renamed): the verifying read reads that exercise;
- the request calls it the item it is ('in the exercise "Sight Reading"'), never a new one, and never leaves it
  unsaid (the state check reads that exercise).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from task_synth.artifacts import ChainStep
from task_synth.fill import role
from task_synth.seeding import existing_item, renamed, suggested, where_words
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

PRACTICE = Path(__file__).parent / "servers" / "practice_server.py"


def test_an_error_that_suggests_names_gives_the_first_in_place_of_the_quoted_value():
    err = "Error: no problem found matching 'Brightwater products'. Did you mean: Binary Search, Generate Parentheses?"
    assert suggested(err, {"params": {"problem_name": "Brightwater products", "status": "solved"}}) == \
        ("Brightwater products", "Binary Search")
    assert suggested("Unknown list \"Q3\". Available lists: 'Inbox', 'Someday'.", {"list": "Q3"}) == ("Q3", "Inbox")
    # the error must quote a value the call gave, and say what exists
    assert suggested("Did you mean: Binary Search?", {"name": "Other"}) is None
    assert suggested("No exercise matches 'X'.", {"name": "X"}) is None
    assert suggested("No exercise matches 'X'. Did you mean: none?", {"name": "X"}) is None
    assert renamed({"params": {"problem_name": "X", "tags": ["X", "y"]}, "n": 1}, {"X": "Two Sum"}) == \
        {"params": {"problem_name": "Two Sum", "tags": ["Two Sum", "y"]}, "n": 1}


def test_a_name_that_existed_before_is_called_the_item_it_is():
    write = ChainStep(server="s", tool="log_attempt", arguments={"problem_name": "Two Sum", "notes": "x"})
    read = ChainStep(server="s", tool="get_history", arguments={"problem_name": "Two Sum"})
    assert where_words([write, read], ("text", "text")) == ('a new problem called "Two Sum"',
                                                             'a new problem named "Two Sum"')
    assert where_words([write, read], ("text", "text"), existing={"Two Sum"}) == ('the problem "Two Sum"',) * 2
    bare = ChainStep(server="s", tool="log_session", arguments={"exercise": "Sight Reading", "notes": "x"})
    assert existing_item([bare, read], {"Sight Reading"}) == 'the exercise "Sight Reading"'
    assert existing_item([bare, read], set()) == ""
    # "Name of the exercise" names its parameter as "Exercise name" does
    assert role("exercise", {"type": "string", "description": "Name of the exercise (case-insensitive)."}) == "name"


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_sessions_are_logged_on_an_exercise_the_error_names(tmp_path):
    spec = stateful_fixture("practice", PRACTICE)
    state, suite = await synthesized(spec, tmp_path, 6, 1)
    exercises = {"Major Scales", "Minor Arpeggios", "Chromatic Runs", "Broken Chords", "Sight Reading",
                 "Pedal Control"}
    seeded = [t for t in suite.tasks if "seeded" in t.tags]
    assert len(seeded) >= 4, [r.reasons for r in state.rejected][:10]
    for t in seeded:
        log, read = t.reference[-2], t.reference[-1]
        assert log.tool == "log_session" and log.arguments["exercise"] in exercises, t.reference
        assert read.arguments["exercise"] == log.arguments["exercise"]
        assert f'the exercise "{log.arguments["exercise"]}"' in t.fuzzy, t.fuzzy
        assert "a new" not in t.fuzzy and "the system you have access to" not in t.fuzzy
    await validated_and_scored(spec, suite, tmp_path)
