"""How long one PlaylistNet fit takes on a library-sized problem (synthetic data). Prints numbers.

    .venv/bin/python bench/nn_speed.py [--rows 2000] [--features 300] [--classes 30] [--repeats 5]

Reports the Keras import, the first (cold) fit, then medians over `--repeats` fits, with early
stopping as in production and with a fixed 30 epochs, for Keras' steps_per_execution 1 and the
value PlaylistNet uses. The first epoch's time is mostly JAX tracing and compiling the train
and validation steps; later epochs show the per-step cost that steps_per_execution reduces.
Set JAX_COMPILATION_CACHE_DIR (and JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0) to measure
JAX's on-disk compilation cache.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import neural_net  # noqa: E402
from pipeline.neural_net import PlaylistNet  # noqa: E402


def library_like_data(rows: int, features: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping classes of unequal size, like playlists: early stopping has something to find."""
    weights = np.random.default_rng(seed).dirichlet(np.full(classes, 2.0))
    X, y = make_classification(n_samples=rows, n_features=features, n_informative=min(40, features),
                               n_redundant=0, n_classes=classes, n_clusters_per_class=1, class_sep=1.0,
                               weights=weights, flip_y=0.05, random_state=seed)
    return X.astype(np.float32), y


def timed_fit(X: np.ndarray, y: np.ndarray, **params) -> dict[str, float]:
    """Fit once; return total seconds, the first epoch's seconds (mostly JIT compiling) and later epochs' median."""
    ends: list[float] = []
    start = time.perf_counter()
    model = PlaylistNet(epoch_callback=lambda epoch, logs: ends.append(time.perf_counter()), **params).fit(X, y)
    total = time.perf_counter() - start
    later = [b - a for a, b in zip(ends, ends[1:])] or [math.nan]
    return {"total": total, "first": ends[0] - start, "epoch": statistics.median(later), "epochs": model.n_epochs_}


def report(label: str, X: np.ndarray, y: np.ndarray, repeats: int, **params) -> None:
    runs = [timed_fit(X, y, random_state=seed, **params) for seed in range(repeats)]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    totals = [run["total"] for run in runs]
    print(f"{label:<40} fit median {median('total'):5.2f} s (min {min(totals):.2f}, max {max(totals):.2f}); "
          f"first epoch {median('first'):.2f} s, then {1000 * median('epoch'):.0f} ms/epoch; "
          f"{median('epochs'):.0f} epochs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--classes", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    X, y = library_like_data(args.rows, args.features, args.classes)
    print(f"{args.rows} rows x {args.features} features, {len(np.unique(y))} classes; "
          f"smallest class {np.bincount(y).min()} rows")

    start = time.perf_counter()
    neural_net._import_keras()
    print(f"import keras (jax backend): {time.perf_counter() - start:.2f} s")
    cold = timed_fit(X, y)
    print(f"first fit in the process: {cold['total']:.2f} s ({cold['epochs']} epochs)")

    production_spe = neural_net._STEPS_PER_EXECUTION
    for spe in sorted({1, production_spe}):
        neural_net._STEPS_PER_EXECUTION = spe
        report(f"early stopping, steps_per_execution={spe}", X, y, args.repeats)
        report(f"fixed 30 epochs, steps_per_execution={spe}", X, y, args.repeats, max_epochs=30, patience=1000)
    neural_net._STEPS_PER_EXECUTION = production_spe

    model = PlaylistNet(max_epochs=2).fit(X, y)
    start = time.perf_counter()
    model.predict_proba(X)
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.predict_proba(X)
    print(f"predict_proba on {args.rows} rows: first {first:.2f} s, then {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
