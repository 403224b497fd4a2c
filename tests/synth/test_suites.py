"""The shipped suites: their shape, the task CLI, and — with the real fleet — validation and reproducible synthesis."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judges.checks import evaluate_checks
from mcpbench.cli import app
from mcpbench.models.scripted import DO_NOTHING_ANSWER
from task_synth import Suite, load_plans
from task_synth.binding import template_sources
from task_synth.replay import static_problems
from task_synth.synth import dump_plans
from task_synth.task import suite_path
from tests.synth._cli import run_mcpbench as _mcpbench

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_is_ten_short_tasks_on_time_calculator_and_sqlite():
    s = Suite.load(suite_path("smoke"))
    assert len(s.tasks) == 10
    assert {x for t in s.tasks for x in t.servers} == {"time", "calculator", "sqlite"}
    assert all(2 <= t.hops <= 3 for t in s.tasks)
    assert any("time" in t.servers and "calculator" in t.servers for t in s.tasks)


def test_core_covers_the_fleet_with_single_two_and_multi_server_tasks_of_two_to_five_hops():
    s = Suite.load(suite_path("core"))
    by_servers = Counter(min(len(t.servers), 3) for t in s.tasks)
    assert len(s.tasks) >= 60 and by_servers[1] >= 20 and by_servers[2] >= 20 and by_servers[3] >= 10
    assert {t.hops for t in s.tasks} >= {2, 3, 4, 5}
    assert {x for t in s.tasks for x in t.servers} >= {"sqlite", "duckdb", "git", "filesystem", "fetch", "memory",
                                                       "time", "calculator"}
    assert len({t.id for t in s.tasks}) == len(s.tasks)


@pytest.mark.parametrize("name", ["smoke", "core"])
def test_every_shipped_task_passes_the_static_rules_and_a_refusal_fails_all_its_checks(name):
    for t in Suite.load(suite_path(name)).tasks:
        assert static_problems(t) == [], t.id
        # curated plans, plans picked from `wide`, and (core) the recipe's synthesized parts
        assert t.provenance.tool_sha256 and t.provenance.generator.startswith("task_synth")
        for res in evaluate_checks(t.checks, DO_NOTHING_ANSWER):
            assert res.effective_score == 0, (t.id, res)


@pytest.mark.parametrize("name", ["smoke", "core"])
def test_live_values_never_reach_the_suite_file(name):
    # of the plans (curated or picked): a synthesized part's task keeps the value its build saw on a live step
    # (scoring re-reads it live: docs/metrics.md), e.g. one of core's recipe parts
    for t in (t for t in Suite.load(suite_path(name)).tasks if t.provenance.generator.endswith("curated plan")):
        for i, step in enumerate(t.reference):
            if step.live_varying:
                assert "<" in step.output or "#" in step.output, (t.id, i)
        for c in t.checks:
            if c.from_step is not None and t.reference[c.from_step].live_varying:
                assert str(c.value) in ("#", "<time>", "<weekday>", "<date>", "<datetime>") or "#" in str(c.value)
        live_steps = {i for i, s in enumerate(t.reference) if s.live_varying}
        assert set(template_sources(t.answer)) == live_steps & set(template_sources(t.answer))
        assert all(i in live_steps for i in template_sources(t.answer)), t.id


def test_the_shipped_suites_are_built_from_their_plans():
    smoke = load_plans(ROOT / "task_synth" / "suites" / "src" / "smoke.yaml")
    assert [p.id for p in smoke] == [t.id for t in Suite.load(suite_path("smoke")).tasks]
    # core: its recipe's first part is the curated plans, in order; the picked plans are in it too
    core = [t.id for t in Suite.load(suite_path("core")).tasks]
    curated = [p.id for p in load_plans(ROOT / "task_synth" / "suites" / "src" / "core.yaml")]
    picked = [p.id for p in load_plans(ROOT / "task_synth" / "suites" / "src" / "core-wide.yaml")]
    report = json.loads((ROOT / "task_synth" / "suites" / "core.build.json").read_text(encoding="utf-8"))
    part = next(p for p in report["parts"] if p["name"] == "plans:core-wide.yaml")
    assert core[:len(curated)] == curated
    assert len(set(picked) & set(core)) == part["kept"] - len(part["merged_away"]) >= 0.8 * len(picked)


def test_tasks_cli_lists_shows_and_exports_plans_that_round_trip(tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["tasks", "list", "smoke", "--json"])
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert len(rows) == 10 and rows[0]["id"] == "smoke-01-restocking-fee"
    shown = runner.invoke(app, ["tasks", "show", "smoke", "smoke-03-hannah-weekday"])
    assert shown.exit_code == 0 and "get_current_time" in shown.stdout and "(live)" in shown.stdout
    assert runner.invoke(app, ["tasks", "show", "smoke", "nope"]).exit_code == 2
    assert runner.invoke(app, ["tasks", "list", "no-such-suite"]).exit_code == 2
    res = runner.invoke(app, ["tasks", "plans", "smoke", "--out", str(tmp_path / "p.yaml")])
    assert res.exit_code == 0
    plans = load_plans(tmp_path / "p.yaml")
    tasks = Suite.load(suite_path("smoke")).tasks
    assert [p.id for p in plans] == [t.id for t in tasks]
    for p, t in zip(plans, tasks):
        assert [c.extract for c in p.checks] == [c.extract for c in t.checks]
        assert [s.bindings for s in p.steps] == [s.bindings for s in t.reference]
        assert template_sources(p.answer), p.id  # literal answers became templates again
    dump_plans(plans, tmp_path / "again.yaml")
    assert load_plans(tmp_path / "again.yaml") == plans




@pytest.mark.integration
@pytest.mark.timeout(1800)
@pytest.mark.anyio
async def test_synth_on_time_calculator_and_sqlite_writes_ten_valid_tasks_and_the_same_seed_the_same_bytes(tmp_path):
    args = ["synth", "--config", str(ROOT / "servers.yaml"), "--servers", "time,calculator,sqlite", "--n", "10",
            "--seed", "1", "--json"]
    code, out, err = await _mcpbench(*args, "--out", "a.jsonl", cwd=tmp_path, timeout=600)
    assert code == 0, out + err
    code, out, err = await _mcpbench(*args, "--out", "b.jsonl", cwd=tmp_path, timeout=600)
    assert code == 0, out + err
    a, b = (tmp_path / "a.jsonl").read_bytes(), (tmp_path / "b.jsonl").read_bytes()
    assert a == b
    assert len(Suite.load(tmp_path / "a.jsonl").tasks) == 10
    assert (tmp_path / "a.rejected.jsonl").exists() and (tmp_path / "a.work" / "graph.json").exists()
    code, out, err = await _mcpbench("tasks", "validate", "a.jsonl", "--config", str(ROOT / "servers.yaml"),
                                     cwd=tmp_path, timeout=600)
    assert code == 0, out + err


@pytest.mark.integration
@pytest.mark.timeout(1800)
@pytest.mark.anyio
@pytest.mark.parametrize("name", ["smoke", "core"])
async def test_the_shipped_suites_validate_by_oracle_replay_on_the_live_fleet(name, tmp_path):
    code, out, err = await _mcpbench("tasks", "validate", name, "--config", str(ROOT / "servers.yaml"), "--json",
                                     cwd=tmp_path, timeout=1500)
    results = json.loads(out)
    assert code == 0, [r for r in results if not r["ok"]] or err
    assert len(results) == len(Suite.load(suite_path(name)).tasks) and all(r["ok"] for r in results)
