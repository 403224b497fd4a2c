"""The leaderboard: submissions (run dirs, results.json files, bundles) ranked only against comparable ones.

Two submissions are comparable when they ran the same task set (suite sha256), on the same tool definitions (fleet
sha256) and were scored by the same formula version; anything else goes to a group of its own, with the reason.
Each row carries its verification tier (docs/leaderboard.md):

- "self-reported": a run directory or a results.json — numbers as the submitter's machine wrote them;
- "verified bundle": a bundle that passed `mcpbench verify` (bytes intact, every score re-computed and equal);
- "re-run": a verified bundle whose sha256 the maintainers recorded in a re-runs file after reproducing its results
  by running the same spec themselves.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from mcpbench.report.html import asset, e, page
from mcpbench.report.markdown import fmt, fmt_ci, md_cell
from mcpbench.report.results import ReportResults, RunData, build_results
from mcpbench.splits import SplitInfo, SplitRegistry, identify

LEADERBOARD_FORMAT = "mcpbench-leaderboard/1"
Tier = Literal["self-reported", "verified bundle", "re-run"]
TIER_ORDER: dict[str, int] = {"re-run": 0, "verified bundle": 1, "self-reported": 2}


MAX_INFRA_RATE = 0.05
"""Default share of a row's episodes that may be infra-failed for it to be ranked."""

class Rerun(BaseModel):
    """A maintainers' record that a bundle's results were reproduced by re-running its spec."""

    bundle_sha256: str
    """sha256 of the submitted bundle file (`mcpbench verify` prints it)."""
    by: str
    """Who re-ran it."""
    date: str
    rerun_id: str | None = None
    """The run id of the maintainers' own run (equal spec, so equal run id, unless the fleet changed)."""
    note: str = ""


class Reruns(BaseModel):
    """The re-runs file maintainers keep (JSON): {"reruns": [Rerun, ...]}."""

    reruns: list[Rerun] = Field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None) -> Reruns:
        """Read a re-runs file (none: empty). Raises ValueError for a malformed file."""
        return cls() if path is None else cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

    def get(self, sha: str) -> Rerun | None:
        return next((r for r in self.reruns if r.bundle_sha256 == sha), None)


class Submission(BaseModel):
    source: str
    kind: Literal["run", "results", "bundle"]
    tier: Tier | None = None
    """None when rejected."""
    rejected: str | None = None
    bundle_sha256: str | None = None
    rerun: Rerun | None = None
    results: ReportResults | None = None
    warnings: list[str] = Field(default_factory=list)


class Row(BaseModel):
    rank: int | None
    """1 = best overall within its group; None = listed but not ranked (see `unranked`)."""
    unranked: str | None = None
    model: str
    overall: dict[str, Any]
    """Estimate JSON: mean, lo, hi (95% CI), n."""
    dimensions: dict[str, dict[str, Any]]
    pass_at_1: float | None
    infra_failed: int
    infra_failed_rate: float
    episodes: int
    tasks: int
    judges: list[str]
    judge_agreement: dict[str, float | None] = Field(default_factory=dict)
    """judge (and 'panel') -> Krippendorff's alpha with the verifiable checks on task completion over the row's run
    (docs/metrics.md §10); empty without judges."""
    flagged_judges: list[str] = Field(default_factory=list)
    """Judges whose agreement with the checks is below the threshold: the row's judged dimensions lean on them."""
    tier: Tier
    source: str
    run_id: str
    state: str
    split: str = ""
    """The split the row was scored on: 'public core', 'private q4-2026', or 'unlisted' (docs/leaderboard.md)."""


class Group(BaseModel):
    suite: str
    suite_sha256: str
    fleet_sha256: str
    formula_version: str
    rows: list[Row]
    split: SplitInfo | None = None
    """Which split the group's suite is: public (shipped or registered), private (registered by hash), unlisted."""
    differs: list[str] = Field(default_factory=list)
    """Why this group is not ranked with the first one (which of suite / fleet / formula differ)."""


class Rejected(BaseModel):
    source: str
    reason: str


class Leaderboard(BaseModel):
    format: str = LEADERBOARD_FORMAT
    radar: list[str]
    groups: list[Group]
    rejected: list[Rejected] = Field(default_factory=list)
    max_infra_rate: float = MAX_INFRA_RATE
    """Rows with a larger share of infra-failed episodes are listed unranked."""
    note: str = ("Ranked only within a group: same suite (task set sha256), same fleet (tool definition sha256s) and "
                 "same scoring formula. Infra-failed episodes are excluded from scores and shown apart; a row with "
                 "more than max_infra_rate of them is listed unranked. Runs that did not complete are listed "
                 "unranked.")


def load_submission(path: str | Path, reruns: Reruns) -> Submission:
    """Read one submission and settle its tier. Never raises for bad content (it is rejected with a reason)."""
    p = Path(path)
    src = str(path)
    if p.is_dir():
        if (p / "store.sqlite").exists():
            try:
                return Submission(source=src, kind="run", tier="self-reported", results=build_results(RunData.load(p)))
            except (sqlite3.DatabaseError, ValueError) as ex:
                return Submission(source=src, kind="run", rejected=f"unreadable run store: {str(ex).splitlines()[0]}")
        p = p / "results.json"
    if p.name.endswith((".tar.gz", ".tgz")):
        from mcpbench.bundle import verify_bundle

        try:
            v = verify_bundle(p)
        except OSError as ex:
            return Submission(source=src, kind="bundle", rejected=f"cannot read the bundle: {ex}")
        sub = Submission(source=src, kind="bundle", bundle_sha256=v.bundle_sha256, warnings=v.warnings)
        if not v.ok:
            sub.rejected = f"failed verification ({len(v.differences)} problem(s)): {v.differences[0]}"
            return sub
        sub.results = ReportResults.model_validate(v.results)
        sub.rerun = reruns.get(v.bundle_sha256)
        sub.tier = "re-run" if sub.rerun else "verified bundle"
        return sub
    try:
        return Submission(source=src, kind="results", tier="self-reported",
                          results=ReportResults.model_validate_json(p.read_text(encoding="utf-8")))
    except (OSError, ValueError) as ex:
        return Submission(source=src, kind="results", rejected=f"not a run dir, results.json or bundle: "
                                                               f"{str(ex).splitlines()[0]}")


def _rows(sub: Submission, max_infra_rate: float) -> list[Row]:
    assert sub.results is not None and sub.tier is not None
    r = sub.results
    cal = r.judges.calibration or {}
    agreement = {name: a.get("alpha") for name, a in cal.get("judges", {}).items()}
    out = []
    for model, s in r.scores.get("models", {}).items():
        unranked = None
        rate = s.get("infra_failed_rate", 0.0) or 0.0
        if r.run.state != "completed":
            unranked = f"run {r.run.state}, not completed"
        elif s.get("overall", {}).get("mean") is None:
            unranked = "no counted episode"
        elif rate > max_infra_rate:
            # infra-failed episodes are left out of the mean, so the score would rest on another task mix than the
            # rows it is ranked against (a hard task lost to a dead server would flatter the model)
            unranked = (f"{100 * rate:.0f}% of episodes infra-failed (more than {100 * max_infra_rate:g}%): "
                        "fix the fleet and resume the run")
        out.append(Row(rank=None, unranked=unranked, model=model, overall=s.get("overall", {}),
                       dimensions=s.get("dimensions", {}), pass_at_1=s.get("pass_at_k", {}).get("1"),
                       infra_failed=s.get("infra_failed", 0), infra_failed_rate=s.get("infra_failed_rate", 0.0),
                       episodes=s.get("episodes", 0), tasks=s.get("tasks", 0), judges=s.get("panel", []),
                       judge_agreement=agreement if s.get("panel") else {},
                       flagged_judges=list(cal.get("flagged", [])) if s.get("panel") else [], tier=sub.tier,
                       source=sub.source, run_id=r.run.run_id, state=r.run.state))
    return out


def build_leaderboard(submissions: list[Submission], *, max_infra_rate: float = MAX_INFRA_RATE,
                      splits: SplitRegistry | None = None) -> Leaderboard:
    """Group comparable submissions and rank each group by overall score (ties share a rank). A row with more than
    `max_infra_rate` of its episodes infra-failed is listed but not ranked. Each group and row names its split from
    SPLITS (the splits registry) or the shipped suites."""
    if not 0.0 <= max_infra_rate <= 1.0:
        raise ValueError(f"max_infra_rate must be between 0 and 1, not {max_infra_rate}")
    from judges import RADAR

    groups: dict[tuple[str, str, str], Group] = {}
    rejected = []
    for sub in submissions:
        if sub.results is None or sub.tier is None:
            rejected.append(Rejected(source=sub.source, reason=sub.rejected or "unreadable"))
            continue
        run = sub.results.run
        key = (run.suite_sha256, run.fleet_sha256, sub.results.formula.version)
        g = groups.setdefault(key, Group(suite=run.suite, suite_sha256=key[0], fleet_sha256=key[1],
                                         formula_version=key[2], rows=[], split=identify(key[0], splits)))
        g.rows.extend(_rows(sub, max_infra_rate))
    for g in groups.values():
        for row in g.rows:
            row.split = _split_name(g.split)
    for g in groups.values():  # the same run submitted twice (e.g. its dir and its bundle) keeps its best tier
        best: dict[tuple[str, str], Row] = {}
        for row in g.rows:
            k = (row.run_id, row.model)
            if k not in best or TIER_ORDER[row.tier] < TIER_ORDER[best[k].tier]:
                best[k] = row
        g.rows = list(best.values())
    ordered = sorted(groups.values(), key=lambda g: (-len(g.rows), g.suite, g.suite_sha256, g.fleet_sha256))
    for g in ordered:
        g.rows.sort(key=lambda r: (r.unranked is not None, -(r.overall.get("mean") or 0.0), TIER_ORDER[r.tier],
                                   r.model, r.source))
        rank, last = 0, None
        for i, row in enumerate(x for x in g.rows if x.unranked is None):
            if row.overall["mean"] != last:
                rank, last = i + 1, row.overall["mean"]
            row.rank = rank
        if g is not ordered[0]:
            first = ordered[0]
            g.differs = [what for what, mine, theirs in (
                ("suite", g.suite_sha256, first.suite_sha256), ("fleet", g.fleet_sha256, first.fleet_sha256),
                ("formula version", g.formula_version, first.formula_version)) if mine != theirs]
    return Leaderboard(radar=list(RADAR), groups=ordered, rejected=rejected, max_infra_rate=max_infra_rate)


def _split_name(split: SplitInfo | None) -> str:
    if split is None or split.kind == "unlisted":
        return "unlisted"
    return f"{split.kind} {split.name}"


def _group_title(i: int, g: Group) -> str:
    return (f"Group {i + 1}: suite {g.suite} (sha256 {g.suite_sha256[:12]}, {_split_name(g.split)} split) · "
            f"fleet {g.fleet_sha256[:12]} · formula v{g.formula_version}")


def _why(g: Group) -> str:
    return (f"Not ranked with group 1: different {', '.join(g.differs)} — scores on different tasks, tools or formulas "
            "are not comparable.") if g.differs else ""


def leaderboard_md(lb: Leaderboard) -> str:
    lines = ["# mcpbench leaderboard", "", lb.note]
    for i, g in enumerate(lb.groups):
        lines += ["", f"## {md_cell(_group_title(i, g))}", ""]
        if g.differs:
            lines += [_why(g), ""]
        lines += ["| rank | model | overall [95% CI] | pass@1 | infra-failed | episodes | judges (α with checks) "
                  "| split | tier | run |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in g.rows:
            rank = str(r.rank) if r.rank is not None else f"— ({md_cell(r.unranked)})"
            lines.append(f"| {rank} | {md_cell(r.model)} | {fmt_ci(r.overall)} | {fmt(r.pass_at_1)} | "
                         f"{r.infra_failed} ({100 * r.infra_failed_rate:.0f}%) | {r.episodes} | "
                         f"{md_cell(judges_text(r))} | {md_cell(r.split)} | {r.tier} | "
                         f"{md_cell(r.run_id)} |")
    if lb.rejected:
        lines += ["", "## Rejected", ""] + [f"- {md_cell(x.source)}: {md_cell(x.reason)}" for x in lb.rejected]
    return "\n".join(lines) + "\n"


def judges_text(r: Row) -> str:
    """'j/a α 0.81, j/b α 0.42 (flagged), panel α 0.60 (flagged)', or 'none'."""
    if not r.judges:
        return "none"
    names = [*r.judges, *(["panel"] if "panel" in r.judge_agreement else [])]
    return ", ".join(f"{n} α {fmt(r.judge_agreement.get(n))}" + (" (flagged)" if n in r.flagged_judges else "")
                     for n in names)


def _num(x: float | None, text: str) -> str:
    return f'<td class="num" data-sort="{"" if x is None else x}">{text}</td>'


def leaderboard_html(lb: Leaderboard) -> str:
    sections = []
    header = ["rank", "model", "overall [95% CI]", *(d.replace("_", " ") for d in lb.radar), "pass@1",
              "infra-failed", "episodes", "judges (α with checks)", "split", "tier", "run"]
    for i, g in enumerate(lb.groups):
        rows = []
        for r in g.rows:
            ci = (f' <span class="ci">[{r.overall["lo"]:.3f}, {r.overall["hi"]:.3f}]</span>'
                  if r.overall.get("lo") is not None and r.overall.get("hi") is not None else "")
            rank = (_num(r.rank, str(r.rank)) if r.rank is not None
                    else f'<td class="num" data-sort="999999" title="{e(r.unranked)}">—</td>')
            dims = "".join(_num((r.dimensions.get(d) or {}).get("mean"), fmt((r.dimensions.get(d) or {}).get("mean")))
                           for d in lb.radar)
            tier = r.tier.replace(" ", "-")
            rows.append(f"<tr>{rank}<td>{e(r.model)}</td>"
                        f"{_num(r.overall.get('mean'), fmt(r.overall.get('mean')) + ci)}{dims}"
                        f"{_num(r.pass_at_1, fmt(r.pass_at_1))}"
                        f"{_num(r.infra_failed_rate, f'{r.infra_failed} ({100 * r.infra_failed_rate:.0f}%)')}"
                        f"{_num(r.episodes, str(r.episodes))}<td>{e(judges_text(r))}</td><td>{e(r.split)}</td>"
                        f'<td><span class="badge tier {e(tier)}">{e(r.tier)}</span></td>'
                        f'<td title="{e(r.source)}">{e(r.run_id)}{"" if r.unranked is None else " · " + e(r.unranked)}'
                        "</td></tr>")
        ths = "".join(f"<th>{e(h)}</th>" for h in header)
        why = f'<p class="why">{e(_why(g))}</p>' if g.differs else ""
        sections.append(f'<section class="group" data-suite="{e(g.suite_sha256)}" data-fleet="{e(g.fleet_sha256)}">'
                        f"<h2>{e(_group_title(i, g))}</h2>{why}"
                        f'<table class="sortable leaderboard"><thead><tr>{ths}</tr></thead>'
                        f"<tbody>{''.join(rows)}</tbody></table></section>")
    if lb.rejected:
        items = "".join(f"<li><b>{e(x.source)}</b>: {e(x.reason)}</li>" for x in lb.rejected)
        sections.append(f'<section id="rejected"><h2>Rejected</h2><ul>{items}</ul></section>')
    body = (f'<header><h1>mcpbench leaderboard</h1><p class="meta">{e(lb.note)}</p><p class="meta">Tiers: re-run '
            "(reproduced by the maintainers) · verified bundle (scores re-computed from its trajectories) · "
            "self-reported. Click a column header to sort.</p></header>"
            f"<main>{''.join(sections) or '<p>No submissions.</p>'}</main>")
    return page("mcpbench leaderboard", body, [asset("sort.js")])


def write_leaderboard(sources: list[str | Path], out_dir: str | Path, *, reruns: Reruns | str | Path | None = None,
                      max_infra_rate: float = MAX_INFRA_RATE, splits: SplitRegistry | None = None
                      ) -> tuple[Leaderboard, dict[str, Path]]:
    """Build the leaderboard of SOURCES and write leaderboard.{html,md,json} into OUT_DIR.

    reruns: the maintainers' re-runs (or the path of their file). Raises ValueError when that file is malformed.
    """
    flags = reruns if isinstance(reruns, Reruns) else Reruns.load(reruns)
    lb = build_leaderboard([load_submission(s, flags) for s in sources], max_infra_rate=max_infra_rate, splits=splits)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "leaderboard.html", "md": out / "leaderboard.md", "json": out / "leaderboard.json"}
    paths["html"].write_text(leaderboard_html(lb), encoding="utf-8")
    paths["md"].write_text(leaderboard_md(lb), encoding="utf-8")
    paths["json"].write_text(json.dumps(lb.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
                             + "\n", encoding="utf-8")
    return lb, paths


__all__ = ["LEADERBOARD_FORMAT", "MAX_INFRA_RATE", "Group", "Leaderboard", "Rejected", "Rerun", "Reruns", "Row",
           "Submission", "Tier", "build_leaderboard", "judges_text", "leaderboard_html", "leaderboard_md",
           "load_submission", "write_leaderboard"]
