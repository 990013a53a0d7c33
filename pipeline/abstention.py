"""When to say "fits none of your playlists": thresholds on calibrated confidence.

Rule: suggest a song's best playlist only when its calibrated confidence is at least
``t``; below it the song fits none of the playlists. The precision-coverage curve,
read off out-of-fold scores (tracks each model never saw), says what a threshold
costs: of the songs with confidence >= t, ``precision`` is the share whose best
playlist holds them and ``coverage`` the share of all songs that get a suggestion.
Raising ``t`` never raises coverage; precision usually, not always, rises with it.
"""

from __future__ import annotations

import numpy as np

CURVE_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 1.0, 0.05))
"""Where the reported curve is sampled (the exact curve is used to pick thresholds)."""


def precision_coverage(confidence: np.ndarray, correct: np.ndarray,
                       thresholds=CURVE_THRESHOLDS) -> list[dict]:
    """Per threshold: precision (None when nothing is suggested) and coverage of ``confidence >= t``."""
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    curve = []
    for threshold in thresholds:
        chosen = confidence >= threshold
        curve.append({"threshold": float(threshold),
                      "precision": float(correct[chosen].mean()) if chosen.any() else None,
                      "coverage": float(chosen.mean()) if len(chosen) else 0.0})
    return curve


def threshold_for_precision(confidence: np.ndarray, correct: np.ndarray, min_precision: float) -> float | None:
    """The lowest threshold whose suggestions are right at least ``min_precision`` of the time.

    Lowest, so that as many songs as possible still get a suggestion: 0 when every song may be
    suggested. None when no threshold reaches that precision (then nothing should be suggested).
    """
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    if not len(confidence):
        return None
    order = np.argsort(-confidence, kind="stable")
    sorted_confidence, hits = confidence[order], np.cumsum(correct[order])
    # a threshold keeps every song tied with it, so only the last of each run of ties is a cut
    cuts = np.flatnonzero(np.r_[sorted_confidence[1:] < sorted_confidence[:-1], True])
    precision = hits[cuts] / (cuts + 1)
    reaching = cuts[precision >= min_precision]
    if not len(reaching):
        return None
    return 0.0 if reaching.max() == len(confidence) - 1 else float(sorted_confidence[reaching.max()])


def at_threshold(confidence: np.ndarray, correct: np.ndarray, threshold: float | None) -> dict:
    """Precision and coverage of one threshold (None: nothing suggested)."""
    if threshold is None:
        return {"threshold": None, "precision": None, "coverage": 0.0}
    return precision_coverage(confidence, correct, (threshold,))[0]
