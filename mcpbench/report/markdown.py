"""results.md: the report's numbers as Markdown (for PRs, issues and terminals)."""

from __future__ import annotations

from typing import Any

from mcpbench.report.results import NO_JUDGES_NOTE, ReportResults


def md_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (pipes, newlines and HTML-significant characters neutralised)."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    for ch, rep in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("`", "\\`")):
        s = s.replace(ch, rep)
    return s


def fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def fmt_ci(est: dict[str, Any] | None) -> str:
    """'0.812 [0.701, 0.903]' from an Estimate's JSON."""
    if not est or est.get("mean") is None:
        return "n/a"
    if est.get("lo") is None or est.get("hi") is None:
        return fmt(est["mean"])
    return f"{est['mean']:.3f} [{est['lo']:.3f}, {est['hi']:.3f}]"


def ranked_models(results: ReportResults) -> list[str]:
    """Models best overall first (ties and undefined scores by name)."""
    models = results.scores.get("models", {})

    def key(m: str) -> tuple[float, str]:
        mean = models[m].get("overall", {}).get("mean")
        return (1.0 if mean is None else -mean, m)

    return sorted(models, key=key)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return out


def results_md(results: ReportResults) -> str:
    r = results.run
    models = results.scores.get("models", {})
    order = ranked_models(results)
    lines = [f"# mcpbench run {md_cell(r.run_id)}", "",
             (f"- suite: **{md_cell(r.suite)}** (sha256 `{r.suite_sha256[:16]}`), {r.tasks} tasks × {r.repeats} "
              f"repeat(s); fleet sha256 `{r.fleet_sha256[:16]}`"),
             (f"- state: **{md_cell(r.state)}**; {r.episodes} episodes "
              f"({', '.join(f'{md_cell(k)} {v}' for k, v in r.statuses.items()) or 'none'})"),
             (f"- formula version {md_cell(results.formula.version)}; seed {r.seed}; "
              f"judges: {md_cell(', '.join(r.judges)) if r.judges else NO_JUDGES_NOTE}"),
             f"- mcpbench {md_cell(r.mcpbench_version or '?')}" + (f" @ {r.git_commit[:12]}" if r.git_commit else "")]
    if r.results_source == "recomputed":
        lines.append("- the store held no aggregate (interrupted run): scores were aggregated by the report")
    if r.failed_servers:
        lines.append("- failed servers (their episodes are infra-failed): "
                     + ", ".join(f"{md_cell(k)} ({md_cell(v)})" for k, v in r.failed_servers.items()))
    if r.drift:
        lines.append(f"- tool definitions drifted from the suite: {md_cell('; '.join(r.drift))}")
    lines += ["", "## Summary", ""]
    kmax = max((len(models[m].get("pass_at_k", {})) for m in order), default=0)
    header = ["model", "overall [95% CI]", "pass@1", f"pass^{kmax}" if kmax > 1 else "pass^1", "tasks", "episodes",
              "failed", "infra-failed", "tokens in/out"]
    rows = []
    for m in order:
        s = models[m]
        pak, phk = s.get("pass_at_k", {}), s.get("pass_hat_k", {})
        rows.append([m, fmt_ci(s.get("overall")), fmt(pak.get("1")), fmt(phk.get(str(kmax or 1))), str(s["tasks"]),
                     str(s["episodes"]), str(s["failed"]),
                     f"{s['infra_failed']} ({100 * s['infra_failed_rate']:.0f}%)",
                     f"{s.get('input_tokens', 0):,}/{s.get('output_tokens', 0):,}"])
    lines += _table(header, rows)
    lines += ["", "## Radar dimensions (mean [95% CI], bootstrap over tasks)", ""]
    lines += _table(["dimension", "weight", *order],
                    [[d.replace("_", " "), f"{results.formula.weights.get(d, 0):.2f}",
                      *(fmt_ci(models[m]["dimensions"].get(d)) for m in order)] for d in results.formula.radar])
    lines += ["", "## Rule metrics and errors", ""]
    rule_names = sorted({k for m in order for k in models[m].get("rules", {})})
    error_names = sorted({k for m in order for k in models[m].get("errors", {})})
    lines += _table(["metric", *order],
                    [[k.replace("_", " "), *(fmt(models[m].get("rules", {}).get(k)) for m in order)]
                     for k in rule_names]
                    + [[f"errors: {k.replace('_', ' ')}", *(str(models[m].get("errors", {}).get(k, 0)) for m in order)]
                       for k in error_names])
    lines += ["", "## Per task (passed/counted · mean overall; infra-failed episodes apart)", ""]
    rows = []
    for t in results.tasks:
        row = [t.task_id]
        for m in order:
            c = t.cells.get(m)
            if c is None:
                row.append("—")
                continue
            cell = f"{c.passed}/{c.counted} · {fmt(c.overall, 2)}" if c.counted else "not scored"
            row.append(cell + (f" · infra {c.infra_failed}" if c.infra_failed else ""))
        rows.append(row)
    lines += _table(["task", *order], rows)
    lines += ["", "## Judges", "", results.judges.note]
    if results.judges.panel:
        lines += ["", *_table(["model", "alpha", "unscored judgements"],
                              [[m, fmt(results.judges.alpha.get(m)), str(results.judges.unscored.get(m, 0))]
                               for m in order])]
    lines += calibration_md(results.judges.calibration)
    return "\n".join(lines) + "\n"


def calibration_rows(cal: dict[str, Any]) -> list[list[str]]:
    """judge, episodes, alpha (nominal), alpha (interval), tp/fp/fn/tn, judge vs checks complete rate, flag."""
    rows = []
    for name, a in cal.get("judges", {}).items():
        c = a["confusion"]
        rows.append([name, str(a["episodes"]), fmt(a["alpha"]), fmt(a["alpha_interval"]),
                     f"{c['tp']} / {c['fp']} / {c['fn']} / {c['tn']}",
                     f"{fmt(a['judge_complete_rate'], 2)} vs {fmt(a['checks_complete_rate'], 2)}",
                     "FLAGGED" if a["flagged"] else (a.get("note") or "ok")])
    return rows


CALIBRATION_HEADER = ["judge", "episodes", "α (verdicts)", "α (values)", "tp / fp / fn / tn",
                      "complete: judge vs checks", "flag"]


def calibration_md(cal: dict[str, Any] | None) -> list[str]:
    """The 'agreement with the checks' section of results.md (empty without a panel)."""
    if not cal:
        return []
    return ["", "### Agreement with the checks on task completion", "",
            (f"A judge says complete when its task fulfillment is at least {cal['complete_at']:g} on [0, 1]; a judge "
             f"whose α (verdicts) is below {cal['threshold']:g} is flagged (docs/metrics.md §10)."), "",
            *_table(CALIBRATION_HEADER, calibration_rows(cal))]


__all__ = ["CALIBRATION_HEADER", "calibration_md", "calibration_rows", "fmt", "fmt_ci", "md_cell", "ranked_models",
           "results_md"]
