"""Prerequisites from errors for read walks: a server whose every read answers "No working folder set. Please use
open_folder first" (tests/synth/servers/desk_server.py, real stdio, a fresh instance and copy of the world's documents
per episode). Probing learns the set-up from the error, fills it from the server's own per-episode data, and every
chain through the server starts with it; the request names where to work and never recites the set-up."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import Isolation, ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs

DESK = Path(__file__).parent / "servers" / "desk_server.py"


def desk() -> ServerSpec:
    return ServerSpec(name="desk", command=sys.executable, args=[str(DESK)], cwd="${EPISODE_DIR}", stateful=True,
                      isolation=Isolation(copy=["docs"]))


async def _synth(tmp: Path, name: str) -> tuple[bytes, object]:
    async with Fleet.open([desk()]) as fleet:
        state = await synthesize(fleet, SynthOptions(servers=["desk"], n=5, seed=2, seed_world=False),
                                 work=tmp / name)
        out = tmp / f"{name}.jsonl"
        write_outputs(state, out, "desk")
        return out.read_bytes(), state


@pytest.mark.anyio
async def test_a_read_that_names_a_set_up_tool_in_its_error_gets_it_as_a_prerequisite_step(tmp_path):
    with anyio.fail_after(420):
        a, state = await _synth(tmp_path, "a")
        b, _ = await _synth(tmp_path, "b")
    assert a == b  # same seed, same bytes
    # confirmed by a read that then succeeds, though the first failing read (a made-up note) fails after it too
    assert state.graph.setups == {"desk": {"tool": "open_folder", "arguments": {"path": "docs"}}}
    # every sampled chain starts with the set-up, once, and its read was found through it
    assert state.chains and all(c.steps[0].tool == "open_folder" and c.steps[0].arguments == {"path": "docs"}
                                and all(s.tool != "open_folder" for s in c.steps[1:]) for c in state.chains)
    suite = Suite.load(tmp_path / "a.jsonl")
    assert suite.tasks, [r.reasons for r in state.rejected]
    for t in suite.tasks:
        assert t.reference[0].tool == "open_folder" and t.reference[0].arguments == {"path": "docs"}
        assert len(t.reference) >= 2 and all(s.tool != "open_folder" for s in t.reference[1:])
        assert all(0 in s.depends_on for s in t.reference[1:])  # no replay issues a read before the set-up
        assert "working in docs" in t.fuzzy
        assert not any(s.tool in t.fuzzy for s in t.reference)  # no tool-name leaks
    async with Fleet.open([desk()]) as fleet:
        with anyio.fail_after(300):
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]


def test_set_up_candidates_include_the_copied_files_as_the_server_sees_them_matching_extension_first(tmp_path):
    from types import SimpleNamespace

    from task_synth.probe import copied_files

    for rel in ("office/memos/a.docx", "office/memos/b.txt", "office/z.docx", "office/.hidden.docx"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    state = SimpleNamespace(builtins={"WORLD": str(tmp_path)})
    hint = "Open a .docx file for reading and editing."
    # the server runs in ${EPISODE_DIR}/office: paths are relative to it; .docx first, then by path
    assert copied_files(state, ["office"], "${EPISODE_DIR}/office", hint) == ["memos/a.docx", "z.docx", "memos/b.txt"]
    # elsewhere: relative to the episode directory, where the copies land
    assert copied_files(state, ["office"], "${EPISODE_DIR}", "") == ["office/memos/a.docx", "office/memos/b.txt",
                                                                     "office/z.docx"]
    assert copied_files(state, ["missing"], "", hint) == [] and copied_files(state, [], "", hint) == []
