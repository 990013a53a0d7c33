"""Speed benchmark: fit and predict times per model, and the CLI-sized jobs.

    python bench/speed.py                 # demo + TidyTuesday, every model
    python bench/speed.py --jobs          # also: evaluate 5-fold per model, a 30-trial XGBoost study
    python bench/speed.py --calibration demo deadda7a   # what calibrated confidence and the C choice cost
    python bench/speed.py --score-million seankmchenry  # score 1M liked-song candidates: seconds, peak RSS
    python bench/speed.py --precision seankmchenry tt02 # the default's calibrated fit in float32 vs float64
    python bench/speed.py --fold seankmchenry big03     # CPU seconds of one evaluation fold's calibrated fit

Prints medians of several runs (the machines are shared and noisy: compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import RunConfig  # noqa: E402
from pipeline.evaluation import evaluate  # noqa: E402
from pipeline.features import track_frame  # noqa: E402
from pipeline.fitting import TrainingRows, fit_rows, predict_scores  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402
from pipeline.sources import load_library  # noqa: E402

TIDYTUESDAY = ROOT.parent / "shared" / "data" / "tidytuesday-2020-01-21" / "spotify_songs.csv"
MODELS = ("logreg", "knn", "xgboost", "nn")


def timed(action, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def fit_predict(library, name: str, repeats: int, models=MODELS) -> None:
    rows = TrainingRows.from_library(library)
    everything = np.arange(len(rows.labels))
    frame = track_frame(library, rows.track_ids, rows.added_at)
    for model in models:
        config = replace(recommended_config(), model=model, params={})
        fit_seconds, fitted = timed(lambda: fit_rows(config, library, rows, everything), repeats)
        predict_seconds, _ = timed(lambda: fitted.predict_proba(frame), repeats)
        print(f"| {name} | {model} | {len(rows.labels):,} rows x {len(rows.playlist_ids)} playlists | "
              f"{fit_seconds:.2f} | {predict_seconds * 1000:.0f} |", flush=True)


def jobs(library, repeats: int) -> None:
    for model in MODELS:
        config = replace(recommended_config(), model=model, params={})
        for threads in (1, 2) if model != "nn" else (1,):  # the net always fits one fold at a time
            seconds, _ = timed(lambda: evaluate(library, config, folds=5, n_jobs=threads), repeats)
            print(f"| evaluate 5-fold + backtest, demo, {threads} thread{'s' if threads > 1 else ''} | {model} | "
                  f"{seconds:.1f} s |", flush=True)
    from pipeline.tuning import tune
    with tempfile.TemporaryDirectory() as folder:
        storage = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        config = replace(recommended_config(), model="xgboost", params={})
        started = time.perf_counter()
        result = tune(library, config, trials=30, storage=storage, study_name="bench")
        pruned = sum(1 for t in result.trials if t["state"] == "PRUNED")
        print(f"| 30-trial XGBoost study (3 folds, median pruner), demo | xgboost | "
              f"{time.perf_counter() - started:.1f} s ({pruned} pruned) |", flush=True)


def benchmark_libraries(names: list[str]):
    """``(name, library, its training rows)`` per bench/libraries.py name."""
    sys.path.insert(0, str(ROOT / "bench"))
    import libraries
    for name in names:
        library = libraries.load(name)
        yield name, library, TrainingRows.from_library(library)


def calibration_cost(names: list[str], repeats: int) -> None:
    """Plain fit vs calibrated fit (C fixed, and C chosen per library), and evaluate with and without."""
    print("| library | plain fit s | calibrated, C = 1 | calibrated, C chosen | evaluate s | evaluate calibrated s |")
    print("|---|---|---|---|---|---|")
    for name, library, rows in benchmark_libraries(names):
        everything = np.arange(len(rows.labels))
        default = recommended_config()
        plain, _ = timed(lambda: fit_rows(default, library, rows, everything), repeats)
        fixed, _ = timed(lambda: fit_rows(default.with_params(C=1.0), library, rows, everything, calibrate=True),
                         repeats)
        chosen, _ = timed(lambda: fit_rows(default, library, rows, everything, calibrate=True), repeats)
        quick, _ = timed(lambda: evaluate(library, default, folds=5, calibrate=False), repeats)
        full, _ = timed(lambda: evaluate(library, default, folds=5), repeats)
        print(f"| {name} | {plain:.2f} | {fixed:.2f} ({fixed / plain:.1f}x) | {chosen:.2f} ({chosen / plain:.1f}x) | "
              f"{quick:.1f} | {full:.1f} ({full / quick:.1f}x) |", flush=True)


def precision_cost(names: list[str], repeats: int) -> None:
    """CPU seconds of one calibrated fit of the default (what each evaluation fold does) with logistic
    regression in float64 (scikit-learn's) and float32 (the default), alternating in one process."""
    print("| library | rows | float64 CPU s | float32 CPU s | float64 / float32 |")
    print("|---|---|---|---|---|")
    for name, library, rows in benchmark_libraries(names):
        everything = np.arange(len(rows.labels))
        seconds: dict[str, list[float]] = {"double": [], "single": []}
        for _ in range(repeats):
            for precision, times in seconds.items():
                config = recommended_config().with_params(precision=precision)
                started = time.process_time()
                fit_rows(config, library, rows, everything, calibrate=True)
                times.append(time.process_time() - started)
        double, single = (statistics.median(times) for times in seconds.values())
        print(f"| {name} | {len(rows.labels):,} | {double:.1f} | {single:.1f} | {double / single:.2f}x |", flush=True)


def fold_cost(names: list[str], repeats: int) -> None:
    """CPU seconds of what one evaluation fold of the default fits: the calibrated fit on the first of 5
    track-grouped folds' training rows (run the same script in a checkout of older code to compare)."""
    from pipeline.out_of_fold import split_rows
    print("| library | training rows | playlists | CPU s (median) | runs |")
    print("|---|---|---|---|---|")
    for name, library, rows in benchmark_libraries(names):
        config = recommended_config()
        order, splits = split_rows(rows, 5, config)
        train = order[splits[0][0]]
        times = []
        for _ in range(repeats):
            started = time.process_time()
            fit_rows(config, library, rows, train, calibrate=True)
            times.append(time.process_time() - started)
        print(f"| {name} | {len(train):,} | {len(rows.playlist_ids)} | {statistics.median(times):.1f} | "
              f"{', '.join(f'{t:.1f}' for t in times)} |", flush=True)


def candidates(library, rows: int):
    """``library`` whose tracks are its own, copied under fresh ids up to ``rows`` liked-song candidates."""
    copies = -(-rows // len(library.tracks))
    tracks = pd.concat([library.tracks] * copies).iloc[:rows]
    tracks.index = pd.Index([f"candidate-{i:07d}" for i in range(rows)], name=library.tracks.index.name)
    return replace(library, tracks=tracks), tracks.index


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last `reset_peak_rss` (Linux's VmHWM)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size


def fitted_default(library, training):
    """The calibrated default fitted on every row, kept in bench/.cache (by library and configuration):
    the calibrated fit of a 93-playlist export takes minutes, and scoring is what is measured."""
    config = recommended_config()
    # v2: the encoder sits outside the calibrated step (issue 12)
    path = ROOT / "bench" / ".cache" / f"fitted-v2-{library.fingerprint()}-{config.key()}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    model = fit_rows(config, library, training, np.arange(len(training.labels)), calibrate=True)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(model))
    return model


def score_million(name: str, rows: int) -> None:
    """Fit the calibrated default on a benchmark library (as suggestions do), then time track_frame ->
    predict_scores on ``rows`` candidates, and the memory that scoring adds on top of the fitted state."""
    _, library, training = next(benchmark_libraries([name]))
    model = fitted_default(library, training)
    liked, ids = candidates(library, rows)
    reset_peak_rss()
    before = peak_rss_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    frame = track_frame(liked, ids)
    framed, framed_cpu = time.perf_counter(), time.process_time()
    scores = predict_scores(model, frame, len(training.playlist_ids))
    done, done_cpu = time.perf_counter(), time.process_time()
    # CPU seconds beside wall seconds: on a shared machine the wall clock also counts other people's work
    print("| library | candidates | playlists | track_frame s (CPU) | predict_scores s (CPU) | total s (CPU) | "
          "peak RSS while scoring MB | of it before scoring MB | scores MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {name} | {rows:,} | {scores.shape[1]} | {framed - started:.1f} ({framed_cpu - started_cpu:.1f}) | "
          f"{done - framed:.1f} ({done_cpu - framed_cpu:.1f}) | {done - started:.1f} ({done_cpu - started_cpu:.1f}) | "
          f"{peak_rss_mb():,.0f} | {before:,.0f} | {scores.nbytes / 1e6:,.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", action="store_true")
    parser.add_argument("--calibration", nargs="*", metavar="LIBRARY",
                        help="only the cost of calibration, on these bench/libraries.py names")
    parser.add_argument("--score-million", metavar="LIBRARY", help="only: score a million candidates with the "
                        "default fitted on this bench/libraries.py name")
    parser.add_argument("--candidates", type=int, default=1_000_000, help="with --score-million")
    parser.add_argument("--precision", nargs="*", metavar="LIBRARY",
                        help="only: the default's calibrated fit in float64 against float32, on these libraries")
    parser.add_argument("--fold", nargs="*", metavar="LIBRARY",
                        help="only: CPU seconds of one evaluation fold's calibrated fit of the default")
    parser.add_argument("--no-tidytuesday", action="store_true")
    parser.add_argument("--tidytuesday-models", nargs="*", default=["logreg", "knn", "nn"], choices=MODELS,
                        help="XGBoost on 471 playlists grows 471 trees a round: add it if you have the time")
    args = parser.parse_args()
    if args.calibration:
        calibration_cost(args.calibration, args.repeats)
        return
    if args.precision:
        precision_cost(args.precision, args.repeats)
        return
    if args.fold:
        fold_cost(args.fold, args.repeats)
        return
    if args.score_million:
        score_million(args.score_million, args.candidates)
        return
    demo = load_library("demo")
    print("| library | model | size | fit s (median) | predict ms (median) |")
    print("|---|---|---|---|---|")
    fit_predict(demo, "demo", args.repeats)
    if not args.no_tidytuesday:
        fit_predict(load_library(TIDYTUESDAY), "TidyTuesday", 1, args.tidytuesday_models)
    if args.jobs:
        print("\n| job | model | median |")
        print("|---|---|---|")
        jobs(demo, args.repeats)


if __name__ == "__main__":
    main()
