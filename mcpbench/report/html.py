"""report.html: one self-contained file (inline CSS/JS/SVG, no network), every piece of content escaped.

Untrusted text (tool outputs, arguments, model text) reaches the page only (a) HTML-escaped or (b) inside a JSON data
block that the viewer renders with textContent; a Content-Security-Policy allows only the page's own scripts (by hash)
and no network at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from typing import Any

from mcpbench.report.markdown import fmt, fmt_ci, ranked_models
from mcpbench.report.radar import Series, colour, radar_svg
from mcpbench.report.results import ReportResults, RunData

VIEW_CAP = 4000
"""Characters of each tool result shown in the viewer (the bundle keeps the full, capped-at-run-time text)."""


def asset(name: str) -> str:
    return (resources.files("mcpbench") / "data" / "report" / name).read_text(encoding="utf-8")


def e(x: Any) -> str:
    return escape("" if x is None else str(x), quote=True)


def json_for_script(obj: Any) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' can end the element early."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def page(title: str, body: str, scripts: list[str], *, data_blocks: dict[str, Any] | None = None) -> str:
    """A complete HTML document. Each script is inline and allowed by its sha256 in the CSP; nothing else runs."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    csp = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {hashes or repr('none')}; "
           "base-uri 'none'; form-action 'none'")
    blocks = "".join(f'<script type="application/json" id="{e(k)}">{json_for_script(v)}</script>\n'
                     for k, v in (data_blocks or {}).items())
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{e(csp)}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{e(title)}</title>\n<style>\n{asset('base.css')}</style>\n</head>\n<body>\n{body}\n{blocks}"
            + "".join(f"<script>{s}</script>\n" for s in scripts) + "</body>\n</html>\n")


def _est_cell(est: dict[str, Any] | None) -> str:
    if not est or est.get("mean") is None:
        return '<td class="num" data-sort="">n/a</td>'
    ci = (f' <span class="ci">[{est["lo"]:.3f}, {est["hi"]:.3f}]</span>'
          if est.get("lo") is not None and est.get("hi") is not None else "")
    return f'<td class="num" data-sort="{est["mean"]:.6f}">{est["mean"]:.3f}{ci}</td>'


def _cost(usd: float | None) -> str:
    return "n/a" if usd is None else f"${usd:.4f}"


def _table(cls: str, header: list[str], rows: list[str], *, ident: str = "") -> str:
    ths = "".join(f"<th>{e(h)}</th>" for h in header)
    idattr = f' id="{e(ident)}"' if ident else ""
    return f'<table class="{e(cls)}"{idattr}><thead><tr>{ths}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _summary(r: ReportResults, order: list[str]) -> str:
    run, models = r.run, r.scores.get("models", {})
    facts = [("run id", run.run_id), ("state", run.state), ("suite", f"{run.suite} (sha256 {run.suite_sha256[:16]})"),
             ("fleet", f"sha256 {run.fleet_sha256[:16]} · " + ", ".join(f"{s.name} ({s.status})" for s in run.servers)),
             ("size", (f"{run.tasks} tasks × {run.repeats} repeat(s) × {len(run.models)} model(s) = "
                       f"{run.episodes} episodes")),
             ("episode statuses", ", ".join(f"{k} {v}" for k, v in run.statuses.items()) or "none"),
             ("scoring", f"formula v{r.formula.version}, seed {run.seed}, bootstrap 95% CIs over tasks"),
             ("mcpbench", f"{run.mcpbench_version or '?'}" + (f" @ {run.git_commit[:12]}" if run.git_commit else ""))]
    if run.results_source == "recomputed":
        facts.append(("note", "the store held no aggregate (interrupted run): the report aggregated the stored scores"))
    if run.failed_servers:
        facts.append(("failed servers", "; ".join(f"{k}: {v}" for k, v in run.failed_servers.items())))
    if run.drift:
        facts.append(("drift", "; ".join(run.drift)))
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    kmax = max((len(models[m].get("pass_at_k", {})) for m in order), default=1) or 1
    rows = []
    for i, m in enumerate(order):
        s = models[m]
        pak, phk = s.get("pass_at_k", {}), s.get("pass_hat_k", {})
        p1, pk = pak.get("1"), phk.get(str(kmax))
        rows.append(
            f'<tr><td><span class="swatch" style="color:{colour(i)}">&#9632;</span> {e(m)}</td>'
            f"{_est_cell(s.get('overall'))}"
            f'<td class="num" data-sort="{p1 if p1 is not None else ""}">{fmt(p1)}</td>'
            f'<td class="num" data-sort="{pk if pk is not None else ""}">{fmt(pk)}</td>'
            f'<td class="num">{s["tasks"]}</td><td class="num">{s["episodes"]}</td><td class="num">{s["failed"]}</td>'
            f'<td class="num infra" data-sort="{s["infra_failed_rate"]}">{s["infra_failed"]} '
            f'({100 * s["infra_failed_rate"]:.0f}%)</td>'
            f'<td class="num" data-sort="{s.get("input_tokens", 0) + s.get("output_tokens", 0)}">'
            f'{s.get("input_tokens", 0):,} / {s.get("output_tokens", 0):,}</td>'
            f'<td class="num">{_cost(s.get("cost_usd"))}</td></tr>')
    table = _table("sortable summary", ["model", "overall [95% CI]", "pass@1", f"pass^{kmax}", "tasks", "episodes",
                                        "failed (score 0)", "infra-failed", "tokens in / out", "cost"], rows,
                   ident="summary-table")
    return (f'<section id="summary"><h2>Summary</h2><dl class="facts">{dl}</dl>{table}'
            '<p class="note">Failed episodes (max turns, timeout, model error) score 0 and are counted; infra-failed '
            "episodes are not the model's fault: excluded from scores and counted in their own column.</p></section>")


def _series(r: ReportResults, m: str) -> Series:
    dims = r.scores["models"][m].get("dimensions", {})
    return Series(label=m, values={d: (dims.get(d) or {}).get("mean") for d in r.formula.radar},
                  lo={d: (dims.get(d) or {}).get("lo") for d in r.formula.radar},
                  hi={d: (dims.get(d) or {}).get("hi") for d in r.formula.radar})


def _radars(r: ReportResults, order: list[str]) -> str:
    axes = list(r.formula.radar)
    all_series = [_series(r, m) for m in order]
    overlay = radar_svg([Series(s.label, s.values) for s in all_series], axes, size=360, css_class="radar big")
    legend = "".join(f'<span><i style="background:{colour(i)}"></i>{e(m)}</span>' for i, m in enumerate(order))
    cards = "".join(
        f'<div class="radar-card" data-model="{e(m)}"><h3>{e(m)}</h3>'
        f'<div class="ci">overall {e(fmt_ci(r.scores["models"][m].get("overall")))}</div>'
        f'{radar_svg([s], axes, colours=[colour(i)])}</div>' for i, (m, s) in enumerate(zip(order, all_series)))
    return (f'<section id="radar"><h2>Radar</h2><div class="legend">{legend}</div>{overlay}'
            f'<h3>Per model (band = 95% CI)</h3><div class="radars">{cards}</div></section>')


def _dimensions(r: ReportResults, order: list[str]) -> str:
    models = r.scores.get("models", {})
    rows = [f'<tr><td>{e(d.replace("_", " "))}</td><td class="num">{r.formula.weights.get(d, 0):.2f}</td>'
            + "".join(_est_cell(models[m]["dimensions"].get(d)) for m in order) + "</tr>" for d in r.formula.radar]
    rows.append('<tr><td><b>overall</b></td><td class="num">1.00</td>'
                + "".join(_est_cell(models[m].get("overall")) for m in order) + "</tr>")
    rule_names = sorted({k for m in order for k in models[m].get("rules", {})})
    error_names = sorted({k for m in order for k in models[m].get("errors", {})})
    rrows = [f'<tr><td>{e(k.replace("_", " "))}</td>'
             + "".join(f'<td class="num">{fmt(models[m].get("rules", {}).get(k))}</td>' for m in order) + "</tr>"
             for k in rule_names]
    rrows += [f'<tr><td>errors: {e(k.replace("_", " "))}</td>'
              + "".join(f'<td class="num">{models[m].get("errors", {}).get(k, 0)}</td>' for m in order) + "</tr>"
              for k in error_names]
    return (f'<section id="dimensions"><h2>Dimensions (mean [95% CI])</h2>'
            f'{_table("dimensions", ["dimension", "weight", *order], rows, ident="dimension-table")}'
            f'<h3>Rule metrics and error taxonomy</h3>{_table("rules", ["metric", *order], rrows)}</section>')


def _tasks(r: ReportResults, order: list[str], first_episode: dict[tuple[str, str], str]) -> str:
    rows = []
    for t in r.tasks:
        cells = []
        for m in order:
            c = t.cells.get(m)
            if c is None:
                cells.append('<td class="num" data-sort="">—</td>')
                continue
            ep = first_episode.get((t.task_id, m), "")
            verdict = "passed" if c.counted and c.passed == c.counted else ("fail" if c.counted else "infra")
            text = f"{c.passed}/{c.counted} · {fmt(c.overall, 2)}" if c.counted else "not scored"
            cells.append(f'<td class="num {verdict}" data-sort="{"" if c.overall is None else c.overall}">'
                         f'<a href="#episodes" data-episode="{e(ep)}">{e(text)}</a></td>')
        infra = sum(c.infra_failed for c in t.cells.values())
        detail = ", ".join(f"{m}: {c.infra_failed}" for m, c in t.cells.items() if c.infra_failed)
        rows.append(f"<tr><td>{e(t.task_id)}</td><td>{e(', '.join(t.servers))}</td><td class=\"num\">{t.hops}</td>"
                    + "".join(cells)
                    + f'<td class="num infra" title="{e(detail)}" data-sort="{infra}">{infra}</td></tr>')
    return (f'<section id="tasks"><h2>Per task</h2><p class="note">Cells: passed/counted episodes · mean overall '
            "(click to open the episode). Infra-failed episodes are counted apart, in the last column.</p>"
            f'{_table("sortable tasks", ["task", "servers", "hops", *order, "infra-failed"], rows, ident="task-table")}'
            "</section>")


def _judges(r: ReportResults, order: list[str]) -> str:
    j = r.judges
    if not j.panel:
        return f'<section id="judges"><h2>Judges</h2><p class="no-judges">{e(j.note)}</p></section>'
    from judges import RUBRIC_DIMENSIONS

    rows = [f"<tr><td>{e(m)}</td><td class=\"num\">{fmt(j.alpha.get(m))}</td>"
            f"<td class=\"num\">{j.unscored.get(m, 0)}</td></tr>" for m in order]
    means = [f"<tr><td>{e(m)}</td><td>{e(judge)}</td>" + "".join(f'<td class="num">{fmt(v.get(d), 2)}</td>'
                                                                   for d in RUBRIC_DIMENSIONS) + "</tr>"
             for m in order for judge, v in sorted(j.judge_means.get(m, {}).items())]
    return (f'<section id="judges"><h2>Judges</h2><p>Panel: {e(", ".join(j.panel))} · {j.k} sample(s) each. '
            f'{e(j.note)}.</p>{_table("agreement", ["model", "Krippendorff α", "unscored judgements"], rows)}'
            f'<h3>Mean rubric scores (1–10)</h3>'
            f'{_table("judge-means", ["model", "judge", *RUBRIC_DIMENSIONS], means)}{_calibration(j.calibration)}'
            "</section>")


def _calibration(cal: dict[str, Any] | None) -> str:
    if not cal:
        return ""
    from mcpbench.report.markdown import CALIBRATION_HEADER, calibration_rows

    rows = []
    for row in calibration_rows(cal):
        flag = row[-1]
        cells = "".join(f'<td class="num">{e(c)}</td>' for c in row[1:-1])
        rows.append(f"<tr><td>{e(row[0])}</td>{cells}"
                    f'<td class="{"flagged" if flag == "FLAGGED" else ""}">{e(flag)}</td></tr>')
    return (f'<h3>Agreement with the checks on task completion</h3><p class="note">A judge says complete when its task '
            f"fulfillment is at least {cal['complete_at']:g} on [0, 1]; a judge whose α (verdicts) is below "
            f"{cal['threshold']:g} is flagged (docs/metrics.md §10).</p>"
            f'{_table("calibration", CALIBRATION_HEADER, rows)}')


def _servers(r: ReportResults) -> str:
    rows = [f'<tr><td>{e(s.name)}</td><td class="{e(s.status)}">{e(s.status)}</td><td>{e(s.transport)}</td>'
            f'<td>{e(s.version)}</td><td class="num">{e(s.tools)}</td><td>{e(s.error or "")}</td></tr>'
            for s in r.run.servers]
    return (f'<section id="servers"><h2>Servers</h2>'
            f'{_table("servers", ["server", "status", "transport", "version", "tools", "error"], rows)}</section>')


def _clip(text: str) -> tuple[str, int]:
    return (text, 0) if len(text) <= VIEW_CAP else (text[:VIEW_CAP], len(text) - VIEW_CAP)


def episode_payload(data: RunData) -> list[dict[str, Any]]:
    """What the viewer needs per episode (plain JSON; rendered with textContent)."""
    from task_synth.binding import expand_task

    tasks = {t.id: t for t in data.tasks}
    out = []
    for ep in sorted(data.episodes, key=lambda x: (x.model, x.task_id, x.repeat)):
        s = data.scores.get(ep.episode_id) or {}
        verdicts = {c["index"]: c for c in s.get("calls", [])}
        traj = ep.trajectory
        events: list[dict[str, Any]] = []
        n = 0
        for ev in traj.events:
            if ev.type == "model":
                events.append({"type": "model", "turn": ev.turn, "text": ev.text, "calls": len(ev.tool_calls),
                               "finish": ev.finish_reason})
            elif ev.type == "tool_call":
                v = verdicts.get(n, {})
                content, clipped = _clip(ev.content)
                events.append({"type": "tool_call", "turn": ev.turn, "name": ev.exposed_name, "server": ev.server,
                               "tool": ev.tool, "arguments": ev.arguments, "raw_arguments": ev.raw_arguments,
                               "outcome": ev.outcome, "error_kind": ev.error_kind, "error": ev.error,
                               "content": content, "clipped": clipped, "truncated": ev.truncated,
                               "latency_s": ev.latency_s, "labels": v.get("errors", []),
                               "schema_errors": v.get("schema_errors", []), "step": v.get("step")})
                n += 1
            elif ev.type == "error":
                events.append({"type": "error", "turn": ev.turn, "kind": ev.kind, "message": ev.message})
        task = tasks.get(ep.task_id)
        precise = expand_task(task, ep.context.get("builtins")).precise if task else ""
        out.append({"id": ep.episode_id, "model": ep.model, "task": ep.task_id, "repeat": ep.repeat,
                    "status": ep.status, "attempts": ep.attempts, "counted": s.get("counted", False),
                    "passed": s.get("passed", False), "overall": s.get("overall"), "prompt": traj.prompt,
                    "precise": precise, "events": events, "final": traj.final_answer,
                    "checks": s.get("checks", []), "notes": s.get("notes", []),
                    "tokens": traj.usage.input_tokens + traj.usage.output_tokens, "wall_time_s": traj.wall_time_s})
    return out


def report_html(results: ReportResults, data: RunData) -> str:
    """The whole report page for one run."""
    order = ranked_models(results)
    first: dict[tuple[str, str], str] = {}
    for ep in sorted(data.episodes, key=lambda x: (x.model, x.task_id, x.repeat)):
        first.setdefault((ep.task_id, ep.model), ep.episode_id)
    run = results.run
    header = (f"<header><h1>mcpbench report</h1><p class=\"meta\">run <b>{e(run.run_id)}</b> · suite "
              f"<b>{e(run.suite)}</b> · {e(run.state)} · {len(order)} model(s) · {run.episodes} episodes</p></header>"
              '<nav><a href="#summary">summary</a><a href="#radar">radar</a><a href="#dimensions">dimensions</a>'
              '<a href="#tasks">tasks</a><a href="#judges">judges</a><a href="#servers">servers</a>'
              '<a href="#episodes">episodes</a></nav>')
    viewer = ('<section id="episodes"><h2>Episodes</h2><div class="viewer-controls">'
              '<label>episode <select id="episode-select"></select></label>'
              '<input id="episode-filter" type="search" placeholder="filter: task, model, status"></div>'
              '<div id="episode-view"></div></section>')
    body = (header + "<main>" + _summary(results, order) + _radars(results, order) + _dimensions(results, order)
            + _tasks(results, order, first) + _judges(results, order) + _servers(results) + viewer + "</main>")
    return page(f"mcpbench report · {run.run_id}", body, [asset("sort.js"), asset("viewer.js")],
                data_blocks={"episodes-data": {"episodes": episode_payload(data)}})


__all__ = ["VIEW_CAP", "asset", "episode_payload", "json_for_script", "page", "report_html"]
