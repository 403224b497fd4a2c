"""The `hard` tag: the selection rule on hand-made evidence, the plan and suite edits that carry the tag, and
`mcpbench tasks hard` / `mcpbench run --tags hard` on real runs of `smoke` (scripted agents stand in for the local
models, so the marked set is known in advance)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcpbench.hard import (
    EpisodeEvidence,
    Evidence,
    decide,
    decide_task,
    evidence,
    is_solved,
    select_tagged,
    set_plan_tag,
    stale_tags,
    tag_plan_files,
    tag_plans,
    tag_suite_file,
    task_fingerprint,
)
from task_synth.synth import dump_plans, load_plans
from task_synth.task import SUITES_DIR, Suite, suite_path

ORACLE, A, B = "scripted/oracle", "local/a", "local/b"


def untagged_smoke() -> Suite:
    """The shipped `smoke` with its `hard` tags stripped: the tests below tag it themselves."""
    suite = Suite.load(suite_path("smoke"))
    return suite.model_copy(update={"tasks": [t.model_copy(update={"tags": [x for x in t.tags if x != "hard"]})
                                              for t in suite.tasks]})


def copy_untagged(src: Path, dest: Path) -> Path:
    """Copy a shipped plans file or suite file with its `hard` tags stripped, nothing else changed."""
    text = src.read_text()
    stripped = text.replace(', "hard"]', "]").replace(", hard]", "]")
    assert "hard" not in stripped, f"{src} carries `hard` in another form"
    dest.write_text(stripped)
    return dest


def ep(model: str, *, solved: bool = False, counted: bool = True, task: str = "t1") -> EpisodeEvidence:
    return EpisodeEvidence(run_id="r", model=model, task_id=task, status="completed" if counted else "infra_failed",
                           counted=counted, check_score=1.0 if solved else 0.0, solved=solved)


# --- the rule ---------------------------------------------------------------------------------------------------------

def test_a_task_the_oracle_always_solves_and_every_model_always_fails_is_hard():
    v = decide_task("t1", "f", [ep(ORACLE, solved=True), ep(ORACLE, solved=True), ep(A), ep(B), ep(B)],
                    oracle=ORACLE, models=[A, B])
    assert v.hard and (v.oracle.counted, v.oracle.solved) == (2, 2)
    assert {m: (c.counted, c.solved) for m, c in v.models.items()} == {A: (1, 0), B: (2, 0)}


def test_one_model_solving_one_of_its_episodes_keeps_a_task_from_being_hard():
    v = decide_task("t1", "f", [ep(ORACLE, solved=True), ep(A), ep(B), ep(B, solved=True), ep(B)],
                    oracle=ORACLE, models=[A, B])
    assert not v.hard and v.reason == "solved by local/b (1/3)"


def test_an_oracle_that_fails_one_episode_keeps_a_task_from_being_hard():
    v = decide_task("t1", "f", [ep(ORACLE, solved=True), ep(ORACLE), ep(A)], oracle=ORACLE, models=[A])
    assert not v.hard and "1 of 2" in v.reason


def test_no_evidence_is_never_hard_infra_failures_do_not_count_as_failures():
    only_infra = decide_task("t1", "f", [ep(ORACLE, solved=True), ep(A, counted=False)], oracle=ORACLE, models=[A])
    assert not only_infra.hard and only_infra.reason == "no counted episode of local/a"
    no_oracle = decide_task("t1", "f", [ep(A)], oracle=ORACLE, models=[A])
    assert not no_oracle.hard and no_oracle.reason == "no counted scripted/oracle episode"
    model_missing = decide_task("t1", "f", [ep(ORACLE, solved=True), ep(A)], oracle=ORACLE, models=[A, B])
    assert not model_missing.hard and "local/b" in model_missing.reason


def test_solving_needs_a_completed_counted_episode_at_the_threshold():
    assert is_solved(True, "completed", 1.0)
    assert not is_solved(True, "completed", 0.5)  # one of two checks: not solved at the default 1.0
    assert is_solved(True, "completed", 0.5, solved_at=0.5)
    assert not is_solved(True, "timeout", 1.0)  # a state check may pass without an answer; the task is not solved
    assert not is_solved(False, "completed", 1.0)
    assert not is_solved(True, "completed", None)


def test_the_oracle_cannot_also_be_a_model_that_must_fail_and_some_model_is_needed():
    suite = untagged_smoke()
    with pytest.raises(ValueError, match="oracle"):
        decide(suite, [], oracle=ORACLE, models=[ORACLE])
    with pytest.raises(ValueError, match="no model"):
        decide(suite, [], oracle=ORACLE, models=[])


# --- what evidence is keyed on -------------------------------------------------------------------------------------

def test_the_fingerprint_follows_the_wording_and_checks_not_the_tags_or_grounded_outputs():
    t = untagged_smoke().tasks[0]
    f = task_fingerprint(t)
    assert task_fingerprint(t.model_copy(update={"tags": [*t.tags, "hard"]})) == f
    step = t.reference[0].model_copy(update={"output": "something else today"})
    assert task_fingerprint(t.model_copy(update={"reference": [step, *t.reference[1:]]})) == f
    live = [c.model_copy(update={"value": 1.5}) if c.from_step is not None else c for c in t.checks]
    assert task_fingerprint(t.model_copy(update={"checks": live})) == f
    assert task_fingerprint(t.model_copy(update={"fuzzy": t.fuzzy + " Please."})) != f
    tighter = [t.checks[0].model_copy(update={"tolerance": 5.0}), *t.checks[1:]]
    assert task_fingerprint(t.model_copy(update={"checks": tighter})) != f


def test_a_hard_tag_without_matching_evidence_is_reported_unbacked():
    suite = untagged_smoke()
    t0, t1 = suite.tasks[0], suite.tasks[1]
    evs = [ep(ORACLE, solved=True, task=t0.id), ep(A, task=t0.id)]
    verdicts = [decide_task(t.id, task_fingerprint(t), [e for e in evs if e.task_id == t.id], oracle=ORACLE,
                            models=[A]) for t in suite.tasks]
    ev = Evidence.model_validate_json(evidence(suite, [], verdicts, oracle=ORACLE, models=[A], solved_at=1.0)
                                      .model_dump_json())
    assert ev.hard == [t0.id]
    tagged = suite.model_copy(update={"tasks": [t.model_copy(update={"tags": [*t.tags, "hard"]})
                                                if t.id in (t0.id, t1.id) else t for t in suite.tasks]})
    assert stale_tags(tagged, ev) == [t1.id]  # t1 was never shown hard
    reworded = tagged.model_copy(update={"tasks": [t.model_copy(update={"fuzzy": "Reworded."}) if t.id == t0.id
                                                   else t for t in tagged.tasks]})
    assert stale_tags(reworded, ev) == [t0.id, t1.id]
    assert stale_tags(tagged, None) == [t0.id, t1.id]


# --- writing the tag -------------------------------------------------------------------------------------------------

PLANS = """\
# comment kept
plans:
  - id: p1
    tags: [people, time]   # trailing comment kept
    fuzzy: one
  - id: p2
    fuzzy: two
  - id: p3
    tags:
      - block
    fuzzy: three
  - id: p4
    tags: {a: 1}
"""

PICKED = """\
plans:
- id: w1
  fuzzy: one
  tags:
  - returns
  - arithmetic
  steps: []
- id: w2
  tags:
  - hard
  fuzzy: two
"""


def test_setting_a_plan_tag_edits_only_that_plans_tag_line():
    out = set_plan_tag(PLANS, "p1", "hard", True)
    assert out == PLANS.replace("tags: [people, time]", "tags: [people, time, hard]")
    assert set_plan_tag(out, "p1", "hard", True) == out
    assert set_plan_tag(out, "p1", "hard", False) == PLANS
    added = set_plan_tag(PLANS, "p2", "hard", True)
    assert added == PLANS.replace("  - id: p2\n", "  - id: p2\n    tags: [hard]\n")
    assert set_plan_tag(PLANS, "p2", "hard", False) == PLANS
    with pytest.raises(ValueError, match="p4: its tags are neither"):
        set_plan_tag(PLANS, "p4", "hard", True)
    with pytest.raises(ValueError, match="p9"):
        set_plan_tag(PLANS, "p9", "hard", True)


def test_block_list_tags_as_tasks_pick_writes_them_are_edited_in_place():
    assert set_plan_tag(PLANS, "p3", "hard", True) == PLANS.replace("      - block\n", "      - block\n      - hard\n")
    added = set_plan_tag(PICKED, "w1", "hard", True)
    assert added == PICKED.replace("  - arithmetic\n", "  - arithmetic\n  - hard\n")
    assert set_plan_tag(added, "w1", "hard", False) == PICKED
    assert set_plan_tag(PICKED, "w2", "hard", False) == PICKED.replace("  tags:\n  - hard\n", "  tags: []\n")
    assert set_plan_tag(PICKED, "w2", "hard", True) == PICKED


def test_tagging_the_shipped_smoke_plans_changes_their_tags_and_nothing_else(tmp_path):
    plans = tmp_path / "smoke.yaml"
    copy_untagged(SUITES_DIR / "src" / "smoke.yaml", plans)
    before = {p.id: p for p in load_plans(plans)}
    ids = list(before)
    assert tag_plans(plans, {ids[0]: True, ids[3]: True, ids[5]: False}) == [ids[0], ids[3]]
    after = {p.id: p for p in load_plans(plans)}
    for pid, p in before.items():
        want = [*p.tags, "hard"] if pid in (ids[0], ids[3]) else p.tags
        assert after[pid] == p.model_copy(update={"tags": want})
    assert tag_plans(plans, {ids[0]: True}) == []  # already so: the file is not rewritten
    assert tag_plans(plans, {ids[0]: False}) == [ids[0]]
    with pytest.raises(ValueError, match="no plan"):
        tag_plans(plans, {"not-a-plan": True})


def test_a_suite_built_from_several_plans_files_gets_each_tag_in_the_file_holding_its_plan(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    copy_untagged(SUITES_DIR / "src" / "smoke.yaml", a)  # hand-written: one-line tags
    plans = load_plans(a)
    dump_plans(plans[:3], b)  # as `tasks plans|pick` write them: block lists
    b_ids = [p.id for p in plans[:3]]
    a_only = plans[5].id
    b.write_text(b.read_text().replace(b_ids[0], "picked-0"))
    changed, unplanned = tag_plan_files([a, b], {"picked-0": True, a_only: True, "synth-123": True})
    assert changed == {str(a): [a_only], str(b): ["picked-0"]} and unplanned == ["synth-123"]
    assert load_plans(b)[0].tags == [*plans[0].tags, "hard"]
    assert {p.id: p.tags for p in load_plans(a)}[a_only] == [*plans[5].tags, "hard"]


def test_tagging_a_suite_file_rewrites_only_the_changed_tasks_lines(tmp_path):
    path = tmp_path / "smoke.jsonl"
    copy_untagged(suite_path("smoke"), path)
    old_lines = path.read_text().splitlines()
    suite = Suite.load(path)
    first = suite.tasks[0].id
    assert tag_suite_file(path, {first: True, suite.tasks[1].id: False}) == [first]
    new_lines = path.read_text().splitlines()
    assert [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b] == [1]
    again = Suite.load(path)
    assert again.tasks[0].tags == [*suite.tasks[0].tags, "hard"] and again.tasks[1:] == suite.tasks[1:]


def test_selecting_by_tags_keeps_the_tasks_with_every_tag_and_renames_the_suite():
    suite = untagged_smoke()
    live = select_tagged(suite, ["time", "live"])
    assert live.name == "smoke[tags=time,live]"
    assert [t.id for t in live.tasks] == [t.id for t in suite.tasks if {"time", "live"} <= set(t.tags)]
    assert 0 < len(live.tasks) < len(suite.tasks)
    assert select_tagged(suite, []) is suite
    with pytest.raises(ValueError, match="hard"):
        select_tagged(suite, ["hard"])


def test_the_shipped_smoke_hard_tags_are_backed_by_its_evidence_file():
    """`smoke` was tagged by `mcpbench tasks hard smoke --runs ORACLE --runs LOCAL_0.5B --runs LOCAL_1.5B --write`:
    each tag must match the evidence with the task's current content (a reworded task would lose it)."""
    suite = Suite.load(suite_path("smoke"))
    ev = Evidence.model_validate_json((SUITES_DIR / "src" / "smoke.hard.json").read_text())
    tagged = [t.id for t in suite.tasks if "hard" in t.tags]
    assert tagged and tagged == ev.hard and stale_tags(suite, ev) == []
    assert sorted(ev.rule["models"]) == ["local/qwen2.5-coder-0.5b", "local/qwen2.5-coder-1.5b"]
    assert [p.id for p in load_plans(SUITES_DIR / "src" / "smoke.yaml") if "hard" in p.tags] == tagged


# --- on real runs ----------------------------------------------------------------------------------------------------

def mcpbench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mcpbench.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=900, check=False)


@pytest.mark.integration
@pytest.mark.timeout(1800)
def test_tasks_hard_on_real_runs_tags_the_plans_and_run_tags_hard_selects_them(tmp_path):
    """The `time` tasks of smoke, run by the oracle, do-nothing and the oracle with 0 % corruption (it solves what
    the oracle solves). With do-nothing as the local model every task it ran is hard; adding the 0 % oracle leaves
    none; the other smoke tasks have no evidence. --write tags copies of the plans and the suite, `run --tags hard`
    runs exactly those, and rewording one makes its tag unbacked."""
    src = tmp_path / "src"
    src.mkdir()
    plans, suite_file = src / "smoke.yaml", tmp_path / "smoke.jsonl"
    copy_untagged(SUITES_DIR / "src" / "smoke.yaml", plans)
    copy_untagged(suite_path("smoke"), suite_file)
    suite = Suite.load(suite_file)
    timed = [t.id for t in suite.tasks if "time" in t.tags]
    run = mcpbench("run", "--suite", str(suite_file), "--tags", "time", "--out", str(tmp_path / "run"), "--quiet",
                   "--concurrency", "4", "-m", ORACLE, "-m", "scripted/do-nothing", "-m",
                   "scripted/oracle-corrupt-0", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["run"]["suite"] == "smoke[tags=time]" and results["run"]["tasks"] == len(timed) >= 3

    base = ["tasks", "hard", str(suite_file), "--runs", str(tmp_path / "run"), "--plans", str(plans), "--json"]
    one = mcpbench(*base, "--model", "scripted/do-nothing", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    out = json.loads(one.stdout)
    assert out["hard"] == timed
    reasons = {v["task_id"]: v["reason"] for v in out["verdicts"]}
    assert all(reasons[t.id] == f"no counted {ORACLE} episode" for t in suite.tasks if t.id not in timed)

    two = json.loads(mcpbench(*base, "--model", "scripted/do-nothing", "--model", "scripted/oracle-corrupt-0",
                              cwd=tmp_path).stdout)
    assert two["hard"] == [] and all("solved by scripted/oracle-corrupt-0" in reasons_ for reasons_ in
                                     (v["reason"] for v in two["verdicts"] if v["task_id"] in timed))

    wrote = mcpbench(*base, "--model", "scripted/do-nothing", "--write", cwd=tmp_path)
    assert wrote.returncode == 0, wrote.stderr
    assert [p.id for p in load_plans(plans) if "hard" in p.tags] == timed
    assert [t.id for t in Suite.load(suite_file).tasks if "hard" in t.tags] == timed
    ev = json.loads((src / "smoke.hard.json").read_text())
    assert ev["hard"] == timed and ev["runs"][0]["models"] == [ORACLE, "scripted/do-nothing",
                                                               "scripted/oracle-corrupt-0"]
    assert ev["rule"]["models"] == ["scripted/do-nothing"] and ev["rule"]["solved_at"] == 1.0
    check = mcpbench("tasks", "hard", str(suite_file), "--plans", str(plans), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr

    hard_run = mcpbench("run", "--suite", str(suite_file), "--tags", "hard", "--out", str(tmp_path / "hard-run"),
                        "--quiet", "-m", ORACLE, cwd=tmp_path)
    assert hard_run.returncode == 0, hard_run.stderr[-3000:]
    hr = json.loads((tmp_path / "hard-run" / "results.json").read_text())
    assert hr["run"]["suite"] == "smoke[tags=hard]" and [t["task_id"] for t in hr["tasks"]] == timed

    lines = suite_file.read_text().splitlines()
    i = next(n for n, line in enumerate(lines) if f'"id": "{timed[0]}"' in line)
    obj = json.loads(lines[i])
    obj["fuzzy"] = "Reworded: " + obj["fuzzy"]
    lines[i] = json.dumps(obj, sort_keys=True, ensure_ascii=False)
    suite_file.write_text("\n".join(lines) + "\n")
    stale = mcpbench("tasks", "hard", str(suite_file), "--plans", str(plans), "--json", cwd=tmp_path)
    assert stale.returncode == 1 and json.loads(stale.stdout)["unbacked"] == [timed[0]]
    again = json.loads(mcpbench(*base, "--model", "scripted/do-nothing", cwd=tmp_path).stdout)
    assert again["changed_runs"] == {hr_id: [timed[0]] for hr_id in [results["run"]["run_id"]]}
    assert again["hard"] == timed[1:]
