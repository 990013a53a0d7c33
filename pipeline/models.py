"""Model registry: each model's builder, its defaults and its Optuna search space, side by side.

Every model is a scikit-learn classifier (``fit(X, y, sample_weight=...)``,
``predict_proba``, ``classes_``), so class weights reach all of them as
per-sample weights. The Keras net lives in `pipeline.neural_net` and imports
Keras only when it is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from pipeline.config import ConfigError, Encoding
from pipeline.playlist_classifier import PlaylistClassifier
from pipeline.single_precision import Float32LogisticRegression


class WeightedKNN(PlaylistClassifier):
    """K nearest neighbours whose votes are scaled by class weight.

    ``KNeighborsClassifier`` takes no sample weights, so class weights enter as a
    prior correction: ``p(c | x) ∝ p_knn(c | x) · w_c`` with ``w_c`` the mean
    sample weight of class c in training. Without weights it is plain KNN.

    Parameters
    ----------
    n_neighbors : int, default=15
        Neighbours that vote for each track (at most the number of training rows).
    weights : {"uniform", "distance"}, default="distance"
        How each neighbour's vote is weighted, as in `KNeighborsClassifier`.
    metric : str, default="cosine"
        Distance between tracks, as in `KNeighborsClassifier`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Playlist labels, in the column order of `predict_proba`.
    class_weight_ : ndarray of shape (n_classes,)
        ``w_c``: the mean sample weight of each class in training (ones without weights).
    knn_ : KNeighborsClassifier
        The fitted neighbour search.
    n_features_in_ : int
        Number of input features seen in `fit`.
    """

    def __init__(self, n_neighbors: int = 15, weights: str = "distance", metric: str = "cosine") -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.metric = metric

    def fit(self, X, y, sample_weight=None) -> "WeightedKNN":
        """Remember the training tracks `X` (dense or CSR) and labels `y`; return self."""
        X, y = validate_data(self, X, y, accept_sparse="csr", reset=True)
        check_classification_targets(y)
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.knn_ = KNeighborsClassifier(n_neighbors=min(self.n_neighbors, X.shape[0]), weights=self.weights,
                                         metric=self.metric, algorithm="brute")
        self.knn_.fit(X, y)
        self.classes_ = self.knn_.classes_
        labels = np.searchsorted(self.classes_, y)
        self.class_weight_ = np.bincount(labels, sample_weight) / np.bincount(labels)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Return (n_samples, n_classes) probabilities, columns as `classes_`."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        proba = self.knn_.predict_proba(X) * self.class_weight_
        totals = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, totals, out=np.full_like(proba, 1 / proba.shape[1]), where=totals > 0)


class OneVsRestLogistic(PlaylistClassifier):
    """Logistic regression one playlist at a time: ``p(c | x) ∝ sigmoid(w_c · x + b_c)``.

    One binary, L2-penalised logistic regression per playlist (that playlist against the rest,
    liblinear's trust-region Newton method on the sparse rows), the sigmoids normalised to sum
    to 1 per track: ``--params '{"multi_class": "ovr"}'``. The softmax default (L-BFGS) learns
    every playlist's coefficients in one problem of ``n_features x n_playlists`` unknowns and holds
    the GIL; this fits ~3x faster on a 93-playlist export and releases the GIL, but lost up to
    0.006 macro-AP on one TidyTuesday cut (bench/quality.py --table --configs default ovr), so it
    is not the default.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 penalty, per (weighted) row, as in `LogisticRegression`.
    tol : float, default=1e-4
        Stopping tolerance of each binary fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Playlist labels, in the column order of `predict_proba`.
    coef_ : ndarray of shape (n_classes, n_features)
        ``w_c``, one row per playlist (zeros when training saw a single playlist).
    intercept_ : ndarray of shape (n_classes,)
        ``b_c``.
    n_features_in_ : int
        Number of input features seen in `fit`.
    """

    def __init__(self, C: float = 1.0, tol: float = 1e-4) -> None:
        self.C = C
        self.tol = tol

    def fit(self, X, y, sample_weight=None) -> "OneVsRestLogistic":
        """Fit one binary model per playlist on `X` (dense or CSR) and labels `y`; return self."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, reset=True)
        check_classification_targets(y)
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.classes_ = np.unique(y)
        self.coef_ = np.zeros((len(self.classes_), X.shape[1]))
        self.intercept_ = np.zeros(len(self.classes_))
        if len(self.classes_) == 1:
            return self
        binary = LogisticRegression(C=self.C, tol=self.tol, solver="liblinear")
        for row, label in enumerate(self.classes_):
            fitted = binary.fit(X, y == label, sample_weight=sample_weight)
            self.coef_[row], self.intercept_[row] = fitted.coef_[0], fitted.intercept_[0]
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Return (n_samples, n_classes) probabilities, columns as `classes_`."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        if len(self.classes_) == 1:
            return np.ones((X.shape[0], 1))
        proba = expit(safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba


class XGBPlaylistClassifier(PlaylistClassifier):
    """XGBoost with labels of any kind (XGBoost itself wants 0..k-1 with none missing).

    Columns non-zero in fewer than ``min_column_rows`` training rows (an artist,
    album or genre seen once or twice) are dropped before boosting: with the
    default ``min_child_weight`` no split could isolate them anyway, and split
    search over thousands of such columns was most of the fitting time. NaN
    cells are XGBoost's missing values. Trained on a single playlist, it puts
    every track there.

    Parameters
    ----------
    n_estimators : int, default=100
        Boosting rounds.
    max_depth : int, default=3
        Depth of each tree.
    learning_rate : float, default=0.15
        Shrinkage applied to each round.
    subsample, colsample_bytree : float, default=0.8 and 0.6
        Share of the rows drawn for each round, and of the columns for each tree.
    min_child_weight, reg_lambda : float, default=1.0
        Smallest hessian weight in a leaf, and the L2 penalty on leaf values.
    max_bin : int, default=32
        Histogram bins per column (``tree_method="hist"``).
    min_column_rows : int, default=5
        Columns non-zero in fewer training rows are left out (1 or less keeps all).
    random_state : int, default=0
        Seeds XGBoost's row and column sampling.
    n_jobs : int, default=1
        XGBoost's threads.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Playlist labels, in the column order of `predict_proba`.
    columns_ : ndarray of int or None
        The columns boosted on (None: all of them).
    booster_ : xgboost.XGBClassifier or None
        The fitted booster (None when training saw a single playlist).
    n_features_in_ : int
        Number of input features seen in `fit`.
    """

    # Defaults measured with bench/xgboost_defaults.py: 100 rounds of depth-3 trees at rate 0.15 without
    # columns seen in fewer than 5 rows scored higher macro-AP than 150 rounds of depth 4 at 0.1 on
    # all columns (demo 0.689 -> 0.713, deadda7a 0.629 -> 0.660, seankmchenry 0.658 -> 0.670) and
    # fitted 6-8x faster.
    def __init__(self, n_estimators: int = 100, max_depth: int = 3, learning_rate: float = 0.15,
                 subsample: float = 0.8, colsample_bytree: float = 0.6, min_child_weight: float = 1.0,
                 reg_lambda: float = 1.0, max_bin: int = 32, min_column_rows: int = 5,
                 random_state: int = 0, n_jobs: int = 1) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin  # 32 bins: ~10x faster than 256 on one-hot artists
        self.min_column_rows = min_column_rows
        self.random_state = random_state
        self.n_jobs = n_jobs  # one thread: on a busy 2-core machine two spin-waiting threads ran 6x slower

    def fit(self, X, y, sample_weight=None) -> "XGBPlaylistClassifier":
        """Boost on features `X` (dense or CSR) and labels `y`; return self."""
        X, y = validate_data(self, X, y, accept_sparse="csr", ensure_all_finite="allow-nan", reset=True)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        self.encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.encoder_.classes_
        self.columns_ = _columns_with_rows(X, self.min_column_rows)
        if len(self.classes_) == 1:
            self.booster_ = None  # one playlist: nothing to learn, every track belongs to it
            return self
        from xgboost import XGBClassifier

        params = {k: v for k, v in self.get_params().items() if k != "min_column_rows"}
        # two playlists: XGBoost's multi-class objective rejects num_class=2 ("num_class >= 1")
        binary = len(self.classes_) == 2
        self.booster_ = XGBClassifier(**params, tree_method="hist", verbosity=0,
                                      objective="binary:logistic" if binary else "multi:softprob",
                                      eval_metric="logloss" if binary else "mlogloss")
        self.booster_.fit(_take_columns(X, self.columns_), self.encoder_.transform(y), sample_weight=sample_weight)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Return (n_samples, n_classes) probabilities, columns as `classes_`."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", ensure_all_finite="allow-nan", reset=False)
        if self.booster_ is None:
            return np.ones((X.shape[0], 1))
        proba = self.booster_.predict_proba(_take_columns(X, self.columns_))
        return proba if proba.ndim == 2 else np.column_stack([1 - proba, proba])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _columns_with_rows(X, minimum: int) -> np.ndarray | None:
    """Columns non-zero in at least ``minimum`` rows (None: keep all)."""
    if minimum <= 1:
        return None
    # stored entries per column (CSR's getnnz(axis=0), which scipy's sparse arrays lack)
    counts = (np.bincount(X.tocsr().indices, minlength=X.shape[1]) if sp.issparse(X)
              else np.count_nonzero(np.asarray(X), axis=0))
    kept = np.flatnonzero(counts >= minimum)
    return kept if len(kept) else None


def _take_columns(X, columns: np.ndarray | None):
    if columns is None:
        return X
    return X.tocsr()[:, columns] if sp.issparse(X) else np.asarray(X)[:, columns]


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model and where Optuna may look for its parameters."""

    name: str
    build: Callable[[dict[str, Any], int], BaseEstimator]
    defaults: dict[str, Any]
    search_space: Callable[[Any], dict[str, Any]]
    # trees split raw values already: spline columns only slowed XGBoost (1.5x) and lowered its
    # macro-AP (demo 0.720 -> 0.689, deadda7a 0.657 -> 0.629), so its encoder skips them
    splines: bool = True
    per_library: dict[str, tuple] = field(default_factory=dict)
    """Parameters a calibrated fit chooses per library on its inner folds, among these values,
    unless the run sets them (the first value is the default of an uncalibrated fit)."""

    def choices_for(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every combination of the per-library values the run leaves open ([] when none)."""
        open_params = {name: values for name, values in self.per_library.items() if name not in params}
        if not open_params:
            return []
        names = list(open_params)
        return [dict(zip(names, combo)) for combo in product(*(open_params[n] for n in names))]


def _logreg(params: dict, seed: int) -> BaseEstimator:
    """Softmax (multinomial) by default; ``multi_class="ovr"`` is `OneVsRestLogistic`.

    ``warm_start``: a calibrated fit tries C = 1 then C = 10 on one estimator per inner fold, and
    C = 10 then starts from the C = 1 coefficients (~40% fewer L-BFGS iterations, same optimum);
    its last fit starts from the mean of the inner folds' solutions (`CalibratedPlaylistClassifier`:
    seankmchenry 176 -> 101 iterations). A fresh clone has no coefficients, so a plain fit starts cold.
    ``precision``: ``"single"`` (default) fits in float32 (`pipeline.single_precision`, ~1.4x
    faster), ``"double"`` in float64 as scikit-learn does.
    """
    params = dict(params)
    multi_class = params.pop("multi_class", "multinomial")
    precision = params.pop("precision", "single")
    if precision not in ("single", "double"):
        raise ConfigError(f"precision must be 'single' or 'double', not '{precision}'")
    if multi_class == "multinomial":
        estimator = Float32LogisticRegression if precision == "single" else LogisticRegression
        return estimator(**{"max_iter": 3000, "random_state": seed, "warm_start": True, **params})
    if multi_class != "ovr":
        raise ConfigError(f"multi_class must be 'multinomial' or 'ovr', not '{multi_class}'")
    return OneVsRestLogistic(**params)


def _logreg_space(trial) -> dict:
    return {"C": trial.suggest_float("C", 0.01, 30.0, log=True)}


def _knn(params: dict, seed: int) -> BaseEstimator:
    return WeightedKNN(**params)


def _knn_space(trial) -> dict:
    return {"n_neighbors": trial.suggest_int("n_neighbors", 3, 60, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"]),
            "metric": trial.suggest_categorical("metric", ["cosine", "euclidean", "manhattan"])}


def _xgboost(params: dict, seed: int) -> BaseEstimator:
    return XGBPlaylistClassifier(random_state=seed, **params)


def _xgboost_space(trial) -> dict:
    # rounds x depth bounded so one trial stays within a few of the default's fitting time
    return {"n_estimators": trial.suggest_int("n_estimators", 40, 300, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 6),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.4, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.2, 1.0),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 10.0, log=True),
            "reg_lambda": trial.suggest_float("reg_lambda", 0.1, 10.0, log=True),
            "min_column_rows": trial.suggest_int("min_column_rows", 2, 12, log=True)}


def _nn(params: dict, seed: int) -> BaseEstimator:
    from pipeline.neural_net import PlaylistNet

    return PlaylistNet(random_state=seed, **params)


def _nn_space(trial) -> dict:
    return {"hidden_layers": trial.suggest_int("hidden_layers", 1, 5),
            "units": trial.suggest_categorical("units", [32, 64, 128, 256]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
            "l2": trial.suggest_float("l2", 1e-6, 1e-2, log=True)}


def _dummy(params: dict, seed: int) -> BaseEstimator:
    return DummyClassifier(strategy=params.get("strategy", "prior"), random_state=seed)


MODELS: dict[str, ModelSpec] = {
    # C per library: audio-driven libraries gained from weaker regularisation (TidyTuesday cuts: C=10
    # raised macro-AP 2-5%), artist-driven ones lost (demo -4%, deadda7a); bench/quality.py --table
    "logreg": ModelSpec("logreg", _logreg, {"C": 1.0}, _logreg_space, per_library={"C": (1.0, 10.0)}),
    "knn": ModelSpec("knn", _knn, {"n_neighbors": 15, "weights": "distance", "metric": "cosine"}, _knn_space),
    "xgboost": ModelSpec("xgboost", _xgboost, {}, _xgboost_space, splines=False),
    "nn": ModelSpec("nn", _nn, {}, _nn_space),
    "dummy": ModelSpec("dummy", _dummy, {"strategy": "prior"}, lambda trial: {}),
}


def model_encoding(name: str, encoding: Encoding) -> Encoding:
    """The encoding a model actually trains on (XGBoost skips splines)."""
    spec = MODELS.get(name)
    return encoding if spec is None or spec.splines else replace(encoding, splines=False)


def build_model(name: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    """A fresh, unfitted classifier; unknown models or parameters raise `ConfigError`."""
    if name not in MODELS:
        raise ConfigError(f"unknown model '{name}' (choose from: {', '.join(MODELS)})")
    spec = MODELS[name]
    merged = {**spec.defaults, **params}
    try:
        return spec.build(merged, seed)
    except TypeError as error:
        raise ConfigError(f"bad parameters for model '{name}': {error}") from None
