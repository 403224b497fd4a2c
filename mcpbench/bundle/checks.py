"""What verify checks beyond the bytes: identities that need no scoring (run id, suite and tool hashes, the episode
plan) and judge panels that follow from their raw outputs; plus a JSON diff that names every differing leaf."""

from __future__ import annotations

import json
from typing import Any

from mcpbench.bundle.format import BUNDLE_FORMAT, BundleInfo, canonical_line
from mcpbench.report.results import fleet_sha256
from mcpbench.store import StoredEpisode


def _short(v: Any) -> str:
    s = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return s if len(s) <= 80 else s[:77] + "..."


def json_diff(claimed: Any, recomputed: Any, label: str, limit: int = 8) -> list[str]:
    """'label: a.b[2].c: claimed X, recomputed Y' for each leaf that differs (at most `limit` lines)."""
    out: list[str] = []

    def emit(where: str, text: str) -> None:
        out.append(f"{label}: {where}: {text}" if where else f"{label}: {text}")

    def walk(a: Any, b: Any, where: str) -> None:
        if len(out) >= limit or canonical_line(a) == canonical_line(b):
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                sub = f"{where}.{k}" if where else str(k)
                if k not in b:
                    emit(sub, f"claimed {_short(a[k])}, but it is not part of the recomputed result")
                elif k not in a:
                    emit(sub, f"missing from the claim (recomputed {_short(b[k])})")
                else:
                    walk(a[k], b[k], sub)
                if len(out) >= limit:
                    return
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{where}[{i}]")
        else:
            emit(where, f"claimed {_short(a)}, recomputed {_short(b)}")

    walk(claimed, recomputed, "")
    return out


def consistency_problems(meta: dict[str, Any], episodes: list[StoredEpisode],
                         claimed: dict[str, dict[str, Any]]) -> list[str]:
    """Identity checks that need no scoring: run id = hash of the spec, suite hash = hash of the tasks, catalog hashes
    = hashes of the tool definitions and of the spec's fleet, every episode planned by the spec and scored once."""
    from judges import FORMULA_VERSION
    from mcpbench.catalog import ToolEntry, tool_sha256
    from mcpbench.runspec import RunSpec, episode_id
    from task_synth.task import Suite, Task

    out: list[str] = []
    info = BundleInfo.model_validate(meta["bundle"])
    if info.format != BUNDLE_FORMAT:
        out.append(f"bundle.json: format {info.format!r}, this mcpbench reads {BUNDLE_FORMAT!r}")
    if info.formula_version != FORMULA_VERSION:
        out.append(f"scores use formula version {info.formula_version}, this mcpbench computes version "
                   f"{FORMULA_VERSION}: verify with the mcpbench version that made the bundle")
    spec = RunSpec.model_validate(meta["spec"])
    for where, rid in (("spec.json (hash of the spec)", spec.run_id), ("manifest.json", meta["manifest"].get("run_id")),
                       ("results.json", meta["results"]["run"]["run_id"])):
        if rid != info.run_id:
            out.append(f"run id: bundle.json says {info.run_id}, {where} says {rid}")
    tasks = [Task.model_validate(t) for t in meta["tasks"]]
    if Suite(name=spec.suite, tasks=tasks).sha256 != spec.suite_sha256:
        out.append("tasks.jsonl: the tasks do not hash to the spec's suite_sha256")
    if fleet_sha256(spec.fleet) != info.fleet_sha256:
        out.append("bundle.json: fleet_sha256 is not the hash of the spec's fleet")
    failed = set(meta["manifest"].get("failed_servers") or {})
    catalog = {}
    for raw in meta["catalog"]:
        e = ToolEntry.model_validate(raw)
        catalog[f"{e.server}/{e.name}"] = e.sha256
        if tool_sha256(e.definition()) != e.sha256:
            out.append(f"catalog.jsonl: {e.server}/{e.name}: sha256 is not the hash of its definition")
    for key, want in spec.fleet.items():
        if key.split("/", 1)[0] not in failed and catalog.get(key) != want:
            out.append(f"catalog.jsonl: {key} does not match the spec's fleet hash")
    task_ids = {t.id for t in tasks}
    planned = {episode_id(m, t, r) for m in spec.models for t in task_ids for r in range(spec.repeats)}
    seen: set[str] = set()
    for ep in episodes:
        t = ep.trajectory
        if ep.episode_id in seen:
            out.append(f"trajectories.jsonl: {ep.episode_id} appears twice")
        seen.add(ep.episode_id)
        if ep.episode_id not in planned:
            out.append(f"trajectories.jsonl: {ep.episode_id} is not an episode of this run's plan")
        if (t.episode_id, t.model, t.task_id, t.repeat, t.status) != (ep.episode_id, ep.model, ep.task_id, ep.repeat,
                                                                      ep.status):
            out.append(f"trajectories.jsonl: {ep.episode_id}: the trajectory disagrees with its row")
    for eid in sorted(seen - set(claimed)):
        out.append(f"scores.jsonl: {eid} has no score")
    for eid in sorted(set(claimed) - seen):
        out.append(f"scores.jsonl: {eid} scores an episode the bundle does not contain")
    return out


def panel_problems(meta: dict[str, Any], claimed: dict[str, dict[str, Any]]) -> list[str]:
    """Judge panels cannot be re-asked; check instead that each recorded panel follows from its raw judge outputs
    (re-parsed), its seeds and rubric orders (re-derived) and its means and alpha (re-summarised)."""
    from judges import PanelResult
    from judges.panel import summarise_panel
    from judges.rubric import RubricParseError, parse_scores, sample_order, sample_seed

    out: list[str] = []
    seed = meta["spec"].get("seed", 0)
    for eid, c in sorted(claimed.items()):
        if not c["score"].get("panel"):
            continue
        panel = PanelResult.model_validate(c["score"]["panel"])
        if panel.seed != seed:
            out.append(f"scores.jsonl: {eid}: panel seed {panel.seed} is not the run seed {seed}")
        for j in panel.judgements:
            where = f"scores.jsonl: {eid}: judgement {j.judge}#{j.sample}"
            task_id = c["score"]["task_id"]
            if (j.seed != sample_seed(panel.seed, task_id, j.sample)
                    or j.order != sample_order(panel.seed, task_id, j.sample)):
                out.append(f"{where}: seed or rubric order is not the seeded one")
            try:
                parsed: dict[str, float] | None = parse_scores(j.raw[-1]) if j.raw else None
            except RubricParseError:
                parsed = None
            if parsed != j.scores:
                out.append(f"{where}: scores do not follow from the judge's raw output")
        again = summarise_panel(panel.panel, panel.k, panel.seed, panel.judgements)
        out += json_diff(panel.model_dump(mode="json"), again.model_dump(mode="json"), f"scores.jsonl: {eid}: panel")
    return out


__all__ = ["consistency_problems", "json_diff", "panel_problems"]
