"""A task gives a server files in its sandbox (its initial state, as MCPMark does): servers that work on the user's own
files (an editor taking a document's path, a folder of notes) and have no tool to create them can then be asked
something. Shown on tests/synth/servers/notesdir_server.py, a folder of markdown notes the server never fills.

The files travel with the task (`Task.files`, a curated plan's `files`), are written into every episode's sandbox
before the server starts (grounding, validation, the runner), are refused when hostile, and a task without files is
written exactly as before (shipped suites keep their bytes and hashes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from pydantic import ValidationError

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.process import write_files
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import TaskPlan
from task_synth.synth import load_plans, plans_from_tasks
from task_synth.task import FILE_BYTES, SUITES_DIR, Task
from tests.synth._baselines import stateful_fixture, validated_and_scored

NOTESDIR = Path(__file__).parent / "servers" / "notesdir_server.py"

MEMO = "# Q3\n\nRevenue grew in the third quarter.\nThe team shipped two releases and hired three people.\n"
WORDS = 16

PLAN = {
    "id": "notes-q3-words",
    "fuzzy": "How many words long is the one note in my notes folder?",
    "precise": "List the notes of the notes folder, then count the words of the only note listed.",
    "answer": 'The note has {{step[1]:"words": (\\d+)}} words.',
    "steps": [
        {"server": "notesdir", "tool": "list_notes"},
        {"server": "notesdir", "tool": "count_words", "depends_on": [0],
         "bindings": {"path": 'step[0]:"notes": \\["([^"]+)"'}},
    ],
    "checks": [{"kind": "numeric", "step": 1, "extract": '"words": (\\d+)', "description": "the note's word count"}],
    "files": {"notesdir": {"memos/q3.md": MEMO}},
}


def notesdir() -> ServerSpec:
    return stateful_fixture("notesdir", NOTESDIR)


def task_with(files: dict) -> Task:
    return Task(id="t", servers=["notesdir"], precise="p", fuzzy="f", checks=[], reference=[], files=files)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_plans_files_are_in_the_sandbox_so_a_server_that_creates_none_can_be_asked(tmp_path):
    with anyio.fail_after(600):
        async with Fleet.open([notesdir()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["notesdir"], seed=1),
                                     plans=[TaskPlan.model_validate(PLAN)], work=tmp_path / "w")
            write_outputs(state, tmp_path / "a.jsonl", "notes")
    (task,) = state.tasks
    assert task.files == PLAN["files"], [r.reasons for r in state.rejected]
    assert json.loads(task.reference[0].output)["notes"] == ["memos/q3.md"]
    assert task.checks[0].value == WORDS and task.answer == f"The note has {WORDS} words."
    suite = Suite.load(tmp_path / "a.jsonl")
    assert suite.tasks[0].files == PLAN["files"]  # written and read back with the suite
    assert plans_from_tasks(suite.tasks)[0].files == PLAN["files"]  # and kept when exported as a plan
    await validated_and_scored(notesdir(), suite, tmp_path)


@pytest.mark.anyio
@pytest.mark.timeout(600)
async def test_without_its_files_the_same_plan_fails_grounding():
    bare = TaskPlan.model_validate({k: v for k, v in PLAN.items() if k != "files"})
    with anyio.fail_after(300):
        async with Fleet.open([notesdir()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["notesdir"], seed=1), plans=[bare])
    assert state.tasks == []
    (rejected,) = state.rejected
    assert rejected.id == bare.id and rejected.stage == "ground", rejected
    assert "found nothing in the output of step 0" in rejected.reasons[0]  # an empty folder lists no note


@pytest.mark.anyio
async def test_files_given_to_a_shared_server_are_refused_not_silently_dropped():
    shared = ServerSpec(name="notesdir", command=sys.executable, args=[str(NOTESDIR)])
    task = task_with(PLAN["files"])
    with anyio.fail_after(120):
        async with Fleet.open([shared]) as fleet:
            with pytest.raises(ValueError, match=r"'notesdir'.*files need a server isolated per episode"):
                async with fleet.episode("e", files=PLAN["files"]):
                    pass
            (result,) = await validate_suite(Suite(name="s", tasks=[task]), fleet)
    assert not result.ok and any("files need a server isolated per episode" in r for r in result.reasons)


@pytest.mark.parametrize(("path", "text", "why"), [
    ("../x.md", "x", "'../x.md' has a '.' or '..' segment"),
    ("/etc/passwd", "x", "'/etc/passwd' is absolute"),
    ("C:/notes.md", "x", "'C:/notes.md' is absolute"),
    ("a//b.md", "x", "'a//b.md' has an empty segment"),
    ("a\\b.md", "x", "a POSIX path is wanted"),
    ("big.md", "x" * (300 * 1024), f"'big.md' is {300 * 1024} bytes, more than {FILE_BYTES}"),
    ("n" * 201, "x", "longer than 200 characters"),
])
def test_a_hostile_or_oversized_file_is_refused_naming_the_server_and_the_path(path, text, why):
    with pytest.raises(ValidationError) as e:
        task_with({"notesdir": {path: text}})
    assert "server 'notesdir'" in str(e.value) and why in str(e.value)


def test_too_many_files_too_much_in_all_or_a_server_not_in_the_task_are_refused():
    with pytest.raises(ValidationError, match="given 33 files, more than 32"):
        task_with({"notesdir": {f"n{i}.md": "x" for i in range(33)}})
    with pytest.raises(ValidationError, match=r"files are .* bytes together, more than 1048576"):
        task_with({"notesdir": {f"n{i}.md": "x" * (200 * 1024) for i in range(6)}})
    with pytest.raises(ValidationError, match="server 'elsewhere', which is not among the task's servers"):
        task_with({"elsewhere": {"a.md": "x"}})
    with pytest.raises(ValidationError, match="server 'elsewhere', which is not among the task's servers"):
        TaskPlan.model_validate({**PLAN, "files": {"elsewhere": {"a.md": "x"}}})


def test_a_suite_line_with_hostile_files_is_refused_naming_the_file_and_line(tmp_path):
    good = task_with(PLAN["files"]).model_dump(mode="json")
    bad = {**good, "id": "bad", "files": {"notesdir": {"../../etc/cron.d/x": "* * * * * boom"}}}
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [{"suite": "s"}, good, bad]) + "\n")
    with pytest.raises(ValueError, match=r"(?s)s\.jsonl:3: .*'\.\./\.\./etc/cron\.d/x' has a '\.' or '\.\.' segment"):
        Suite.load(path)
    plans = tmp_path / "plans.jsonl"
    plans.write_text(json.dumps({**PLAN, "files": {"notesdir": {"/etc/passwd": "x"}}}) + "\n")
    with pytest.raises(ValueError, match=r"(?s)plan notes-q3-words: .*'/etc/passwd' is absolute"):
        load_plans(plans)


def test_writing_files_stays_inside_the_sandbox_even_through_a_symlink(tmp_path):
    sandbox, outside = tmp_path / "sandbox", tmp_path / "outside"
    sandbox.mkdir()
    outside.mkdir()
    write_files(sandbox, {"memos/q3.md": MEMO, "top.md": "é"})
    assert (sandbox / "memos" / "q3.md").read_text() == MEMO and (sandbox / "top.md").read_bytes() == "é".encode()
    (sandbox / "link").symlink_to(outside)  # as a world copy may hold
    with pytest.raises(ValueError, match=r"'link/x\.md' would be written outside the server's sandbox"):
        write_files(sandbox, {"link/x.md": "x"})
    assert list(outside.iterdir()) == []


def test_a_task_without_files_is_written_as_before_so_shipped_suites_keep_their_hashes(tmp_path):
    """Pins the suite hash: `files` is left out of a task's JSON when it is empty (Suite.sha256 and the JSONL
    bytes are over that JSON)."""
    bare = task_with({})
    assert "files" not in bare.model_dump(mode="json") and '"files"' not in bare.model_dump_json()
    assert task_with(PLAN["files"]).model_dump(mode="json")["files"] == PLAN["files"]
    smoke = SUITES_DIR / "smoke.jsonl"
    Suite.load(smoke).dump(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == smoke.read_bytes()


@pytest.mark.anyio
async def test_a_run_whose_task_gives_files_to_a_shared_server_stops_before_it_starts(tmp_path):
    from mcpbench.runner import RunError, Runner, RunOptions

    Suite(name="s", tasks=[task_with(PLAN["files"])]).dump(tmp_path / "s.jsonl")
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"version: 1\nservers:\n  - name: notesdir\n    command: {sys.executable}\n"
                   f"    args: ['{NOTESDIR}']\n")
    with pytest.raises(RunError, match=r"task t: server 'notesdir' is given files, but files need a server isolated"):
        await Runner(RunOptions(models=["scripted/oracle"], suite=str(tmp_path / "s.jsonl"), config=cfg,
                                out=tmp_path / "run")).run()
