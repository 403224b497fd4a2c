"""Two general causes that dropped or weakened synthesized tasks on servers the synthesizer had never seen (issue 19):

- a store whose read **echoes the key it is asked for**, found or not: seeding gave the read the records themselves
  as its key (a one-or-many `name` parameter was taken for a content slot), the read "showed" them on a fresh
  instance too, and `do_nothing_fails` dropped every seeded task (1 task of 7 candidates). Shown on
  tests/synth/servers/echoing_store_server.py.
- a read-only server whose recommend and pick tools **draw anew on every call**: tasks whose answer depended on a
  draw were kept, `tasks validate` passed them (it rendered the answer from the very replay it checked), and the
  oracle scored below 1 through the real runner (which checks against a second replay). Shown on
  tests/synth/servers/drawing_cookbook_server.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.fill import fill, role
from task_synth.replay import validate_task
from task_synth.seeding import checked_values, echoes
from task_synth.stability import unstable_checks
from task_synth.task import Check, ReferenceStep, Task
from task_synth.topics import world_topics
from tests.synth._baselines import run_baselines, synthesized, validated_and_scored

SERVERS = Path(__file__).parent / "servers"
STORE = SERVERS / "echoing_store_server.py"
COOKBOOK = SERVERS / "drawing_cookbook_server.py"
ONE_OR_MANY = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
TOTAL = r'"total_minutes"\s*:\s*(\d+)'


def test_a_read_given_the_records_as_its_key_is_no_evidence_of_the_write():
    topic = world_topics()[0]
    assert echoes({"name": topic.lines()}, topic.markers)  # what the store's read was given before
    assert echoes({"query": f"{topic.markers[-1]} (x)"}, topic.markers)
    assert not echoes({"name": "Brightwater products"}, topic.markers)


def test_a_state_check_looks_for_records_the_fresh_instance_does_not_show():
    topic = world_topics()[0]
    first, last = topic.markers
    written = "; ".join(topic.lines())
    other = str(topic.rows[1][0])
    assert checked_values(topic, [written, written], "[replay: tool_error: not found]", {}) == [first, last]
    # the control read shows the first record already (a sample the store ships): another record stands in
    assert checked_values(topic, [written, written], f"Example: {first}", {}) == [other, last]
    # ... but never one the read was given, and the marker stays when nothing else qualifies
    assert checked_values(topic, [written, written], f"Example: {first}", {"name": other})[0] != other
    assert checked_values(topic, [first, first], f"Example: {first}", {}) == [first, last]


def test_a_parameter_that_takes_one_name_or_a_list_of_names_is_a_handle_given_as_one_string():
    assert role("name", ONE_OR_MANY) == "name"
    assert role("name", {"type": ["string", "array"], "items": {"type": "string"}}) == "name"
    # a list of objects, or text, stays what it was
    assert role("name", {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]}) == "content"
    assert role("text", ONE_OR_MANY) == "content"
    schema = {"type": "object", "required": ["name"], "properties": {"name": ONE_OR_MANY}}
    assert fill(schema, world_topics()[0], ("file", ""), with_content=True)[0] == {"name": "Brightwater products"}


def _task(checks: list[Check], steps: list[ReferenceStep], answer: str) -> Task:
    return Task(id="t", servers=["cookbook"], precise="p", fuzzy="f", checks=checks, reference=steps, answer=answer)


def test_a_live_answer_is_scored_as_the_runner_scores_it_the_answer_from_one_run_the_check_from_another():
    menu = ReferenceStep(server="cookbook", tool="recommend_dishes", arguments={"people_count": 2}, live_varying=True)
    check = Check(kind="numeric", value=65, from_step=0, extract=TOTAL)
    task = _task([check], [menu], f"It takes {{{{step[0]:{TOTAL}}}}} minutes.")
    same = ['{"total_minutes": 65}']
    assert unstable_checks(task, [same, same], [], set()) == []
    reasons = unstable_checks(task, [same, ['{"total_minutes": 58}']], [], set())
    assert reasons and all("fails on another run's outputs" in r for r in reasons), reasons


def test_a_check_on_what_a_drawn_value_led_to_is_unstable_even_when_both_runs_drew_alike():
    pick = ReferenceStep(server="cookbook", tool="what_to_eat", arguments={}, live_varying=False)
    menu = ReferenceStep(server="cookbook", tool="recommend_dishes", arguments={"people_count": 4},
                         bindings={"people_count": r'step[0]:"servings"\s*:\s*(\d+)'}, live_varying=True,
                         depends_on=[0])
    check = Check(kind="numeric", value=2, from_step=1, extract=r'"meat_dish_count"\s*:\s*(\d+)')
    task = _task([check], [pick, menu], "2 meat dishes.")
    runs = [['{"servings": 4}', '{"meat_dish_count": 2}']] * 2
    assert unstable_checks(task, runs, [], set()) == []  # nothing known to be drawn
    assert "given a value drawn anew" in unstable_checks(task, runs, [], {0})[0]
    # drawn differently, yet the value passed on agreed (a request id beside it changed): no draw reaches the check
    differ = [['{"servings": 4, "request": "r-1"}', '{"meat_dish_count": 2}'],
              ['{"servings": 4, "request": "r-2"}', '{"meat_dish_count": 2}']]
    assert unstable_checks(task, differ, [], {0}) == []
    passed_on = [['{"servings": 4}', '{"meat_dish_count": 2}'], ['{"servings": 6}', '{"meat_dish_count": 2}']]
    assert "given a value drawn anew" in unstable_checks(task, passed_on, [], {0})[0]
    # a check on the drawn step itself holds when the two runs drew differently and the field stayed the same
    on_draw = _task([check.model_copy(update={"from_step": 0, "extract": r'"servings"\s*:\s*(\d+)', "value": 4})],
                    [pick], "It serves 4.")
    assert "draws its answer anew" in unstable_checks(on_draw, [['{"servings": 4}']] * 2, [], {0})[0]
    assert unstable_checks(on_draw, [['{"servings": 4, "name": "a"}'], ['{"servings": 4, "name": "b"}']], [],
                           {0}) == []


def store_spec() -> ServerSpec:
    return ServerSpec(name="contexts", command=sys.executable, args=[str(STORE)], cwd="${EPISODE_DIR}", stateful=True)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_store_whose_read_echoes_its_key_yields_verified_stateful_tasks(tmp_path):
    state, suite = await synthesized(store_spec(), tmp_path, n=10, seed=1)
    stateful = [t for t in suite.tasks if t.state_checks]
    assert len(stateful) >= 5, [r.reasons for r in state.rejected]
    assert not any("do_nothing_fails" in r for rej in state.rejected for r in rej.reasons)
    for t in stateful:  # read by the name the write used, never by the records it should show
        for _, c in t.state_checks:
            assert c.read is not None and not echoes(c.read.arguments, [str(c.value)]), c.read
    res = await validated_and_scored(store_spec(), suite, tmp_path)
    assert res.results["models"]["scripted/oracle"]["overall"]["mean"] == pytest.approx(1.0)


def cookbook_spec() -> ServerSpec:
    return ServerSpec(name="cookbook", command=sys.executable, args=[str(COOKBOOK)])


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_tasks_that_hang_on_a_draw_are_dropped_and_validate_fails_one_as_the_runner_would(tmp_path):
    with anyio.fail_after(400):
        async with Fleet.open([cookbook_spec()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["cookbook"], n=10, seed=1), work=tmp_path / "w")
            write_outputs(state, tmp_path / "a.jsonl", "cookbook")
            suite = Suite.load(tmp_path / "a.jsonl")
            results = await validate_suite(suite, fleet, concurrency=2)
            # a task whose answer is a draw: validate replays it twice, as the runner does, and fails it
            menu = ReferenceStep(server="cookbook", tool="recommend_dishes", arguments={"people_count": 2},
                                 live_varying=True)
            drawn = _task([Check(kind="numeric", value=0, from_step=0, extract=TOTAL)], [menu],
                          f"It takes {{{{step[0]:{TOTAL}}}}} minutes.")
            verdict = await validate_task(drawn, fleet)
    assert not verdict.ok and any(r.startswith("stable:") for r in verdict.reasons), verdict.reasons
    assert any(r.startswith("stable:") for rej in state.rejected for r in rej.reasons), \
        [rej.reasons for rej in state.rejected]
    assert suite.tasks and all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    for t in suite.tasks:  # nothing kept reads the pick, or what a pick led to
        tools = [s.tool for s in t.reference]
        assert "what_to_eat" not in tools[:-1] or all(c.from_step is None for c in t.checks), tools
    res = await run_baselines(tmp_path / "a.jsonl", f"  - name: cookbook\n    command: {sys.executable}\n"
                              f"    args: [{str(COOKBOOK)!r}]\n", tmp_path)
    assert res.results["models"]["scripted/oracle"]["overall"]["mean"] == pytest.approx(1.0)


def test_a_name_a_template_takes_from_a_drawn_list_is_unstable_even_when_two_runs_drew_it_alike():
    # a listing's names now feed a search in walks (kinds.listed_kind), through a template binding: a menu drawn at
    # random fed the search its first dish, and two runs that happened to agree on it kept the task
    menu = ReferenceStep(server="cookbook", tool="recommend_dishes", arguments={"people_count": 2}, live_varying=True)
    search = ReferenceStep(server="cookbook", tool="search_dishes", arguments={"query": "x"}, depends_on=[0],
                           bindings={"query": 'template:{{step[0]:"name"\\s*:\\s*"([^"]+)"}}'})
    check = Check(kind="numeric", value=37, from_step=1, extract=r'"minutes"\s*:\s*(\d+)')
    task = _task([check], [menu, search], "37 minutes.")
    one = '{"dishes": [{"name": "Bacalhau", "minutes": 37}], "seed": 1}'
    two = '{"dishes": [{"name": "Bacalhau", "minutes": 37}, {"name": "Caldo"}], "seed": 2}'
    found = '{"hits": [{"name": "Bacalhau", "minutes": 37}]}'
    assert "given a value drawn anew" in unstable_checks(task, [[one, found], [two, found]], [], {0})[0]


def test_an_item_of_a_drawn_list_is_never_taken_as_stable_because_two_runs_agreed():
    """Two runs of a menu drawn at random can pick the same first dish (one in three here): agreement inside the
    drawn list is chance, so a check or a binding reading it is unstable; a top-level figure beside it may agree."""
    from task_synth.stability import in_a_list

    menu = '{"meat_dish_count": 1, "dishes": [{"name": "Bacalhau", "minutes": 37}], "note": "a [b"}'
    assert in_a_list(r'"minutes"\s*:\s*(-?\d+)', menu)
    assert not in_a_list(r'"meat_dish_count"\s*:\s*(-?\d+)', menu)
    assert not in_a_list(r'"note"\s*:\s*"([^"]+)"', menu)  # a bracket inside a string is text
    assert not in_a_list(None, menu) and not in_a_list(r'"absent"\s*:\s*(\d+)', menu)
