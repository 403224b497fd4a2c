"""Report test fixtures: synthetic run stores (fast) and one real run of the toy suite through `mcpbench run`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "runner"))


@pytest.fixture
def synthetic_run(tmp_path):
    from report_builders import make_run

    return make_run(tmp_path / "run", panel=True)


@pytest.fixture(scope="session")
def real_run(tmp_path_factory):
    """`mcpbench run` (the real CLI, runner, fleet and toy server subprocess) of two baselines on three toy tasks;
    the run command writes the report itself at the end."""
    from fixtures import toy_suite, write_config
    from typer.testing import CliRunner

    from mcpbench.cli import app

    d = tmp_path_factory.mktemp("real")
    write_config(d / "servers.yaml")
    toy_suite(3).dump(d / "toy.jsonl")
    res = CliRunner().invoke(app, ["run", "--model", "scripted/oracle", "--model", "scripted/do-nothing", "--suite",
                                   str(d / "toy.jsonl"), "--config", str(d / "servers.yaml"), "--out", str(d / "run"),
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    return d / "run"
