"""Misfits: songs in a playlist that fit another better, read only from out-of-fold scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Encoding, RunConfig
from pipeline.features import track_frame
from pipeline.fitting import TrainingRows, fit_rows, predict_scores
from pipeline.library import AUDIO_FEATURES, Library, build_library
from pipeline.misfits import COLUMNS, find_misfits, misfit_sentence, misfits_from_scores

PLANTED = "loud_in_quiet_00000000"


def quiet_and_loud(seed: int = 0) -> Library:
    """Two playlists apart in energy and loudness (30 songs each), and one loud song filed in Quiet."""
    rng = np.random.default_rng(seed)
    tracks, memberships = [], []

    def add(track_id: str, playlist: str, energy: float, loudness: float) -> None:
        features = {f: float(rng.uniform(0.4, 0.6)) for f in AUDIO_FEATURES}
        features.update(energy=float(np.clip(rng.normal(energy, 0.05), 0, 1)), loudness=float(rng.normal(loudness, 1)),
                        key=5.0, mode=1.0, tempo=120.0, duration_ms=2e5)
        tracks.append({"track_id": track_id, "name": f"Song {track_id[:8]}", "artists": f"Band {len(tracks)}",
                       "release_date": "2010-01-01", **features})
        memberships.append({"playlist_id": playlist.lower(), "playlist_name": playlist, "track_id": track_id,
                            "added_at": "2022-01-01"})

    for i in range(30):
        add(f"quiet{i:017d}", "Quiet", 0.15, -20)
        add(f"loud{i:018d}", "Loud", 0.9, -4)
    add(PLANTED, "Quiet", 0.9, -4)
    return build_library(pd.DataFrame(tracks), pd.DataFrame(memberships), pd.DataFrame(columns=["track_id"]),
                         "quiet and loud")


NEAREST_ONE = RunConfig(model="knn", strategy="none", encoding=Encoding(scaler="standard", artist="drop"),
                        params={"n_neighbors": 1, "weights": "uniform", "metric": "euclidean"})
"""One nearest neighbour: a model that saw a song's membership would call the song's own playlist right."""


def test_a_song_filed_in_the_wrong_playlist_is_the_surest_misfit_with_its_better_playlist_and_why():
    library = quiet_and_loud()
    misfits = find_misfits(library, RunConfig(seed=0), folds=3)
    assert list(misfits.columns) == COLUMNS
    top = misfits.iloc[0]
    assert (top["track_id"], top["playlist"], top["better_playlist"]) == (PLANTED, "Quiet", "Loud")
    assert top["rank"] == 1 and top["score_there"] > top["score_here"]
    assert top["margin"] == pytest.approx(top["score_there"] - top["score_here"])
    assert top["similar_tracks"].count("Band") == 3, "three Loud songs like it, as suggestions explain"
    assert misfit_sentence(top) == (f"Song loud_in_ in Quiet fits Loud better "
                                    f"({top['score_there']:.2f} vs {top['score_here']:.2f})")
    assert list(misfits["margin"]) == sorted(misfits["margin"], reverse=True)


def test_a_songs_own_membership_never_trains_the_model_that_scores_it():
    library = quiet_and_loud()
    # fitted on everything, one nearest neighbour is the song itself: its own playlist looks right
    rows = TrainingRows.from_library(library)
    model = fit_rows(NEAREST_ONE, library, rows, np.arange(len(rows.labels)))
    seen = predict_scores(model, track_frame(library, [PLANTED]), len(rows.playlist_ids))[0]
    assert seen[rows.playlist_ids.index("quiet")] > seen[rows.playlist_ids.index("loud")]
    # out of fold, the model that scores it never saw it, so it is found
    misfits = find_misfits(library, NEAREST_ONE, folds=3)
    assert PLANTED in set(misfits["track_id"])


def test_scores_of_songs_in_several_playlists_are_checked_in_each_and_never_point_at_one_holding_them():
    scores = np.array([[0.1, 0.2, 0.7],    # in A and B: C fits better than both
                       [0.8, 0.1, 0.1],    # in A, fits A: no misfit
                       [0.3, 0.45, 0.25]])  # in A, B better
    truth = np.array([[True, True, False], [True, False, False], [True, False, False]])
    found = misfits_from_scores(scores, truth, np.array(["s1", "s2", "s3"]), ["a", "b", "c"])
    assert list(zip(found["track_id"], found["playlist_id"], found["better_playlist_id"])) == [
        ("s1", "a", "c"), ("s1", "b", "c"), ("s3", "a", "b")]
    assert list(found["rank"]) == [1, 2, 3]
    assert not (found["playlist_id"] == found["better_playlist_id"]).any()
    sure = misfits_from_scores(scores, truth, np.array(["s1", "s2", "s3"]), ["a", "b", "c"], min_confidence=0.5)
    assert list(sure["track_id"]) == ["s1", "s1"]


def test_a_song_in_every_playlist_has_nowhere_better_to_go():
    found = misfits_from_scores(np.array([[0.5, 0.5]]), np.array([[True, True]]), np.array(["s"]), ["a", "b"])
    assert found.empty


def test_the_same_library_and_seed_give_the_same_misfits():
    library = quiet_and_loud()
    first = find_misfits(library, RunConfig(seed=3), folds=3)
    pd.testing.assert_frame_equal(first, find_misfits(library, RunConfig(seed=3), folds=3))
