"""The report in a real browser: written by ``python -m pipeline report``, opened from ``file://`` in
Debian's chromium with every request but the file's own refused, and compared with the dashboard.

Every chart must draw (plotly's SVG inside each chart's div) with nothing fetched and no console
error; the Compare page, on the results the command stored, shows the report's numbers, and its
"Download report" button gives the same file. A screenshot goes to ``test-artifacts/report/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_browser import (ARTIFACTS, HEIGHT, ROOT, WIDTH, browser, choose, free_port, idle,  # noqa: F401
                                    metric_value, start_streamlit, stop_streamlit)

playwright = pytest.importorskip("playwright.sync_api")

FOLDS = 2
COMMAND = ["report", "--library", "demo", "--model", "dummy", "--folds", str(FOLDS)]
DATE = re.compile(r"\d{2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    """The data folder the command stored its results in, and the report it wrote."""
    data, out = tmp_path_factory.mktemp("report-data"), tmp_path_factory.mktemp("report") / "report.html"
    subprocess.run([sys.executable, "-m", "pipeline", *COMMAND, "--out", str(out)], cwd=ROOT, check=True,
                   env={**os.environ, "PLAYLIST_ENHANCER_DATA_DIR": str(data)}, timeout=600)
    return data, out


def opened_offline(browser, report: Path, width: int = WIDTH):  # noqa: F811
    """A page showing ``report`` from disk with every non-file request refused; its requests and errors."""
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    page.goto(report.as_uri())
    page.wait_for_function("""() => { const charts = [...document.querySelectorAll('.plotly-graph-div')];
        return charts.length > 0 && charts.every(chart => chart.querySelector('.main-svg')); }""", timeout=60_000)
    return page, requests, errors


def test_the_report_draws_every_chart_from_disk_with_the_network_cut_off(written, browser):  # noqa: F811
    _, report = written
    page, requests, errors = opened_offline(browser, report)
    charts = page.locator(".plotly-graph-div").count()
    assert charts >= 10
    assert page.locator(".plotly-graph-div .main-svg").first.is_visible()
    drawn = page.evaluate("""() => [...document.querySelectorAll('.plotly-graph-div')].filter(chart =>
        chart.querySelector('.main-svg') && chart._fullData && chart._fullData.length > 0 &&
        chart.querySelectorAll('.main-svg .trace, .main-svg .slice, .main-svg .hm image').length > 0).length""")
    assert drawn == charts, "every chart drew its traces"
    assert requests == [report.as_uri()], "nothing but the file itself was asked for"
    assert errors == []
    (ARTIFACTS / "report").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report" / "report.png"), full_page=True)
    page.close()


def test_the_report_reads_on_a_phone(written, browser):  # noqa: F811
    page, requests, errors = opened_offline(browser, written[1], width=390)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "only wide charts scroll sideways"
    assert requests == [written[1].as_uri()] and errors == []
    page.close()


def test_the_dashboard_shows_the_numbers_and_downloads_the_same_report(written, browser, tmp_path):  # noqa: F811
    data, report = written
    text = report.read_text(encoding="utf-8")
    macro_f1 = re.search(r"data-strategy='class_weights' data-score='macro_f1'>([^<]+)<", text).group(1)
    port, log_path = free_port(), tmp_path / "streamlit.log"
    with log_path.open("wb") as log:
        server = start_streamlit(port, data, log)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
        try:
            page.goto(f"http://127.0.0.1:{port}/compare?folds={FOLDS}")
            page.get_by_role("heading", level=1).filter(has_text="Compare").wait_for(timeout=60_000)
            idle(page)
            choose(page, page.get_by_test_id("stSidebar"), "Model", "Baseline")
            page.get_by_text("What your numbers say").wait_for(timeout=60_000)
            idle(page)
            # every result is stored: what the page said for the recommended model before goes
            page.get_by_text("Not in the report yet").wait_for(state="detached", timeout=30_000)
            assert metric_value(page, "Macro-F1") == macro_f1  # the left column: class weights
            with page.expect_download() as download:
                page.get_by_role("button", name="Download report").click()
            downloaded = Path(download.value.path()).read_text(encoding="utf-8")
        finally:
            page.close()
            stop_streamlit(server)
    assert DATE.sub("DATE", downloaded) == DATE.sub("DATE", text)
    assert "Traceback" not in log_path.read_text(encoding="utf-8", errors="replace")
