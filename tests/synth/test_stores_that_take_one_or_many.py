"""Stores whose every parameter is optional and that take one item or many in each call.

Tried on a registry store of named documents, seeding wrote the records, then asked the read with no name; the read
answered "Either 'name' or 'names' must be provided", the synthesizer learnt `names` (the last word before "must be
provided") and filled it with the records themselves, and the read echoed them back as "not found". With `name`
learnt instead, the read built its own name from the topic ("Brightwater products"), which the write had had to give
as a slug ("brightwater-products"). One task of 10 wanted. Shown on tests/synth/servers/bulk_store_server.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs
from task_synth.artifacts import ChainStep
from task_synth.fill import role
from task_synth.required import named_required, one_of_required
from task_synth.seeding import given_handles, named_thing
from tests.synth._baselines import run_baselines

STORE = Path(__file__).parent / "servers" / "bulk_store_server.py"
ONE_OR_MANY = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
MANY = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}], "default": None}
SCHEMA = {"type": "object", "properties": {"name": ONE_OR_MANY, "names": MANY}}


def test_either_this_or_that_must_be_provided_makes_only_the_single_one_required():
    error = '{"error": {"code": "INVALID_PARAMETER", "message": "Either \'name\' or \'names\' must be provided"}}'
    assert named_required(error, SCHEMA) == ["name"]
    assert named_required("Either names or name is required.", SCHEMA) == ["name"]  # the one that takes one string
    assert one_of_required("either `names` or `name` should be given", SCHEMA) == "name"
    assert named_required("'names' must be provided", SCHEMA) == ["names"]  # no alternative named: as it says


def test_a_nullable_list_of_names_is_a_list_of_handles_not_content():
    assert role("names", MANY) == "name_list"
    assert role("names", {"type": "array", "items": {"type": "string"}}) == "name_list"
    assert role("rows", {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}) == "content"


def test_a_read_takes_the_handle_the_write_gave_under_the_same_parameter_name():
    write = ChainStep(server="s", tool="put_entry", arguments={"name": "brightwater-products", "text": "…"})
    done = [(write, '{"success": true}')]
    props = SCHEMA["properties"]
    assert given_handles(props, {"name": "Brightwater products"}, done) == {"name": "brightwater-products"}
    assert given_handles(props, {"name": "brightwater-products"}, done) == {}
    assert given_handles({"query": {"type": "string"}}, {"query": "Brightwater products"}, done) == {}
    assert given_handles(props, {"name": "x"}, []) == {}


def test_a_thing_named_only_name_is_called_after_the_tool_that_makes_it():
    assert named_thing(["name"], "put_context") == "a new context"
    assert named_thing(["name"], "add_memory_entry") == "a new memory entry"
    assert named_thing(["board_name"], "put_context") == "a new board"  # the parameter's own words first
    assert named_thing(["name"], "save") == "a new record set"


def store_spec() -> ServerSpec:
    return ServerSpec(name="vault", command=sys.executable, args=[str(STORE)], cwd="${EPISODE_DIR}", stateful=True)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_a_store_that_takes_one_or_many_yields_verified_stateful_tasks_read_by_the_written_name(tmp_path):
    with anyio.fail_after(900):
        async with Fleet.open([store_spec()]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=["vault"], n=8, seed=3), work=tmp_path / "w")
            write_outputs(state, tmp_path / "a.jsonl", "vault")
    suite = Suite.load(tmp_path / "a.jsonl")
    stateful = [t for t in suite.tasks if t.state_checks]
    assert len(stateful) >= 5, [r.reasons for r in state.rejected]
    for t in stateful:
        reads = [c.read for _, c in t.state_checks]
        assert all(r is not None and r.tool in ("get_entry", "search_entries") for r in reads), reads
        names = {r.arguments.get("name") for r in reads if r is not None and r.tool == "get_entry"}
        written = {s.arguments.get("name") for s in t.reference if s.tool == "put_entry"}
        assert names <= written, (names, written)
        assert "a new entry called" in t.fuzzy, t.fuzzy
    with anyio.fail_after(600):
        async with Fleet.open([store_spec()]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    await run_baselines(tmp_path / "a.jsonl", f"  - name: vault\n    command: {sys.executable}\n"
                        f"    args: [{str(STORE)!r}]\n    cwd: \"${{EPISODE_DIR}}\"\n    stateful: true\n", tmp_path)
