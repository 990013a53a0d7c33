"""What every playlist model shares: scikit-learn's classifier contract, sparse input, and a
prediction that is the most probable playlist (so only ``fit`` and ``predict_proba`` differ)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class PlaylistClassifier(ClassifierMixin, BaseEstimator):
    """Base of `WeightedKNN`, `OneVsRestLogistic`, `XGBPlaylistClassifier` and `PlaylistNet`:
    subclasses set ``classes_`` in ``fit`` and define ``predict_proba``."""

    def predict(self, X) -> np.ndarray:
        """Return the most probable playlist for each row of `X`."""
        proba = self.predict_proba(X)  # first, so an unfitted model raises NotFittedError
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
