"""The `hard` tag (issue 21): a task the oracle solves and every local model fails, decided from finished runs.

    runs = [read_run(d, suite) for d in run_dirs]          # evidence: who solved which task, per episode
    verdicts = decide(suite, runs, oracle="scripted/oracle", models=["local/qwen2.5-coder-1.5b", ...])
    hard_ids = {v.task_id for v in verdicts if v.hard}

The rule (docs/leaderboard.md, "The hard tag"): an episode **solves** its task when it counted (not infra-failed),
completed (a final answer) and its check score C (docs/metrics.md §3, verifiable checks only, no judge) is at least
`solved_at` (default 1.0: every check passed). A task is **hard** when the oracle has at least one counted episode
on it and solves it in every one, and each named model has at least one counted episode on it and solves it in none.
Anything less is no evidence, and no evidence is never `hard`.

Evidence is keyed by the task's *content*, not only its id: `task_fingerprint` hashes what the agent is asked and what
it is checked on (the fuzzy wording, the precise statement, the reference chain's calls and bindings, the checks'
recipes). A run whose copy of a task differs from the suite's (the task was reworded or its chain changed since) gives
no evidence for it. Curated plans keep their id when reworded, synthesized tasks change theirs; either way a reworded
task loses its evidence and its `hard` tag until it is measured again — that is intended: the evidence was about
other words.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from mcpbench.store import RunStore
from task_synth.binding import without_args
from task_synth.task import Suite, Task

HARD_TAG = "hard"
DEFAULT_ORACLE = "scripted/oracle"
SOLVED_AT = 1.0
"""Default check score an episode needs to count as solving its task: 1.0, every verifiable check passed."""
EVIDENCE_SUFFIX = ".hard.json"
"""The evidence file sits beside the plans (or the suite file): `smoke.yaml` → `smoke.hard.json`."""


def task_fingerprint(task: Task) -> str:
    """sha256 of what the agent is asked and how it is checked — not of what the servers returned when the task was
    grounded (a rebuild re-grounds live tasks) nor of its tags (the `hard` tag itself must not change it).

    Covered: id, fuzzy, precise, servers, each reference step's server, tool, literal (unbound) arguments and
    bindings, and each check's kind, options and recipe (its value only when it is not re-derived from a step)."""
    steps = [{"server": s.server, "tool": s.tool, "bindings": dict(sorted(s.bindings.items())),
              "arguments": dict(sorted(without_args(s.arguments, s.bindings).items()))}
             for s in task.reference]
    checks = []
    for c in task.checks:
        d = c.model_dump(mode="json")
        if c.from_step is not None:
            d.pop("value", None)
        checks.append(d)
    blob = {"id": task.id, "fuzzy": task.fuzzy, "precise": task.precise, "servers": list(task.servers),
            "steps": steps, "checks": checks}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


class EpisodeEvidence(BaseModel):
    """One stored episode as the rule sees it."""

    run_id: str
    model: str
    task_id: str
    status: str
    counted: bool
    check_score: float | None = None
    solved: bool = False


class RunEvidence(BaseModel):
    """What one run directory says about the suite's tasks."""

    run_id: str
    dir: str
    suite: str
    suite_sha256: str | None = None
    started_at: str | None = None
    """UTC, ISO 8601."""
    git_commit: str | None = None
    state: str = "unknown"
    """The run's state when read: completed, running, cancelled… (an unfinished run's episodes count as they are)."""
    models: list[str] = Field(default_factory=list)
    episodes: list[EpisodeEvidence] = Field(default_factory=list)
    """Episodes of the suite's tasks whose content matches the suite's (fingerprint)."""
    changed: list[str] = Field(default_factory=list)
    """Tasks the run holds under an id of the suite but with other content (reworded since): no evidence."""


def _iso(ts: Any) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(ts))) if isinstance(ts, int | float) else None


def read_run(run_dir: str | Path, suite: Suite, *, solved_at: float = SOLVED_AT) -> RunEvidence:
    """The evidence of one run directory about SUITE's tasks. Reads the run store only (no trajectories).

    Raises FileNotFoundError when RUN_DIR holds no run store, ValueError when the store has no task list."""
    by_id = {t.id: task_fingerprint(t) for t in suite.tasks}
    with RunStore(run_dir, create=False) as store:
        spec = store.get_meta("spec") or {}
        manifest = store.get_meta("manifest") or {}
        stored = store.get_meta("tasks")
        if not isinstance(stored, list):
            raise ValueError(f"{run_dir}: the run store has no task list (not a finished `mcpbench run`?)")
        scores = store.scores()
        rows = store.db.execute("SELECT episode_id, model, task_id, status FROM episodes").fetchall()
        run_id = store.get_meta("run_id") or Path(run_dir).name
        state = str(store.get_meta("state") or "unknown")
    changed, same = [], set()
    for raw in stored:
        t = Task.model_validate(raw)
        if t.id not in by_id:
            continue
        if task_fingerprint(t) == by_id[t.id]:
            same.add(t.id)
        else:
            changed.append(t.id)
    episodes = []
    for episode_id, model, task_id, status in rows:
        if task_id not in same:
            continue
        s = scores.get(episode_id) or {}
        counted = bool(s.get("counted", status != "infra_failed")) and status != "infra_failed"
        c = s.get("check_score")
        score = float(c) if isinstance(c, int | float) else None
        episodes.append(EpisodeEvidence(run_id=run_id, model=model, task_id=task_id, status=status, counted=counted,
                                        check_score=score, solved=is_solved(counted, status, score, solved_at)))
    return RunEvidence(run_id=run_id, dir=str(run_dir), suite=str(spec.get("suite", "?")),
                       suite_sha256=spec.get("suite_sha256"), started_at=_iso(manifest.get("started_at")),
                       git_commit=spec.get("git_commit"), state=state, models=list(spec.get("models") or []),
                       episodes=sorted(episodes, key=lambda e: (e.model, e.task_id)), changed=sorted(changed))


def is_solved(counted: bool, status: str, check_score: float | None, solved_at: float = SOLVED_AT) -> bool:
    """An episode solves its task: counted, completed, and check score ≥ solved_at."""
    return counted and status == "completed" and check_score is not None and check_score >= solved_at - 1e-9


class Cell(BaseModel):
    """One model's episodes on one task."""

    counted: int = 0
    solved: int = 0


class TaskVerdict(BaseModel):
    task_id: str
    fingerprint: str
    hard: bool
    reason: str
    oracle: Cell
    models: dict[str, Cell]


def decide_task(task_id: str, fingerprint: str, episodes: Iterable[EpisodeEvidence], *, oracle: str,
                models: list[str]) -> TaskVerdict:
    """The rule for one task (module docstring). EPISODES: this task's evidence from every run."""
    cells: dict[str, Cell] = {m: Cell() for m in [oracle, *models]}
    for e in episodes:
        if e.model in cells and e.counted:
            cell = cells[e.model]
            cell.counted += 1
            cell.solved += e.solved
    o = cells[oracle]
    mine = {m: cells[m] for m in models}
    if not o.counted:
        reason, hard = f"no counted {oracle} episode", False
    elif o.solved < o.counted:
        reason, hard = f"{oracle} solves it in {o.solved} of {o.counted} episodes, not all", False
    elif missing := [m for m, c in mine.items() if not c.counted]:
        reason, hard = f"no counted episode of {', '.join(missing)}", False
    elif solvers := [f"{m} ({c.solved}/{c.counted})" for m, c in mine.items() if c.solved]:
        reason, hard = f"solved by {', '.join(solvers)}", False
    else:
        reason = (f"{oracle} solves it ({o.solved}/{o.counted}); every model fails it ("
                  + ", ".join(f"{m} 0/{c.counted}" for m, c in mine.items()) + ")")
        hard = True
    return TaskVerdict(task_id=task_id, fingerprint=fingerprint, hard=hard, reason=reason, oracle=o, models=mine)


def default_models(runs: list[RunEvidence], oracle: str) -> list[str]:
    """The models the rule names when none are given: every `local/` model the runs were asked to run."""
    return sorted({m for r in runs for m in [*r.models, *(e.model for e in r.episodes)]
                   if m.startswith("local/") and m != oracle})


def decide(suite: Suite, runs: list[RunEvidence], *, oracle: str = DEFAULT_ORACLE,
           models: list[str]) -> list[TaskVerdict]:
    """Every task of SUITE, in suite order, judged on the evidence of RUNS. Raises ValueError without models."""
    if not models:
        raise ValueError("no model to compare with the oracle: the runs hold no local/ model (name them)")
    if oracle in models:
        raise ValueError(f"{oracle} is the oracle; it cannot also be a model that must fail")
    by_task: dict[str, list[EpisodeEvidence]] = {}
    for r in runs:
        for e in r.episodes:
            by_task.setdefault(e.task_id, []).append(e)
    return [decide_task(t.id, task_fingerprint(t), by_task.get(t.id, []), oracle=oracle, models=models)
            for t in suite.tasks]


class Evidence(BaseModel):
    """The file beside the plans that says why each task is (not) hard: `<plans>.hard.json`."""

    suite: str
    suite_sha256: str
    decided_at: str
    rule: dict[str, Any]
    runs: list[dict[str, Any]]
    hard: list[str]
    tasks: dict[str, TaskVerdict]


def evidence(suite: Suite, runs: list[RunEvidence], verdicts: list[TaskVerdict], *, oracle: str, models: list[str],
             solved_at: float) -> Evidence:
    return Evidence(
        suite=suite.name, suite_sha256=suite.sha256, decided_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        rule={"oracle": oracle, "models": models, "solved_at": solved_at,
              "statement": "hard: the oracle has counted episodes and solves the task in all of them; each model has "
                           "counted episodes and solves it in none (solved: completed and check score >= solved_at)"},
        runs=[{"run_id": r.run_id, "dir": r.dir, "suite": r.suite, "suite_sha256": r.suite_sha256,
               "started_at": r.started_at, "git_commit": r.git_commit, "state": r.state, "models": r.models,
               "episodes": len(r.episodes), "changed": r.changed}
              for r in runs],
        hard=[v.task_id for v in verdicts if v.hard], tasks={v.task_id: v for v in verdicts})


def stale_tags(suite: Suite, ev: Evidence | None) -> list[str]:
    """Tasks tagged `hard` whose tag the evidence does not back: no evidence file, not hard in it, or measured with
    other content (reworded since)."""
    out = []
    for t in suite.tasks:
        if HARD_TAG not in t.tags:
            continue
        v = ev.tasks.get(t.id) if ev else None
        if v is None or not v.hard or v.fingerprint != task_fingerprint(t):
            out.append(t.id)
    return out


# --- writing the tag -----------------------------------------------------------------------------------------------

_FLOW_TAGS = re.compile(r"^(?P<lead>\s*tags:\s*)\[(?P<items>[^\[\]]*)\](?P<tail>\s*(#.*)?)$")


def _plan_block(lines: list[str], plan_id: str) -> tuple[int, int, int]:
    """(first line, end line, indent of the keys) of the plan `- id: PLAN_ID` in a plans YAML's lines."""
    pat = re.compile(r"^(?P<dash>\s*-\s+)id:\s*['\"]?" + re.escape(plan_id) + r"['\"]?\s*(#.*)?$")
    for i, line in enumerate(lines):
        m = pat.match(line)
        if m:
            dash, key_indent = len(line) - len(line.lstrip()), len(m.group("dash"))
            end = i + 1
            while end < len(lines):
                s = lines[end]
                if s.strip() and not s.lstrip().startswith("#") and len(s) - len(s.lstrip()) <= dash:
                    break
                end += 1
            return i, end, key_indent
    raise ValueError(f"no plan '- id: {plan_id}' line found")


def set_plan_tag(text: str, plan_id: str, tag: str, present: bool) -> str:
    """TEXT (a plans YAML) with TAG added to or removed from plan PLAN_ID's tags, nothing else changed. Handles a
    one-line flow list (`tags: [a, b]`, as hand-written plans have) and a block list (`tags:` then `- a` lines, as
    `mcpbench tasks plans|pick` write); a plan without tags gets `tags: [TAG]`. Raises ValueError when the plan is not
    found or its tags are in another shape."""
    lines = text.split("\n")
    start, end, indent = _plan_block(lines, plan_id)
    for i in range(start + 1, end):
        line = lines[i]
        if not (line[:indent].strip() == "" and line[indent:].startswith("tags:")):
            continue
        m = _FLOW_TAGS.match(line)
        if m:
            items = [x.strip() for x in m.group("items").split(",") if x.strip()]
            if (tag in items) == present:
                return text
            items = [*items, tag] if present else [x for x in items if x != tag]
            lines[i] = f"{m.group('lead')}[{', '.join(items)}]{m.group('tail')}"
            return "\n".join(lines)
        if line[indent:].rstrip() != "tags:":
            raise ValueError(f"plan {plan_id}: its tags are neither `tags: [a, b]` nor a block list; edit it by hand")
        block = []  # (line index, item) of the block list's items
        j = i + 1
        while j < end and (item := re.match(r"^(\s*)-\s+(.*?)\s*$", lines[j])) and len(item.group(1)) >= indent:
            block.append((j, item.group(2).strip("'\"")))
            j += 1
        if not block:
            raise ValueError(f"plan {plan_id}: `tags:` is followed by no list items; edit it by hand")
        if (tag in [x for _, x in block]) == present:
            return text
        if present:
            last = block[-1][0]
            lines.insert(last + 1, lines[last][:len(lines[last]) - len(lines[last].lstrip())] + f"- {tag}")
        else:
            drop = {j for j, x in block if x == tag}
            if len(drop) == len(block):
                lines[i] = line.rstrip() + " []"
            lines = [x for k, x in enumerate(lines) if k not in drop]
        return "\n".join(lines)
    if not present:
        return text
    lines.insert(start + 1, " " * indent + f"tags: [{tag}]")
    return "\n".join(lines)


def tag_plans(path: Path, wanted: dict[str, bool], tag: str = HARD_TAG) -> list[str]:
    """Set TAG on the plans of the YAML at PATH: present where WANTED[plan id] is True, absent where False (plans not
    in WANTED keep theirs). Checks the result by loading it back; writes only when something changed.
    Returns the plan ids that changed. Raises ValueError (the file is left as it was)."""
    from task_synth.synth import load_plans

    before = {p.id: list(p.tags) for p in load_plans(path)}
    unknown = sorted(set(wanted) - set(before))
    if unknown:
        raise ValueError(f"{path}: no plan for task(s) {', '.join(unknown)}")
    text = original = path.read_text(encoding="utf-8")
    for plan_id, present in wanted.items():
        text = set_plan_tag(text, plan_id, tag, present)
    if text == original:
        return []
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        after = {p.id: list(p.tags) for p in load_plans(tmp)}
        for pid, tags in before.items():
            want = tags
            if wanted.get(pid) is True and tag not in tags:
                want = [*tags, tag]
            elif wanted.get(pid) is False:
                want = [x for x in tags if x != tag]
            if after.get(pid) != want:
                raise ValueError(f"{path}: editing plan {pid}'s tags gave {after.get(pid)}, not {want}")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return [pid for pid in before if before[pid] != after[pid]]


def tag_plan_files(files: list[Path], wanted: dict[str, bool], tag: str = HARD_TAG) -> tuple[dict[str, list[str]],
                                                                                          list[str]]:
    """Set TAG in every plans file of FILES for the plans it holds (a suite built from a recipe has several).
    Returns ({file: plan ids changed}, task ids of WANTED that no file holds a plan for — their tag lives only in the
    suite file, and a rebuild loses it). Raises ValueError; files already written stay written (each is whole)."""
    from task_synth.synth import load_plans

    held: dict[Path, set[str]] = {f: {p.id for p in load_plans(f)} for f in files}
    changed = {}
    for f in files:
        mine = {k: v for k, v in wanted.items() if k in held[f]}
        if mine:
            changed[str(f)] = tag_plans(f, mine, tag)
    planned = set().union(*held.values()) if held else set()
    return changed, [k for k in wanted if k not in planned]


def tag_suite(suite: Suite, wanted: dict[str, bool], tag: str = HARD_TAG) -> Suite:
    """SUITE with TAG set on its tasks as WANTED says (appended last, where a rebuild from the plans puts it)."""
    tasks = []
    for t in suite.tasks:
        if t.id in wanted and (tag in t.tags) != wanted[t.id]:
            tags = [*t.tags, tag] if wanted[t.id] else [x for x in t.tags if x != tag]
            t = t.model_copy(update={"tags": tags})
        tasks.append(t)
    return suite.model_copy(update={"tasks": tasks})


def tag_suite_file(path: Path, wanted: dict[str, bool], tag: str = HARD_TAG) -> list[str]:
    """Set TAG in the suite JSONL at PATH as WANTED says, rewriting only the lines of tasks that change (in the file's
    own style), so the file is what a rebuild from the tagged plans gives, without re-grounding every task. Checks
    the result loads back as the same tasks with the new tags. Returns the task ids that changed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    changed = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        obj = json.loads(line)
        tid = obj.get("id")
        if tid in wanted and isinstance(obj.get("tags"), list) and (tag in obj["tags"]) != wanted[tid]:
            obj["tags"] = [*obj["tags"], tag] if wanted[tid] else [x for x in obj["tags"] if x != tag]
            lines[i] = json.dumps(obj, sort_keys=True, ensure_ascii=False)
            changed.append(tid)
    if not changed:
        return []
    expected = tag_suite(Suite.load(path), wanted, tag)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    try:
        if Suite.load(tmp).tasks != expected.tasks:
            raise ValueError(f"{path}: rewriting the tags changed more than the tags")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return changed


def select_tagged(suite: Suite, tags: list[str]) -> Suite:
    """The tasks of SUITE that carry every one of TAGS, as a suite named `NAME[tags=a,b]` (so a run of the subset
    is never mistaken for a run of the whole suite). Raises ValueError when none does."""
    if not tags:
        return suite
    kept = [t for t in suite.tasks if all(x in t.tags for x in tags)]
    if not kept:
        raise ValueError(f"no task of suite '{suite.name}' carries tag(s) {', '.join(tags)}")
    return suite.model_copy(update={"name": f"{suite.name}[tags={','.join(tags)}]", "tasks": kept})


__all__ = ["DEFAULT_ORACLE", "EVIDENCE_SUFFIX", "HARD_TAG", "SOLVED_AT", "Cell", "EpisodeEvidence", "Evidence",
           "RunEvidence", "TaskVerdict", "decide", "decide_task", "default_models", "evidence", "is_solved",
           "read_run", "select_tagged", "set_plan_tag", "stale_tags", "tag_plan_files", "tag_plans", "tag_suite",
           "tag_suite_file",
           "task_fingerprint"]
