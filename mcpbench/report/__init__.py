"""Reports of a finished (or interrupted) run, read from its run store only — never from live servers.

`write_report(run_dir)` writes report.html (one self-contained file), radar.png, radar.svg, results.json and results.md
into the run directory and returns their paths.
"""

from __future__ import annotations

from pathlib import Path

from mcpbench.report.html import report_html
from mcpbench.report.markdown import results_md
from mcpbench.report.radar import Series, radar_svg, save_radar_images
from mcpbench.report.results import ReportResults, RunData, build_results, fleet_sha256, results_json


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Write the report files of RUN_DIR; returns {'html', 'png', 'svg', 'json', 'md'} -> path.

    Raises FileNotFoundError when RUN_DIR holds no run store.
    """
    data = RunData.load(run_dir)
    results = build_results(data)
    out = Path(run_dir)
    from mcpbench.report.markdown import ranked_models

    order = ranked_models(results)
    series = [Series(m, {d: (results.scores["models"][m]["dimensions"].get(d) or {}).get("mean")
                         for d in results.formula.radar}) for m in order]
    paths = save_radar_images(series, list(results.formula.radar), out,
                              title=f"mcpbench · {results.run.suite} · run {results.run.run_id}")
    paths["json"] = out / "results.json"
    paths["md"] = out / "results.md"
    paths["html"] = out / "report.html"
    _atomic_write(paths["json"], results_json(results))
    _atomic_write(paths["md"], results_md(results))
    _atomic_write(paths["html"], report_html(results, data))
    return paths


__all__ = ["ReportResults", "RunData", "Series", "build_results", "fleet_sha256", "radar_svg", "report_html",
           "results_json", "results_md", "save_radar_images", "write_report"]
