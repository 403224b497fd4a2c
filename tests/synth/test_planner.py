"""The model-driven planner against real stdio MCP servers (atlas: read-only lookups; ledger: a stateful, sandboxed
store that starts empty), with the scripted OpenAI-compatible endpoint serving canned plans through the real SDK."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.models.registry import get_provider
from mcpbench.testing.fake_llm import FakeLLM, FakeTurn
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.planner_catalog import select_tools, tool_card
from task_synth.planner_exec import PlanRejected, bind_arguments, field_regex, parse_proposal

pytestmark = pytest.mark.anyio
SERVERS = Path(__file__).parent / "servers"


def atlas() -> ServerSpec:
    return ServerSpec(name="atlas", command=sys.executable, args=[str(SERVERS / "atlas_server.py")])


def ledger() -> ServerSpec:
    return ServerSpec(name="ledger", command=sys.executable, args=[str(SERVERS / "ledger_server.py")], stateful=True)


def turn(obj: dict[str, Any] | str, latency_s: float = 0.0) -> FakeTurn:
    return FakeTurn(text=obj if isinstance(obj, str) else json.dumps(obj), latency_s=latency_s)


SCORES = turn({"solvability": 10, "utility": 8, "why": "clear"})

LEDGER_PLAN = {
    "scenario": "An accounts clerk records two invoices for Acme and checks what Acme owes in total.",
    "steps": [
        {"tool": "ledger/add_entry", "arguments": {"customer": "Acme", "amount": 120}},
        {"tool": "ledger/add_entry", "arguments": {"customer": "Acme", "amount": "lots"}},
        {"tool": "ledger/total_for", "arguments": {"customer": "{{step1.customer}}"}},
    ],
    "request": "Log two Acme invoices and tell me their total.",
    "answer": {"step": 3, "field": "total"},
}
LEDGER_REWRITE = {"precise": "Record invoices of 120 and 80 for customer Acme, then report Acme's total invoiced "
                             "amount.",
                  "fuzzy": "I just billed Acme twice, 120 and then 80. Can you put both in the books and tell me "
                           "what Acme owes us altogether?"}

ATLAS_PLAN = {
    "scenario": "A geography teacher sizes up the tables of a database before a class.",
    "steps": [
        {"tool": "atlas/list_tables", "arguments": {}},
        {"tool": "atlas/count_rows", "arguments": {"table_name": "glaciers"}},
        {"tool": "count_rows(table_name: string)", "arguments": {"table_name": "{{step1.name}}"}},
    ],
    "request": "How many rows has the first table?",
    "answer": {"step": 3, "field": "count"},
}
ATLAS_REWRITE = {"precise": "List the tables, then count the rows of the first one listed; report the count.",
                 "fuzzy": "I'm preparing a geography class. Could you check which table comes first in our "
                          "database and how many rows it holds?"}


async def _plan(tmp: Path, turns: list[FakeTurn], servers: list[ServerSpec], n: int = 1, **kw: Any):
    written: list[int] = []
    out = tmp / "planned.jsonl"

    def progress(state: Any) -> None:
        write_outputs(state, out, "planned")
        written.append(len(state.tasks))

    async with FakeLLM(turns) as fake, Fleet.open(servers) as fleet:
        model = get_provider("openai/planner-fake", base_url=fake.openai_base_url)
        try:
            options = SynthOptions(servers=[s.name for s in servers], n=n, seed=1, planner="openai/planner-fake", **kw)
            state = await synthesize(fleet, options, model=model, work=tmp / "work", on_progress=progress)
        finally:
            await model.aclose()
        return state, fake, fleet, out, written


async def test_a_failing_step_is_repaired_and_the_stateful_task_reads_its_answer_from_the_outputs(tmp_path):
    repair = turn({"arguments": {"customer": "Acme", "amount": 80}})
    with anyio.fail_after(240):
        state, fake, _, out, written = await _plan(
            tmp_path, [turn(LEDGER_PLAN), repair, turn(LEDGER_REWRITE), SCORES], [ledger()])
        async with Fleet.open([ledger()]) as fleet:
            valid = await validate_suite(Suite.load(out), fleet)
    assert fake.errors == [] and len(fake.requests) == 4
    body = fake.requests[0].body
    assert body["response_format"] == {"type": "json_object"} and body["temperature"] == 0 and body["max_tokens"] == 768
    repair_prompt = fake.requests[1].body["messages"][-1]["content"]
    assert "amount" in repair_prompt and "lots" in repair_prompt and "schema" in repair_prompt
    assert [t.fuzzy for t in state.tasks] == [LEDGER_REWRITE["fuzzy"]]
    task = state.tasks[0]
    assert [s.tool for s in task.reference] == ["add_entry", "add_entry", "total_for"]
    assert task.reference[1].arguments == {"customer": "Acme", "amount": 80}
    # the customer is read from step 0's output, not copied from the model's plan
    assert task.reference[2].bindings["customer"].startswith("step[0]:") and task.reference[2].depends_on == [0]
    check = task.checks[0]
    assert (check.kind, check.value, check.from_step) == ("numeric", 200.0, 2)
    assert "stateful" in task.tags and "planned" in task.tags
    assert task.provenance.generator.endswith("planner=openai/planner-fake")
    assert any("step 2 repaired" in n for n in state.chains[0].notes)
    assert written == [1] and [t.id for t in Suite.load(out).tasks] == [task.id]
    assert valid[0].ok, valid[0].reasons


async def test_a_step_the_model_cannot_fix_is_dropped_with_its_reason_and_a_bare_tool_name_is_resolved(tmp_path):
    """A bare name with the card's signature copied after it (as the 1.5B local model writes) names the tool."""
    drop = turn({"drop": True, "why": "no such table"})
    with anyio.fail_after(240):
        state, fake, _, _, _ = await _plan(tmp_path, [turn(ATLAS_PLAN), drop, turn(ATLAS_REWRITE), SCORES],
                                           [atlas()])
    assert fake.errors == [] and len(state.tasks) == 1
    task = state.tasks[0]
    assert [(s.tool, s.arguments) for s in task.reference] == [("list_tables", {}),
                                                               ("count_rows", {"table_name": "cities"})]
    assert task.reference[1].bindings["table_name"].startswith("step[0]:")
    assert task.checks[0].value == 7 and task.checks[0].from_step == 1
    notes = state.chains[0].notes
    assert len(notes) == 1 and notes[0].startswith("step 2 dropped (the model gave no fix): tool_error")
    assert "glaciers" in fake.requests[1].body["messages"][-1]["content"]  # the repair round saw the failed call


async def test_unparseable_replies_and_unknown_tools_are_rejected_with_reasons_and_the_planner_goes_on(tmp_path):
    unknown = {"scenario": "x", "steps": [{"tool": "atlas/teleport", "arguments": {"to": "Mars"}},
                                          {"tool": "atlas/list_tables", "arguments": {}}]}
    turns = [turn("Sure! First I would list the tables, then count them."), turn(unknown),
             turn({**ATLAS_PLAN, "steps": [ATLAS_PLAN["steps"][0], ATLAS_PLAN["steps"][2]]}), turn(ATLAS_REWRITE),
             SCORES]
    with anyio.fail_after(240):
        state, fake, _, _, _ = await _plan(tmp_path, turns, [atlas()])
    assert fake.errors == [] and len(state.tasks) == 1
    rejected = {r.id: r for r in state.rejected}
    assert rejected["synth-p0000"].stage == "plan" and "no JSON object" in rejected["synth-p0000"].reasons[0]
    assert "Sure!" in rejected["synth-p0000"].candidate["reply"]
    reasons = rejected["synth-p0001"].reasons
    assert reasons[0] == "1 of 2 proposed steps ran (need 2)"
    assert any("unknown tool 'atlas/teleport'" in r for r in reasons)
    lines = (tmp_path / "work" / "rejected.jsonl").read_text().splitlines()
    assert len(lines) == 2


async def test_a_slow_model_stops_the_planner_with_a_clear_message_and_the_tasks_made_are_kept(tmp_path):
    plan2 = {**ATLAS_PLAN, "steps": [ATLAS_PLAN["steps"][0], ATLAS_PLAN["steps"][2]]}
    turns = [turn(plan2), turn(ATLAS_REWRITE), SCORES, turn(plan2, latency_s=30)]
    with anyio.fail_after(240):
        state, fake, _, out, written = await _plan(tmp_path, turns, [atlas()], n=3, model_timeout_s=2)
    assert len(state.tasks) == 1 and written == [1]
    assert [t.id for t in Suite.load(out).tasks] == [state.tasks[0].id]
    msg = [n for n in state.notes if n.startswith("model unavailable:")]
    assert len(msg) == 1 and "openai/planner-fake did not answer the plan request within 2 s" in msg[0]
    assert "1 tasks kept" in msg[0]
    assert len(fake.requests) == 4  # no request after the breaker opened


async def test_a_write_tool_on_a_shared_server_is_never_called(tmp_path):
    plan = {"scenario": "y", "steps": [{"tool": "atlas/write_note", "arguments": {"text": "hi"}},
                                       {"tool": "atlas/list_tables", "arguments": {}},
                                       {"tool": "atlas/count_rows", "arguments": {"table_name": "{{step2.name}}"}}]}
    with anyio.fail_after(240):
        state, _, _, _, _ = await _plan(tmp_path, [turn(plan), turn(ATLAS_REWRITE), SCORES], [atlas()])
    # atlas' write_note raises if called; the step is dropped before it runs
    assert any("write_note writes" in n and "not sandboxed" in n for n in state.chains[0].notes)
    assert len(state.tasks) == 1 and [s.tool for s in state.tasks[0].reference] == ["list_tables", "count_rows"]


async def test_the_plan_prompt_is_read_from_a_file_and_shows_the_sandboxed_write_tools(tmp_path):
    with anyio.fail_after(240):
        _, fake, _, _, _ = await _plan(tmp_path, [turn("no plan")] * 3, [atlas(), ledger()])
    prompt = fake.requests[0].body["messages"][-1]["content"]
    assert "ledger/add_entry(amount: number, customer: string) [writes]" in prompt
    assert "atlas/write_note" not in prompt  # a write tool on a shared server is not offered at all
    assert "Reply with JSON only" in prompt


def test_field_references_build_regexes_that_re_read_the_value():
    out = json.dumps({"table": "rivers", "count": 12, "rows": [{"name": "Nile"}]})
    assert field_regex(out, "count")[1] == "12"
    assert field_regex(out, "Name")[1] == "Nile"
    assert field_regex("42", "")[1] == "42"
    assert field_regex("Total: 17 items\nother: x", "total")[1] == "17 items"
    with pytest.raises(Exception, match="no field 'price' \\(it has: table, count, rows, name\\)"):
        field_regex(out, "price")


def test_a_literal_copied_from_an_earlier_result_is_bound_to_it_but_a_value_the_user_gave_is_not():
    from task_synth.binding import resolve_ref

    listing = json.dumps([{"name": "cities"}, {"name": "rivers"}, {"name": "mountains"}])
    literal, bindings, values = bind_arguments({"table_name": "rivers", "limit": 5}, [listing], {0: 0})
    assert literal == {"limit": 5} and values == {"table_name": "rivers"}
    assert bindings["table_name"].startswith("step[0]:")
    assert resolve_ref(bindings["table_name"], [listing.replace("cities", "towns")]) == "rivers"
    literal, bindings, _ = bind_arguments({"table_name": "rivers"}, [listing], {0: 0}, given={"rivers"})
    assert literal == {"table_name": "rivers"} and bindings == {}
    _, bindings, values = bind_arguments({"q": "rows of {{step1.name}} please"}, [listing], {0: 0})
    assert bindings["q"].startswith("template:rows of {{step[0]:") and values["q"] == "rows of cities please"


def test_a_reply_without_steps_or_with_bad_arguments_is_not_a_plan():
    for reply in (None, {"steps": []}, {"steps": [{"arguments": {}}]}, {"steps": [{"tool": "a/b", "arguments": 3}]}):
        with pytest.raises(PlanRejected):
            parse_proposal(reply)
    p = parse_proposal({"steps": [{"tool": "a/b"}], "answer": {"step": 9, "field": "x"}})
    assert p.answer_step is None and p.answer_field == "x"


def test_a_large_catalog_is_cut_to_the_budget_around_a_seed_tool_and_successive_seeds_differ():
    from mcpbench.catalog import ToolEntry

    def entry(server: str, name: str, desc: str) -> ToolEntry:
        return ToolEntry(server=server, name=name, description=desc, sha256="0" * 64, exposed_name=f"{server}__{name}",
                         input_schema={"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]})

    import random
    from collections import Counter

    entries = [entry("m", f"t{i}", f"Compute the {w} of a number." if i % 2 else f"Plot the {w} of a curve.")
               for i, w in enumerate(["sine", "cosine", "gamma", "log", "root", "square"] * 40)]
    entries.append(entry("n", "notes", "Compute a short note."))
    cards = {f"{e.server}/{e.name}": tool_card(e) for e in entries}
    uses: Counter[str] = Counter()
    rng = random.Random(0)
    shown, seed = select_tools(entries, cards, 1500, rng, uses)
    assert seed is not None and sum(len(cards[f"{e.server}/{e.name}"]) + 1 for e in shown) <= 1500
    assert shown[0] is seed and any(e.server == "n" for e in shown)  # servers take turns
    seeds = {seed.name} | {select_tools(entries, cards, 1500, rng, uses)[1].name for _ in range(5)}  # type: ignore[union-attr]
    assert len(seeds) == 6
    small = entries[:3]
    some, none = select_tools(small, cards, 1500, rng, uses)
    assert none is None and sorted(e.name for e in some) == sorted(e.name for e in small)


async def test_synth_cli_with_a_slow_planner_exits_non_zero_with_a_message_and_keeps_the_tasks_made(tmp_path):
    """Regression: a slow model used to end `mcpbench synth` with a raw TimeoutError traceback and no file."""
    import os

    plan2 = {**ATLAS_PLAN, "steps": [ATLAS_PLAN["steps"][0], ATLAS_PLAN["steps"][2]]}
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"servers:\n  - name: atlas\n    command: {sys.executable}\n"
                   f"    args: ['{SERVERS / 'atlas_server.py'}']\n")
    out = tmp_path / "s.jsonl"
    with anyio.fail_after(240):
        async with FakeLLM([turn(plan2), turn(ATLAS_REWRITE), SCORES, turn(plan2, latency_s=60)]) as fake:
            root = str(Path(__file__).resolve().parents[2])
            env = {**os.environ, "OPENAI_BASE_URL": fake.openai_base_url, "PYTHONPATH": root}
            env.pop("OPENAI_API_KEY", None)
            proc = await anyio.run_process(
                [sys.executable, "-m", "mcpbench.cli", "synth", "--config", str(cfg), "--servers", "atlas",
                 "--planner", "openai/planner-fake", "--model-timeout", "3", "--n", "2", "--out", str(out)],
                env=env, check=False)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "openai/planner-fake did not answer the plan request within 3 s" in " ".join(stderr.split())
    assert len(Suite.load(out).tasks) == 1


async def test_a_slow_writer_model_leaves_template_tasks_and_one_clear_note_instead_of_a_timeout(tmp_path):
    """Regression: `--writer` with a model slower than its deadline died with a raw TimeoutError from llm.py."""
    with anyio.fail_after(240):
        async with FakeLLM([turn({"edges": []}, latency_s=60)], loop=True) as fake, Fleet.open([atlas()]) as fleet:
            model = get_provider("openai/writer-fake", base_url=fake.openai_base_url)
            try:
                options = SynthOptions(servers=["atlas"], n=2, seed=2, writer="openai/writer-fake", model_timeout_s=2)
                state = await synthesize(fleet, options, model=model)
            finally:
                await model.aclose()
    assert len(state.tasks) == 2 and all(t.provenance.generator.endswith("writer=openai/writer-fake")
                                         for t in state.tasks)
    unavailable = [n for n in state.notes if n.startswith("model unavailable:")]
    assert unavailable and "did not answer the graph request within 2 s" in unavailable[0]
    assert len(fake.requests) == 1  # the breaker: one deadline, not one per task


async def test_a_catalog_of_hundreds_of_tools_is_cut_to_the_prompt_budget_around_a_different_seed_each_time(tmp_path):
    from task_synth.llm import PROMPT_BUDGET_CHARS

    many = ServerSpec(name="many", command=sys.executable, args=[str(SERVERS / "many_tools_server.py")])
    with anyio.fail_after(240):
        state, fake, fleet, _, _ = await _plan(tmp_path, [turn("no plan")] * 3, [many])
    assert len(fleet.catalog.entries(["many"])) == 240
    prompts = [r.body["messages"][-1]["content"] for r in fake.requests]
    assert len(prompts) == 3
    for p in prompts:
        tools = p.split("Tools:\n", 1)[1]
        assert len(tools) <= PROMPT_BUDGET_CHARS + 1 and 20 < tools.count("many/") < 240
    shown = [n for n in state.notes if "tools shown (around many/" in n]
    assert len(shown) == 3 and len({n.rsplit("around ", 1)[1] for n in shown}) == 3


def test_the_answer_is_never_a_value_the_calls_were_given():
    from task_synth.artifacts import Grounded, GroundedStep
    from task_synth.binding import extract
    from task_synth.planner import answer_key
    from task_synth.planner_exec import PlannedChain
    from task_synth.writing import WriteFailed

    def grounded(out: str) -> Grounded:
        return Grounded(chain_id="c", steps=[GroundedStep(
            server="s", tool="add_record", arguments={"records": [{"name": "Acme", "kind": "supplier"}]},
            outputs=[out, out], raw=[out, out])])

    chain = PlannedChain(id="c", steps=[], answer_step=0, answer_field="name")
    out = json.dumps({"name": "Acme", "kind": "supplier", "rows_total": 17})
    ask, rx, k = answer_key(chain, grounded(out))
    assert (k, extract(rx, out), ask.check) == (0, "17", "numeric")
    with pytest.raises(WriteFailed, match="was given to the calls"):
        answer_key(chain, grounded(json.dumps({"name": "Acme", "kind": "supplier"})))


async def test_the_same_replies_and_seed_give_the_same_bytes(tmp_path):
    plan2 = {**ATLAS_PLAN, "steps": [ATLAS_PLAN["steps"][0], ATLAS_PLAN["steps"][2]]}
    files = []
    with anyio.fail_after(240):
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            _, _, _, out, _ = await _plan(tmp_path / name, [turn(plan2), turn(ATLAS_REWRITE), SCORES], [atlas()])
            files.append(out.read_bytes())
    assert files[0] == files[1] and len(Suite.load(tmp_path / "a" / "planned.jsonl").tasks) == 1


async def test_a_planned_task_on_a_server_given_files_is_written_as_it_comes_with_those_files(tmp_path):
    """A folder of notes it never fills is given the world's documents; the planner's task is written by `on_progress`
    (before synthesis ends) carrying them, so an interrupted run keeps tasks that validate."""
    from task_synth.offered import world_files
    from tests.synth._baselines import stateful_fixture

    notes = stateful_fixture("notesdir", SERVERS / "notesdir_server.py")
    given = world_files(["md"])
    name = sorted(given)[0]
    plan = {"scenario": "An office manager sizes a memo before printing it.",
            "steps": [{"tool": "notesdir/list_notes", "arguments": {}},
                      {"tool": "notesdir/count_words", "arguments": {"path": name}}],
            "request": f"How many words has {name}?", "answer": {"step": 2, "field": "words"}}
    rewrite = {"precise": f"Count the words of the note {name} and report the count.",
               "fuzzy": f"Before I print {name}, how long is it in words?"}
    with anyio.fail_after(240):
        state, fake, _, out, written = await _plan(tmp_path, [turn(plan), turn(rewrite), SCORES], [notes])
        assert fake.errors == [] and written == [1], [r.reasons for r in state.rejected]
        kept = Suite.load(out).tasks  # what on_progress wrote, not the final write
        assert [t.files for t in kept] == [{"notesdir": given}]
        words = len(re.findall(r"[A-Za-z0-9']+", given[name]))
        assert kept[0].checks[0].value == words
        async with Fleet.open([notes]) as fleet:
            valid = await validate_suite(Suite.load(out), fleet)
    assert valid[0].ok, valid[0].reasons
