"""Honest evaluation: track-grouped cross-validation, baselines, and the backtest on liked songs.

* Folds split by track (`StratifiedGroupKFold`): a track's rows never straddle
  train and test, and resampling happens inside the training fold only.
* Each held-out track is scored once; out-of-fold predictions are pooled and
  scored with `pipeline.metrics`. A prior-only dummy on the same folds is the
  baseline beside every score.
* Backtest: liked songs the person already filed are hidden from training; the
  model ranks playlists for them. "On songs I already sorted, it would have
  suggested the right playlist N% of the time."
* ``leaky`` reproduces the blog's mistake for the Compare page: oversample first,
  then split rows without grouping, so copies of a song sit on both sides.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import islice
from typing import Any, Callable, Iterator

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from pipeline import metrics
from pipeline.config import ConfigError, RunConfig
from pipeline.features import track_frame
from pipeline.fitting import (ONE_BLAS_THREAD, TrainingRows, fit_rows, predict_scores, prior_scores,
                              training_rows_for)
from pipeline.imbalance import leaky_oversample_indices
from pipeline.library import Library

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Backtest:
    """Scores on liked songs already filed into playlists, with the model trained without them."""

    n: int
    accuracy: float | None
    top3: float | None
    macro_ap: float | None


@dataclass(frozen=True)
class EvaluationResult:
    """Everything the CLI prints and the dashboard draws, as plain data."""

    config: RunConfig
    leaky: bool
    folds: int
    n_items: int
    metrics: metrics.Scores
    baseline: metrics.Scores
    per_playlist: list[metrics.PlaylistScore]
    confusion_labels: list[str]
    confusion: list[list[float]]
    backtest: Backtest
    baseline_backtest: Backtest
    history: list[dict] = field(default_factory=list)
    fit_seconds: float = 0.0
    library_fingerprint: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["config"] = self.config.to_dict()
        return _finite(data)

    @classmethod
    def from_dict(cls, data: dict) -> "EvaluationResult":
        data = dict(data)
        return cls(**{**data, "config": RunConfig.from_dict(data["config"]),
                      "metrics": metrics.Scores(**data["metrics"]),
                      "baseline": metrics.Scores(**data["baseline"]),
                      "per_playlist": [metrics.PlaylistScore(**{**p, "ap": _nan(p["ap"])})
                                       for p in data["per_playlist"]],
                      "backtest": Backtest(**data["backtest"]),
                      "baseline_backtest": Backtest(**data["baseline_backtest"])})


def evaluate(library: Library, config: RunConfig, folds: int = 5, progress: Progress | None = None,
             only_folds: int | None = None, n_jobs: int | None = None) -> EvaluationResult:
    """Cross-validate ``config`` on the library's playlists and backtest it on filed liked songs.

    ``only_folds`` stops after that many folds (1 = a single track-grouped holdout of 1/folds).
    The folds and the backtest are independent fits; ``n_jobs`` threads run them side by side
    (default: one per core, at most 2; the neural net always runs them one after another).
    Every fit is seeded, so the result does not depend on ``n_jobs``.
    """
    rows = TrainingRows.from_library(library)
    report = progress or (lambda fraction, message: None)
    tasks = list(islice(fold_tasks(library, config, rows, folds), only_folds))
    tasks.append(lambda: run_backtest(library, config, rows))
    report(0.0, f"fitting {len(tasks)} models: {len(tasks) - 1} folds and the backtest")
    *fold_results, (backtest, baseline_backtest, history) = _run_all(
        tasks, _threads(config, n_jobs), lambda done: report(0.95 * done / len(tasks),
                                                              f"{done} of {len(tasks)} fits done"))
    items = np.concatenate([f.items for f in fold_results])
    proba = np.vstack([f.proba for f in fold_results])
    base = np.vstack([f.baseline for f in fold_results])
    truth = rows.truth_for(rows.track_ids[items])
    report(1.0, "done")
    return EvaluationResult(
        config=config, leaky=config.leaky, folds=folds, n_items=len(items),
        metrics=metrics.score(proba, truth, rows.largest_three),
        baseline=metrics.score(base, truth, rows.largest_three),
        per_playlist=metrics.per_playlist(proba, truth, rows.playlist_ids, rows.playlist_names, rows.sizes),
        confusion_labels=rows.playlist_names,
        confusion=metrics.normalised_confusion(proba, truth).round(4).tolist(),
        backtest=backtest, baseline_backtest=baseline_backtest,
        history=history or next((f.history for f in fold_results if f.history), []),
        fit_seconds=float(np.median([f.fit_seconds for f in fold_results])),
        library_fingerprint=library.fingerprint(),
    )


def _threads(config: RunConfig, n_jobs: int | None) -> int:
    if config.model == "nn":  # Keras seeds and trains through process-wide state
        return 1
    return max(1, n_jobs if n_jobs is not None else min(2, os.cpu_count() or 1))


def _run_all(tasks: list[Callable[[], Any]], n_jobs: int, done: Callable[[int], None]) -> list:
    """Results of ``tasks`` in order, ``n_jobs`` at a time; ``done`` hears how many have finished.

    Threads, not processes: they need no pickling or start-up, and XGBoost, the slowest fit,
    releases the GIL (demo, 5 folds + backtest: 4.8 s with one thread, 2.8 s with two). SciPy's
    L-BFGS holds it, so logistic regression neither gains nor loses.
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


@dataclass(frozen=True)
class FoldResult:
    """Out-of-fold predictions for one test fold (``items`` index the training rows)."""

    items: np.ndarray
    proba: np.ndarray
    baseline: np.ndarray
    fit_seconds: float
    history: list[dict]


def iterate_folds(library: Library, config: RunConfig, rows: TrainingRows, folds: int,
                  report: Progress) -> Iterator[FoldResult]:
    """Fit and predict fold by fold (tuning prunes between folds)."""
    for number, task in enumerate(fold_tasks(library, config, rows, folds)):
        report(0.85 * number / folds, f"fold {number + 1} of {folds}")
        yield task()


def fold_tasks(library: Library, config: RunConfig, rows: TrainingRows,
               folds: int) -> list[Callable[[], FoldResult]]:
    """One callable per fold that fits on its training rows and scores its held-out tracks."""
    if folds < 2:
        raise ConfigError(f"need at least 2 folds, not {folds}")
    tracks = len(set(rows.track_ids))
    if folds > tracks:
        raise ConfigError(f"{folds} folds need at least {folds} tracks; the playlists hold {tracks}")
    order, splits = split_rows(rows, folds, config)
    return [partial(_fit_fold, library, config, rows, order[train], order[test]) for train, test in splits]


def _fit_fold(library: Library, config: RunConfig, rows: TrainingRows, train: np.ndarray,
              test: np.ndarray) -> FoldResult:
    if not config.leaky:
        # score each held-out track once, not once per playlist row
        test = test[np.unique(rows.track_ids[test], return_index=True)[1]]
    n_playlists = len(rows.playlist_ids)
    frame = track_frame(library, rows.track_ids[test], rows.added_at.iloc[test])
    started = time.perf_counter()
    model = fit_rows(config, library, rows, train)
    seconds = time.perf_counter() - started
    proba = predict_scores(model, frame, n_playlists)
    baseline = prior_scores(rows, train, len(test))
    return FoldResult(test, proba, baseline, seconds, list(getattr(model[-1], "history_", []) or []))


def split_rows(rows: TrainingRows, folds: int, config: RunConfig):
    """Row order and (train, test) index pairs into it: grouped by track, or leaky."""
    if config.leaky:
        order = leaky_oversample_indices(rows.labels, config.seed)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
        return order, list(splitter.split(order, rows.labels[order]))
    order = np.arange(len(rows.labels))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    return order, list(splitter.split(order, rows.labels, groups=rows.track_ids))


def run_backtest(library: Library, config: RunConfig,
                 rows: TrainingRows) -> tuple[Backtest, Backtest, list[dict]]:
    """Hide the filed liked songs from training, then rank playlists for them."""
    hidden = set(library.liked_in_playlists())
    if not hidden:
        empty = Backtest(0, None, None, None)
        return empty, empty, []
    is_hidden = np.array([t in hidden for t in rows.track_ids])
    train = training_rows_for(config, rows, np.flatnonzero(~is_hidden))
    liked = library.liked[library.liked["track_id"].isin(hidden)]
    frame = track_frame(library, liked["track_id"], liked["added_at"])
    truth = rows.truth_for(liked["track_id"].to_numpy())
    model = fit_rows(config, library, rows, train)
    baseline = prior_scores(rows, train, len(frame))
    proba = predict_scores(model, frame, len(rows.playlist_ids))
    history = list(getattr(model[-1], "history_", []) or [])
    return _backtest(proba, truth), _backtest(baseline, truth), history


def _backtest(proba: np.ndarray, truth: np.ndarray) -> Backtest:
    return Backtest(n=len(truth), accuracy=float(metrics.hits_at(proba, truth, 1).mean()),
                    top3=float(metrics.hits_at(proba, truth, 3).mean()),
                    macro_ap=float(np.nanmean(metrics.average_precisions(proba, truth))))


def _finite(value):
    """NaN and inf become None so results are strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _nan(value):
    return float("nan") if value is None else value
