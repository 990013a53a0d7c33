"""Imbalance strategies: none, random oversampling, SMOTE, class weights — and the leaky demo.

The honest ones act only on training folds: samplers sit inside an
`imblearn.pipeline.Pipeline` (which resamples during ``fit`` only), class weights
are per-sample weights passed at fit time. ``leaky`` is the labelled
demonstration of the blog's mistake: oversample every playlist to the largest
*before* splitting, so copies of the same song land on both sides of the split.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE, RandomOverSampler

PARAMS_OF_STRATEGY = {"class_weights": ("class_weight_power",), "smote": ("smote_k",)}
STRATEGY_PARAMS = tuple(name for names in PARAMS_OF_STRATEGY.values() for name in names)
"""Run parameters that belong to the strategy, not to the model."""


def make_sampler(strategy: str, seed: int, smote_k: int = 5):
    """The resampling step for a pipeline, or None when the strategy does not resample."""
    if strategy == "oversample":
        return RandomOverSampler(random_state=seed)
    if strategy == "smote":
        return FunctionSampler(func=adaptive_smote, validate=False,
                               kw_args={"k_neighbors": int(smote_k), "seed": seed})
    return None


def rows_after_resampling(strategy: str, y: np.ndarray) -> int:
    """How many rows a model trains on after the strategy's sampler: every playlist brought up to
    the largest for random oversampling and SMOTE (`make_sampler`), the rows themselves otherwise."""
    if strategy not in ("oversample", "smote") or len(y) == 0:
        return len(y)
    counts = np.unique(y, return_counts=True)[1]
    return int(len(counts) * counts.max())


def class_weights(y: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Per-sample weights ``(n / (k * n_c)) ** power``: 0 = unweighted, 1 = fully balanced.

    Weights are rescaled to average 1 so learning rates and regularisation keep their meaning.
    """
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    balanced = len(y) / (len(labels) * counts.astype(float))
    weights = balanced[inverse] ** float(power)
    return weights / weights.mean()


def adaptive_smote(X, y, k_neighbors: int = 5, seed: int = 0):
    """SMOTE every playlist up to the largest, with ``k`` shrunk for small playlists.

    A playlist with n tracks uses ``min(k_neighbors, n - 1)`` neighbours; a playlist with a
    single track cannot be interpolated and is randomly duplicated instead (documented fallback).
    """
    y = np.asarray(y)
    counts = Counter(y.tolist())
    target = max(counts.values())
    new_X, new_y = [], []
    by_k: dict[int, list] = {}
    for label, count in counts.items():
        if count < target:
            by_k.setdefault(min(int(k_neighbors), count - 1), []).append(label)
    for k, labels in sorted(by_k.items(), key=lambda item: item[0]):
        strategy = {label: target for label in labels}
        if k < 1:
            sampler = RandomOverSampler(sampling_strategy=strategy, random_state=seed)
        else:
            sampler = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
        X_res, y_res = sampler.fit_resample(X, y)
        new_X.append(X_res[len(y):])
        new_y.append(y_res[len(y):])
    if not new_X:
        return X, y
    stack = sp.vstack if sp.issparse(X) else np.vstack
    return stack([X, *new_X]), np.concatenate([y, *new_y])


def leaky_oversample_indices(y: np.ndarray, seed: int) -> np.ndarray:
    """Row indices after oversampling every class to the largest, *before* any split (the leak)."""
    sampler = RandomOverSampler(random_state=seed)
    sampler.fit_resample(np.zeros((len(y), 1)), np.asarray(y))
    return np.asarray(sampler.sample_indices_)
