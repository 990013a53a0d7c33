"""Speed benchmark: fit and predict times per model, and the CLI-sized jobs.

    python bench/speed.py                 # demo + TidyTuesday, every model
    python bench/speed.py --jobs          # also: evaluate 5-fold per model, a 30-trial XGBoost study
    python bench/speed.py --calibration demo deadda7a   # what calibrated confidence and the C choice cost

Prints medians of several runs (the machines are shared and noisy: compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import RunConfig  # noqa: E402
from pipeline.evaluation import evaluate  # noqa: E402
from pipeline.features import track_frame  # noqa: E402
from pipeline.fitting import TrainingRows, fit_rows  # noqa: E402
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


def calibration_cost(names: list[str], repeats: int) -> None:
    """Plain fit vs calibrated fit (C fixed, and C chosen per library), and evaluate with and without."""
    sys.path.insert(0, str(ROOT / "bench"))
    import libraries
    print("| library | plain fit s | calibrated, C = 1 | calibrated, C chosen | evaluate s | evaluate calibrated s |")
    print("|---|---|---|---|---|---|")
    for name in names:
        library = libraries.load(name)
        rows = TrainingRows.from_library(library)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", action="store_true")
    parser.add_argument("--calibration", nargs="*", metavar="LIBRARY",
                        help="only the cost of calibration, on these bench/libraries.py names")
    parser.add_argument("--no-tidytuesday", action="store_true")
    parser.add_argument("--tidytuesday-models", nargs="*", default=["logreg", "knn", "nn"], choices=MODELS,
                        help="XGBoost on 471 playlists grows 471 trees a round: add it if you have the time")
    args = parser.parse_args()
    if args.calibration:
        calibration_cost(args.calibration, args.repeats)
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
