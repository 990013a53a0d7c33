"""Ranked suggestions: which playlist each liked song belongs in, and why.

The configuration is fitted on every playlist membership, then every liked song
is scored against every playlist. Per playlist, liked songs not already in it
are ranked by probability; each suggestion carries its runner-up (the song's
best other playlist that does not already hold it: where to send it instead)
and an explanation a person can read (`pipeline.explanations`): the three most
similar tracks already in the playlist, and the audio features where the song
sits closest to and furthest from the playlist's profile.

Every ``score`` is a calibrated probability that the playlist holds the song
(`pipeline.calibration`). A threshold on it (`pipeline.abstention`) holds back
songs that fit none of the playlists well enough: chosen directly
(``min_confidence``) or as the lowest confidence at which suggestions for
held-out playlist tracks were right at least ``min_precision`` of the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from pipeline.abstention import at_threshold, threshold_for_precision
from pipeline.config import ConfigError, RunConfig
from pipeline.explanations import EXPLANATION_COLUMNS, explain
from pipeline.features import track_frame
from pipeline.fitting import (TrainingRows, encoder_of, fit_rows, inner_top_choices, predict_scores,
                              training_rows_for)
from pipeline.library import Library, LibraryError, artist_names

COLUMNS = ["track_id", "track_name", "artists", "playlist", "playlist_id", "score", "decision", "rank",
           "already_in_playlist", "runner_up", "runner_up_score", "similar_tracks",
           "closest_features", "furthest_features"]
SUGGEST, FITS_NONE = "suggest", "fits_none"
"""The ``decision`` of a row: a suggestion, or a song held back because it fits none of the playlists."""


@dataclass(frozen=True)
class ScoredLikedSongs:
    """Every liked song scored against every playlist by a calibrated model fitted on all playlists.

    ``scores``: liked songs (rows, by track id) x playlists (columns, by id), calibrated.
    ``held_out_confidence`` / ``held_out_correct``: the top choice's calibrated score for each
    playlist track in the model's inner folds (scored by a model that never saw it) and whether
    that playlist holds it — what a threshold's precision is read from.
    """

    scores: pd.DataFrame
    rows: TrainingRows
    model: object
    held_out_confidence: np.ndarray
    held_out_correct: np.ndarray

    def best_scores(self) -> pd.Series:
        """Each liked song's highest score."""
        return self.scores.max(axis=1)


@dataclass(frozen=True)
class Threshold:
    """``confidence >= value`` is suggested; ``precision`` was measured on held-out playlist
    tracks, ``coverage`` is the share of liked songs that get a suggestion."""

    value: float | None
    precision: float | None
    coverage: float
    min_precision: float | None = None

    def describe(self) -> str:
        """One sentence for a person: the threshold, its held-out precision, its coverage."""
        if self.value is None:
            return (f"no confidence threshold reaches {self.min_precision:.0%} precision on held-out songs, "
                    "so every liked song is held back")
        right = ("no held-out song reached it" if self.precision is None
                 else f"{self.precision:.0%} of suggestions were right on held-out songs")
        return (f"suggesting only at confidence >= {self.value:.3f}: {right}; "
                f"{self.coverage:.0%} of liked songs get one")


def score_liked_songs(library: Library, config: RunConfig) -> ScoredLikedSongs:
    """Fit ``config`` (calibrated) on every playlist membership and score every liked song.

    Raises `LibraryError` when there are no liked songs to score.
    """
    rows = TrainingRows.from_library(library)
    if library.liked.empty:
        raise LibraryError("this library has no liked songs, so there is nothing to suggest "
                           "(an Exportify export needs its Liked Songs file, e.g. liked.csv)")
    train = training_rows_for(config, rows, np.arange(len(rows.labels)))
    model = fit_rows(config, library, rows, train, calibrate=True)
    liked = library.liked
    proba = predict_scores(model, track_frame(library, liked["track_id"], liked["added_at"]),
                           len(rows.playlist_ids))
    confidence, correct = inner_top_choices(model)
    return ScoredLikedSongs(pd.DataFrame(proba, index=liked["track_id"].to_numpy(), columns=rows.playlist_ids),
                            rows, model, confidence, correct)


def check_threshold(min_confidence: float | None, min_precision: float | None) -> None:
    """Raise `ConfigError` unless at most one is given and it lies in 0..1."""
    if min_confidence is not None and min_precision is not None:
        raise ConfigError("give either a minimum confidence or a minimum precision, not both")
    for name, value in (("minimum confidence", min_confidence), ("minimum precision", min_precision)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise ConfigError(f"the {name} is a share between 0 and 1, not {value}")


def choose_threshold(scored: ScoredLikedSongs, min_confidence: float | None = None,
                     min_precision: float | None = None) -> Threshold | None:
    """The threshold asked for (None: nothing is held back). ``min_precision`` picks the lowest
    confidence whose held-out suggestions reach it; ``min_confidence`` is taken as it is."""
    return threshold_from(scored.held_out_confidence, scored.held_out_correct, scored.best_scores(),
                          min_confidence, min_precision)


def threshold_from(held_out_confidence: np.ndarray, held_out_correct: np.ndarray, best_scores,
                   min_confidence: float | None = None, min_precision: float | None = None) -> Threshold | None:
    """`choose_threshold` from the arrays themselves (what a stored run keeps): the held-out top
    choices a precision is read from, and each liked song's best score, for the coverage."""
    check_threshold(min_confidence, min_precision)
    if min_precision is not None:
        value = threshold_for_precision(held_out_confidence, held_out_correct, min_precision)
    elif min_confidence is not None:
        value = float(min_confidence)
    else:
        return None
    measured = at_threshold(held_out_confidence, held_out_correct, value)
    best_scores = np.asarray(best_scores, dtype=float)
    coverage = float((best_scores >= value).mean()) if value is not None and len(best_scores) else 0.0
    return Threshold(value, measured["precision"], coverage, min_precision)


def suggest(library: Library, config: RunConfig, per_playlist: int | None = 25,
            per_track: int | None = None, min_confidence: float | None = None,
            min_precision: float | None = None) -> pd.DataFrame:
    """Suggestions with `COLUMNS` (see `suggestions_table`), thresholded as `choose_threshold` says."""
    scored = score_liked_songs(library, config)
    threshold = choose_threshold(scored, min_confidence, min_precision)
    return suggestions_table(scored, library, per_playlist, per_track, threshold)


def suggestions_table(scored: ScoredLikedSongs, library: Library, per_playlist: int | None = 25,
                      per_track: int | None = None, threshold: Threshold | None = None) -> pd.DataFrame:
    """Suggestions with `COLUMNS`.

    Default: per playlist, its ``per_playlist`` best liked songs not already in it (None = all).
    With ``per_track`` = K: one row per liked song and each of its K best playlists (songs already
    in a playlist are kept there and flagged ``already_in_playlist``).
    With a ``threshold``, rows scoring below it are held back; with ``per_track``, a song with no
    playlist left gets one row with an empty playlist and ``decision`` = ``fits_none`` (its
    ``runner_up`` is then its closest playlist, whether or not that holds it already).
    A suggestion's ``runner_up`` is the song's best other playlist that does not hold it yet
    ("" with a NaN ``runner_up_score`` when every other playlist does).
    """
    scores = scored.scores
    held = _held_by(scores, library)
    long = _ranked(scores, held)
    if per_track is not None:
        long = long[long["track_rank"] <= per_track].sort_values(["track_order", "track_rank"])
    else:
        long = long[~long["already_in_playlist"]]
        long = long[long["rank"] <= per_playlist] if per_playlist else long
        long = long.sort_values(["playlist_order", "rank"])
    long = _with_runner_up(_labelled(long, scores, library), scores, held, library)
    kept = long[long["score"] >= lowest_suggested_score(threshold)]
    kept = _with_explanations(kept, library, scored.model).assign(decision=SUGGEST)
    if threshold is not None and per_track is not None:
        kept = pd.concat([kept, _fits_none_rows(long, kept)]).sort_values(["track_order", "track_rank"])
    return kept.reindex(columns=COLUMNS).reset_index(drop=True)


def lowest_suggested_score(threshold: Threshold | None) -> float:
    """The lowest score suggested: any without a threshold, none when the precision was unreachable."""
    if threshold is None:
        return -np.inf
    return np.inf if threshold.value is None else threshold.value


def _fits_none_rows(long: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """One row per song with nothing left above the threshold: no playlist; its closest playlist
    and that score as the runner-up (``score`` too holds that best score)."""
    held_back = long[~long["track_order"].isin(kept["track_order"]) & (long["track_rank"] == 1)]
    return held_back.assign(runner_up=held_back["playlist"], runner_up_score=held_back["score"], playlist="",
                            playlist_id="", rank=0, decision=FITS_NONE, similar_tracks="", closest_features="",
                            furthest_features="")


def _held_by(scores: pd.DataFrame, library: Library) -> np.ndarray:
    """Boolean matrix shaped like ``scores``: which playlists already hold each liked song."""
    memberships = library.memberships
    rows = scores.index.get_indexer(memberships["track_id"])
    columns = scores.columns.get_indexer(memberships["playlist_id"])
    found = (rows >= 0) & (columns >= 0)
    held = np.zeros(scores.shape, dtype=bool)
    held[rows[found], columns[found]] = True
    return held


def _ranked(scores: pd.DataFrame, held: np.ndarray) -> pd.DataFrame:
    """One row per (liked song, playlist), by song and then score: its ``score``, ``rank`` among the
    playlist's songs not already in it (0 for a song already there) and ``track_rank`` among the
    song's playlists; songs and playlists by position in ``scores`` (``track_order``, ``playlist_order``)."""
    values = scores.to_numpy()
    n_tracks, n_playlists = values.shape
    # stable sorts: equal scores go to the earlier song (or playlist), so the same inputs always rank alike
    by_playlist = np.argsort(-values, axis=0, kind="stable")
    open_slots = ~np.take_along_axis(held, by_playlist, axis=0)
    rank = np.zeros(values.shape, dtype=np.int64)
    np.put_along_axis(rank, by_playlist, np.where(open_slots, open_slots.cumsum(axis=0), 0), axis=0)
    track = np.repeat(np.arange(n_tracks), n_playlists)
    playlist = np.argsort(-values, axis=1, kind="stable").ravel()
    return pd.DataFrame({"score": values[track, playlist], "track_order": track, "playlist_order": playlist,
                         "already_in_playlist": held[track, playlist], "rank": rank[track, playlist],
                         "track_rank": np.tile(np.arange(1, n_playlists + 1, dtype=np.int64), n_tracks)})


def _labelled(long: pd.DataFrame, scores: pd.DataFrame, library: Library) -> pd.DataFrame:
    """``long`` with the ids and names of its songs and playlists (taken from one entry per song and
    playlist: rows are many, songs and playlists few)."""
    tracks = library.tracks.reindex(scores.index)
    names = library.playlist_names
    artists = artist_names(tracks["artists"])
    track, playlist = long["track_order"].to_numpy(), long["playlist_order"].to_numpy()
    return long.assign(track_id=_taken(scores.index, track), playlist_id=_taken(scores.columns, playlist),
                       playlist=_taken([names[p] for p in scores.columns], playlist),
                       track_name=_taken(tracks["name"], track), artists=_taken(artists, track))


def _taken(values, positions: np.ndarray) -> ExtensionArray:
    """``values`` (few) at ``positions`` (many; -1: the last), as a column: one array take instead
    of a string per row to convert."""
    return pd.Series(values).array.take(positions)


def _with_runner_up(long: pd.DataFrame, scores: pd.DataFrame, held: np.ndarray, library: Library) -> pd.DataFrame:
    """Where to send the song instead: its best playlist other than this one that does not already
    hold it ("" and a NaN score when every other playlist does)."""
    best, second = _best_open_playlists(scores.to_numpy(), held)
    track, playlist = long["track_order"].to_numpy(), long["playlist_order"].to_numpy()
    runner = np.where(best[track] == playlist, second[track], best[track])
    names = library.playlist_names
    runner_score = np.where(runner >= 0, scores.to_numpy()[track, runner], np.nan)
    return long.assign(runner_up=_taken([*(names[p] for p in scores.columns), ""], runner),  # -1: none, ""
                       runner_up_score=runner_score)


def _best_open_playlists(values: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per song, the columns of its best and second-best playlist that do not hold it (-1: none);
    equal scores go to the earlier column."""
    order = np.argsort(-values, axis=1, kind="stable")
    open_so_far = np.cumsum(~np.take_along_axis(held, order, axis=1), axis=1)
    songs = np.arange(len(values))
    return tuple(np.where(open_so_far[:, -1] >= n, order[songs, np.argmax(open_so_far >= n, axis=1)], -1)
                 for n in (1, 2))


def _with_explanations(long: pd.DataFrame, library: Library, model) -> pd.DataFrame:
    if long.empty:
        return long.assign(**{column: "" for column in EXPLANATION_COLUMNS})
    explained = explain(long["track_id"], long["playlist_id"], library, encoder_of(model))
    return long.join(explained.set_axis(long.index))
