"""Scale benchmark: what fitting, scoring and tuning cost as a library grows from 2.4k to 1M playlist rows.

    python bench/scale.py --quick                      # 2.4k (demo) and 30k (TidyTuesday), every model + tuning
    python bench/scale.py                              # 2.4k, 30k, 100k, 1M; cells over --budget are skipped
    python bench/scale.py --sizes 2.4k 100k --models logreg xgboost --skip-tuning
    python bench/scale.py --skip-cells --workers 1 2   # only the tuning table
    python bench/scale.py --profile-scoring 1M         # where scoring 1M candidates with the default goes

Sizes: ``2.4k`` is the demo, ``30k`` the TidyTuesday file (471 playlists, not 33: off the demo's
curve for models whose cost grows with playlists), ``100k`` and ``1M`` the demo generator scaled
(`demo_library(scale=...)`: same 33 playlists, artists in proportion), cached in bench/.cache/.
Each cell (size x model: the recommended configuration with the model swapped) runs in its own
process: fit on every playlist row, then score liked-song candidates (the liked songs repeated up
to 1M rows; 100k on the demo) with `track_frame` + `predict_scores`, the path of
`suggest.score_liked_songs` without calibration. Peak memory is VmHWM, reset between stages.
A cell whose fit is projected (from the model's measured growth) over --budget seconds, or over
--memory-cap MB, is skipped and its projection printed; scoring gets half a budget; a running cell
is killed past 1.5 budgets (+2 min).

Tuning: trials per minute of ``python -m pipeline tune`` (demo, logreg, 2 folds) with 1, 2 and 4
workers on one SQLite file and on a private PostgreSQL cluster (`postgres_cluster`): N processes
on one study, or ``--workers N`` once the CLI has it. The rate is read from the study's own trial
timestamps (first start to last finish), so process start-up is left out.

Measured and killed cells are kept in bench/.cache/scale/cells.json and reused (``--fresh`` measures
again): a full run after ``--quick`` only measures the larger sizes (the "scored" column says how
many candidates a cell scored).
Prints markdown tables; the log-log plot goes to bench/.cache/scale.html (or --out). The machine
is shared and noisy: compare ratios and slopes, not seconds.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline.recommended import recommended_config  # noqa: E402

TIDYTUESDAY = ROOT.parent / "shared" / "data" / "tidytuesday-2020-01-21" / "spotify_songs.csv"
CACHE = ROOT / "bench" / ".cache"
CELL_CACHE = CACHE / "scale" / "cells.json"  # measured (or killed) cells, by size, model and configuration
# (a folder of its own: bench/quality.py reads every bench/.cache/*.json as its cache)
MODELS = ("logreg", "knn", "xgboost", "nn")
SIZES = {"2.4k": "demo", "30k": "tidytuesday", "100k": 100_000, "1M": 1_000_000}
"""Size label -> the library: the demo, TidyTuesday, or a scaled demo of about that many rows."""
DEMO_ROWS = 2_365  # the demo's playlist rows: a scaled demo's scale is rows / this
PROBE = 5_000      # candidates scored first, to project the full scoring run
PRACTICAL_SECONDS, PRACTICAL_MB = 600, 4_096


# ----- one cell, in its own process -------------------------------------------------------------
def load_size(size: str):
    from pipeline.sources import load_library
    from pipeline.sources.demo import demo_library
    kind = SIZES[size]
    if kind == "demo":
        return load_library("demo")
    if kind == "tidytuesday":
        return load_library(TIDYTUESDAY)
    path = CACHE / f"scale/demo-{size}.pickle"
    if not path.exists():
        library = demo_library(7, scale=kind / DEMO_ROWS)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(library, protocol=pickle.HIGHEST_PROTOCOL))
        return library
    return pickle.loads(path.read_bytes())


def peak_mb() -> float:
    """This process's peak resident memory since the last `reset_peak` (VmHWM)."""
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM := current RSS


def config_for(model: str):
    """The recommended configuration with ``model`` swapped in (keeping only the strategy's parameters
    when the model changes: the default's own, such as logistic regression's, mean nothing to another)."""
    from pipeline.imbalance import STRATEGY_PARAMS
    default = recommended_config()
    if model == default.model:
        return default
    return replace(default, model=model, params={k: v for k, v in default.param_dict.items() if k in STRATEGY_PARAMS})


def stage(name: str) -> None:
    """Tell the parent what the cell is doing (so a killed cell says where it was)."""
    print(f"stage: {name} (RSS now {_rss_mb(os.getpid()):,.0f} MB)", file=sys.stderr, flush=True)


def run_cell(size: str, model: str, candidates: int, budget: float, memory_cap: float) -> dict:
    """Fit the default with ``model`` on every row of the library, then score candidates."""
    from pipeline.features import track_frame
    from pipeline.fitting import TrainingRows, fit_rows, predict_scores
    from pipeline.models import build_model
    build_model(model, {}, 0)  # imports the model's libraries (TensorFlow for the net) before measuring
    faulthandler.dump_traceback_later(budget * 1.4)  # just before the parent kills it: where it was
    imports_mb, started = peak_mb(), time.perf_counter()
    stage("loading the library")
    library = load_size(size)
    rows = TrainingRows.from_library(library)
    cell = {"size": size, "model": model, "rows": len(rows.labels), "playlists": len(rows.playlist_ids),
            "load_s": time.perf_counter() - started, "load_mb": peak_mb(), "imports_mb": imports_mb}
    reset_peak()
    stage(f"fitting on {len(rows.labels):,} rows")
    started = time.perf_counter()
    fitted = fit_rows(config_for(model), library, rows, np.arange(len(rows.labels)))
    cell.update(fit_s=time.perf_counter() - started, fit_mb=peak_mb())
    cell["fit_extra_mb"] = cell["fit_mb"] - imports_mb
    liked = library.liked

    def score(count: int) -> tuple[float, float, float]:
        ids, added = np.resize(liked["track_id"].to_numpy(), count), np.resize(liked["added_at"].to_numpy(), count)
        reset_peak()
        stage(f"scoring {count:,} candidates")
        started = time.perf_counter()
        frame = track_frame(library, ids, added)
        framed = time.perf_counter()
        predict_scores(fitted, frame, len(rows.playlist_ids))
        return framed - started, time.perf_counter() - framed, peak_mb()

    frame_s, predict_s, probe_mb = score(PROBE)
    projected = (frame_s + predict_s) * candidates / PROBE
    # scoring memory above the fitted model's grows with the candidates scored at once
    projected_mb = cell["fit_mb"] + max(probe_mb - cell["fit_mb"], 0) * candidates / PROBE
    cell.update(score_projected_s=projected, score_projected_mb=projected_mb, probe_mb=probe_mb)
    count = candidates if projected <= budget / 2 and projected_mb <= memory_cap else PROBE
    if count > PROBE:
        frame_s, predict_s, cell["score_mb"] = score(count)
    cell.update(scored=count, frame_s=frame_s, predict_s=predict_s, score_rate=count / (frame_s + predict_s),
                score_s_per_track=(frame_s + predict_s) / count,
                peak_mb=max(cell["load_mb"], cell["fit_mb"], cell.get("score_mb", probe_mb)))
    return cell


# ----- the parent: projections, a watchdog, tables ----------------------------------------------
def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log cost against log rows (None with fewer than two sizes)."""
    points = [(x, y) for x, y in points if x > 0 and y and y > 0]
    if len({x for x, _ in points}) < 2:
        return None
    xs, ys = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(xs, ys, 1)[0])


def curve(cells: list[dict], model: str, key: str) -> list[tuple[float, float]]:
    """(rows, cost) for ``model``'s measured cells; demo-family sizes only when there are two."""
    mine = [c for c in cells if c["model"] == model and c.get(key)]
    family = [c for c in mine if SIZES[c["size"]] != "tidytuesday"]
    return [(c["rows"], c[key]) for c in (family if len(family) >= 2 else mine)]


def project(cells: list[dict], model: str, key: str, size: str) -> tuple[float | None, float]:
    """``key`` at ``size``, from the nearest smaller cell of its family and their slope (if unknown:
    linear, but a scored track costs the same at any size except for KNN, which compares it with every
    row); XGBoost's fit also in proportion to playlists (it grows a tree per playlist per round)."""
    rows, tidytuesday = expected_rows(size), SIZES[size] == "tidytuesday"
    mine = [c for c in cells if c["model"] == model and c.get(key) and c["rows"] < rows]
    family = [c for c in mine if (SIZES[c["size"]] == "tidytuesday") == tidytuesday]
    points = [(c["rows"], c[key]) for c in (family or mine)]
    if not points:
        return None, 1.0
    exponent = slope(points) or (0.0 if key == "score_s_per_track" and model != "knn" else 1.0)
    x, y = max(points)
    per_playlist = PLAYLISTS.get(SIZES[size], 33) / 33 if (model, key) == ("xgboost", "fit_s") else 1.0
    return y * (rows / x) ** max(exponent, 0.0) * per_playlist, exponent


PLAYLISTS = {"tidytuesday": 471}


def expected_rows(size: str) -> int:
    kind = SIZES[size]
    return {"demo": DEMO_ROWS, "tidytuesday": 32_251}.get(kind, kind) if isinstance(kind, str) else kind


def run_child(size: str, model: str, candidates: int, args) -> dict:
    """Run one cell in a fresh process; kill it past the budget or the memory cap."""
    command = [sys.executable, __file__, "--cell", size, model, "--candidates", str(candidates),
               "--budget", str(args.budget), "--memory-cap", str(args.memory_cap)]
    log = tempfile.TemporaryFile("w+")
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
    started, killed = time.monotonic(), None
    while child.poll() is None:
        time.sleep(0.5)
        rss = _rss_mb(child.pid)
        if rss > args.memory_cap:
            killed = f"killed at {rss:,.0f} MB (cap {args.memory_cap:,} MB)"
        elif time.monotonic() - started > 1.5 * args.budget + 120:  # fit, scoring (half a budget), loading
            killed = f"killed after {time.monotonic() - started:,.0f} s"
        if killed:
            child.kill()
    out, _ = child.communicate()
    log.seek(0)
    err = log.read()
    if killed:
        killed += " while " + next((l[7:] for l in reversed(err.splitlines()) if l.startswith("stage: ")), "starting")
        frames = [l.strip() for l in err.splitlines() if l.strip().startswith("File ") and "/threading.py" not in l]
        killed += "; in " + " < ".join(_frame(l) for l in frames[:4]) if frames else ""
    if killed or child.returncode != 0:
        return {"size": size, "model": model, "rows": expected_rows(size),
                "skipped": killed or f"failed: {err.strip().splitlines()[-1] if err.strip() else child.returncode}"}
    return json.loads(out.strip().splitlines()[-1])


def _frame(line: str) -> str:
    """``File ".../sklearn/linear_model/_logistic.py", line 7 in fit`` -> ``linear_model/_logistic.py:fit``."""
    path, _, function = line.partition('", line ')
    return "/".join(path.split("/")[-2:]) + ":" + function.split(" in ")[-1]


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(l.split()[1]) / 1024 for l in status.splitlines() if l.startswith("VmRSS")), 0.0)


def cell_key(size: str, model: str) -> str:
    return f"{size}|{model}|{config_for(model).key()}"


def cached_cells() -> dict:
    return json.loads(CELL_CACHE.read_text()) if CELL_CACHE.exists() else {}


def run_cells(sizes: list[str], models: list[str], args) -> list[dict]:
    cells: list[dict] = []
    cache = {} if args.fresh else cached_cells()
    print("\n| size | rows | playlists | model | fit s | score tracks/s | scored | peak MB (load / fit / score) |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for size in sorted(sizes, key=expected_rows):
        for model in models:
            rows = expected_rows(size)
            if cell_key(size, model) in cache:
                cells.append(cache[cell_key(size, model)])
                print_cell(cells[-1])
                continue
            fit, exponent = project(cells, model, "fit_s", size)
            memory, _ = project(cells, model, "fit_extra_mb", size)
            memory = memory and memory + max(c["imports_mb"] for c in cells if "imports_mb" in c)
            per_track, _ = project(cells, model, "score_s_per_track", size)
            if ((fit or 0) > args.budget or (memory or 0) > args.memory_cap
                    or (per_track or 0) * PROBE > args.budget / 2):
                cell = {"size": size, "model": model, "rows": rows, "projected_fit_s": fit, "projected_mb": memory,
                        "skipped": f"projected fit {fit:,.0f} s (slope {exponent:.2f}), fit peak {memory:,.0f} MB, "
                                   f"scoring {1 / per_track:,.0f} tracks/s"}
            else:
                if SIZES[size] not in ("demo", "tidytuesday") and not (CACHE / f"scale/demo-{size}.pickle").exists():
                    _prepare(size)
                cell = run_child(size, model, args.candidates // 10 if SIZES[size] == "demo" else args.candidates,
                                 args)
                if not cell.get("skipped", "killed").startswith("failed"):  # a failure may be someone's edit
                    CELL_CACHE.parent.mkdir(parents=True, exist_ok=True)
                    CELL_CACHE.write_text(json.dumps({**cached_cells(), cell_key(size, model): cell}, indent=0))
            cells.append(cell)
            print_cell(cell)
    return cells


def _prepare(size: str) -> None:
    """Generate and cache a scaled demo once, in its own process (its peak is not a cell's)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--prepare", size], check=True, cwd=ROOT)
    print(f"<!-- generated the {size} library in {time.perf_counter() - started:.0f} s -->", flush=True)


def print_cell(c: dict) -> None:
    if "skipped" in c:
        print(f"| {c['size']} | ~{c['rows']:,} | | {c['model']} | skipped: {c['skipped']} | | | |", flush=True)
        return
    partial = "" if c["scored"] > PROBE else (f" (probe; all: {c['score_projected_s']:,.0f} s, "
                                              f"{c['score_projected_mb']:,.0f} MB projected)")
    print(f"| {c['size']} | {c['rows']:,} | {c['playlists']} | {c['model']} | {c['fit_s']:.1f} | "
          f"{c['score_rate']:,.0f} | {c['scored']:,}{partial} | {c['peak_mb']:,.0f} ({c['load_mb']:,.0f} / "
          f"{c['fit_mb']:,.0f} / {c.get('score_mb', c['probe_mb']):,.0f}) |", flush=True)


def print_growth(cells: list[dict], models: list[str]) -> None:
    """Slopes of log cost vs log rows, and where each model stops being practical on this machine."""
    print("\n| model | sizes | fit s exponent | score s/track exponent | fit MB exponent | fit reaches 10 min | "
          "fit peak reaches 4 GB |")
    print("|---|---|---|---|---|---|---|")
    for model in models:
        exponents = [slope(curve(cells, model, key)) for key in ("fit_s", "score_s_per_track", "fit_extra_mb")]
        imports = max((c["imports_mb"] for c in cells if c["model"] == model and "imports_mb" in c), default=0)
        limits = [_crossing(cells, model, "fit_s", PRACTICAL_SECONDS),
                  _crossing(cells, model, "fit_extra_mb", PRACTICAL_MB - imports)]
        sizes = sorted({x for x, _ in curve(cells, model, "fit_s")})
        print(f"| {model} | {', '.join(f'{x:,}' for x in sizes)} | "
              + " | ".join("-" if e is None else f"{e:.2f}" for e in exponents) + " | "
              + " | ".join(limits) + " |", flush=True)
    print("(fit MB exponent: of the fit's peak above the imported libraries; slopes use the demo-generated "
          "sizes when two of them were measured, else every measured size)")


def _crossing(cells: list[dict], model: str, key: str, limit: float) -> str:
    """The rows at which ``key`` reaches ``limit``: measured if a cell did, else extrapolated along
    the measured slope."""
    points = sorted(curve(cells, model, key))
    over = [x for x, y in points if y >= limit]
    if over:
        return f"by {over[0]:,.0f} rows (measured)"
    exponent = slope(points)
    if not points or not exponent or exponent <= 0:
        return "-"
    x, y = points[-1]
    rows = x * (limit / y) ** (1 / exponent)
    return "beyond 100M rows (projected)" if rows > 1e8 else f"~{rows:,.0f} rows (projected)"


def write_plot(cells: list[dict], models: list[str], path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    panels = (("fit_s", "fit s"), ("score_s_per_track", "scoring s per track"), ("peak_mb", "peak MB"))
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in panels])
    for col, (key, _) in enumerate(panels, start=1):
        for i, model in enumerate(models):
            points = sorted((c["rows"], c[key], c["size"]) for c in cells if c["model"] == model and c.get(key))
            figure.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], text=[p[2] for p in points],
                                        mode="lines+markers", name=model, legendgroup=model, showlegend=col == 1,
                                        line={"color": f"hsl({i * 90}, 60%, 45%)"}), row=1, col=col)
        figure.update_xaxes(type="log", title_text="playlist rows", row=1, col=col)
        figure.update_yaxes(type="log", row=1, col=col)
    figure.update_layout(title="Cost against library size (log-log; 30k is TidyTuesday, 471 playlists)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.write_html(path, include_plotlyjs=True)
    print(f"\nplot: {path}")


# ----- tuning throughput -------------------------------------------------------------------------
def tune_processes(storage: str, study: str, workers: int, trials: int, folds: int, env: dict) -> dict:
    """Run ``workers`` tuners on one study: trials per minute (from the study's timestamps), the mean
    trial's seconds, and the cores the tuners kept busy (their CPU seconds over the wall time)."""
    import optuna
    import resource
    base = [sys.executable, "-m", "pipeline", "tune", "--library", "demo", "--model", "logreg", "--folds",
            str(folds), "--storage", storage, "--study", study, "--json"]
    if _cli_has_workers():
        commands = [[*base, "--trials", str(trials * workers), "--workers", str(workers)]]
    else:
        commands = [[*base, "--trials", str(trials)] for _ in range(workers)]
    usage, started, server_before = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic(), server_cpu()
    children = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True) for c in commands]
    for child in children:
        _, err = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"tune failed: {err.strip()[-500:]}")
    after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - started
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    server = server_cpu() - server_before
    done = [t for t in optuna.load_study(study_name=study, storage=storage).trials if t.datetime_complete]
    span = (max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)).total_seconds()
    trial_s = [(t.datetime_complete - t.datetime_start).total_seconds() for t in done]
    return {"rate": len(done) / span * 60, "trials": len(done), "trial_s": float(np.mean(trial_s)),
            "cores": cpu / wall, "server_cores": server / wall, "load": os.getloadavg()[0]}


def server_cpu() -> float:
    """CPU seconds used so far by this benchmark's PostgreSQL server (the postmaster whose command line
    names a ``pe-bench-pg-`` folder): its own, its live children's (the connections' backends), and what
    its ended children used, which the kernel adds to the postmaster's. 0 when no such server runs."""
    tick, stats = os.sysconf("SC_CLK_TCK"), {}
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            text, command = (folder / "stat").read_text(), (folder / "cmdline").read_bytes()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        stats[int(folder.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick, b"pe-bench-pg-" in command)
    servers = {pid for pid, (_, _, ours) in stats.items() if ours}
    return sum(cpu for pid, (parent, cpu, _) in stats.items() if pid in servers or parent in servers)


def _cli_has_workers() -> bool:
    help_text = subprocess.run([sys.executable, "-m", "pipeline", "tune", "--help"], cwd=ROOT,
                               capture_output=True, text=True).stdout
    return "--workers" in help_text


def run_tuning(worker_counts: list[int], trials: int, folds: int) -> dict:
    from postgres_cluster import ClusterUnavailable, private_cluster
    mode = "--workers N" if _cli_has_workers() else "N processes"
    print(f"\n| storage | workers | trials/min | vs 1 worker | trials | mean trial s | cores busy | "
          f"database server cores | machine load |   ({mode}, {trials} trials per worker, demo, logreg, {folds} folds)")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="pe-scale-tune-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYLIST_ENHANCER_", "PG"))}
        env["PLAYLIST_ENHANCER_DATA_DIR"] = folder

        def table(name: str, storage: str) -> None:
            for workers in worker_counts:
                run = tune_processes(storage, f"scale-{workers}", workers, trials, folds, env)
                results[(name, workers)] = run["rate"]
                base = results.get((name, 1))
                ratio = f"{run['rate'] / base:.2f}x" if base else "-"
                print(f"| {name} | {workers} | {run['rate']:.1f} | {ratio} | {run['trials']} | {run['trial_s']:.1f} | "
                      f"{run['cores']:.2f} | {run['server_cores']:.2f} | {run['load']:.1f} |", flush=True)

        table("SQLite", f"sqlite:///{Path(folder) / 'studies.sqlite3'}")
        try:
            with private_cluster() as url:
                table("PostgreSQL", url)
        except ClusterUnavailable as error:
            print(f"| PostgreSQL | - | unavailable: {error} | |")
    return results


# ----- where scoring goes ------------------------------------------------------------------------
def profile_scoring(size: str, candidates: int) -> None:
    """cProfile and per-stage peak memory of scoring ``candidates`` with the fitted default."""
    import cProfile
    import pstats
    from pipeline.calibration import ScoreCalibrator
    from pipeline.features import track_frame
    from pipeline.fitting import TrainingRows, fit_rows, predict_scores
    library = load_size(size)
    rows = TrainingRows.from_library(library)
    fitted = fit_rows(recommended_config(), library, rows, np.arange(len(rows.labels)))
    liked = library.liked
    ids, added = np.resize(liked["track_id"].to_numpy(), candidates), np.resize(liked["added_at"].to_numpy(), candidates)
    before = peak_mb()
    reset_peak()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    frame = profiler.runcall(track_frame, library, ids, added)
    framed, frame_mb = time.perf_counter(), peak_mb()
    reset_peak()
    encoded = profiler.runcall(fitted.named_steps["encode"].transform, frame)
    encoded_at, encode_mb = time.perf_counter(), peak_mb()
    columns, nonzeros = encoded.shape[1], getattr(encoded, "nnz", encoded.size)
    reset_peak()
    del encoded
    proba = profiler.runcall(predict_scores, fitted, frame, len(rows.playlist_ids))
    predicted_at, predict_mb = time.perf_counter(), peak_mb()
    reset_peak()
    calibrator = ScoreCalibrator()  # the real path's model is calibrated: one Platt map on top
    calibrator.slope_, calibrator.intercept_ = 1.3, -0.2
    profiler.runcall(calibrator.transform, proba)
    print(f"\n{size}, {candidates:,} candidates (fit peak {before:,.0f} MB): track_frame {framed - started:.1f} s, "
          f"peak {frame_mb:,.0f} MB; encode alone {encoded_at - framed:.1f} s, peak {encode_mb:,.0f} MB, "
          f"{columns:,} columns ({nonzeros:,} non-zeros); predict_scores (encode + model) "
          f"{predicted_at - encoded_at:.1f} s, peak {predict_mb:,.0f} MB; calibration map "
          f"{time.perf_counter() - predicted_at:.1f} s, peak {peak_mb():,.0f} MB")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS)
    parser.add_argument("--quick", action="store_true", help="only 2.4k and 30k")
    parser.add_argument("--skip-tuning", action="store_true")
    parser.add_argument("--skip-cells", action="store_true", help="only the tuning table")
    parser.add_argument("--budget", type=float, default=600, help="seconds a fit or a scoring run may take")
    parser.add_argument("--fresh", action="store_true", help="measure every cell again (else reuse "
                        "bench/.cache/scale.json, which also keeps killed cells)")
    parser.add_argument("--memory-cap", type=int, default=7_000, help="MB a cell may use (projected or live)")
    parser.add_argument("--candidates", type=int, default=1_000_000, help="scored per cell (a tenth on the demo)")
    parser.add_argument("--workers", nargs="*", type=int, default=[1, 2, 4])
    parser.add_argument("--tune-trials", type=int, default=12, help="trials per worker")
    parser.add_argument("--tune-folds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=CACHE / "scale.html")
    parser.add_argument("--profile-scoring", metavar="SIZE", choices=list(SIZES))
    parser.add_argument("--cell", nargs=2, metavar=("SIZE", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="SIZE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(run_cell(*args.cell, args.candidates, args.budget, args.memory_cap)))
        return
    if args.prepare:
        load_size(args.prepare)
        return
    if args.profile_scoring:
        profile_scoring(args.profile_scoring, args.candidates)
        return
    if not args.skip_cells:
        sizes = ["2.4k", "30k"] if args.quick else args.sizes
        cells = run_cells(sizes, args.models, args)
        print_growth(cells, args.models)
        write_plot(cells, args.models, args.out)
    if not args.skip_tuning:
        run_tuning(args.workers, args.tune_trials, args.tune_folds)


if __name__ == "__main__":
    main()
