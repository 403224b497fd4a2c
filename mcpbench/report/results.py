"""results.json: every number the report shows, derived from the run store alone (never live servers).

`RunData` is what a run directory (or a bundle, once rebuilt into a store) holds; `build_results` turns it into the
`ReportResults` document that report.html, results.md, the leaderboard and `mcpbench verify` all read.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry, canonical_json
from mcpbench.store import RunStore, StoredEpisode
from task_synth.task import Task

RESULTS_FORMAT = "mcpbench-results/1"
NO_JUDGES_NOTE = "no LLM judges: rule metrics and checks only"


@dataclass
class RunData:
    """Everything a run store holds, loaded once (reports read this, never live servers)."""

    dir: Path
    run_id: str
    spec: dict[str, Any]
    manifest: dict[str, Any]
    state: str
    tasks: list[Task]
    catalog: list[ToolEntry]
    episodes: list[StoredEpisode]
    scores: dict[str, dict[str, Any]]
    """episode_id -> EpisodeScore JSON."""
    results: dict[str, Any] | None
    """The stored aggregate (judges.ModelScores JSON), None when the run never got that far."""
    judged_by: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: RunStore) -> RunData:
        judged_by = {r[0]: r[1] for r in store.db.execute("SELECT episode_id, judged_by FROM scores")}
        return cls(dir=store.dir, run_id=store.get_meta("run_id") or store.dir.name, spec=store.get_meta("spec") or {},
                   manifest=store.get_meta("manifest") or {}, state=store.get_meta("state") or "unknown",
                   tasks=[Task.model_validate(t) for t in store.get_meta("tasks", [])],
                   catalog=[ToolEntry.model_validate(e) for e in store.get_meta("catalog", [])],
                   episodes=list(store.episodes()), scores=store.scores(), results=store.get_meta("results"),
                   judged_by=judged_by)

    @classmethod
    def load(cls, run_dir: str | Path) -> RunData:
        """Read a run directory. Raises FileNotFoundError when it holds no run store."""
        with RunStore(run_dir, create=False) as store:
            return cls.from_store(store)


class ServerLine(BaseModel):
    name: str
    status: str
    transport: str | None = None
    version: str | None = None
    tools: int | None = None
    error: str | None = None


class RunSummary(BaseModel):
    """Who ran what, on which suite and fleet, and how it ended."""

    run_id: str
    state: str
    """running | completed | partial | cancelled (a run killed hard stays 'running')."""
    suite: str
    suite_sha256: str
    fleet_sha256: str
    """sha256 of the canonical JSON of the spec's 'server/tool' -> tool hash map (runs compare only when equal)."""
    formula_version: str
    models: list[str]
    tasks: int
    repeats: int
    episodes: int
    statuses: dict[str, int]
    """Episode status -> count (completed, max_turns, timeout, model_error, infra_failed)."""
    seed: int
    judges: list[str]
    judge_k: int
    mcpbench_version: str | None = None
    git_commit: str | None = None
    executor: str | None = None
    started_at: float | None = None
    servers: list[ServerLine] = Field(default_factory=list)
    failed_servers: dict[str, str] = Field(default_factory=dict)
    drift: list[str] = Field(default_factory=list)
    results_source: Literal["stored", "recomputed"]
    """'recomputed' when the store had no aggregate (an interrupted run) and the report aggregated its scores."""


class TaskCell(BaseModel):
    """One task × model cell of the per-task table."""

    episodes: int
    counted: int
    passed: int
    infra_failed: int
    overall: float | None
    """Mean overall over counted episodes; None when none counted."""
    statuses: dict[str, int]


class TaskRow(BaseModel):
    task_id: str
    servers: list[str]
    hops: int
    tags: list[str] = Field(default_factory=list)
    cells: dict[str, TaskCell]
    """model -> cell (models that ran no episode of this task are absent)."""


class EpisodeLine(BaseModel):
    episode_id: str
    model: str
    task_id: str
    repeat: int
    status: str
    attempts: int
    counted: bool
    passed: bool
    overall: float | None
    tool_calls: int
    call_outcomes: dict[str, int]
    """ok / tool_error / model_error / infra_error -> count."""
    judged_by: str | None = None


class JudgeSummary(BaseModel):
    panel: list[str]
    """Every judge that scored any episode of the run."""
    k: int
    note: str
    """NO_JUDGES_NOTE when the panel was empty."""
    alpha: dict[str, float | None] = Field(default_factory=dict)
    """model -> Krippendorff's alpha between judges (None when undefined: fewer than two judges)."""
    judge_means: dict[str, dict[str, dict[str, float | None]]] = Field(default_factory=dict)
    """model -> judge -> rubric dimension -> mean 1-10 score."""
    unscored: dict[str, int] = Field(default_factory=dict)
    calibration: dict[str, Any] | None = None
    """judges.calibration.Calibration JSON: each judge's and the panel's agreement with the verifiable checks on task
    completion (alpha, confusion counts, flag); None when no episode had a panel."""


class Formula(BaseModel):
    version: str
    radar: list[str]
    weights: dict[str, float]


class ReportResults(BaseModel):
    """results.json: every number in the report."""

    format: str = RESULTS_FORMAT
    run: RunSummary
    formula: Formula
    scores: dict[str, Any]
    """judges.ModelScores JSON: per model dimensions (mean, lo, hi, n), overall, pass@k, pass^k, infra, rules, errors,
    tokens, judges — best overall first."""
    tasks: list[TaskRow]
    episodes: list[EpisodeLine]
    judges: JudgeSummary


def fleet_sha256(fleet: dict[str, str]) -> str:
    return hashlib.sha256(canonical_json(dict(sorted(fleet.items()))).encode()).hexdigest()


def _aggregate(data: RunData) -> dict[str, Any]:
    from judges import EpisodeScore, aggregate

    scores = [EpisodeScore.model_validate(s) for _, s in sorted(data.scores.items())]
    return aggregate(scores, seed=data.spec.get("seed", 0)).model_dump(mode="json")


def _summary(data: RunData, source: Literal["stored", "recomputed"]) -> RunSummary:
    spec, man = data.spec, data.manifest
    from judges import FORMULA_VERSION

    servers = [ServerLine(name=n, status=s.get("status", "?"), transport=s.get("transport"), version=s.get("version"),
                          tools=s.get("tools"), error=s.get("error"))
               for n, s in sorted((man.get("servers") or {}).items())]
    return RunSummary(
        run_id=data.run_id, state=data.state,
        suite=spec.get("suite", man.get("suite", "?")), suite_sha256=spec.get("suite_sha256", ""),
        fleet_sha256=fleet_sha256(spec.get("fleet", {})),
        formula_version=(data.results or {}).get("formula_version", FORMULA_VERSION),
        models=list(spec.get("models", sorted({e.model for e in data.episodes}))), tasks=len(data.tasks),
        repeats=spec.get("repeats", 1), episodes=len(data.episodes),
        statuses=dict(sorted(Counter(e.status for e in data.episodes).items())), seed=spec.get("seed", 0),
        judges=list(spec.get("judges", [])), judge_k=spec.get("judge_k", 1),
        mcpbench_version=spec.get("mcpbench_version"), git_commit=spec.get("git_commit"),
        executor=man.get("executor"), started_at=man.get("started_at"), servers=servers,
        failed_servers=dict(man.get("failed_servers") or {}), drift=list(man.get("drift") or []),
        results_source=source)


def _task_rows(data: RunData) -> list[TaskRow]:
    cells: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for ep in data.episodes:
        cells[ep.task_id][ep.model].append(data.scores.get(ep.episode_id) or {"status": ep.status, "counted":
                                                                               ep.status != "infra_failed"})
    rows = []
    known = {t.id: t for t in data.tasks}
    for task_id in [*known, *sorted(set(cells) - set(known))]:
        t = known.get(task_id)
        row: dict[str, TaskCell] = {}
        for model, scores in sorted(cells[task_id].items()):
            counted = [s for s in scores if s.get("counted")]
            overalls = [s["overall"] for s in counted if s.get("overall") is not None]
            row[model] = TaskCell(episodes=len(scores), counted=len(counted),
                                  passed=sum(bool(s.get("passed")) for s in counted),
                                  infra_failed=len(scores) - len(counted),
                                  overall=sum(overalls) / len(overalls) if overalls else None,
                                  statuses=dict(sorted(Counter(s.get("status", "?") for s in scores).items())))
        rows.append(TaskRow(task_id=task_id, servers=list(t.servers) if t else [], hops=t.hops if t else 0,
                            tags=list(t.tags) if t else [], cells=row))
    return rows


def _episode_lines(data: RunData) -> list[EpisodeLine]:
    out = []
    for ep in sorted(data.episodes, key=lambda e: (e.model, e.task_id, e.repeat)):
        s = data.scores.get(ep.episode_id) or {}
        calls = ep.trajectory.tool_calls()
        out.append(EpisodeLine(
            episode_id=ep.episode_id, model=ep.model, task_id=ep.task_id, repeat=ep.repeat, status=ep.status,
            attempts=ep.attempts, counted=bool(s.get("counted", ep.status != "infra_failed")),
            passed=bool(s.get("passed")), overall=s.get("overall"), tool_calls=len(calls),
            call_outcomes=dict(sorted(Counter(c.outcome for c in calls).items())),
            judged_by=data.judged_by.get(ep.episode_id)))
    return out


def _calibration(data: RunData) -> dict[str, Any] | None:
    from judges import EpisodeScore
    from judges.calibration import calibrate

    cal = calibrate(EpisodeScore.model_validate(s) for _, s in sorted(data.scores.items()))
    return None if cal is None else cal.model_dump(mode="json")


def _judges(data: RunData, scores: dict[str, Any]) -> JudgeSummary:
    models = scores.get("models", {})
    panel = sorted({j for m in models.values() for j in m.get("panel", [])})
    return JudgeSummary(
        panel=panel, k=data.spec.get("judge_k", 1),
        note=NO_JUDGES_NOTE if not panel else f"{len(panel)} judge(s); alpha = Krippendorff's alpha (interval) "
                                              "between judges over (episode, rubric dimension) units",
        alpha={m: s.get("alpha") for m, s in models.items()},
        judge_means={m: s.get("judge_means", {}) for m, s in models.items() if s.get("judge_means")},
        unscored={m: s.get("unscored_judgements", 0) for m, s in models.items()},
        calibration=_calibration(data) if panel else None)


def build_results(data: RunData) -> ReportResults:
    """The results document of a run (deterministic: the same store gives byte-identical JSON)."""
    from judges import FORMULA_VERSION, RADAR, WEIGHTS

    source: Literal["stored", "recomputed"] = "stored" if data.results is not None else "recomputed"
    scores = data.results if data.results is not None else _aggregate(data)
    return ReportResults(
        run=_summary(data, source),
        formula=Formula(version=scores.get("formula_version", FORMULA_VERSION), radar=list(RADAR),
                        weights=dict(WEIGHTS)),
        scores=scores, tasks=_task_rows(data), episodes=_episode_lines(data), judges=_judges(data, scores))


def results_json(results: ReportResults) -> str:
    """Canonical text of results.json (sorted keys, 2-space indent, trailing newline)."""
    import json

    return json.dumps(results.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


__all__ = ["NO_JUDGES_NOTE", "RESULTS_FORMAT", "EpisodeLine", "Formula", "JudgeSummary", "ReportResults", "RunData",
           "RunSummary", "ServerLine", "TaskCell", "TaskRow", "build_results", "fleet_sha256", "results_json"]
