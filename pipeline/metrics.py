"""Scores for ranked playlist predictions where a track may belong to several playlists.

Inputs are a probability matrix ``proba`` (items x playlists) and a boolean
``truth`` matrix of the same shape (True where the item's track sits in that
playlist). A track in several playlists counts as correctly predicted when the
top prediction is any playlist that holds it.

How such a track enters the confusion matrix (and so precision, recall, F1 and
balanced accuracy): when the predicted playlist holds it, one count on that
playlist's diagonal; otherwise its one count is shared equally among the rows of
the playlists that hold it (1/k each) in the predicted column. Every item
therefore adds exactly one count, and the diagonal sum equals top-1 hits.

Confidence is judged on the top choice: its score is the confidence, whether the
playlist holds the track is the outcome. The expected calibration error (ECE)
bins the top choices by confidence (10 equal-width bins) and averages
``|mean confidence - share right|`` weighted by bin size; the Brier score is
the mean squared error of every (track, playlist) score against the 0/1 truth,
summed over playlists and averaged over tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score


@dataclass(frozen=True)
class Scores:
    """The headline numbers (all in 0..1, except skew which is a difference of shares)."""

    accuracy: float
    top3: float
    macro_f1: float
    balanced_accuracy: float
    macro_ap: float
    skew: float
    brier: float = float("nan")
    ece: float = float("nan")


@dataclass(frozen=True)
class PlaylistScore:
    """One playlist's row of the report."""

    playlist_id: str
    playlist_name: str
    size: int
    precision: float
    recall: float
    f1: float
    ap: float
    true_share: float
    predicted_share: float


def hits_at(proba: np.ndarray, truth: np.ndarray, k: int) -> np.ndarray:
    """Per item: does any of the k highest-scored playlists hold the track?"""
    k = min(k, proba.shape[1])
    top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(truth, top, axis=1).any(axis=1)


def confusion(proba: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Counts (true playlist rows x predicted playlist columns), multi-membership as documented above."""
    n_items, n_classes = proba.shape
    predicted = proba.argmax(axis=1)
    matrix = np.zeros((n_classes, n_classes))
    correct = truth[np.arange(n_items), predicted]
    np.add.at(matrix, (predicted[correct], predicted[correct]), 1.0)
    wrong = np.flatnonzero(~correct)
    share = truth[wrong] / np.maximum(truth[wrong].sum(axis=1, keepdims=True), 1)
    for column in np.unique(predicted[wrong]):
        matrix[:, column] += share[predicted[wrong] == column].sum(axis=0)
    return matrix


def average_precisions(proba: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per playlist: AP of ranking the items by that playlist's probability (NaN without positives)."""
    result = np.full(proba.shape[1], np.nan)
    for column in np.flatnonzero(truth.any(axis=0)):
        result[column] = average_precision_score(truth[:, column], proba[:, column])
    return result


def top_choice(proba: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the highest score (the confidence) and whether that playlist holds the track."""
    best = proba.argmax(axis=1)
    rows = np.arange(len(proba))
    return proba[rows, best], truth[rows, best]


def brier_score(proba: np.ndarray, truth: np.ndarray) -> float:
    """Squared error of every score against the 0/1 truth, summed over playlists, averaged over items."""
    return float(((proba - truth) ** 2).sum(axis=1).mean()) if len(proba) else float("nan")


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[dict]:
    """Per non-empty confidence bin: its edges, mean confidence, share right and item count."""
    # bin b holds [b / bins, (b + 1) / bins); the nudge keeps 0.3 out of the bin below 0.3 * 10 = 2.99..
    which = np.clip(np.floor(np.asarray(confidence, dtype=float) * bins + 1e-9).astype(int), 0, bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            table.append({"low": b / bins, "high": (b + 1) / bins,
                          "confidence": float(confidence[inside].mean()),
                          "accuracy": float(np.mean(correct[inside])), "count": int(inside.sum())})
    return table


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Bin-size-weighted mean gap between confidence and accuracy (0 = perfectly calibrated)."""
    if len(confidence) == 0:
        return float("nan")
    return float(sum(row["count"] * abs(row["confidence"] - row["accuracy"])
                     for row in reliability(confidence, correct, bins)) / len(confidence))


def calibration_noise_floor(bins: list[dict]) -> float:
    """The ECE a perfectly calibrated model would still show on this few items, given `reliability`
    bins: per bin, the expected gap ``sqrt(2 / pi * c (1 - c) / n)`` of a mean of n coin flips
    from their probability c, weighted by bin size. Below it, a lower ECE means nothing."""
    total = sum(row["count"] for row in bins)
    if not total:
        return float("nan")
    return float(sum(row["count"] * np.sqrt(2 / np.pi * row["confidence"] * (1 - row["confidence"]) / row["count"])
                     for row in bins) / total)


def macro_average_precision(proba: np.ndarray, truth: np.ndarray) -> float:
    """Mean of `average_precisions` over the playlists that hold some item (0 when none does)."""
    return float(np.nanmean(average_precisions(proba, truth))) if truth.any() else 0.0


def score(proba: np.ndarray, truth: np.ndarray, largest: np.ndarray) -> Scores:
    """Headline `Scores`; ``largest`` holds the column indices of the three largest playlists."""
    matrix = confusion(proba, truth)
    precision, recall, f1 = _precision_recall_f1(matrix)
    support = matrix.sum(axis=1) > 0
    total = max(matrix.sum(), 1.0)
    skew = (matrix[:, largest].sum() - matrix[largest, :].sum()) / total
    return Scores(
        accuracy=float(hits_at(proba, truth, 1).mean()),
        top3=float(hits_at(proba, truth, 3).mean()),
        macro_f1=float(f1[support].mean()) if support.any() else 0.0,
        balanced_accuracy=float(recall[support].mean()) if support.any() else 0.0,
        macro_ap=macro_average_precision(proba, truth),
        skew=float(skew),
        brier=brier_score(proba, truth),
        ece=expected_calibration_error(*top_choice(proba, truth)),
    )


def per_playlist(proba: np.ndarray, truth: np.ndarray, ids: list[str], names: list[str],
                 sizes: list[int]) -> list[PlaylistScore]:
    """One `PlaylistScore` per playlist column."""
    matrix = confusion(proba, truth)
    precision, recall, f1 = _precision_recall_f1(matrix)
    ap = average_precisions(proba, truth)
    total = max(matrix.sum(), 1.0)
    true_share, predicted_share = matrix.sum(axis=1) / total, matrix.sum(axis=0) / total
    return [PlaylistScore(ids[i], names[i], int(sizes[i]), float(precision[i]), float(recall[i]),
                          float(f1[i]), float(ap[i]), float(true_share[i]), float(predicted_share[i]))
            for i in range(len(ids))]


def normalised_confusion(proba: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Rows sum to 1 (share of each true playlist's tracks predicted into each playlist)."""
    matrix = confusion(proba, truth)
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)


def _precision_recall_f1(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    diagonal = np.diag(matrix)
    predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
    precision = np.divide(diagonal, predicted, out=np.zeros_like(diagonal), where=predicted > 0)
    recall = np.divide(diagonal, actual, out=np.zeros_like(diagonal), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(diagonal), where=both > 0)
    return precision, recall, f1
