"""Code-running tools get tasks: the `code` kind, the language read from the schema, programs over the world's figures,
and world calculations on a real code-running server (tests/synth/servers/sandbox_server.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.kinds import param_kind
from task_synth.programs import JAVASCRIPT, PYTHON, code_tool
from task_synth.registry import StepRef
from task_synth.topics import world_topics
from task_synth.worldcalc import program_questions
from tests.synth._baselines import run_baselines

SANDBOX = Path(__file__).parent / "servers" / "sandbox_server.py"
ATLAS = Path(__file__).parent / "servers" / "atlas_server.py"


def _tool(props: dict, required: list[str], description: str = "Run a snippet.") -> ToolEntry:
    return ToolEntry(server="s", name="t", description=description,
                     input_schema={"type": "object", "properties": props, "required": required})


def test_a_parameter_takes_code_when_its_name_and_description_say_so_and_a_currency_code_does_not():
    assert param_kind("code", {"type": "string", "description": "Code Snippet"}) == "code"
    assert param_kind("script", {"type": "string", "description": "Python script to run"}) == "code"
    assert param_kind("code", {"type": "string", "description": "ISO 4217 currency code"}) is None
    assert param_kind("source", {"type": "string", "description": "The source unit"}) is None
    assert param_kind("code", {"type": "string"}) is None


def test_the_language_comes_from_the_schema_python_first_then_javascript():
    code = {"type": "string", "description": "Code snippet"}
    both = _tool({"code": code, "languageId": {"type": "string", "enum": ["ruby", "javascript", "python"]}},
                 ["code", "languageId"])
    tool = code_tool(both)
    assert tool is not None and tool.language is PYTHON and tool.arguments == {"languageId": "python"}
    js = code_tool(_tool({"source": {"type": "string", "description": "source code"},
                          "lang": {"type": "string", "enum": ["Node.js", "ruby"]}}, ["source", "lang"]))
    assert js is not None and js.language is JAVASCRIPT and js.arguments == {"lang": "Node.js"}
    # no language parameter: the tool's description names it
    described = code_tool(_tool({"code": code}, ["code"], "Execute Python code in a sandbox."))
    assert described is not None and described.language is PYTHON and described.arguments == {}
    # languages we do not write, an unknown language, another required parameter: not a code runner for us
    assert code_tool(_tool({"code": code, "language": {"type": "string", "enum": ["ruby", "go"]}},
                           ["code", "language"])) is None
    assert code_tool(_tool({"code": code}, ["code"], "Run a snippet.")) is None
    assert code_tool(_tool({"code": code, "timeout": {"type": "integer"}}, ["code", "timeout"],
                           "Execute Python code.")) is None


def test_every_generated_program_prints_the_worlds_own_figure_in_python_and_in_javascript(tmp_path):
    node = shutil.which("node")
    assert node, "node is part of this project's toolchain (the npm servers need it)"
    entry = _tool({"code": {"type": "string", "description": "code"},
                   "language": {"type": "string", "enum": ["python", "javascript"]}}, ["code", "language"])
    tool = code_tool(entry)
    assert tool is not None
    questions = program_questions()
    assert {q.key for q in questions} >= {t.key for t in world_topics()}  # every topic's own question, and means
    for lang, cmd in ((PYTHON, [sys.executable, "-c"]), (JAVASCRIPT, [node, "-e"])):
        runner = type(tool)(tool.entry, tool.param, lang, {})
        for q in questions:
            out = subprocess.run([*cmd, runner.program(q.topic.rows, q.measure)], capture_output=True, text=True,
                                 check=True, timeout=30).stdout
            assert abs(float(out) - q.value) < 0.01, (lang.name, q.key, out)
        then = subprocess.run([*cmd, runner.calculation("5350 * 1.23")], capture_output=True, text=True,
                              check=True, timeout=30).stdout
        assert float(then) == 6580.5  # hand-computed: 5350 x 1.23
    # the topics' answers are the world's arithmetic; each topic's measure computes the same number
    for t in world_topics():
        assert t.measure is not None and t.measure.evaluate(t.rows) == t.answer, t.key


@pytest.mark.anyio
async def test_a_code_running_server_gets_verified_world_tasks_that_never_show_the_program(tmp_path):
    sandbox = ServerSpec(name="sandbox", command=sys.executable, args=[str(SANDBOX)])
    with anyio.fail_after(300):
        async with Fleet.open([sandbox]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["sandbox"], n=10, seed=1))
            suite = write_outputs(state, tmp_path / "s.jsonl", "s")
            results = await validate_suite(Suite.load(tmp_path / "s.jsonl"), fleet, concurrency=2)
    tasks = [t for t in suite.tasks if "program" in t.tags]
    assert len(tasks) >= 5, [r.reasons for r in state.rejected]
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    for t in tasks:
        assert [s.tool for s in t.reference] == ["execute", "execute"]
        assert t.reference[0].arguments["runtime"] == "python3"
        assert t.reference[1].bindings["script"].startswith("template:print(round({{step[0]:")
        assert "print(" not in t.fuzzy and "rows" not in t.fuzzy and "execute" not in t.fuzzy
        assert "script" in t.fuzzy and t.checks[0].kind == "numeric"
    share = next(t for t in tasks if "Lisbon office" in t.fuzzy)
    assert float(share.checks[0].value) == 60.0  # hand-computed: 3 of the 5 Lisbon people joined before 2020
    await run_baselines(tmp_path / "s.jsonl", f"  - name: sandbox\n    command: {sys.executable}\n"
                        f"    args: [{str(SANDBOX)!r}]\n", tmp_path)


@pytest.mark.anyio
async def test_a_programs_result_is_carried_to_another_servers_calculator_in_a_cross_server_task():
    servers = [ServerSpec(name="sandbox", command=sys.executable, args=[str(SANDBOX)]),
               ServerSpec(name="atlas", command=sys.executable, args=[str(ATLAS)])]
    with anyio.fail_after(300):
        async with Fleet.open(servers) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["sandbox", "atlas"], n=40, seed=2),
                                     steps=[StepRef("sample", "world-calc"), StepRef("filter", "rules")])
    crossing = [t for t in state.tasks if [s.server for s in t.reference] == ["sandbox", "atlas"]]
    assert crossing, [r.reasons for r in state.rejected]
    for t in crossing:
        assert t.reference[1].tool == "evaluate" and "program" in t.tags
        assert t.reference[1].bindings["expression"].startswith("template:{{step[0]:")
