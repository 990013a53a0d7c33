"""Misfits: songs already in a playlist that the model places low there and high in another.

Only out-of-fold scores are read (`pipeline.out_of_fold`): folds split by track, so the model that
scores a song never saw any of its playlist memberships, and a song cannot vouch for the playlist
it sits in. For each (song, playlist holding it), the song's best playlist that does not hold it
is the candidate; it is a misfit when that playlist's calibrated score beats the current one's
(and reaches ``min_confidence``). Misfits are ranked by how sure the model is: the score of the
better playlist minus the current one ("Song X in *Gym* fits *Late Night* better (0.71 vs 0.04)"),
with the explanations suggestions carry (`pipeline.explanations`) for the better playlist.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import RunConfig
from pipeline.explanations import EXPLANATION_COLUMNS, explain
from pipeline.features import build_encoder, track_frame
from pipeline.fitting import TrainingRows
from pipeline.library import Library, artist_names
from pipeline.out_of_fold import out_of_fold

COLUMNS = ["rank", "track_id", "track_name", "artists", "playlist", "playlist_id", "score_here", "better_playlist",
           "better_playlist_id", "score_there", "margin", *EXPLANATION_COLUMNS]


def find_misfits(library: Library, config: RunConfig, folds: int = 5, min_confidence: float | None = None,
                 n_jobs: int | None = None) -> pd.DataFrame:
    """Misfits with `COLUMNS`, surest first (see the module docstring); ``rank`` counts from 1."""
    scored = out_of_fold(library, config, folds, calibrate=True, n_jobs=n_jobs)
    scores = scored.calibrated if scored.calibrated is not None else scored.proba
    rows = TrainingRows.from_library(library)
    found = misfits_from_scores(scores, scored.truth, scored.track_ids, rows.playlist_ids, min_confidence)
    return _described(found, library, config)


def misfits_from_scores(scores: np.ndarray, truth: np.ndarray, track_ids: np.ndarray, playlist_ids: list[str],
                        min_confidence: float | None = None) -> pd.DataFrame:
    """(track, current playlist) pairs whose best playlist elsewhere scores higher, surest first.

    ``scores``/``truth``: one row per held-out song, one column per playlist (``playlist_ids``);
    ``truth`` marks the playlists holding the song. A song in several playlists is checked in each.
    """
    elsewhere = np.where(truth, -np.inf, scores)
    better = np.argmax(elsewhere, axis=1)
    there = elsewhere[np.arange(len(better)), better]
    song, here = np.nonzero(truth)
    frame = pd.DataFrame({"track_id": np.asarray(track_ids, dtype=object)[song],
                          "playlist_id": np.asarray(playlist_ids, dtype=object)[here],
                          "score_here": scores[song, here],
                          "better_playlist_id": np.asarray(playlist_ids, dtype=object)[better[song]],
                          "score_there": there[song], "order": np.arange(len(song))})
    frame = frame[np.isfinite(frame["score_there"]) & (frame["score_there"] > frame["score_here"])]
    if min_confidence is not None:
        frame = frame[frame["score_there"] >= min_confidence]
    frame = frame.drop_duplicates(["track_id", "playlist_id"]).assign(
        margin=lambda f: f["score_there"] - f["score_here"])
    # ties broken by the order songs were scored in, so the same inputs always rank alike
    frame = frame.sort_values(["margin", "order"], ascending=[False, True], kind="stable").drop(columns="order")
    return frame.reset_index(drop=True).assign(rank=lambda f: np.arange(1, len(f) + 1))


def _described(found: pd.DataFrame, library: Library, config: RunConfig) -> pd.DataFrame:
    """Names, artists and the explanations for the better playlist, in `COLUMNS`."""
    names = library.playlist_names
    tracks = library.tracks.reindex(found["track_id"])
    found = found.assign(
        track_name=tracks["name"].to_numpy(),
        artists=artist_names(tracks["artists"]),
        playlist=found["playlist_id"].map(names), better_playlist=found["better_playlist_id"].map(names))
    if found.empty:
        return found.reindex(columns=COLUMNS)
    everything = library.tracks.index
    encoder = build_encoder(config.encoding, library).fit(track_frame(library, everything))
    why = explain(found["track_id"].to_numpy(), found["better_playlist_id"].to_numpy(), library, encoder)
    return pd.concat([found.reset_index(drop=True), why], axis=1).reindex(columns=COLUMNS)


def misfit_sentence(row: pd.Series) -> str:
    """"Song X in Gym fits Late Night better (0.71 vs 0.04)"."""
    return (f"{row['track_name']} in {row['playlist']} fits {row['better_playlist']} better "
            f"({row['score_there']:.2f} vs {row['score_here']:.2f})")
