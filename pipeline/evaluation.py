"""Honest evaluation: track-grouped cross-validation, baselines, calibration and the backtest.

* Out-of-fold scores come from `pipeline.out_of_fold`: folds split by track,
  resampling inside training folds only, each fold's calibration fitted on inner
  folds of its own training rows. The baseline (`pipeline.baseline`: always the
  largest playlists) is scored beside them, on the same songs.
* Scores are reported for the model's own probabilities and after calibration;
  calibration never reorders playlists, so only the Brier score and the expected
  calibration error (ECE) move.
* Backtest: liked songs the person already filed are hidden from training; the
  model ranks playlists for them. "On songs I already sorted, it would have
  suggested the right playlist N% of the time."
* From the calibrated out-of-fold scores and the backtest, the precision-coverage
  curve of "suggest only when confidence >= t" (`pipeline.abstention`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from pipeline import metrics
from pipeline.abstention import precision_coverage, threshold_for_precision
from pipeline.baseline import scores as baseline_scores
from pipeline.config import RunConfig
from pipeline.features import track_frame
from pipeline.fitting import (TrainingRows, chosen_settings, fit_rows, inner_top_choices, predict_raw_and_calibrated,
                              predict_scores, training_history, training_rows_for)
from pipeline.library import Library
from pipeline.out_of_fold import FoldResult, OutOfFold, Progress, fold_tasks, run_all, threads_for

CHECKED_PRECISIONS = (0.7, 0.8, 0.9)
"""The ``--min-precision`` values whose thresholds are checked on held-out songs."""


@dataclass(frozen=True)
class Backtest:
    """Scores on liked songs already filed into playlists, with the model trained without them."""

    n: int
    accuracy: float | None
    top3: float | None
    macro_ap: float | None
    brier: float | None = None
    ece: float | None = None


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
    calibrated: metrics.Scores | None = None
    calibrated_backtest: Backtest | None = None
    reliability: dict[str, list[dict]] = field(default_factory=dict)
    precision_coverage: list[dict] = field(default_factory=list)
    threshold_checks: list[dict] = field(default_factory=list)
    chosen_params: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    fit_seconds: float = 0.0
    library_fingerprint: str = ""
    training_rows: int = 0
    """Median rows a fold's model trained on, copies of the sampler included (0: stored before it was counted)."""
    real_training_rows: int = 0
    """Median distinct playlist rows among them: ``training_rows - real_training_rows`` are copies or synthetic."""
    training_mb: float = 0.0
    """Median MB of encoded training data a fold's model was fitted on."""

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
                      "baseline_backtest": Backtest(**data["baseline_backtest"]),
                      "calibrated": _scores_or_none(data.get("calibrated")),
                      "calibrated_backtest": Backtest(**data["calibrated_backtest"])
                      if data.get("calibrated_backtest") else None})


def evaluate(library: Library, config: RunConfig, folds: int = 5, progress: Progress | None = None,
             only_folds: int | None = None, n_jobs: int | None = None, calibrate: bool = True) -> EvaluationResult:
    """Cross-validate ``config`` on the library's playlists and backtest it on filed liked songs.

    ``only_folds`` stops after that many folds (1 = a single track-grouped holdout of 1/folds).
    The folds and the backtest are independent fits; ``n_jobs`` threads run them side by side
    (default: one per core, at most 2; the neural net always runs them one after another).
    Every fit is seeded, so the result does not depend on ``n_jobs``. ``calibrate`` fits each
    model with its own calibration (inner folds: about three fits more per model).
    """
    rows = TrainingRows.from_library(library)
    report = progress or (lambda fraction, message: None)
    tasks = fold_tasks(library, config, rows, folds, calibrate)[:only_folds]
    tasks.append(lambda: run_backtest(library, config, rows, calibrate))
    report(0.0, f"fitting {len(tasks)} models: {len(tasks) - 1} folds and the backtest")
    *fold_results, backtest = run_all(
        tasks, threads_for(config, n_jobs),
        lambda done: report(0.95 * done / len(tasks), f"{done} of {len(tasks)} fits done"))
    oof = OutOfFold.from_folds(rows, fold_results)
    report(1.0, "done")
    largest = rows.largest_three
    baseline = baseline_scores(rows.labels, len(rows.playlist_ids), len(oof.items))
    return EvaluationResult(
        config=config, leaky=config.leaky, folds=folds, n_items=len(oof.items),
        metrics=metrics.score(oof.proba, oof.truth, largest),
        baseline=metrics.score(baseline, oof.truth, largest),
        per_playlist=metrics.per_playlist(oof.proba, oof.truth, rows.playlist_ids, rows.playlist_names, rows.sizes),
        confusion_labels=rows.playlist_names,
        confusion=metrics.normalised_confusion(oof.proba, oof.truth).round(4).tolist(),
        backtest=backtest.raw, baseline_backtest=backtest.baseline,
        calibrated=metrics.score(oof.calibrated, oof.truth, largest) if calibrate else None,
        calibrated_backtest=backtest.calibrated,
        reliability=_reliability(oof, backtest) if calibrate else {},
        precision_coverage=_precision_coverage(oof, backtest) if calibrate else [],
        threshold_checks=_threshold_checks(fold_results, oof, backtest) if calibrate else [],
        chosen_params=[f.chosen for f in fold_results if f.chosen] + ([backtest.chosen] if backtest.chosen else []),
        history=backtest.history or oof.history,
        fit_seconds=oof.fit_seconds,
        library_fingerprint=library.fingerprint(),
        training_rows=oof.training_rows, real_training_rows=oof.real_rows, training_mb=oof.training_mb,
    )


@dataclass(frozen=True)
class BacktestRun:
    """The backtest's scores (raw, calibrated, baseline) and its top choices for the curve."""

    raw: Backtest
    calibrated: Backtest | None
    baseline: Backtest
    confidence: np.ndarray
    correct: np.ndarray
    history: list[dict]
    inner: tuple[np.ndarray, np.ndarray] | None = None
    chosen: dict | None = None


def run_backtest(library: Library, config: RunConfig, rows: TrainingRows, calibrate: bool = True) -> BacktestRun:
    """Hide the filed liked songs from training, then rank playlists for them."""
    hidden = set(library.liked_in_playlists())
    if not hidden:
        empty = Backtest(0, None, None, None)
        return BacktestRun(empty, empty if calibrate else None, empty, np.zeros(0), np.zeros(0, dtype=bool), [],
                           (np.zeros(0), np.zeros(0, dtype=bool)) if calibrate else None)
    is_hidden = np.array([t in hidden for t in rows.track_ids])
    train = training_rows_for(config, rows, np.flatnonzero(~is_hidden))
    liked = library.liked[library.liked["track_id"].isin(hidden)]
    frame = track_frame(library, liked["track_id"], liked["added_at"])
    truth = rows.truth_for(liked["track_id"].to_numpy())
    model = fit_rows(config, library, rows, train, calibrate=calibrate)
    if calibrate:
        raw, calibrated = predict_raw_and_calibrated(model, frame, len(rows.playlist_ids))
    else:
        raw = calibrated = predict_scores(model, frame, len(rows.playlist_ids))
    baseline = baseline_scores(rows.labels[~is_hidden], len(rows.playlist_ids), len(frame))
    confidence, correct = metrics.top_choice(calibrated, truth)
    return BacktestRun(_backtest(raw, truth), _backtest(calibrated, truth) if calibrate else None,
                       _backtest(baseline, truth), confidence, correct, training_history(model),
                       inner_top_choices(model) if calibrate else None,
                       chosen_settings(model) if calibrate else None)


def _backtest(proba: np.ndarray, truth: np.ndarray) -> Backtest:
    return Backtest(n=len(truth), accuracy=float(metrics.hits_at(proba, truth, 1).mean()),
                    top3=float(metrics.hits_at(proba, truth, 3).mean()),
                    macro_ap=metrics.macro_average_precision(proba, truth),
                    brier=metrics.brier_score(proba, truth),
                    ece=metrics.expected_calibration_error(*metrics.top_choice(proba, truth)))


def _reliability(oof: OutOfFold, backtest: BacktestRun) -> dict[str, list[dict]]:
    """Reliability bins of the top choice: held-out tracks before and after calibration, and the
    backtest's songs after it."""
    return {"before": metrics.reliability(*metrics.top_choice(oof.proba, oof.truth)),
            "after": metrics.reliability(*metrics.top_choice(oof.calibrated, oof.truth)),
            "backtest": metrics.reliability(backtest.confidence, backtest.correct)}


def _precision_coverage(oof: OutOfFold, backtest: BacktestRun) -> list[dict]:
    """The curve over held-out playlist tracks and backtest songs together."""
    confidence, correct = metrics.top_choice(oof.calibrated, oof.truth)
    return precision_coverage(np.concatenate([confidence, backtest.confidence]),
                              np.concatenate([correct, backtest.correct]))


def _threshold_checks(folds: list[FoldResult], oof: OutOfFold, backtest: BacktestRun) -> list[dict]:
    """Asking for a precision, what do songs the threshold was not chosen on get?

    Each model picks its threshold from its own inner held-out tracks (as `suggest` does); it is
    applied to the tracks that model scores (its outer fold, or the backtest songs), pooled.
    """
    confidence, correct = metrics.top_choice(oof.calibrated, oof.truth)
    parts = [(f.inner, confidence[oof.fold == i], correct[oof.fold == i]) for i, f in enumerate(folds)]
    parts.append((backtest.inner, backtest.confidence, backtest.correct))
    checks = []
    for wanted in CHECKED_PRECISIONS:
        chosen, right, total = 0, 0, 0
        for (inner_confidence, inner_correct), scored, hits in parts:
            threshold = threshold_for_precision(inner_confidence, inner_correct, wanted)
            kept = scored >= threshold if threshold is not None else np.zeros(len(scored), dtype=bool)
            chosen, right, total = chosen + kept.sum(), right + hits[kept].sum(), total + len(scored)
        checks.append({"min_precision": wanted, "precision": float(right / chosen) if chosen else None,
                       "coverage": float(chosen / total) if total else 0.0})
    return checks


def _scores_or_none(data: dict | None) -> metrics.Scores | None:
    return metrics.Scores(**data) if data else None


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
