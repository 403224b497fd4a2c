"""`mcpbench report`: report.html, radar.png/svg, results.json and results.md, from the run store alone."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from report_builders import HOSTILE, make_run
from typer.testing import CliRunner

from judges import RADAR
from mcpbench.cli import app
from mcpbench.report import write_report
from mcpbench.report.html import json_for_script
from mcpbench.report.results import NO_JUDGES_NOTE, RunData, build_results
from mcpbench.store import RunStore


def _data_block(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="episodes-data">(.*?)</script>', html, re.DOTALL)
    assert m
    return json.loads(m.group(1))


def test_the_run_command_writes_every_report_file_into_the_run_directory(real_run):
    for name in ("report.html", "radar.png", "radar.svg", "results.json", "results.md"):
        assert (real_run / name).stat().st_size > 0, name
    assert (real_run / "radar.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (real_run / "radar.svg").read_text()
    assert "<svg" in svg and "scripted/oracle" in svg and "scripted/do-nothing" in svg
    results = json.loads((real_run / "results.json").read_text())
    with RunStore(real_run, create=False) as store:
        assert results["scores"] == store.get_meta("results")
    assert results["scores"]["models"]["scripted/oracle"]["overall"]["mean"] >= 0.95
    assert results["scores"]["models"]["scripted/do-nothing"]["overall"]["mean"] <= 0.05


def test_the_report_is_one_self_contained_file_that_fetches_nothing(real_run):
    html = (real_run / "report.html").read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html.replace("&#x27;", "'")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    assert "<svg" in html and html.count('class="radar') >= 3  # the overlay and one per model
    for section in ("summary", "radar", "dimensions", "tasks", "judges", "servers", "episodes"):
        assert f'<section id="{section}">' in html


def test_the_summary_dimension_and_task_tables_show_the_stored_numbers(synthetic_run):
    write_report(synthetic_run)
    html = (synthetic_run / "report.html").read_text()
    with RunStore(synthetic_run, create=False) as store:
        stored = store.get_meta("results")
    for model, s in stored["models"].items():
        o = s["overall"]
        assert f'{o["mean"]:.3f} <span class="ci">[{o["lo"]:.3f}, {o["hi"]:.3f}]</span>' in html, model
        for d in RADAR:
            assert f'data-sort="{s["dimensions"][d]["mean"]:.6f}"' in html
    results = json.loads((synthetic_run / "results.json").read_text())
    cells = {t["task_id"]: t["cells"] for t in results["tasks"]}
    # m/flaky: sum-1 repeat 0 infra-failed (not counted), repeat 1 passed
    assert cells["sum-1"]["m/flaky"] == {"episodes": 2, "counted": 1, "passed": 1, "infra_failed": 1,
                                         "overall": cells["sum-1"]["m/flaky"]["overall"],
                                         "statuses": {"completed": 1, "infra_failed": 1}}
    assert cells["sum-1"]["m/bad"]["passed"] == 0 and cells["sum-1"]["m/bad"]["statuses"] == {"completed": 1,
                                                                                               "max_turns": 1}
    assert cells["note-7"]["m/good"]["passed"] == 2
    row = re.search(r"<tr><td>sum-1</td>.*?</tr>", html, re.DOTALL)
    assert row and 'class="num infra"' in row.group(0) and 'data-sort="1">1</td>' in row.group(0)
    assert results["run"]["statuses"] == {"completed": 10, "infra_failed": 1, "max_turns": 1}


def test_a_panel_run_names_its_judges_and_their_agreement(synthetic_run):
    write_report(synthetic_run)
    html = (synthetic_run / "report.html").read_text()
    results = json.loads((synthetic_run / "results.json").read_text())
    assert results["judges"]["panel"] == ["j/a", "j/b"]
    alpha = results["scores"]["models"]["m/good"]["alpha"]
    assert alpha is not None and results["judges"]["alpha"]["m/good"] == alpha
    assert "Krippendorff" in html and f"{alpha:.3f}" in html and NO_JUDGES_NOTE not in html


def test_a_run_without_judges_says_rule_metrics_and_checks_only(tmp_path):
    run = make_run(tmp_path / "run", panel=False, models=("m/good",), repeats=1)
    write_report(run)
    assert NO_JUDGES_NOTE in (run / "report.html").read_text()
    assert NO_JUDGES_NOTE in (run / "results.md").read_text()
    assert json.loads((run / "results.json").read_text())["judges"]["panel"] == []


def test_tool_output_is_escaped_everywhere_and_cannot_close_the_data_block(synthetic_run):
    write_report(synthetic_run)
    html = (synthetic_run / "report.html").read_text()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    data = _data_block(html)
    contents = [ev.get("content", "") for ep in data["episodes"] for ev in ep["events"]]
    assert any(HOSTILE in c for c in contents)  # kept verbatim as data, shown as text by the viewer
    assert "\\u003cscript\\u003e" in html
    assert json.loads(json_for_script({"x": "</script><!--"}).replace("\\u003c", "<").replace("\\u003e", ">")) == {
        "x": "</script><!--"}


def test_a_markdown_cell_cannot_break_its_table_or_inject_html(tmp_path):
    from mcpbench.report.markdown import md_cell

    assert md_cell("a|b\n<script>") == "a\\|b &lt;script&gt;"


def test_the_viewer_data_has_every_turn_call_argument_outcome_answer_and_check(synthetic_run):
    write_report(synthetic_run)
    data = _data_block((synthetic_run / "report.html").read_text())
    by_id = {e["id"]: e for e in data["episodes"]}
    assert len(by_id) == 12
    bad = by_id["m-bad.sum-1.r0"]
    call = next(e for e in bad["events"] if e["type"] == "tool_call")
    assert call["name"] == "calc__add" and call["arguments"] == {"a": "2", "b": 3}
    assert call["outcome"] == "model_error" and "wrong_argument_type" in call["labels"]
    assert bad["final"] == "About 12." and bad["checks"][0]["effective_passed"] is False
    infra = by_id["m-flaky.sum-1.r0"]
    assert infra["status"] == "infra_failed" and not infra["counted"]
    assert any(e["type"] == "error" and "crashed" in e["message"] for e in infra["events"])


def test_the_report_files_are_byte_identical_when_written_twice(synthetic_run):
    write_report(synthetic_run)
    names = ("report.html", "results.json", "results.md", "radar.svg", "radar.png")
    first = {n: (synthetic_run / n).read_bytes() for n in names}
    write_report(synthetic_run)
    for name, blob in first.items():
        assert (synthetic_run / name).read_bytes() == blob, name


def test_an_interrupted_run_without_an_aggregate_is_aggregated_by_the_report_and_says_so(tmp_path):
    run = make_run(tmp_path / "run", aggregate=False, state="running", models=("m/good",), repeats=1)
    write_report(run)
    results = json.loads((run / "results.json").read_text())
    assert results["run"]["results_source"] == "recomputed" and results["run"]["state"] == "running"
    assert results["scores"]["models"]["m/good"]["overall"]["mean"] > 0.9
    assert "interrupted run" in (run / "report.html").read_text()


def test_results_are_built_from_the_store_only(synthetic_run, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(synthetic_run, moved)
    assert build_results(RunData.load(moved)) == build_results(RunData.load(synthetic_run))


def test_report_cli_writes_the_files_and_refuses_a_directory_without_a_store(synthetic_run, tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(synthetic_run), "--json"])
    assert res.exit_code == 0, res.output
    assert set(json.loads(res.stdout)) == {"html", "png", "svg", "json", "md"}
    res = runner.invoke(app, ["report", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "not a run directory" in " ".join(res.output.split())


@pytest.mark.parametrize("n", [1, 12])
def test_the_inline_radar_escapes_model_names_and_draws_one_polygon_per_series(n):
    from mcpbench.report.radar import Series, radar_svg

    series = [Series(f"<m{i}>", {d: 0.5 for d in RADAR}) for i in range(n)]
    svg = radar_svg(series, list(RADAR))
    assert svg.count('class="series"') == n and "<m0>" not in svg and "&lt;m0&gt;" in svg
