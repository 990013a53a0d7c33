"""How fast the dashboard feels against a bare Streamlit page, measured alternately in one run (issue 11, "Speed").

1. First page: from starting ``streamlit run`` to the first page drawn in a real browser (Debian's
   chromium driven by Playwright, a new browser context each time, so nothing is cached): the
   dashboard's Library page on the demo (its metrics and the playlist-size chart on screen) against
   `bench/bare_page.py` (the same chart and the playlists as a table, nothing else). A new server
   each time, so the demo is generated and every module imported each time. Target: <= 1.3x.
2. Cached redraw: two evaluations of the demo (logistic regression, 3 folds, seeds 0 and 1) are
   stored first in a private ``PLAYLIST_ENHANCER_DATA_DIR``; on the Train & tune page the sidebar's
   Seed goes 0 -> 1 -> 0 ... (its + and - buttons), so every change redraws from stored results.
   Timed in the page from the click (pointerdown) to the last change of the page's DOM once it has
   settled: the new seed in the caption, Streamlit's running indicator gone, no stale or loading
   element, the chart drawn, and then nothing changing for 0.5 s. Against `bench/bare_redraw.py`,
   which draws the same score cards, table and confusion matrix from the same stored files on the
   same widget change. The first change after a page opens is left out (it warms the browser's
   plotly). These servers also write each script run's start, end and CPU time, which splits a
   redraw into the request, the script's run and the browser's drawing after it. Target: <= 1.5x.
3. Where the script's time goes: the same Seed change in-process (``streamlit.testing.v1.AppTest``,
   bytecode kept between runs as a server does) on the Train page and on the bare page: the script
   thread's run time, a sampling profile of it grouped as figure building, stored-results reads,
   widgets, library, cache look-ups, page computations, app code and Streamlit itself, and one more
   change under cProfile (its top cumulative entries, each with its group).

Every round runs the dashboard, then the bare page (A B A B ...); medians over the rounds and
their ratio are printed. Not a test; run it from the repository root, best on a quiet machine:

    .venv/bin/python bench/dashboard_speed.py [--rounds 5] [--switches 3] [--data DIR] [--no-profile]
        [--server-option runner.postScriptGC=false ...] [--gc-freeze]

``--data DIR`` keeps the stored evaluations there and reuses them next time (about 35 s to make).
Every server and the browser are stopped at the end, also after Ctrl-C.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.paths import ENV_DATA_DIR  # noqa: E402

APP = "dashboard/app.py"
BARE_PAGE = "bench/bare_page.py"
BARE_REDRAW = "bench/bare_redraw.py"
RESULTS_ENV = "BARE_REDRAW_RESULTS"  # read by bench/bare_redraw.py
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
FOLDS = 3
SEEDS = (0, 1)
TIMEOUT_MS = 120_000
QUIET_MS = 500
FIRST_TARGET, REDRAW_TARGET = 1.3, 1.5

# What "drawn" means for each first page: every selector matches an element with a size on screen.
FIRST_DRAWN = {
    "app": [".st-key-sizes_chart .main-svg", "[data-testid=stMetric]"],
    "bare": [".st-key-sizes_chart .main-svg", "[data-testid=stDataFrame] [data-testid=data-grid-canvas]"],
}
ERROR_JS = """() => { const error = document.querySelector('[data-testid=stException]');
    return error ? 'the page raised: ' + error.innerText.slice(0, 300) : null; }"""
DRAWN_JS = """selectors => (%s)() || selectors.every(s => [...document.querySelectorAll(s)].some(e => {
    const box = e.getBoundingClientRect(); return box.width > 0 && box.height > 0; }))""" % ERROR_JS
SETTLED_JS = """want => {
    const error = (%s)();
    if (error) return error;
    const main = document.querySelector('[data-testid=stMain]');
    if (!main || !main.textContent.includes(want)) return false;
    if (document.querySelector('[data-testid=stStatusWidget]')) return false;
    if (main.querySelector('[data-testid=stSkeleton], [data-stale=true]')) return false;
    const chart = main.querySelector('[data-testid=stPlotlyChart] .main-svg');
    return !!chart && chart.getBoundingClientRect().height > 0 && !!main.querySelector('[data-testid=stMetric]');
}""" % ERROR_JS
# `streamlit run` that appends, per script run, its start and end (epoch seconds), its thread's CPU seconds and
# the wall and CPU seconds of the gc.collect(2) Streamlit runs after it (``runner.postScriptGC``) to
# $BENCH_SCRIPT_RUNS, so a redraw splits into: click -> script starts, the script, its gc.collect, script done ->
# page settled (the browser). With $BENCH_GC_FREEZE it calls gc.freeze() once, after the first run (--gc-freeze).
TIMED_STREAMLIT = """
import gc, os, sys, time
from streamlit.runtime.scriptrunner import script_runner
run_script, log, collected = script_runner.ScriptRunner._run_script, os.environ["BENCH_SCRIPT_RUNS"], [0.0, 0.0]
class TimedGC:
    def __getattr__(self, name):
        return getattr(gc, name)
    def collect(self, *args):
        started, cpu = time.time(), time.thread_time()
        try:
            return gc.collect(*args)
        finally:
            collected[0] += time.time() - started
            collected[1] += time.thread_time() - cpu
def timed(self, rerun_data):
    started, cpu, collected[:] = time.time(), time.thread_time(), [0.0, 0.0]
    try:
        return run_script(self, rerun_data)
    finally:
        script_cpu = time.thread_time() - cpu - collected[1]
        if os.environ.get("BENCH_GC_FREEZE") and not gc.get_freeze_count():
            gc.freeze()  # everything the first run left (modules, caches) out of every later collection
        with open(log, "a") as out:
            out.write(f"{started!r} {time.time()!r} {script_cpu!r} {collected[0]!r} {collected[1]!r}\\n")
script_runner.gc = TimedGC()
script_runner.ScriptRunner._run_script = timed
from streamlit.web import cli
sys.argv = ["streamlit", *sys.argv[1:]]
cli.main()
"""
ARM_JS = """() => {
    const bench = window.__bench = {t0: null, last: null};
    document.addEventListener('pointerdown', () => {
        bench.t0 = bench.last = performance.now();
        bench.epoch = (performance.timeOrigin + bench.t0) / 1000;  // the server's clock: the same machine
    }, {capture: true, once: true});
    bench.observer = new MutationObserver(() => { if (bench.t0 !== null) bench.last = performance.now(); });
    for (const id of ['stMain', 'stSidebar']) {
        const element = document.querySelector(`[data-testid=${id}]`);
        if (element) bench.observer.observe(element, {subtree: true, childList: true, attributes: true,
                                                      characterData: true});
    }
}"""
QUIET_JS = "quiet => window.__bench.t0 !== null && performance.now() - window.__bench.last >= quiet"
# The click's time (epoch seconds) and the seconds from it to the last change of the page.
ELAPSED_JS = """() => {
    const bench = window.__bench;
    bench.observer.disconnect();
    return {click: bench.epoch, settled: (bench.last - bench.t0) / 1000};
}"""
PHASES = (("click -> script starts (request, queue)", "started"), ("script runs (server)", "script"),
          ("gc.collect after the run (runner.postScriptGC)", "ended"), ("script done -> page settled (browser)", "settled"))
POLLING_MS = 25
"""How often the page is checked: not every animation frame, which would add work to the page measured."""


def wait_for(page, script: str, arg) -> None:
    """``page.wait_for_function``; a Streamlit exception on the page ends the wait with an error."""
    outcome = page.wait_for_function(script, arg=arg, timeout=TIMEOUT_MS, polling=POLLING_MS).json_value()
    if isinstance(outcome, str):
        raise RuntimeError(f"{page.url}: {outcome}")


# ----- servers ------------------------------------------------------------------------------------
class Servers:
    """Every ``streamlit run`` this benchmark starts, so all of them are stopped whatever happens."""

    def __init__(self, logs: Path, options: list[str] = (), gc_freeze: bool = False) -> None:
        self.logs, self.running, self.started, self.gc_freeze = logs, [], 0, gc_freeze
        self.options = [part for option in options for part in (f"--{option.partition('=')[0]}",
                                                                  option.partition("=")[2])]

    def start(self, script: str, env: dict[str, str], script_runs: Path | None = None) -> tuple[subprocess.Popen, str]:
        """``streamlit run script`` on a free port, returned once its health check answers; with
        ``script_runs``, each script run's start and end are written there (`TIMED_STREAMLIT`)."""
        port = free_port()
        self.started += 1
        log_path = self.logs / f"{self.started:03d}-{Path(script).stem}.log"
        launcher = ["-c", TIMED_STREAMLIT] if script_runs else ["-m", "streamlit"]
        if script_runs:
            env = {**env, "BENCH_SCRIPT_RUNS": str(script_runs), **({"BENCH_GC_FREEZE": "1"} if self.gc_freeze else {})}
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, *launcher, "run", script, "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false", *self.options],
                cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()
                return process, url
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    self.stop(process)
                    raise RuntimeError(f"streamlit run {script} did not come up; see {log_path}:\n"
                                       + log_path.read_text()[-2000:])
                time.sleep(0.02)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ----- 1. first page ------------------------------------------------------------------------------
def first_draw(browser, servers: Servers, script: str, env: dict[str, str], drawn: list[str]) -> float:
    """Seconds from starting ``streamlit run script`` to ``drawn`` on screen in a fresh browser context."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        started = time.perf_counter()
        process, url = servers.start(script, env)
        try:
            page.goto(url, timeout=TIMEOUT_MS)
            wait_for(page, DRAWN_JS, drawn)
            return time.perf_counter() - started
        finally:
            servers.stop(process)
    finally:
        context.close()


# ----- 2. cached redraw ---------------------------------------------------------------------------
def redraws(browser, servers: Servers, script: str, env: dict[str, str], path: str, switches: int) -> list[dict]:
    """For ``switches`` changes after one untimed warm-up change: seconds from a click on the sidebar
    Seed's +/- to the page settled again (``settled``), to the script run's start and to its end."""
    script_runs = servers.logs / f"script-runs-{servers.started + 1:03d}.txt"
    process, url = servers.start(script, env, script_runs)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        browser_metrics = context.new_cdp_session(page)  # the renderer's main thread: busy seconds by kind
        browser_metrics.send("Performance.enable")
        page.goto(url + path, timeout=TIMEOUT_MS)
        wait_for(page, SETTLED_JS, f"seed {SEEDS[0]} ·")
        seed_widget = page.get_by_test_id("stSidebar").locator(".st-key-seed")
        times = []
        for index in range(switches + 1):
            seed = SEEDS[(index + 1) % 2]
            button = seed_widget.get_by_test_id("stNumberInputStepUp" if seed > SEEDS[0] else "stNumberInputStepDown")
            page.evaluate(ARM_JS)
            busy_before = main_thread_busy(browser_metrics)
            button.click()
            wait_for(page, SETTLED_JS, f"seed {seed} ·")
            page.wait_for_function(QUIET_JS, arg=QUIET_MS, timeout=TIMEOUT_MS, polling=POLLING_MS)
            marks = page.evaluate(ELAPSED_JS)
            busy = {k: v - busy_before[k] for k, v in main_thread_busy(browser_metrics).items()}
            logged = script_runs.read_text() if script_runs.exists() else ""
            runs = [tuple(map(float, line.split())) for line in logged.splitlines()]
            runs = [run for run in runs if run[0] >= marks["click"] - 0.01]
            if index:
                times.append({"settled": marks["settled"],
                              "started": runs[0][0] - marks["click"] if runs else float("nan"),
                              "script": runs[-1][1] - runs[-1][3] - marks["click"] if runs else float("nan"),
                              "ended": runs[-1][1] - marks["click"] if runs else float("nan"),
                              "cpu": sum(run[2] for run in runs) if runs else float("nan"),
                              "gc_cpu": sum(run[4] for run in runs) if runs else float("nan"),
                              "runs": len(runs), **busy})
        return times
    finally:
        context.close()
        servers.stop(process)


BUSY = {"TaskDuration": "busy", "ScriptDuration": "busy_js", "LayoutDuration": "busy_layout",
        "RecalcStyleDuration": "busy_style"}


def main_thread_busy(session) -> dict[str, float]:
    """Seconds the page's main thread has spent so far: in all tasks, in JavaScript, layout, style."""
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return {key: float(metrics.get(name, float("nan"))) for name, key in BUSY.items()}


# ----- stored results ---------------------------------------------------------------------------
class _QuietProgress:
    def __call__(self, fraction: float, message: str) -> None:
        pass

    def send(self, **event) -> None:
        pass

    def should_stop(self) -> bool:
        return False


def open_train_page():
    """The dashboard in-process on the demo, 3 folds, on the Train & tune page (the browser's
    ``/train?folds=3``)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / APP), default_timeout=TIMEOUT_MS / 1000).run()
    at.sidebar.number_input(key="folds").set_value(FOLDS).run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, at.exception
    return at


def store_results(data: Path) -> list[Path]:
    """Evaluate the demo with the sidebar's default configuration for each of `SEEDS` (unless stored
    already); the stored files, one per seed."""
    from dashboard import results_store, tasks
    at = open_train_page()
    paths = []
    for seed in SEEDS:
        at.sidebar.number_input(key="seed").set_value(seed).run()
        selection = at.session_state["_selection"]
        path = results_store.evaluation_path(selection.fingerprint, selection.config, selection.folds)
        if not path.exists():
            started = time.perf_counter()
            tasks.evaluate_and_store(selection.library, selection.config, selection.folds, selection.fingerprint,
                                     _QuietProgress())
            print(f"  stored {selection.config.label()}, seed {seed}, {selection.folds} folds "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
        paths.append(path)
    assert str(data) in str(paths[0]), "results stored outside the benchmark's data folder"
    return paths


# ----- 3. where the redraw time goes ---------------------------------------------------------------
FIGURES, RESULTS, WIDGETS, SERIALIZE, LIBRARY, CACHE, COMPUTE, APP_CODE, STREAMLIT, OTHER = (
    "figure building (dashboard/charts/, plotly)", "JSON / stored-results reads", "widgets (streamlit elements)",
    "figure -> JSON in st.plotly_chart", "library (sidebar, pipeline.library)", "st.cache_data look-ups",
    "page computations (confusion, story)", "app code (pages, sidebar, work)", "streamlit runner, messages",
    "other (imports, stdlib)")
GROUPS = (FIGURES, SERIALIZE, RESULTS, WIDGETS, LIBRARY, CACHE, COMPUTE, APP_CODE, STREAMLIT, OTHER)
RESULT_READERS = {"_stored", "_read_document", "stored_evaluation", "stored_tuning", "stored_suggestions",
                  "stored_tuned_params"}
LIBRARY_FUNCTIONS = {"load_demo", "load_path", "load_upload", "_exclude", "_stamp", "_digest"}
PROJECT = str(ROOT).replace(os.sep, "/") + "/"


def in_project(path: str) -> bool:
    """A file of this repository's own code (not the virtualenv inside it)."""
    return path.startswith(PROJECT) and "/site-packages/" not in path


def group_of(file: str, function: str) -> str | None:
    """The group of one frame, or None for frames that take the group of their caller (plotly, json,
    pandas, numpy ... called from somewhere that decides)."""
    file = file.replace(os.sep, "/")
    if "dashboard/charts/" in file:
        return FIGURES
    if (file.endswith("dashboard/results_store.py") or function in ("from_dict", "from_document")
            or (file.endswith(("dashboard/work.py", "dashboard/sidebar.py")) and function in RESULT_READERS)):
        return RESULTS
    if (file.endswith(("dashboard/library_source.py", "dashboard/library_views.py", "pipeline/library.py",
                       "pipeline/baseline.py", "pipeline/recommended.py")) or "/pipeline/sources/" in file
            or (file.endswith("dashboard/sidebar.py") and function in LIBRARY_FUNCTIONS)):
        return LIBRARY
    if file.endswith(("pipeline/confusion.py", "dashboard/story.py")):
        return COMPUTE
    if in_project(file):
        return APP_CODE
    if "/streamlit/runtime/caching/" in file:
        return CACHE
    if any(part in file for part in ("/streamlit/elements/", "/streamlit/delta_generator", "/streamlit/runtime/state/",
                                     "/streamlit/navigation/", "/streamlit/commands/")):
        return WIDGETS
    if "/streamlit/" in file:
        return STREAMLIT
    return None


def stack_group(frame) -> str:
    """The group of the innermost frame that has one; plotly under a Streamlit element is the
    element's serialisation of the figure."""
    plotly_seen = json_seen = False
    while frame is not None:
        code = frame.f_code
        group = group_of(code.co_filename, code.co_name)
        if group is not None:
            if group in (WIDGETS, STREAMLIT) and plotly_seen:
                return SERIALIZE
            if group == APP_CODE and json_seen:
                return RESULTS
            return group
        file = code.co_filename.replace(os.sep, "/")
        plotly_seen = plotly_seen or "/plotly/" in file or "/_plotly_utils/" in file
        json_seen = json_seen or "/json/" in file
        frame = frame.f_back
    return OTHER


class ScriptThread:
    """Watches AppTest's script thread: its run time per script run, and on request a sampling
    profile of it (`stack_group` of its stack every `interval` s) or a cProfile of one run."""

    def __init__(self, interval: float = 0.0005) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner
        self.interval, self.ident, self.seconds = interval, None, []
        self.samples: Counter[str] = Counter()
        self.sampling = False
        self.profile: cProfile.Profile | None = None
        self._runner, self._original = LocalScriptRunner, LocalScriptRunner._run_script_thread
        watcher = self

        def run_script_thread(runner) -> None:
            watcher.ident = threading.get_ident()
            profile = watcher.profile
            started = time.perf_counter()
            if profile is not None:
                profile.enable()
            try:
                watcher._original(runner)
            finally:
                if profile is not None:
                    profile.disable()
                watcher.seconds.append(time.perf_counter() - started)
                watcher.ident = None

        LocalScriptRunner._run_script_thread = run_script_thread
        # AppTest compiles the page scripts afresh on every run; a server keeps their bytecode. Keep it here too.
        from streamlit.testing.v1 import app_test, local_script_runner
        from streamlit.runtime.scriptrunner.script_cache import ScriptCache
        shared = ScriptCache()
        self._script_caches = [(module, module.ScriptCache) for module in (app_test, local_script_runner)]
        for module, _ in self._script_caches:
            module.ScriptCache = lambda: shared
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            ident = self.ident
            if self.sampling and ident is not None:
                frame = sys._current_frames().get(ident)
                if frame is not None:
                    self.samples[stack_group(frame)] += 1
                del frame
            time.sleep(self.interval)

    def close(self) -> None:
        self._stop.set()
        self._sampler.join()
        self._runner._run_script_thread = self._original
        for module, original in self._script_caches:
            module.ScriptCache = original


def change_seed(at, seed: int, watcher: ScriptThread) -> float:
    """Script-thread seconds of one rerun after the sidebar Seed changed to ``seed``."""
    before = len(watcher.seconds)
    at.sidebar.number_input(key="seed").set_value(seed).run()
    assert not at.exception, at.exception
    assert any(f"seed {seed} ·" in caption.value for caption in at.caption), "the page did not redraw"
    return sum(watcher.seconds[before:])


def profile_redraws(results: list[Path], changes: int, top: int) -> None:
    """Part 3: the Seed change in-process on the Train page and on the bare page."""
    from streamlit.testing.v1 import AppTest
    old_interval = sys.getswitchinterval()
    watcher = ScriptThread()
    try:
        os.environ[RESULTS_ENV] = os.pathsep.join(map(str, results))
        apps = {"app": open_train_page(), "bare": AppTest.from_file(str(ROOT / BARE_REDRAW),
                                                                    default_timeout=TIMEOUT_MS / 1000).run()}
        for at in apps.values():  # warm-up: both seeds' documents cached, every import done
            for seed in (*SEEDS[1:], SEEDS[0]):
                change_seed(at, seed, watcher)
        seconds = {name: [] for name in apps}
        samples = {name: Counter() for name in apps}
        sys.setswitchinterval(watcher.interval / 2)  # let the sampler in between the script's bytecodes
        for index in range(changes):
            seed = SEEDS[(index + 1) % 2]
            for name, at in apps.items():
                watcher.samples = samples[name]
                watcher.sampling = True
                seconds[name].append(change_seed(at, seed, watcher))
                watcher.sampling = False
        sys.setswitchinterval(old_interval)
        app, bare = statistics.median(seconds["app"]), statistics.median(seconds["bare"])
        print(f"\n3. Where the script's time goes (AppTest in this process, script thread, median of {changes} "
              "Seed changes each, alternating)")
        print(f"   script run: app {app:.3f} s, bare {bare:.3f} s, ratio {app / bare:.2f}x")
        print(f"   {'group':<44} {'app s':>7} {'share':>6}   {'bare s':>7} {'share':>6}")
        for group in GROUPS:
            cells = []
            for name, median in (("app", app), ("bare", bare)):
                share = samples[name][group] / max(sum(samples[name].values()), 1)
                cells.append(f"{share * median:7.3f} {share:6.0%}")
            print(f"   {group:<44} {cells[0]}   {cells[1]}")
        print(f"   (sampling profile: {sum(samples['app'].values())} and {sum(samples['bare'].values())} samples; "
              "seconds = share x median script run. AppTest skips the gc.collect(2) a server runs after each "
              "script run: part 2 times that.)")
        print_cprofile(apps["app"], watcher, top)
    finally:
        sys.setswitchinterval(old_interval)
        watcher.close()


def print_cprofile(at, watcher: ScriptThread, top: int) -> None:
    """One more Seed change on the Train page under cProfile: the top cumulative entries of the
    project's own functions, Streamlit's element and caching calls, and plotly's and json's
    serialisation, each with its group (plotly's figure internals are left out: they are counted
    under their caller in the sampling profile above)."""
    seed = SEEDS[1] if any(f"seed {SEEDS[0]} ·" in c.value for c in at.caption) else SEEDS[0]
    watcher.profile = cProfile.Profile()
    try:
        total = change_seed(at, seed, watcher)
    finally:
        profile, watcher.profile = watcher.profile, None
    stats = pstats.Stats(profile).stats
    entries = []
    for (file, line, function), (_, calls, _, cumulative, _) in stats.items():
        path = file.replace(os.sep, "/")
        if function.startswith("<") or not (
                in_project(path) or path.endswith(("plotly/io/_json.py", "json/__init__.py"))
                or "/streamlit/elements/" in path or path.endswith("streamlit/runtime/caching/cache_utils.py")):
            continue
        group = (SERIALIZE if "plotly/io/" in path else RESULTS if path.endswith("json/__init__.py")
                 else group_of(file, function) or OTHER)
        where = (path[len(PROJECT):] if in_project(path) else path.split("site-packages/")[-1]
                 if "site-packages/" in path else "/".join(path.split("/")[-2:]))
        entries.append((cumulative, calls, f"{where}:{line}({function})", group))
    entries.sort(reverse=True)
    print(f"\n   cProfile of one more Seed change on the Train page ({total:.3f} s under the profiler): "
          f"top {top} cumulative entries")
    print(f"   {'cum s':>7} {'calls':>6}  {'function':<72} group")
    for cumulative, calls, name, group in entries[:top]:
        print(f"   {cumulative:7.3f} {calls:6d}  {name[-72:]:<72} {group}")


# ----- report --------------------------------------------------------------------------------------
def row(name: str, app: list[float], bare: list[float], target: float) -> str:
    a, b = statistics.median(app), statistics.median(bare)
    ratio = a / b
    verdict = "meets" if ratio <= target else "MISSES"
    return (f"   {name:<34} app {a:6.2f} s  bare {b:6.2f} s  ratio {ratio:5.2f}x  ({verdict} the <= {target:g}x target; "
            f"app {min(app):.2f}-{max(app):.2f}, bare {min(bare):.2f}-{max(bare):.2f}, n={len(app)}/{len(bare)})")


def print_phases(redraw: dict[str, list[dict]]) -> None:
    """The median time of each phase of a redraw (the time between one mark and the one before)."""
    print("   the same redraws in phases (median seconds; the script's start and end timed in the server):")
    for label, (name, key) in enumerate(PHASES):
        cells = []
        for app in ("app", "bare"):
            previous = PHASES[label - 1][1] if label else None
            spans = [t[key] - (t[previous] if previous else 0.0) for t in redraw[app]]
            spans = [span for span in spans if span == span]  # NaN: no script run seen
            cells.append(f"{statistics.median(spans):6.3f}" if spans else "     -")
        print(f"     {name:<48} app {cells[0]} s  bare {cells[1]} s")
    for label, key in (("  script thread on a CPU: the script", "cpu"), ("  script thread on a CPU: gc.collect", "gc_cpu")):
        cpu = [statistics.median([t[key] for t in redraw[app] if t[key] == t[key]] or [float("nan")])
               for app in ("app", "bare")]
        print(f"     {label:<48} app {cpu[0]:6.3f} s  bare {cpu[1]:6.3f} s")
    print("     the browser's main thread during a change (Chrome's Performance metrics, median seconds):")
    for label, key in (("  busy in all", "busy"), ("  of which JavaScript", "busy_js"), ("  of which layout", "busy_layout"),
                       ("  of which style", "busy_style")):
        busy = [statistics.median([t[key] for t in redraw[app] if t[key] == t[key]] or [float("nan")])
                for app in ("app", "bare")]
        print(f"     {label:<48} app {busy[0]:6.3f} s  bare {busy[1]:6.3f} s")
    runs = [max((t["runs"] for t in redraw[app]), default=0) for app in ("app", "bare")]
    print(f"     {'  script runs per change (most)':<48} app {runs[0]:6d}    bare {runs[1]:6d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="A B rounds of each browser measurement")
    parser.add_argument("--switches", type=int, default=3, help="timed Seed changes per page per round")
    parser.add_argument("--data", type=Path, help="keep the stored evaluations here (reused when present)")
    parser.add_argument("--no-profile", action="store_true", help="skip part 3")
    parser.add_argument("--profile-changes", type=int, default=10, help="Seed changes per page in part 3")
    parser.add_argument("--top", type=int, default=25, help="cProfile entries shown")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="the redraw servers call gc.freeze() after their first script run (what that would "
                             "buy the post-run gc.collect)")
    parser.add_argument("--server-option", action="append", default=[], metavar="KEY=VALUE",
                        help="given to every streamlit run as --KEY VALUE (repeatable), to measure what a "
                             "setting buys, e.g. runner.postScriptGC=false")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop servers and the browser on a plain kill too

    scratch = Path(tempfile.mkdtemp(prefix="dashboard-speed-"))
    data = (args.data or scratch / "data").resolve()
    os.environ[ENV_DATA_DIR] = str(data)
    servers = Servers(scratch, args.server_option, args.gc_freeze)
    try:
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; data folder {data}"
              + (f"; streamlit run {' '.join(servers.options)}" if servers.options else "")
              + ("; redraw servers gc.freeze() after their first run" if args.gc_freeze else ""), flush=True)
        results = store_results(data)
        app_env = {ENV_DATA_DIR: str(data)}
        bare_env = {**app_env, RESULTS_ENV: os.pathsep.join(map(str, results))}
        from playwright.sync_api import sync_playwright
        first = {"app": [], "bare": []}
        redraw = {"app": [], "bare": []}
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for number in range(1, args.rounds + 1):
                    first["app"].append(first_draw(browser, servers, APP, app_env, FIRST_DRAWN["app"]))
                    first["bare"].append(first_draw(browser, servers, BARE_PAGE, app_env, FIRST_DRAWN["bare"]))
                    app_times = redraws(browser, servers, APP, app_env, f"/train?folds={FOLDS}", args.switches)
                    bare_times = redraws(browser, servers, BARE_REDRAW, bare_env, "/", args.switches)
                    redraw["app"] += app_times
                    redraw["bare"] += bare_times
                    print(f"  round {number}: first page app {first['app'][-1]:.2f} s, bare {first['bare'][-1]:.2f} s;"
                          f" redraw app {statistics.median(t['settled'] for t in app_times):.3f} s,"
                          f" bare {statistics.median(t['settled'] for t in bare_times):.3f} s"
                          f" (load {os.getloadavg()[0]:.2f})", flush=True)
            finally:
                browser.close()
        print(f"\nMedians over {args.rounds} alternating rounds (load average now {os.getloadavg()[0]:.2f}):")
        print(row("1. streamlit run -> first page", first["app"], first["bare"], FIRST_TARGET))
        print(row("2. Seed change -> page settled", [t["settled"] for t in redraw["app"]],
                  [t["settled"] for t in redraw["bare"]], REDRAW_TARGET))
        print_phases(redraw)
        if not args.no_profile:
            profile_redraws(results, args.profile_changes, args.top)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers and the browser", file=sys.stderr)
        sys.exit(130)
    finally:
        servers.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
