"""Out-of-fold scores: every playlist track scored by a model that never saw it, as one value.

* Folds split by track (`StratifiedGroupKFold`): a track's rows never straddle train
  and test, and resampling happens inside the training fold only.
* Each held-out track is scored once. With calibration, each fold's model is a
  `CalibratedPlaylistClassifier` whose calibrator is fitted on inner folds of that
  fold's training rows only: it never sees the fold it is scored on.
* Each fold also reports what it cost: how many rows its model trained on (after
  resampling) against the real ones, and the size of that training data once encoded.
  Not a traced peak: `tracemalloc` made the fits 1.5-3 times slower, and with folds fitted
  side by side a process-wide peak cannot be split by fold.
* ``leaky`` reproduces the blog's mistake for the Compare page: oversample first,
  then split rows without grouping, so copies of a song sit on both sides.

`OutOfFold` is what evaluation, tuning, calibration reports and misfits consume.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterator

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from pipeline.config import ConfigError, RunConfig
from pipeline.features import track_frame
from pipeline.fitting import (ONE_BLAS_THREAD, TrainingRows, chosen_settings, encoder_of, fit_rows, inner_top_choices,
                              predict_raw_and_calibrated, predict_scores, training_history)
from pipeline.imbalance import leaky_oversample_indices, rows_after_resampling
from pipeline.library import Library

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class FoldResult:
    """Predictions for one test fold (``items`` index the training rows)."""

    items: np.ndarray
    proba: np.ndarray
    calibrated: np.ndarray | None
    fit_seconds: float
    history: list[dict]
    inner: tuple[np.ndarray, np.ndarray] | None = None
    """The calibrated model's own inner held-out top choices (confidence, correct): where a
    threshold for this fold is chosen (None without calibration)."""
    chosen: dict | None = None
    """The settings the calibrated model chose for this fold on its inner folds (e.g. C)."""
    training_rows: int = 0
    """Rows the model was fitted on, copies and synthetic rows of the sampler included."""
    real_rows: int = 0
    """Distinct playlist rows among them (the rest are copies or synthetic)."""
    training_mb: float = 0.0
    """Encoded training data the model was fitted on, in MB (bytes per encoded row x ``training_rows``)."""


@dataclass(frozen=True)
class OutOfFold:
    """Pooled out-of-fold scores: one row per held-out item, one column per playlist.

    ``proba`` is the model's own probability, ``calibrated`` the calibrated one (None when the
    folds were fitted without calibration), ``truth`` which
    playlists hold the item's track, ``fold`` the fold that scored it.
    """

    items: np.ndarray
    track_ids: np.ndarray
    proba: np.ndarray
    calibrated: np.ndarray | None
    truth: np.ndarray
    fold: np.ndarray
    fit_seconds: float
    history: list[dict]
    training_rows: int = 0
    real_rows: int = 0
    training_mb: float = 0.0
    """Medians over the folds, like ``fit_seconds`` (see `FoldResult`)."""

    @classmethod
    def from_folds(cls, rows: TrainingRows, folds: list[FoldResult]) -> "OutOfFold":
        items = np.concatenate([f.items for f in folds])
        calibrated = (np.vstack([f.calibrated for f in folds])
                      if all(f.calibrated is not None for f in folds) else None)
        return cls(items=items, track_ids=rows.track_ids[items], proba=np.vstack([f.proba for f in folds]),
                   calibrated=calibrated,
                   truth=rows.truth_for(rows.track_ids[items]),
                   fold=np.concatenate([np.full(len(f.items), i) for i, f in enumerate(folds)]),
                   fit_seconds=float(np.median([f.fit_seconds for f in folds])),
                   training_rows=int(np.median([f.training_rows for f in folds])),
                   real_rows=int(np.median([f.real_rows for f in folds])),
                   training_mb=float(np.median([f.training_mb for f in folds])),
                   history=next((f.history for f in folds if f.history), []))


def out_of_fold(library: Library, config: RunConfig, folds: int = 5, *, calibrate: bool = True,
                only_folds: int | None = None, n_jobs: int | None = None) -> OutOfFold:
    """Fit ``config`` fold by fold on the library's playlists and pool the held-out scores."""
    rows = TrainingRows.from_library(library)
    tasks = fold_tasks(library, config, rows, folds, calibrate)[:only_folds]
    return OutOfFold.from_folds(rows, run_all(tasks, threads_for(config, n_jobs), lambda done: None))


def fold_tasks(library: Library, config: RunConfig, rows: TrainingRows, folds: int,
               calibrate: bool = False) -> list[Callable[[], FoldResult]]:
    """One callable per fold that fits on its training rows and scores its held-out tracks."""
    if folds < 2:
        raise ConfigError(f"need at least 2 folds, not {folds}")
    tracks = len(set(rows.track_ids))
    if folds > tracks:
        raise ConfigError(f"{folds} folds need at least {folds} tracks; the playlists hold {tracks}")
    order, splits = split_rows(rows, folds, config)
    return [partial(_fit_fold, library, config, rows, order[train], order[test], calibrate)
            for train, test in splits]


def iterate_folds(library: Library, config: RunConfig, rows: TrainingRows, folds: int,
                  report: Progress) -> Iterator[FoldResult]:
    """Fit and predict fold by fold, uncalibrated (tuning prunes between folds)."""
    for number, task in enumerate(fold_tasks(library, config, rows, folds)):
        report(0.85 * number / folds, f"fold {number + 1} of {folds}")
        yield task()


def _fit_fold(library: Library, config: RunConfig, rows: TrainingRows, train: np.ndarray,
              test: np.ndarray, calibrate: bool) -> FoldResult:
    if not config.leaky:
        # score each held-out track once, not once per playlist row
        test = test[np.unique(rows.track_ids[test], return_index=True)[1]]
    n_playlists = len(rows.playlist_ids)
    frame = track_frame(library, rows.track_ids[test], rows.added_at.iloc[test])
    started = time.perf_counter()
    model = fit_rows(config, library, rows, train, calibrate=calibrate)
    seconds = time.perf_counter() - started
    if calibrate:
        proba, calibrated = predict_raw_and_calibrated(model, frame, n_playlists)
    else:
        proba, calibrated = predict_scores(model, frame, n_playlists), None
    fitted_rows = rows_after_resampling(config.strategy, rows.labels[train])
    return FoldResult(test, proba, calibrated, seconds,
                      training_history(model), inner_top_choices(model) if calibrate else None,
                      chosen_settings(model) if calibrate else None,
                      training_rows=fitted_rows, real_rows=len(np.unique(train)),
                      training_mb=_encoded_mb(model, library, rows, train, fitted_rows))


def _encoded_mb(model, library: Library, rows: TrainingRows, train: np.ndarray, fitted_rows: int) -> float:
    """MB of encoded training data: the real rows' bytes per row times the rows fitted on."""
    real = np.unique(train)
    encoded = encoder_of(model).transform(track_frame(library, rows.track_ids[real], rows.added_at.iloc[real]))
    stored = (encoded.data.nbytes + encoded.indices.nbytes + encoded.indptr.nbytes if hasattr(encoded, "indptr")
              else np.asarray(encoded).nbytes)
    return stored / max(len(real), 1) * fitted_rows / 1e6


def split_rows(rows: TrainingRows, folds: int, config: RunConfig):
    """Row order and (train, test) index pairs into it: grouped by track, or leaky."""
    if config.leaky:
        order = leaky_oversample_indices(rows.labels, config.seed)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
        return order, list(splitter.split(order, rows.labels[order]))
    order = np.arange(len(rows.labels))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    return order, list(splitter.split(order, rows.labels, groups=rows.track_ids))


def threads_for(config: RunConfig, n_jobs: int | None) -> int:
    """Fits to run side by side: one per core, at most 2; the neural net one at a time."""
    if config.model == "nn":  # Keras seeds and trains through process-wide state
        return 1
    return max(1, n_jobs if n_jobs is not None else min(2, os.cpu_count() or 1))


def run_all(tasks: list[Callable[[], Any]], n_jobs: int, done: Callable[[int], None]) -> list:
    """Results of ``tasks`` in order, ``n_jobs`` at a time; ``done`` hears how many have finished.

    Threads, not processes: they need no pickling or start-up, and XGBoost, the slowest fit,
    releases the GIL (demo, 5 folds + backtest: 4.8 s with one thread, 2.8 s with two). SciPy's
    L-BFGS holds it, so the default logistic regression neither gains nor loses; its one-vs-rest
    variant (liblinear) releases it.
    """
    if n_jobs == 1:
        results = []
        for task in tasks:
            results.append(task())
            done(len(results))
        return results
    with threadpool_limits(**ONE_BLAS_THREAD), ThreadPoolExecutor(n_jobs) as pool:
        futures = [pool.submit(task) for task in tasks]
        try:
            for count, future in enumerate(as_completed(futures), start=1):
                future.result()
                done(count)  # may raise to stop (the dashboard's Stop button)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # fits not yet started never start
            raise
        return [future.result() for future in futures]
