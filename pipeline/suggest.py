"""Ranked suggestions: which playlist each liked song belongs in, and why.

The configuration is fitted on every playlist membership, then every liked song
is scored against every playlist. Per playlist, liked songs not already in it
are ranked by probability; each suggestion carries the runner-up playlist and
an explanation a person can read: the three most similar tracks already in
the playlist, and the audio features where the song sits closest to and
furthest from the playlist's profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import normalize

from pipeline.config import RunConfig
from pipeline.features import track_frame
from pipeline.fitting import TrainingRows, fit_rows, predict_scores, training_rows_for
from pipeline.library import AUDIO_FEATURES, Library, LibraryError

COLUMNS = ["track_id", "track_name", "artists", "playlist", "playlist_id", "score", "rank",
           "already_in_playlist", "runner_up", "runner_up_score", "similar_tracks",
           "closest_features", "furthest_features"]
FEATURE_LABELS = {"duration_ms": "duration", "instrumentalness": "instrumental", "speechiness": "speechy",
                  "acousticness": "acoustic"}
EXPLAINED_FEATURES = [f for f in AUDIO_FEATURES if f not in ("key", "mode")]


def score_liked_songs(library: Library, config: RunConfig) -> tuple[pd.DataFrame, TrainingRows, object]:
    """Probability of every playlist (columns, by id) for every liked song (rows, by track id).

    Raises `LibraryError` when there are no liked songs to score.
    """
    rows = TrainingRows.from_library(library)
    if library.liked.empty:
        raise LibraryError("this library has no liked songs, so there is nothing to suggest "
                           "(an Exportify export needs its Liked Songs file, e.g. liked.csv)")
    train = training_rows_for(config, rows, np.arange(len(rows.labels)))
    model = fit_rows(config, library, rows, train)
    liked = library.liked
    proba = predict_scores(model, track_frame(library, liked["track_id"], liked["added_at"]),
                           len(rows.playlist_ids))
    return pd.DataFrame(proba, index=liked["track_id"].to_numpy(), columns=rows.playlist_ids), rows, model


def suggest(library: Library, config: RunConfig, per_playlist: int | None = 25,
            per_track: int | None = None) -> pd.DataFrame:
    """Suggestions with `COLUMNS`.

    Default: per playlist, its ``per_playlist`` best liked songs not already in it (None = all).
    With ``per_track`` = K: one row per liked song and each of its K best playlists (songs already
    in a playlist are kept there and flagged ``already_in_playlist``).
    """
    scores, rows, model = score_liked_songs(library, config)
    long = _long_table(scores, library)
    if per_track is not None:
        long = long[long["track_rank"] <= per_track].sort_values(["track_order", "track_rank"])
    else:
        long = long[~long["already_in_playlist"]]
        long = long[long["rank"] <= per_playlist] if per_playlist else long
        long = long.sort_values(["playlist_order", "rank"])
    long = _with_runner_up(long, scores, library)
    long = _with_explanations(long, library, model)
    return long[COLUMNS].reset_index(drop=True)


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
    similar, closest, furthest = [], [], []
    encoder = model.named_steps["encode"]
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
    near = [", ".join(names[j] for j in row[:2]) for row in order]
    far = [", ".join(names[j] for j in row[::-1][:2] if np.isfinite(zrow[j]))
           for row, zrow in zip(order, z)]
    return near, far
