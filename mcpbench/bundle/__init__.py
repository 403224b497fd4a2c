"""Bundles: a run's store as a deterministic .tar.gz that anyone can verify without live servers or API keys.

`write_bundle(run_dir, out)` packs trajectories, manifest, spec, tasks, catalog, scores and results with a SHA256SUMS
file; the same run always gives the same bytes (sorted names, fixed mtimes/owners/modes, gzip without name or date).
`verify_bundle(path)` checks the bytes (gzip, canonical tar, every sum), the identities (run id = hash of the spec,
suite and tool hashes, the episode plan), re-derives judge panels from their raw outputs, re-computes every rule
metric, check, episode score and aggregate from the trajectories, and compares all of it with what the bundle claims.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from mcpbench.bundle.checks import consistency_problems, json_diff, panel_problems
from mcpbench.bundle.format import (
    BUNDLE_FORMAT,
    MEMBERS,
    SUMS,
    BundleInfo,
    canonical_line,
    canonical_tar,
    encode,
    gzip_bytes,
    jsonl,
    sums,
)
from mcpbench.bundle.reader import BundleBytes, ReadLimits, read_bundle, read_members
from mcpbench.report.results import ReportResults, RunData, build_results, results_json
from mcpbench.splits import SplitInfo, SplitRegistry, identify
from mcpbench.store import RunStore, StoredEpisode

MAX_DIFFERENCES = 50


class BundleError(Exception):
    """The bundle cannot be written (not a run directory, or a run that never started)."""


class ScoreLine(BaseModel):
    """One line of scores.jsonl."""

    episode_id: str
    judged_by: str = "rules"
    score: dict[str, Any]
    """The EpisodeScore JSON the run recorded."""


class VerifyReport(BaseModel):
    """The verdict of `mcpbench verify`."""

    ok: bool
    bundle: str
    bundle_sha256: str
    """sha256 of the bundle file: the id maintainers record re-runs under (docs/leaderboard.md). Empty when the
    bundle was refused at a cap before it was read to the end."""
    run_id: str | None = None
    episodes: int = 0
    differences: list[str] = Field(default_factory=list)
    """Empty when everything matched; else one line per problem (capped at MAX_DIFFERENCES, then a count)."""
    warnings: list[str] = Field(default_factory=list)
    results: dict[str, Any] | None = None
    """The bundle's results.json, when it could be read (trust it only when ok)."""
    split: SplitInfo | None = None
    """Which split the run was scored on (public, private or unlisted), from its suite sha256."""


def bundle_members(data: RunData) -> dict[str, bytes]:
    """Every member of a run's bundle, SHA256SUMS included."""
    results = build_results(data)
    info = BundleInfo(run_id=data.run_id, suite=results.run.suite, suite_sha256=results.run.suite_sha256,
                      fleet_sha256=results.run.fleet_sha256, formula_version=results.formula.version,
                      state=data.state, models=results.run.models, episodes=len(data.episodes),
                      mcpbench_version=results.run.mcpbench_version)
    episodes = sorted(data.episodes, key=lambda e: e.episode_id)
    members = {
        "bundle.json": (canonical_line(info) + "\n").encode(),
        "spec.json": (canonical_line(data.spec) + "\n").encode(),
        "manifest.json": (canonical_line(data.manifest) + "\n").encode(),
        "tasks.jsonl": jsonl(data.tasks),
        "catalog.jsonl": jsonl(data.catalog),
        "trajectories.jsonl": jsonl(episodes),
        "scores.jsonl": jsonl([ScoreLine(episode_id=e.episode_id, judged_by=data.judged_by.get(e.episode_id, "rules"),
                                         score=data.scores[e.episode_id])
                               for e in episodes if e.episode_id in data.scores]),
        "results.json": results_json(results).encode(),
    }
    members[SUMS] = sums(members)
    return members


def write_bundle(run_dir: str | Path, out: str | Path) -> Path:
    """Pack RUN_DIR into OUT (.tar.gz) and return OUT.

    Raises BundleError when RUN_DIR is not a run directory or its run never started.
    """
    try:
        data = RunData.load(run_dir)
    except FileNotFoundError as e:
        raise BundleError(str(e)) from None
    if not data.spec:
        raise BundleError(f"{run_dir} has no run spec: the run never started")
    blob = encode(bundle_members(data))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(blob)
    tmp.replace(out)
    return out


def _parse(members: dict[str, bytes]) -> tuple[dict[str, Any], list[StoredEpisode], dict[str, ScoreLine]]:
    def lines(name: str) -> list[Any]:
        return [json.loads(x) for x in members[name].decode().splitlines() if x.strip()]

    meta = {"bundle": json.loads(members["bundle.json"]), "spec": json.loads(members["spec.json"]),
            "manifest": json.loads(members["manifest.json"]), "tasks": lines("tasks.jsonl"),
            "catalog": lines("catalog.jsonl"), "results": json.loads(members["results.json"])}
    BundleInfo.model_validate(meta["bundle"])
    ReportResults.model_validate(meta["results"])
    episodes = [StoredEpisode.model_validate(x) for x in lines("trajectories.jsonl")]
    scores = {s.episode_id: s for s in (ScoreLine.model_validate(x) for x in lines("scores.jsonl"))}
    return meta, episodes, scores


def _rebuild(tmp: Path, meta: dict[str, Any], episodes: list[StoredEpisode], scores: dict[str, ScoreLine]) -> RunStore:
    """A run store holding exactly what the bundle holds (so the run's own rescoring code can run on it)."""
    store = RunStore(tmp)
    for key in ("spec", "manifest", "tasks", "catalog"):
        store.set_meta(key, meta[key])
    store.set_meta("run_id", meta["bundle"]["run_id"])
    store.set_meta("state", meta["bundle"]["state"])
    for ep in episodes:
        store.record_episode(ep.trajectory, attempts=ep.attempts, live_outputs=ep.live_outputs,
                             score=scores[ep.episode_id].score, judged_by=scores[ep.episode_id].judged_by,
                             context=ep.context)
    return store


def _recompute(meta: dict[str, Any], episodes: list[StoredEpisode], claimed: dict[str, ScoreLine]) -> list[str]:
    from mcpbench.rescore import recompute_scores
    from mcpbench.runner import aggregate_store

    diffs = panel_problems(meta, {k: v.model_dump() for k, v in claimed.items()})
    with tempfile.TemporaryDirectory(prefix="mcpbench-verify-") as tmp:
        store = _rebuild(Path(tmp), meta, episodes, claimed)
        try:
            recomputed = {k: v.model_dump(mode="json") for k, v in recompute_scores(store).items()}
            for eid in sorted(recomputed):
                diffs += json_diff(claimed[eid].score, recomputed[eid], f"scores.jsonl: {eid}")
            by_judge: dict[str, dict[str, Any]] = defaultdict(dict)
            for eid, score in recomputed.items():
                by_judge[claimed[eid].judged_by][eid] = score
            for judged_by, group in sorted(by_judge.items()):
                store.replace_scores(group, judged_by)
            if meta["results"]["run"].get("results_source") == "stored":
                store.set_meta("results", aggregate_store(store))
            again = build_results(RunData.from_store(store)).model_dump(mode="json")
            diffs += json_diff(meta["results"], again, "results.json", limit=20)
        finally:
            store.close()
    return diffs


def verify_bundle(path: str | Path, limits: ReadLimits | None = None, splits: SplitRegistry | None = None
                  ) -> VerifyReport:
    """Check a bundle file's bytes, then recompute its scores and results from its trajectories and compare.

    The file is streamed under LIMITS (default ReadLimits()): a bundle over a cap is refused without being read
    whole. The run's split is named from SPLITS (the splits registry) or the shipped suites. Never raises for a bad
    bundle: every problem is a line of `differences`. Raises OSError when PATH cannot be read.
    """
    with Path(path).open("rb") as f:
        return _verify(read_bundle(f, limits), str(path), splits)


def verify_bytes(blob: bytes, name: str = "<bundle>", limits: ReadLimits | None = None,
                 splits: SplitRegistry | None = None) -> VerifyReport:
    """verify_bundle on a bundle already in memory."""
    return _verify(read_bundle(io.BytesIO(blob), limits), name, splits)


def _verify(got: BundleBytes, name: str, splits: SplitRegistry | None) -> VerifyReport:
    report = VerifyReport(ok=False, bundle=name, bundle_sha256=got.sha256, warnings=got.warnings)
    members = got.members
    if got.problems:
        report.differences = got.problems
        return report
    try:
        meta, episodes, claimed = _parse(members)
        report.results, report.run_id, report.episodes = meta["results"], meta["bundle"]["run_id"], len(episodes)
        report.split = identify(str(meta["spec"]["suite_sha256"]), splits)
        diffs = consistency_problems(meta, episodes, {k: v.model_dump() for k, v in claimed.items()})
    except (ValueError, ValidationError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
        first = str(e).splitlines()[0] if str(e) else ""
        report.differences = [f"a member does not parse: {type(e).__name__}: {first}"]
        return report
    if not diffs:
        try:
            diffs = _recompute(meta, episodes, claimed)
        except Exception as e:
            diffs = [f"re-computing the scores failed: {type(e).__name__}: {e}"]
    if len(diffs) > MAX_DIFFERENCES:
        diffs = [*diffs[:MAX_DIFFERENCES], f"... and {len(diffs) - MAX_DIFFERENCES} more"]
    report.differences = diffs
    report.ok = not diffs
    return report


__all__ = ["BUNDLE_FORMAT", "MAX_DIFFERENCES", "MEMBERS", "SUMS", "BundleBytes", "BundleError", "BundleInfo",
           "ReadLimits", "ScoreLine", "VerifyReport", "bundle_members", "canonical_tar", "consistency_problems",
           "gzip_bytes", "json_diff", "panel_problems", "read_bundle", "read_members", "verify_bundle", "verify_bytes",
           "write_bundle"]
