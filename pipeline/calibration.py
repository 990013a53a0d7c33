"""Confidence that means what it says: calibrated playlist scores.

A classifier's raw probabilities are bent by how it was trained: class weights and
oversampling inflate small playlists, regularisation flattens everything. A
`ScoreCalibrator` maps every raw score ``p`` to

    q = sigmoid(a * logit(p) + b)

with one ``(a, b)`` for all playlists (Platt scaling pooled over every (track,
playlist) pair), fitted by maximum likelihood on out-of-fold scores against the
membership truth. ``q`` is the probability that the playlist holds the track: a
song's scores need not sum to 1, since it may fit several playlists or none. The
map is increasing, so no ranking changes: accuracy, top-3 and average precision
are the same before and after; only the confidence becomes honest.

`CalibratedPlaylistClassifier` wraps any classifier the way scikit-learn's
`CalibratedClassifierCV(ensemble=False)` does, with two differences: its inner
folds are grouped by track (rows of one track never straddle an inner split, so
the calibrator is fitted on scores of tracks the inner model never saw), and the
truth it calibrates against is every playlist that holds the track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted, column_or_1d, validate_data

from pipeline.metrics import macro_average_precision, top_choice

_EDGE = 1e-12  # scores are clipped to [_EDGE, 1 - _EDGE] before the logit


class ScoreCalibrator(BaseEstimator):
    """Pooled Platt scaling of (items x playlists) score matrices: ``q = sigmoid(a logit(p) + b)``.

    Attributes
    ----------
    slope_, intercept_ : float
        ``a`` and ``b``; (1, 0) is the identity, used when the truth has only one kind of pair.
        ``a`` is kept positive so the map never reverses an order: where higher scores were not
        more often right, it is near 0 and every score becomes the base rate.
    """

    def fit(self, proba: np.ndarray, truth: np.ndarray) -> "ScoreCalibrator":
        x, y = _logits(np.asarray(proba, dtype=float)).ravel(), np.asarray(truth, dtype=bool).ravel()
        self.slope_, self.intercept_ = 1.0, 0.0
        if 0 < y.sum() < len(y):
            # barely regularised: two parameters fitted on thousands of pairs
            fitted = LogisticRegression(C=1e4).fit(x[:, None], y)
            self.slope_, self.intercept_ = float(fitted.coef_[0, 0]), float(fitted.intercept_[0])
            if self.slope_ <= 0:
                # higher scores were not more often right: keep the order, report the base rate
                self.slope_, self.intercept_ = 1e-6, float(logit(y.mean()))
        return self

    def transform(self, proba: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "slope_")
        return expit(self.slope_ * _logits(np.asarray(proba, dtype=float)) + self.intercept_)


def _logits(proba: np.ndarray) -> np.ndarray:
    return logit(np.clip(proba, _EDGE, 1 - _EDGE))


@dataclass
class InnerScores:
    """One setting's inner folds: out-of-fold scores (tracks x classes), which classes hold each
    track, and the running sum of the folds' linear solutions (`add_solution`, `mean_solution`)."""

    proba: np.ndarray
    truth: np.ndarray
    coef_sum: np.ndarray | None = None
    intercept_sum: np.ndarray | None = None
    folds_per_class: np.ndarray | None = None
    linear: bool = True  # every fold so far had a multiclass linear solution of one shape

    def add_solution(self, model, classes: np.ndarray) -> None:
        """Add a fitted fold model's ``(coef_, intercept_)``, row by row to the classes it saw; a
        model that has none (not linear, binary, or another width) ends the sum for good."""
        step = _final_step(model)
        coef, intercept = getattr(step, "coef_", None), getattr(step, "intercept_", None)
        # a binary model's single row belongs to no class: coef_ then has fewer rows than classes_
        if (not self.linear or coef is None or np.ndim(intercept) != 1 or coef.shape[0] != len(step.classes_)
                or (self.coef_sum is not None and coef.shape[1] != self.coef_sum.shape[1])):
            self.linear = False
            return
        if self.coef_sum is None:
            self.coef_sum = np.zeros((len(classes), coef.shape[1]), dtype=coef.dtype)
            self.intercept_sum = np.zeros(len(classes), dtype=intercept.dtype)
            self.folds_per_class = np.zeros(len(classes), dtype=int)
        rows = np.searchsorted(classes, step.classes_)
        self.coef_sum[rows] += coef
        self.intercept_sum[rows] += intercept
        self.folds_per_class[rows] += 1

    def mean_solution(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per class, the mean solution over the folds that saw it (0 for a class none saw)."""
        if not self.linear or self.coef_sum is None:
            return None
        folds = np.maximum(self.folds_per_class, 1).astype(self.coef_sum.dtype)
        return self.coef_sum / folds[:, None], self.intercept_sum / folds


class CalibratedPlaylistClassifier(ClassifierMixin, BaseEstimator):
    """A classifier whose `predict_proba` is calibrated on its own out-of-fold scores.

    ``fit`` splits the rows into ``cv`` folds grouped by track (``groups``), fits a clone of
    ``estimator`` on each fold's complement, scores the fold's tracks, fits a `ScoreCalibrator`
    on those out-of-fold scores against every playlist that holds each track, then fits the
    estimator once more on all rows. Predictions are that last fit's scores, calibrated.

    With ``candidates``, the same inner folds also choose the estimator's settings: each
    candidate (``estimator.set_params(**candidate)``) is scored out of fold, the one with the
    highest macro average precision is calibrated and fitted on all rows. The choice adapts to
    the library at the cost of ``cv`` fits per extra candidate (cheaper for an estimator with
    ``warm_start``: each inner fold fits the candidates in turn on one estimator), and never sees
    a track the wrapper is later scored on.

    The last fit starts from the mean of the chosen setting's inner solutions when the estimator's
    final step is a linear model with ``warm_start`` (scikit-learn's `LogisticRegression`): the
    problem is convex, so it ends where a cold start would, in 25-45% fewer L-BFGS iterations. That
    needs the inner models' columns to be the final fit's: wrap the model, not an encoder (an
    encoder fitted per fold gives every fold its own columns; the start is then skipped if the
    shapes differ, and merely useless if they happen to agree).

    Parameters
    ----------
    estimator : classifier
        Anything with ``fit`` and ``predict_proba`` (here: the encode -> model pipeline).
    candidates : list of dict or None, default=None
        Parameter settings to choose between (first wins ties); None: the estimator as given.
    cv : int, default=3
        Inner folds. Fewer tracks than folds: as many folds as tracks; one track: no calibration.
    random_state : int, default=0
        Seeds the inner split.

    Attributes
    ----------
    estimator_ : the estimator fitted on all rows.
    calibrator_ : `ScoreCalibrator` fitted on the inner out-of-fold scores.
    classes_ : ndarray, the labels in column order.
    oof_proba_ : ndarray (tracks x classes), calibrated out-of-fold scores of the training tracks.
    oof_truth_ : ndarray of bool (tracks x classes), which classes hold each training track.
    chosen_params_ : dict, the candidate fitted (empty without candidates).
    candidate_scores_ : list of float, each candidate's inner macro average precision.
    """

    def __init__(self, estimator, *, candidates: list[dict] | None = None, cv: int = 3,
                 random_state: int = 0) -> None:
        self.estimator = estimator
        self.candidates = candidates
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y, groups=None, **fit_params) -> "CalibratedPlaylistClassifier":
        """Fit; ``groups`` names each row's track (default: every row its own track).

        ``fit_params`` go to the estimator's ``fit``; per-row arrays among them are cut per fold.
        """
        X, y = self._validated(X, y, reset=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        labels = np.searchsorted(self.classes_, y)
        settings = list(self.candidates or [{}])
        scored = self._out_of_fold(settings, X, labels, groups, fit_params)
        self.candidate_scores_ = [macro_average_precision(inner.proba, inner.truth) for inner in scored]
        best = int(np.argmax(self.candidate_scores_)) if len(settings) > 1 else 0
        chosen = scored[best]
        self.chosen_params_ = dict(settings[best])
        self.calibrator_ = ScoreCalibrator().fit(chosen.proba, chosen.truth)
        self.oof_proba_, self.oof_truth_ = self.calibrator_.transform(chosen.proba), chosen.truth
        self.estimator_ = _started_from(self._candidate(self.chosen_params_), chosen.mean_solution())
        self.estimator_.fit(X, y, **fit_params)
        return self

    def _candidate(self, setting: dict):
        return clone(self.estimator).set_params(**setting)

    def _out_of_fold(self, settings: list[dict], X, labels: np.ndarray, groups: np.ndarray,
                     fit_params: dict) -> list[InnerScores]:
        """Per setting, inner out-of-fold scores (one row per track), the multi-membership truth and
        the sum of the inner models' linear solutions.

        The folds are drawn once for every setting, and within a fold the settings are fitted in turn
        on one estimator: one with ``warm_start`` starts each from the previous setting's solution.
        """
        tracks, first_row, track_of_row = np.unique(groups, return_index=True, return_inverse=True)
        truth = np.zeros((len(tracks), len(self.classes_)), dtype=bool)
        truth[track_of_row, labels] = True
        # StratifiedGroupKFold needs some class with at least as many rows as folds
        folds = min(int(self.cv), len(tracks), int(np.bincount(labels).max()))
        if folds < 2:
            return [InnerScores(np.full(truth.shape, 1.0 / len(self.classes_)), truth, linear=False)
                    for _ in settings]
        scored = [InnerScores(np.zeros(truth.shape), truth) for _ in settings]
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        for train, test in splitter.split(np.zeros(len(labels)), labels, groups):
            held_out = np.intersect1d(first_row, test)  # one row per held-out track
            if len(np.unique(labels[train])) < 2:  # nothing to choose between: all on the one class seen
                for inner in scored:
                    inner.proba[track_of_row[held_out], labels[train][0]] = 1.0
                    inner.linear = False
                continue
            model, X_train, X_held_out = clone(self.estimator), _safe_indexing(X, train), _safe_indexing(X, held_out)
            for setting, inner in zip(settings, scored):
                model.set_params(**setting).fit(X_train, self.classes_[labels[train]],
                                                **_rows_of(fit_params, train, len(labels)))
                inner.proba[track_of_row[held_out]] = self._full_columns(model, X_held_out)
                inner.add_solution(model, self.classes_)
        return scored

    def _full_columns(self, model, X) -> np.ndarray:
        """``model``'s probabilities with a column per class of ours (classes it never saw score 0)."""
        full = np.zeros((_num_samples(X), len(self.classes_)))
        full[:, np.searchsorted(self.classes_, model.classes_)] = model.predict_proba(X)
        return full

    def predict_uncalibrated_proba(self, X) -> np.ndarray:
        """The wrapped estimator's own probabilities (rows sum to 1)."""
        check_is_fitted(self, "estimator_")
        return self._full_columns(self.estimator_, self._validated(X, reset=False))

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability that each class holds each row's track (rows need not sum to 1)."""
        raw = self.predict_uncalibrated_proba(X)  # checks it is fitted
        return self.calibrator_.transform(raw)

    def predict(self, X) -> np.ndarray:
        best = self.predict_proba(X).argmax(axis=1)
        return self.classes_[best]

    def inner_top_choices(self) -> tuple[np.ndarray, np.ndarray]:
        """Per training track, its inner out-of-fold top choice: calibrated confidence, and whether
        that class holds the track (where a threshold's precision is read from)."""
        check_is_fitted(self, "oof_proba_")
        return top_choice(self.oof_proba_, self.oof_truth_)

    def _validated(self, X, y=None, *, reset: bool):
        """Track frames (tuple cells, columns by name) pass as they are, for the wrapped pipeline to
        check; arrays and sparse matrices are checked here."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, skip_check_array=True, reset=reset)
            return X if y is None else (X, column_or_1d(y, warn=True))
        # fitting without y: validate_data itself says "requires y"
        return validate_data(self, X, y=y if reset else "no_validation", accept_sparse="csr", dtype=None,
                             ensure_all_finite=False, reset=reset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.input_tags = inner.input_tags
        return tags


def _final_step(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _started_from(estimator, solution: tuple[np.ndarray, np.ndarray] | None):
    """``estimator`` (unfitted), set to start its fit from ``solution`` when its final step warm-starts."""
    step = _final_step(estimator)
    if solution is not None and step.get_params().get("warm_start"):
        step.coef_, step.intercept_ = solution
    return estimator


def _rows_of(fit_params: dict, rows: np.ndarray, n_rows: int) -> dict:
    """Fit parameters for a subset of rows: per-row arrays are cut, everything else passes as is."""
    return {name: (_safe_indexing(value, rows) if hasattr(value, "__len__") and len(value) == n_rows else value)
            for name, value in fit_params.items()}
