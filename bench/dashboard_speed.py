"""How fast the dashboard feels, in a real browser (Debian chromium driven by Playwright).

1. First render: from starting ``streamlit run dashboard/app.py`` to the Library page drawn on the
   demo library (metrics and the playlist-size chart on screen). A new server each run, so the
   demo is generated and every module imported each time. Target: under 5 s.
2. Cached re-render: the Compare page shows one stored configuration; the sidebar switches to
   another configuration whose results are stored too; timed from the click on the option to
   that configuration's charts drawn. Target: under 1 s.

Prints the median (and the spread) of several runs. Not a test; run it on a quiet machine:

    .venv/bin/python bench/dashboard_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COMPARED_MODELS = ("logreg", "dummy")
FOLDS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port",
                                str(port), "--server.headless", "true"], cwd=ROOT,
                               env={**os.environ, "PLAYLIST_ENHANCER_DATA_DIR": str(data)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()
            return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("streamlit exited")
            time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def charts_drawn(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= n", arg=count,
        timeout=120_000)


def first_render(browser, data: Path) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    process, url = start_server(data)
    try:
        page.goto(url)
        page.get_by_test_id("stMetric").first.wait_for(timeout=120_000)
        charts_drawn(page, 1)
        return time.perf_counter() - started
    finally:
        page.close()
        stop(process)


def store_compared_results(data: Path) -> None:
    """Both strategies the Compare page shows, for each model the benchmark switches between."""
    os.environ["PLAYLIST_ENHANCER_DATA_DIR"] = str(data)
    from dashboard import tasks
    from dashboard.worker import Progress
    from dashboard.story import column_config
    from pipeline.config import Encoding
    from pipeline.recommended import recommended_config
    from pipeline.sources.demo import demo_library
    demo = demo_library()
    silent = Progress(str(data / "no-stop"), open(os.devnull, "w"))
    for model in COMPARED_MODELS:
        for strategy in ("class_weights", "oversample"):
            selected = replace(recommended_config(), model=model, encoding=Encoding(artist="hashing"))
            config = column_config(selected, strategy)
            tasks.evaluate_and_store(demo, config, FOLDS, demo.fingerprint(), silent)


def cached_switches(browser, data: Path, switches: int) -> list[float]:
    from pipeline.config import MODEL_LABELS
    process, url = start_server(data)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/compare?artist=Hashed+buckets&folds={FOLDS}")
        page.get_by_text("What your numbers say").wait_for(timeout=120_000)
        charts_drawn(page, 4)
        times = []
        for index in range(switches + 1):
            model = MODEL_LABELS[COMPARED_MODELS[(index + 1) % 2]]
            page.get_by_test_id("stSidebar").get_by_role("combobox", name="Model").click()
            option = page.get_by_role("option").filter(has_text=model)
            option.wait_for()
            started = time.perf_counter()
            option.click()
            page.get_by_test_id("stCaptionContainer").filter(has_text=f"{model} on").wait_for(timeout=60_000)
            page.get_by_text("What your numbers say").wait_for(timeout=60_000)
            charts_drawn(page, 4)
            if index:  # the first switch also warms the browser's plotly; keep it out
                times.append(time.perf_counter() - started)
        return times
    finally:
        page.close()
        stop(process)


def describe(name: str, values: list[float], target: float) -> str:
    median = statistics.median(values)
    verdict = "meets" if median < target else "MISSES"
    return (f"{name}: median {median:.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)}) "
            f"— {verdict} the {target:g} s target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        first = [first_render(browser, Path(folder) / f"first-{run}") for run in range(args.runs)]
        print(describe("First render (server start -> Library drawn)", first, 5.0), flush=True)
        data = Path(folder) / "stored"
        store_compared_results(data)
        switches = cached_switches(browser, data, args.runs)
        print(describe("Cached re-render (sidebar switch -> Compare drawn)", switches, 1.0))
        browser.close()


if __name__ == "__main__":
    main()
