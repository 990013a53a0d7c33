"""Which playlists the model mixes up, readable however many playlists there are.

A confusion matrix of a hundred playlists has ten thousand cells; what a person reads first is a
short ranked list, "songs of A predicted as B: n (x% of A)", and a small matrix of the playlists
most involved. Both come from the song counts behind the row-normalised matrix that
`pipeline.evaluation` stores::

    songs(A -> B) = share(A -> B) * songs(A)

where ``share`` is the row-normalised confusion (`pipeline.metrics.normalised_confusion`) and
``songs(A)`` the row's total, ``true_share(A) * n_items``. Counts follow `pipeline.metrics.confusion`:
a wrongly predicted track in k playlists counts 1/k in each of their rows, so a count can be
fractional.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

PAIR_COLUMNS = ("true_playlist", "predicted_playlist", "songs", "share_of_true")


def song_counts(shares: Sequence[Sequence[float]], row_songs: Sequence[float]) -> np.ndarray:
    """Songs (true rows x predicted columns) from a row-normalised matrix and each row's songs."""
    return np.asarray(shares, dtype=float).reshape(len(row_songs), -1) * np.asarray(row_songs, dtype=float)[:, None]


def counts_of(result) -> np.ndarray:
    """`song_counts` of an `pipeline.evaluation.EvaluationResult` (rows in ``confusion_labels`` order)."""
    return song_counts(result.confusion, [p.true_share * result.n_items for p in result.per_playlist])


def most_confused_pairs(labels: Sequence[str], counts: np.ndarray, top: int = 10) -> pd.DataFrame:
    """The ``top`` off-diagonal cells with the most songs, most first (ties: larger share of the true
    playlist first). Columns `PAIR_COLUMNS`: ``share_of_true`` is songs / all songs of the true playlist.
    Cells without songs are left out, so a perfect model gives an empty frame."""
    counts = np.asarray(counts, dtype=float)
    row_songs = counts.sum(axis=1)
    true, predicted = np.nonzero((counts > 1e-9) & ~np.eye(len(counts), dtype=bool))
    songs = counts[true, predicted]
    share = songs / row_songs[true]
    order = np.lexsort((-share, -songs))[:top]
    return pd.DataFrame({"true_playlist": [labels[i] for i in true[order]],
                         "predicted_playlist": [labels[j] for j in predicted[order]],
                         "songs": songs[order], "share_of_true": share[order]}, columns=list(PAIR_COLUMNS))


def focus_playlists(counts: np.ndarray, limit: int = 15) -> list[int]:
    """Indices (in matrix order) of at most ``limit`` playlists to draw a readable matrix of: both
    ends of the pairs with the most songs mixed up, most first (so the top of
    `most_confused_pairs` is in it), then the playlists with the most songs."""
    counts = np.asarray(counts, dtype=float)
    if len(counts) <= limit:
        return list(range(len(counts)))
    off_diagonal = np.where(np.eye(len(counts), dtype=bool), 0.0, counts)
    by_songs = np.argsort(-off_diagonal, axis=None, kind="stable")
    true, predicted = np.unravel_index(by_songs[off_diagonal.ravel()[by_songs] > 1e-9], counts.shape)
    largest = np.argsort(-counts.sum(axis=1), kind="stable")
    chosen = dict.fromkeys(int(i) for i in [*np.column_stack([true, predicted]).ravel(), *largest])
    return sorted(list(chosen)[:limit])
