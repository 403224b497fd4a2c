"""Seeding verifies a write through the id it returns (task_synth/seeding.py `state_read`, handles.id_regex,
replay.state_arguments).

Before: a write whose output names the new item only in text ("Created collection 1 with 5 items.") could not be
bound, so no read confirmed it ("no read tool shows what it wrote"); and a verifying read that took an id made in the
episode carried no final-state check at all (dev set: the PowerPoint server and the task planner, final-state 0 %).
Now the id is read from the write's output in text or JSON; a read of an id every fresh instance gives alike ("1",
"req-1") names it, and a read of an id drawn anew in every episode takes it from the agent's own call at evaluation.

The live tests run the whole pipeline on tests/synth/servers/shelf_server.py over real stdio, a fresh process per
episode, and score the oracle and the do-nothing agent through the real runner.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from judges.checks import evaluate_checks
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.binding import BindingError, extract
from task_synth.handles import id_regex
from task_synth.replay import AgentCall, read_final_state, state_arguments
from task_synth.task import CallValue, Check, ReferenceStep, StateRead, Task, state_key
from tests.synth._baselines import run_baselines

SHELF = Path(__file__).parent / "servers" / "shelf_server.py"


def shelf() -> ServerSpec:
    return ServerSpec(name="shelf", command=sys.executable, args=[str(SHELF)], stateful=True)


# --- by hand ---------------------------------------------------------------------------------------------------

def test_an_id_said_in_text_is_read_after_the_noun_the_parameter_names_or_after_id():
    cases = [("collection_id", "Created collection 3 with 5 items.", "3"),
             ("basketId", "Basket b7f3a9c2 is ready.", "b7f3a9c2"),
             ("id", "New record saved (id: r-17).", "r-17"),
             ("item_id", "Created item #42", "42"),
             ("requestId", '{"requestId": "req-1"}', "req-1")]  # a key named like it comes first
    for param, text, want in cases:
        rx = id_regex(param, text)
        assert rx is not None and extract(rx, text) == want, (param, text)
    assert id_regex("item_id", "Created the item successfully.") is None  # a plain word is no id


def test_a_drawn_id_masked_in_stored_outputs_is_still_re_read_by_the_binding():
    rx = id_regex("basket_id", "Basket b7f3a9c2 is ready.")
    assert rx is not None and extract(rx, "Basket - is ready.") == "-"


def test_a_read_takes_the_id_from_the_agents_last_call_of_the_write_that_shows_one():
    read = StateRead(server="s", tool="view_basket", arguments={"full": True},
                     from_calls={"basket_id": CallValue(tool="start_basket", extract=r"Basket (\w+)")})
    calls = [AgentCall("s", "start_basket", "Basket b1 is ready."), AgentCall("s", "add_to_basket", "Added 2."),
             AgentCall("s", "start_basket", "Basket b2 is ready."), AgentCall("s", "start_basket", "no basket today"),
             AgentCall("other", "start_basket", "Basket b9 is ready.")]
    assert state_arguments(read, calls) == {"full": True, "basket_id": "b2"}
    with pytest.raises(BindingError, match="start_basket"):
        state_arguments(read, [AgentCall("other", "start_basket", "Basket b9 is ready.")])


def test_a_read_literal_arguments_only_is_written_as_before():
    plain = StateRead(server="s", tool="t", arguments={"id": "1"})
    assert plain.model_dump(mode="json") == {"server": "s", "tool": "t", "arguments": {"id": "1"}}
    drawn = StateRead(server="s", tool="t", from_calls={"id": CallValue(tool="w", extract="(x)")})
    assert StateRead.model_validate(drawn.model_dump(mode="json")) == drawn


class _Tools:
    """Records the read calls made (what `read_final_state` would send a server)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []

    async def call_real(self, server: str, tool: str, args: dict[str, object], timeout: float | None) -> object:
        self.sent.append((tool, args))

        class Out:
            ok, content, outcome, error = True, '{"items": ["Tejo River Authority"]}', "ok", None

        return Out()


@pytest.mark.anyio
async def test_a_final_state_read_of_an_id_no_call_shows_fails_closed_without_calling_the_server():
    read = StateRead(server="s", tool="view_basket",
                     from_calls={"basket_id": CallValue(tool="start_basket", extract=r"Basket (\w+)")})
    task = Task(id="t", servers=["s"], precise="p", fuzzy="f", checks=[Check(kind="state", value="Tejo River Authority",
                                                                             read=read)],
                reference=[ReferenceStep(server="s", tool="start_basket", arguments={})])
    tools = _Tools()
    nothing = await read_final_state(task, tools, builtins={})
    assert tools.sent == [] and nothing[state_key(0)].startswith("[replay: state 0 s/view_basket:")
    assert evaluate_checks(task.checks, "", nothing)[0].score == 0.0
    made = await read_final_state(task, tools, builtins={}, calls=[AgentCall("s", "start_basket", "Basket b4 ok")])
    assert tools.sent == [("view_basket", {"basket_id": "b4"})]
    assert evaluate_checks(task.checks, "", made)[0].score == 1.0


def test_a_state_check_reads_json_escapes_as_the_characters_they_stand_for():
    """Regression: a slide's text dumped as JSON ("…6420)\\nSO-1015 (…") failed the whole-token rule on 'SO-1015'
    (the escaped line break's 'n' ran into it), and 'Tom\\u00e1s' never showed 'Tomás'."""
    check = Check(kind="state", value="Tomás Reis", read=StateRead(server="s", tool="t"))
    (r,) = evaluate_checks([check], "", {state_key(0): '{"title": "Tom\\u00e1s Reis (Head of Firmware)"}'})
    assert r.score == 1.0
    (r,) = evaluate_checks([check], "", {state_key(0): '{"title": "Tom\\u00e1 Reis"}'})
    assert r.score == 0.0
    order = Check(kind="state", value="SO-1015", read=StateRead(server="s", tool="t"))
    (r,) = evaluate_checks([order], "", {state_key(0): '{"text": "SO-1016 (2400)\\nSO-1015 (6420)"}'})
    assert r.score == 1.0
    (r,) = evaluate_checks([order], "", {state_key(0): '{"text": "SO-10150 (6420)"}'})
    assert r.score == 0.0


# --- live: the whole pipeline on the fixture server ------------------------------------------------------------

async def _synth(tmp: Path, name: str) -> bytes:
    async with Fleet.open([shelf()]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["shelf"], n=8, seed=1), work=tmp / name)
        write_outputs(state, tmp / f"{name}.jsonl", "shelf")
    return (tmp / f"{name}.jsonl").read_bytes()


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_writes_that_answer_with_a_new_id_are_verified_by_the_read_that_takes_it(tmp_path):
    with anyio.fail_after(900):
        a = await _synth(tmp_path, "a")
        assert a == await _synth(tmp_path, "b")  # same seed, same bytes, although every basket id is drawn anew
    suite = Suite.load(tmp_path / "a.jsonl")
    states = {t.id: [c for _, c in t.state_checks] for t in suite.tasks if t.state_checks}
    tools = {t.id: [s.tool for s in t.reference] for t in suite.tasks}
    numbered = [i for i in states if tools[i] == ["create_collection", "get_collection"]]
    drawn = [i for i in states if tools[i] == ["start_basket", "add_to_basket", "view_basket"]]
    assert numbered and drawn, tools
    for i in numbered:  # the id every fresh instance gives is named
        assert all(c.read and c.read.arguments == {"collection_id": "1"} and not c.read.from_calls
                   for c in states[i])
    for i in drawn:  # the id drawn anew is taken from the agent's own call of the tool that made it
        assert all(c.read and c.read.from_calls["basket_id"].tool == "start_basket" for c in states[i])
    for t in suite.tasks:
        assert "basket_id" not in t.fuzzy and "collection 1" not in t.fuzzy
    with anyio.fail_after(600):
        async with Fleet.open([shelf()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
            assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
            # an agent that starts a basket but puts nothing in it leaves a state the check tells apart
            task = next(t for t in suite.tasks if t.id in drawn)
            async with fleet.episode("lazy", servers=["shelf"]) as ep:
                out = await ep.call_real("shelf", "start_basket", {"label": "mine"}, 30)
                lazy = await read_final_state(task, ep, calls=[AgentCall("shelf", "start_basket", out.content)])
        assert '"items": []' in lazy[state_key(0)]
        assert not any(r.passed for r in evaluate_checks(list(task.checks), task.answer, lazy) if r.kind == "state")
        await run_baselines(tmp_path / "a.jsonl", f"  - name: shelf\n    command: {sys.executable}\n"
                            f"    args: [{str(SHELF)!r}]\n    stateful: true\n", tmp_path)
