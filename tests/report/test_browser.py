"""report.html and leaderboard.html in a real headless Chromium (Debian `chromium`), driven by Playwright.

No network: the pages are opened from file:// and must work on their own. Screenshots go to tests/_artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_builders import make_run

from mcpbench.leaderboard import write_leaderboard
from mcpbench.report import write_report

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "_artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=TIMEOUT_MS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A page that records console errors, uncaught exceptions, dialogs and every request that is not file://."""
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.problems = []
    pg.on("console", lambda m: m.type in ("error", "warning") and pg.problems.append(f"console {m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("request", lambda r: r.url.startswith("file://") or pg.problems.append(f"network: {r.url}"))
    yield pg
    ctx.close()


def test_the_report_shows_radar_tables_and_an_episodes_tool_calls_without_errors(page, tmp_path):
    run = make_run(tmp_path / "run", panel=True)
    html = write_report(run)["html"]
    page.goto(html.as_uri())
    assert page.locator("svg.radar").count() == 4  # the overlay + one per model
    assert page.locator("svg.radar polygon.series").count() == 6
    summary = page.locator("#summary-table tbody tr")
    assert summary.count() == 3 and "m/good" in summary.first.inner_text()
    assert page.locator("#dimension-table tbody tr").count() == 10  # nine dimensions + overall
    assert page.locator("#task-table tbody tr").count() == 2
    assert "Krippendorff" in page.locator("#judges").inner_text()

    page.select_option("#episode-select", "m-bad.sum-1.r0")
    view = page.locator("#episode-view")
    assert view.get_attribute("data-episode") == "m-bad.sum-1.r0"
    call = view.locator(".call").first
    assert call.locator(".call-name").inner_text() == "calc__add"
    assert "model_error" in call.inner_text() and "wrong_argument_type" in call.inner_text()
    assert '"a": "2"' in call.locator("pre.args").inner_text()
    assert view.locator("pre.final-answer").inner_text() == "About 12."
    assert view.locator("table.checks tbody tr").count() == 1

    # hostile tool output is shown as text and never runs
    page.locator('#task-table a[data-episode="m-good.note-7.r0"]').click()
    assert view.get_attribute("data-episode") == "m-good.note-7.r0"
    assert "<script>window.__pwned=2</script>" in view.locator("pre.result").first.inner_text()
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#episode-view img").count() == 0

    page.fill("#episode-filter", "flaky")
    assert page.locator("#episode-select option").count() == 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert page.problems == []


def test_the_leaderboard_sorts_by_a_clicked_header_and_shows_tiers(page, tmp_path):
    runs = [make_run(tmp_path / "a", models=("m/good", "m/bad"), repeats=1, seed=1),
            make_run(tmp_path / "b", models=("m/flaky",), repeats=1, seed=2),
            make_run(tmp_path / "c", models=("m/bad",), repeats=1, description="Adds two numbers.")]
    _, paths = write_leaderboard(runs, tmp_path / "lb", max_infra_rate=1.0)  # all ranked: this is about sorting
    page.goto(paths["html"].as_uri())
    groups = page.locator("section.group")
    assert groups.count() == 2 and "different fleet" in groups.nth(1).inner_text()
    table = groups.first.locator("table.leaderboard")

    def models() -> list[str]:
        return [r.locator("td").nth(1).inner_text() for r in table.locator("tbody tr").all()]

    def overall() -> list[float]:
        return [float(r.locator("td").nth(2).get_attribute("data-sort")) for r in table.locator("tbody tr").all()]

    ranked = models()
    assert sorted(ranked) == ["m/bad", "m/flaky", "m/good"] and overall() == sorted(overall(), reverse=True)
    header = table.locator("th", has_text="overall")
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert overall() == sorted(overall(), reverse=True) and models()[-1] == "m/bad"
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert overall() == sorted(overall()) and models()[0] == "m/bad"
    table.locator("th", has_text="model").click()
    assert models() == ["m/good", "m/flaky", "m/bad"]  # text, descending
    assert table.locator(".badge.tier").first.inner_text() == "self-reported"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"), full_page=True)
    assert page.problems == []
