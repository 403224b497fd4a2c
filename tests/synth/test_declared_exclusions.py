"""Tools synthesis must not sample are declared per server in servers.yaml (`synth_exclude`), not named in code."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from mcpbench.config import ConfigError, ServerSpec, load_config
from task_synth.pipeline import DEFAULT_EXCLUDE, declared_exclusions

ROOT = Path(__file__).resolve().parents[2]


def test_each_selected_servers_patterns_are_prefixed_with_its_name_and_others_are_ignored():
    specs = {"a": ServerSpec(name="a", command="x", synth_exclude=["get-env", "toggle-*"]),
             "b": ServerSpec(name="b", command="x"),
             "c": ServerSpec(name="c", command="x", synth_exclude=["*"])}
    fleet = SimpleNamespace(specs=specs)
    assert declared_exclusions(fleet, ["a", "b"]) == ["a/get-env", "a/toggle-*"]
    assert declared_exclusions(fleet, ["c", "a"]) == ["c/*", "a/get-env", "a/toggle-*"]
    assert declared_exclusions(fleet, ["unknown"]) == []
    assert declared_exclusions(SimpleNamespace(), ["a"]) == []  # a fleet without specs declares nothing


def test_the_code_names_no_tool_and_the_shipped_fleet_declares_its_exclusions():
    assert DEFAULT_EXCLUDE == ()
    fleet = {s.name: s for s in load_config(ROOT / "servers.yaml").servers}
    for spec in fleet.values():
        if "no-verifiable-tasks" in spec.tags:  # nothing can be asked of it: no tool of it is sampled
            assert spec.synth_exclude == ["*"], spec.name
    assert "get-env" in fleet["everything"].synth_exclude  # machine-specific output would leak into answer keys


def test_a_synth_exclude_that_is_not_a_list_names_its_line_and_field(tmp_path):
    bad = tmp_path / "servers.yaml"
    bad.write_text("version: 1\nservers:\n  - name: a\n    command: x\n    synth_exclude: 3\n")
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert "servers.yaml:5: servers[0] (a).synth_exclude: Input should be a valid list" in str(e.value)
