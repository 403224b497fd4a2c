"""`mcpbench leaderboard`: comparable submissions ranked together, the rest grouped apart with the reason; tiers."""

from __future__ import annotations

import hashlib
import json

import pytest
from report_builders import make_run
from typer.testing import CliRunner

from mcpbench.bundle import write_bundle
from mcpbench.cli import app
from mcpbench.leaderboard import Rerun, Reruns, build_leaderboard, load_submission, write_leaderboard
from mcpbench.report import write_report


@pytest.fixture
def runs(tmp_path):
    """Three runs on the same suite and fleet (different seeds), one on a larger suite, one on a changed tool."""
    return {
        "a": make_run(tmp_path / "a", models=("m/good", "m/bad"), repeats=1, seed=1),
        "b": make_run(tmp_path / "b", models=("m/flaky",), repeats=1, seed=2),
        "c": make_run(tmp_path / "c", models=("m/good",), repeats=1, seed=3, state="partial"),
        "suite": make_run(tmp_path / "suite", models=("m/good",), repeats=1, extra_task=True),
        "fleet": make_run(tmp_path / "fleet", models=("m/bad",), repeats=1, description="Adds two numbers."),
    }


def test_submissions_on_the_same_suite_and_fleet_are_ranked_together_by_overall_score(runs, tmp_path):
    lb, paths = write_leaderboard([runs["a"], runs["b"]], tmp_path / "lb", max_infra_rate=1.0)
    assert len(lb.groups) == 1
    rows = lb.groups[0].rows
    assert sorted(r.model for r in rows) == ["m/bad", "m/flaky", "m/good"]
    assert [r.rank for r in rows] == [1, 2, 3]
    assert rows[0].overall["mean"] > rows[1].overall["mean"] > rows[2].overall["mean"]
    assert rows[2].model == "m/bad"
    flaky = next(r for r in rows if r.model == "m/flaky")
    assert flaky.infra_failed == 1 and flaky.infra_failed_rate == 0.5
    assert {r.tier for r in rows} == {"self-reported"}
    assert json.loads(paths["json"].read_text())["groups"][0]["rows"][0]["model"] == rows[0].model


def test_a_row_with_too_many_infra_failed_episodes_is_listed_but_not_ranked(runs, tmp_path):
    # m/flaky lost half its episodes to infra: its mean rests on the other half, so by default it is not ranked
    lb, paths = write_leaderboard([runs["a"], runs["b"]], tmp_path / "lb")
    rows = {r.model: r for r in lb.groups[0].rows}
    assert (rows["m/good"].rank, rows["m/bad"].rank, rows["m/flaky"].rank) == (1, 2, None)
    assert rows["m/flaky"].unranked.startswith("50% of episodes infra-failed (more than 5%)")
    assert [r.model for r in lb.groups[0].rows][-1] == "m/flaky"  # unranked rows come last
    assert "50% of episodes infra-failed" in paths["md"].read_text()
    assert json.loads(paths["json"].read_text())["max_infra_rate"] == 0.05
    # the threshold is the caller's: at 60% it is ranked again — and tops the board on the half it kept
    res = CliRunner().invoke(app, ["leaderboard", str(runs["a"]), str(runs["b"]), "-o", str(tmp_path / "lb2"),
                                   "--max-infra", "0.6", "--json"])
    assert res.exit_code == 0, res.output
    ranked = {r["model"]: r["rank"] for r in json.loads(res.stdout)["groups"][0]["rows"]}
    assert ranked == {"m/flaky": 1, "m/good": 2, "m/bad": 3}
    with pytest.raises(ValueError, match="between 0 and 1"):
        build_leaderboard([], max_infra_rate=1.5)


def test_different_suites_or_fleets_are_grouped_apart_and_say_why(runs, tmp_path):
    lb, paths = write_leaderboard([runs["a"], runs["suite"], runs["fleet"]], tmp_path / "lb")
    assert len(lb.groups) == 3
    main, *others = lb.groups
    assert [r.model for r in main.rows] == ["m/good", "m/bad"]
    assert sorted(tuple(g.differs) for g in others) == [("fleet",), ("suite",)]
    assert all(r.rank == 1 for g in others for r in g.rows)  # each ranked only within its own group
    md = paths["md"].read_text()
    assert md.count("## Group") == 3 and "Not ranked with group 1: different suite" in md
    assert "different fleet" in paths["html"].read_text()


def test_a_run_that_did_not_complete_is_listed_but_not_ranked(runs, tmp_path):
    lb, _ = write_leaderboard([runs["a"], runs["c"]], tmp_path / "lb")
    partial = [r for r in lb.groups[0].rows if r.state == "partial"]
    assert len(partial) == 1 and partial[0].rank is None and "partial" in partial[0].unranked
    assert [r.rank for r in lb.groups[0].rows if r.state == "completed"] == [1, 2]


def test_tiers_follow_from_what_was_submitted_and_what_the_maintainers_reran(runs, tmp_path):
    bundle_a = write_bundle(runs["a"], tmp_path / "a.tar.gz")
    bundle_b = write_bundle(runs["b"], tmp_path / "b.tar.gz")
    write_report(runs["suite"])
    reruns = tmp_path / "reruns.json"
    reruns.write_text(Reruns(reruns=[Rerun(bundle_sha256=hashlib.sha256(bundle_b.read_bytes()).hexdigest(),
                                           by="maintainers", date="2026-11-24")]).model_dump_json())
    lb, _ = write_leaderboard([bundle_a, bundle_b, runs["suite"] / "results.json"], tmp_path / "lb", reruns=reruns)
    tiers = {r.model: r.tier for r in lb.groups[0].rows}
    assert tiers == {"m/good": "verified bundle", "m/bad": "verified bundle", "m/flaky": "re-run"}
    assert [r.tier for r in lb.groups[1].rows] == ["self-reported"]  # the results.json, on another suite


def test_a_rerun_flag_does_not_rescue_a_bundle_that_fails_verification(runs, tmp_path):
    bundle = write_bundle(runs["a"], tmp_path / "a.tar.gz")
    blob = bytearray(bundle.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    bundle.write_bytes(bytes(blob))
    flags = Reruns(reruns=[Rerun(bundle_sha256=hashlib.sha256(bytes(blob)).hexdigest(), by="x", date="y")])
    sub = load_submission(bundle, flags)
    assert sub.tier is None and "failed verification" in sub.rejected
    lb = build_leaderboard([sub])
    assert lb.groups == [] and lb.rejected[0].source == str(bundle)


def test_the_same_run_submitted_as_a_directory_and_as_a_bundle_appears_once_with_its_best_tier(runs, tmp_path):
    bundle = write_bundle(runs["a"], tmp_path / "a.tar.gz")
    lb, _ = write_leaderboard([runs["a"], bundle], tmp_path / "lb")
    assert [(r.model, r.tier) for r in lb.groups[0].rows] == [("m/good", "verified bundle"),
                                                              ("m/bad", "verified bundle")]


def test_the_leaderboard_page_is_sortable_self_contained_and_escaped(tmp_path):
    run = make_run(tmp_path / "run", models=("m/good",), repeats=1)
    _, paths = write_leaderboard([run], tmp_path / "lb")
    html = paths["html"].read_text()
    assert 'class="sortable leaderboard"' in html and "data-sort=" in html and "aria-sort" in html  # sort.js inline
    assert "<script src" not in html and "default-src" in html
    assert '<span class="badge tier self-reported">self-reported</span>' in html


def test_a_file_that_is_nothing_we_know_is_rejected_with_a_reason(tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    lb = build_leaderboard([load_submission(junk, Reruns()), load_submission(tmp_path / "nope.tar.gz", Reruns())])
    assert [r.source for r in lb.rejected] == [str(junk), str(tmp_path / "nope.tar.gz")]


def test_leaderboard_command_writes_the_three_files_and_reports_groups(runs, tmp_path):
    res = CliRunner().invoke(app, ["leaderboard", str(runs["a"]), str(runs["fleet"]), "--out", str(tmp_path / "lb")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "group 2" in out and "different fleet" in out
    assert {p.name for p in (tmp_path / "lb").iterdir()} == {"leaderboard.html", "leaderboard.md", "leaderboard.json"}
    bad = tmp_path / "reruns.json"
    bad.write_text("[1, 2]")
    res = CliRunner().invoke(app, ["leaderboard", str(runs["a"]), "--out", str(tmp_path / "lb"), "--reruns", str(bad)])
    assert res.exit_code == 2


def test_a_corrupt_run_store_is_rejected_not_a_crash(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "store.sqlite").write_bytes(b"this is not a database" * 100)
    lb = build_leaderboard([load_submission(run, Reruns())])
    assert lb.groups == [] and "unreadable run store" in lb.rejected[0].reason
