"""Ranked suggestions: which playlist each liked song belongs in, and why.

The configuration is fitted on every playlist membership, then every liked song
is scored against every playlist. Per playlist, liked songs not already in it
are ranked by probability; each suggestion carries the runner-up playlist and
an explanation a person can read: the three most similar tracks already in
the playlist, and the audio features where the song sits closest to and
furthest from the playlist's profile.

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
from sklearn.preprocessing import normalize

from pipeline.abstention import at_threshold, threshold_for_precision
from pipeline.config import ConfigError, RunConfig
from pipeline.features import track_frame
from pipeline.fitting import TrainingRows, encoder_of, fit_rows, predict_scores, training_rows_for
from pipeline.library import AUDIO_FEATURES, Library, LibraryError

COLUMNS = ["track_id", "track_name", "artists", "playlist", "playlist_id", "score", "decision", "rank",
           "already_in_playlist", "runner_up", "runner_up_score", "similar_tracks",
           "closest_features", "furthest_features"]
SUGGEST, FITS_NONE = "suggest", "fits_none"
"""The ``decision`` of a row: a suggestion, or a song held back because it fits none of the playlists."""
FEATURE_LABELS = {"duration_ms": "duration", "instrumentalness": "instrumental", "speechiness": "speechy",
                  "acousticness": "acoustic"}
EXPLAINED_FEATURES = [f for f in AUDIO_FEATURES if f not in ("key", "mode")]


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
    confidence, correct = model.inner_top_choices()
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
    playlist left gets one row with an empty playlist and ``decision`` = ``fits_none``.
    """
    scores = scored.scores
    long = _long_table(scores, library)
    if per_track is not None:
        long = long[long["track_rank"] <= per_track].sort_values(["track_order", "track_rank"])
    else:
        long = long[~long["already_in_playlist"]]
        long = long[long["rank"] <= per_playlist] if per_playlist else long
        long = long.sort_values(["playlist_order", "rank"])
    long = _with_runner_up(long, scores, library)
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
    held_back = long[~long["track_id"].isin(set(kept["track_id"])) & (long["track_rank"] == 1)]
    return held_back.assign(runner_up=held_back["playlist"], runner_up_score=held_back["score"], playlist="",
                            playlist_id="", rank=0, decision=FITS_NONE, similar_tracks="", closest_features="",
                            furthest_features="")


def _long_table(scores: pd.DataFrame, library: Library) -> pd.DataFrame:
    names = library.playlist_names
    long = scores.rename_axis("track_id").reset_index().melt(
        id_vars="track_id", var_name="playlist_id", value_name="score")
    long["track_order"] = long["track_id"].map({t: i for i, t in enumerate(scores.index)})
    long["playlist_order"] = long["playlist_id"].map({p: i for i, p in enumerate(scores.columns)})
    members = set(zip(library.memberships["playlist_id"], library.memberships["track_id"]))
    long["already_in_playlist"] = [(p, t) in members for p, t in zip(long["playlist_id"], long["track_id"])]
    long["playlist"] = long["playlist_id"].map(names)
    # ties broken by track order so the same inputs always give the same ranking
    long = long.sort_values(["playlist_order", "score", "track_order"], ascending=[True, False, True])
    open_slots = ~long["already_in_playlist"]
    long["rank"] = open_slots.groupby(long["playlist_id"]).cumsum().where(open_slots, 0).astype(int)
    long = long.sort_values(["track_order", "score", "playlist_order"], ascending=[True, False, True])
    long["track_rank"] = long.groupby("track_id").cumcount() + 1
    tracks = library.tracks.reindex(long["track_id"])
    long["track_name"] = tracks["name"].to_numpy()
    long["artists"] = [", ".join(a) if isinstance(a, tuple) else "" for a in tracks["artists"]]
    return long


def _with_runner_up(long: pd.DataFrame, scores: pd.DataFrame, library: Library) -> pd.DataFrame:
    """The song's best playlist other than this one: where to send it instead."""
    names = library.playlist_names
    values = scores.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")
    row_of = {t: i for i, t in enumerate(scores.index)}
    column_of = {p: i for i, p in enumerate(scores.columns)}
    runner, runner_score = [], []
    for track, playlist in zip(long["track_id"], long["playlist_id"]):
        i = row_of[track]
        best = order[i, 0] if order[i, 0] != column_of[playlist] else order[i, 1]
        runner.append(names[scores.columns[best]])
        runner_score.append(float(values[i, best]))
    return long.assign(runner_up=runner, runner_up_score=runner_score)


def _with_explanations(long: pd.DataFrame, library: Library, model) -> pd.DataFrame:
    if long.empty:
        return long.assign(similar_tracks="", closest_features="", furthest_features="")
    similar, closest, furthest = [], [], []
    encoder = encoder_of(model)
    profiles = _playlist_profiles(library)
    members = library.memberships.groupby("playlist_id")["track_id"].apply(list)
    for playlist_id, group in long.groupby("playlist_id", sort=False):
        in_playlist = members.get(playlist_id, [])
        similar += _most_similar(library, encoder, group["track_id"].tolist(), in_playlist)
        near, far = _feature_fit(library, group["track_id"], profiles.loc[playlist_id])
        closest += near
        furthest += far
    order = np.concatenate([g.index.to_numpy() for _, g in long.groupby("playlist_id", sort=False)])
    explained = pd.DataFrame({"similar_tracks": similar, "closest_features": closest,
                              "furthest_features": furthest}, index=order)
    return long.join(explained)


def _most_similar(library: Library, encoder, songs: list[str], members: list[str], k: int = 3) -> list[str]:
    """For each song: 'Artist – Title' of the k nearest playlist tracks (cosine, in model space)."""
    if not members:
        return [""] * len(songs)
    song_vectors = normalize(encoder.transform(track_frame(library, songs)))
    member_vectors = normalize(encoder.transform(track_frame(library, members)))
    similarity = song_vectors @ member_vectors.T
    similarity = similarity.toarray() if hasattr(similarity, "toarray") else np.asarray(similarity)
    tracks = library.tracks
    result = []
    for row, song in zip(similarity, songs):
        row = np.where(np.asarray(members) == song, -np.inf, row)
        best = np.argsort(-row, kind="stable")[:k]
        result.append("; ".join(_describe(tracks.loc[members[i]]) for i in best if np.isfinite(row[i])))
    return result


def _describe(track: pd.Series) -> str:
    artists = ", ".join(track["artists"]) if isinstance(track["artists"], tuple) else ""
    return f"{artists} – {track['name']}" if artists else str(track["name"])


def _playlist_profiles(library: Library) -> pd.DataFrame:
    """Per playlist: mean and spread of each explained audio feature."""
    features = library.tracks[EXPLAINED_FEATURES]
    joined = library.memberships[["playlist_id", "track_id"]].join(features, on="track_id")
    grouped = joined.groupby("playlist_id")[EXPLAINED_FEATURES]
    spread = features.std().replace(0, 1.0)
    std = grouped.std().fillna(spread).clip(lower=spread * 0.1, axis=1)  # axis: pandas 3 needs it
    return pd.concat({"mean": grouped.mean(), "std": std}, axis=1)


def _feature_fit(library: Library, songs: pd.Series, profile: pd.Series) -> tuple[list[str], list[str]]:
    """The two features where each song sits closest to, and furthest from, the playlist profile."""
    values = library.tracks.reindex(songs)[EXPLAINED_FEATURES].to_numpy(dtype=float)
    z = np.abs((values - profile["mean"].to_numpy(dtype=float)) / profile["std"].to_numpy(dtype=float))
    z = np.where(np.isnan(z), np.inf, z)
    names = [FEATURE_LABELS.get(f, f) for f in EXPLAINED_FEATURES]
    order = np.argsort(z, axis=1, kind="stable")
    near = [", ".join(names[j] for j in row[:2] if np.isfinite(zrow[j])) for row, zrow in zip(order, z)]
    far = [", ".join(names[j] for j in row[::-1][:2] if np.isfinite(zrow[j]))
           for row, zrow in zip(order, z)]
    return near, far
