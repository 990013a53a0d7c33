"""The baseline every score stands beside: always answer with the largest playlists.

It never looks at a song. Every song gets the same scores, each playlist's share of the
playlist rows (a prior-only ``DummyClassifier``), so its ranking is the playlists by size,
largest first, ties in the library's order (`Library.playlists`). It is scored like the model,
on the same songs: per track, right when the playlist it names holds the track, so a track in
several playlists is right when any of them is named.

* Cross-validation scores every playlist track once, so there the baseline's accuracy is the
  share of your tracks the largest playlist holds, and its top-3 the share held by any of the
  three largest — not the largest playlist's share of the rows (14% of the demo's rows, but
  16% of its tracks; 55% of an export's rows, but 98% of its tracks, where one catch-all holds
  nearly every track that also sits elsewhere).
* Its sizes are counted over the whole library rather than per training fold, so the Library
  page, Train, Compare and the CLI show one number. The held-out tracks then count in the
  sizes; that can favour the baseline (never the model), and only where two playlists nearly tie.
* The backtest hides the liked songs you filed from training, and so from these sizes too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.library import Library

DEFINITION = ("The baseline never looks at the song: it always answers with your largest playlists, and it is "
              "scored on the same songs as the model, right when the playlist it names holds the song.")
"""One sentence for a tooltip beside any baseline number."""


def prior(labels: np.ndarray, n_playlists: int) -> np.ndarray:
    """Each playlist's share of ``labels`` (the playlist column of every row the baseline learns from)."""
    return np.bincount(labels, minlength=n_playlists) / max(len(labels), 1)


def scores(labels: np.ndarray, n_playlists: int, n_items: int) -> np.ndarray:
    """The baseline's score matrix for ``n_items`` songs: `prior` on every row."""
    return np.tile(prior(labels, n_playlists), (n_items, 1))


@dataclass(frozen=True)
class LibraryBaseline:
    """What the baseline scores on a library: on all its playlist tracks (what cross-validation
    scores) and on the liked songs already filed (what the backtest scores; None without any)."""

    largest: str
    accuracy: float
    top3: float
    backtest_n: int = 0
    backtest_accuracy: float | None = None
    backtest_top3: float | None = None


def library_baseline(library: Library) -> LibraryBaseline:
    """The baseline's accuracy and top-3 on ``library``; raises `ValueError` without playlists."""
    names, track_ids, held = tracks_in_playlists(library)
    if not names:
        raise ValueError("a library without playlists has no baseline")
    everything = prior(np.nonzero(held)[1], len(names))
    accuracy, top3 = _right_within(everything, held, 1), _right_within(everything, held, 3)
    filed = np.isin(track_ids, library.liked_in_playlists().to_numpy(dtype=str))
    if not filed.any():
        return LibraryBaseline(names[0], accuracy, top3)
    without_filed = prior(np.nonzero(held[~filed])[1], len(names))
    return LibraryBaseline(names[0], accuracy, top3, backtest_n=int(filed.sum()),
                           backtest_accuracy=_right_within(without_filed, held[filed], 1),
                           backtest_top3=_right_within(without_filed, held[filed], 3))


def tracks_in_playlists(library: Library) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Playlist names largest first, the playlist tracks' ids, and which playlists hold each track
    (a tracks x playlists boolean matrix)."""
    playlists = library.playlists()
    column = {playlist_id: i for i, playlist_id in enumerate(playlists["playlist_id"])}
    rows = library.memberships
    track_ids, track_of_row = np.unique(rows["track_id"].to_numpy(dtype=str), return_inverse=True)
    held = np.zeros((len(track_ids), len(playlists)), dtype=bool)
    held[track_of_row, rows["playlist_id"].map(column).to_numpy(dtype=int)] = True
    return playlists["playlist_name"].tolist(), track_ids, held


def track_shares(library: Library) -> np.ndarray:
    """Per playlist (largest first): the share of all playlist tracks it holds, which is what always
    answering with it alone scores. Shared tracks count in each playlist, so shares can add up past 1."""
    return tracks_in_playlists(library)[2].mean(axis=0)


def _right_within(scores_row: np.ndarray, held: np.ndarray, k: int) -> float:
    """Share of songs held by one of the k highest-scored playlists (ties: the library's order, as
    `pipeline.metrics.hits_at` breaks them)."""
    top = np.argsort(-scores_row, kind="stable")[:k]
    return float(held[:, top].any(axis=1).mean()) if len(held) else float("nan")
