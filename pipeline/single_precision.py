"""Logistic regression fitted in single precision: the same model, ~1.3-1.45x faster to fit on big libraries.

scikit-learn's L-BFGS logistic regression keeps float32 input in float32 (its loss, gradient and
coefficients), and a fit's time is the sparse products of the encoded rows with ~10^6 coefficients
(93 playlists x ~10k encoded columns on a 12k-row library). The encoder hands over float64; this
estimator converts it first. Measured on that library (one C = 1 fit, one thread, CPU seconds):
12.8 s in float64, 8.8 s in float32, in 93 and 91 iterations; a whole calibrated fit (inner folds,
both C, final fit) 1.32x (``bench/speed.py --precision``); macro-AP on 15 libraries in the README's
speed section. Scores are float32-accurate (probabilities within ~2e-5 of float64's on a toy
problem), far below any difference a calibrated confidence shows; a near-tie between two playlists,
or between the two C candidates, may swap.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression


class Float32LogisticRegression(LogisticRegression):
    """`sklearn.linear_model.LogisticRegression`, fitted and applied on float32 input.

    Parameters are `LogisticRegression`'s; ``coef_`` and ``intercept_`` are float32.
    """

    def fit(self, X, y, sample_weight=None) -> "Float32LogisticRegression":
        return super().fit(_single(X), y, sample_weight=sample_weight)

    def decision_function(self, X) -> np.ndarray:
        return super().decision_function(_single(X))


def _single(X):
    """``X`` as float32 (sparse stays sparse); anything not float64 passes unchanged for validation."""
    dtype = getattr(X, "dtype", None)
    return X.astype(np.float32) if dtype == np.float64 else X
