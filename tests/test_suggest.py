"""Suggestions: which playlist each liked song belongs in, ranked, explained, and reproducible."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Encoding, RunConfig
from pipeline.library import AUDIO_FEATURES, LibraryError
from pipeline.recommended import recommended_config
from pipeline.sources import load_library
from pipeline.suggest import COLUMNS, EXPLAINED_FEATURES, FEATURE_LABELS, suggest
from tests.toy_libraries import imbalanced_library, library_of, random_features, track_id


@pytest.fixture(scope="module")
def demo():
    return load_library("demo")


@pytest.fixture(scope="module")
def per_playlist(demo) -> pd.DataFrame:
    return suggest(demo, recommended_config(), per_playlist=5)


@pytest.fixture(scope="module")
def per_track(demo) -> pd.DataFrame:
    return suggest(demo, recommended_config(), per_track=3)


def test_the_same_seed_gives_the_same_suggestions_on_the_demo(demo, per_playlist):
    again = suggest(demo, recommended_config(), per_playlist=5)
    pd.testing.assert_frame_equal(again, per_playlist)


def test_xgboost_suggestions_follow_its_seed():
    library = imbalanced_library(liked=40)
    config = RunConfig(model="xgboost", strategy="none", encoding=Encoding(artist="drop", genres=False, album=False),
                       params={"n_estimators": 20, "subsample": 0.6, "n_jobs": 1})
    first = suggest(library, config, per_track=1)["score"].to_numpy()
    again = suggest(library, config, per_track=1)["score"].to_numpy()
    other = suggest(library, replace(config, seed=1), per_track=1)["score"].to_numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)                 # subsampling draws other rows with another seed


def test_a_liked_song_that_sounds_like_one_playlist_is_suggested_for_it_first():
    ids = [track_id(n) for n in range(40)]
    rng = np.random.default_rng(4)
    centres = {"Calm": -2.0, "Loud": 2.0, "Odd": 0.0}
    playlists = {"Calm": ids[:15], "Loud": ids[15:30], "Odd": ids[30:36]}
    features = {t: random_features(np.full(len(AUDIO_FEATURES), centres[name]), rng)
                for name, tracks in playlists.items() for t in tracks}
    features[ids[39]] = {f: value + 0.001 for f, value in features[ids[20]].items()}   # a Loud track's twin
    library = library_of(playlists, liked=[ids[39]], features=features)
    (row,) = suggest(library, RunConfig(), per_track=1).itertuples()
    assert (row.playlist, row.rank, row.already_in_playlist) == ("Loud", 1, False)
    assert row.runner_up in ("Calm", "Odd") and row.runner_up_score < row.score
    assert row.similar_tracks.split("; ")[0] == "Artist 20 – Song 20"     # its twin is the most similar member


def test_per_playlist_lists_the_best_songs_not_already_in_each_playlist(demo, per_playlist):
    assert list(per_playlist.columns) == COLUMNS
    assert not per_playlist["already_in_playlist"].any()
    members = set(zip(demo.memberships["playlist_id"], demo.memberships["track_id"]))
    assert not any((p, t) in members for p, t in zip(per_playlist["playlist_id"], per_playlist["track_id"]))
    assert set(per_playlist["track_id"]) <= set(demo.liked["track_id"])
    for _, group in per_playlist.groupby("playlist_id"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1)) and len(group) == 5
        assert group["score"].is_monotonic_decreasing
    assert per_playlist["playlist_id"].nunique() == len(demo.playlists())


def test_per_track_gives_each_liked_song_its_three_best_playlists(demo, per_track):
    counts = per_track.groupby("track_id").size()
    assert len(counts) == len(demo.liked) and (counts == 3).all()
    for _, group in per_track.groupby("track_id", sort=False):
        assert group["score"].is_monotonic_decreasing
    members = set(zip(demo.memberships["playlist_id"], demo.memberships["track_id"]))
    flagged = [(p, t) in members for p, t in zip(per_track["playlist_id"], per_track["track_id"])]
    assert per_track["already_in_playlist"].tolist() == flagged and any(flagged)
    assert (per_track.loc[per_track["already_in_playlist"], "rank"] == 0).all()


def test_runner_up_is_the_songs_best_other_playlist(per_track):
    for _, group in per_track.groupby("track_id", sort=False):
        best, second = group.iloc[0], group.iloc[1]
        assert (best["runner_up"], best["runner_up_score"]) == (second["playlist"], second["score"])
        assert (group.iloc[1:]["runner_up"] == best["playlist"]).all()


def test_explanations_name_similar_members_and_audio_features(demo, per_playlist):
    names = {playlist_id: set() for playlist_id in demo.playlist_names}
    for playlist_id, track in zip(demo.memberships["playlist_id"], demo.memberships["track_id"]):
        row = demo.tracks.loc[track]
        names[playlist_id].add(f"{', '.join(row['artists'])} – {row['name']}")
    labels = {FEATURE_LABELS.get(f, f) for f in EXPLAINED_FEATURES}
    for row in per_playlist.itertuples():
        similar = row.similar_tracks.split("; ")
        assert len(similar) == 3 and set(similar) <= names[row.playlist_id]
        closest, furthest = row.closest_features.split(", "), row.furthest_features.split(", ")
        assert len(closest) == 2 and set(closest) <= labels and set(furthest) <= labels
        assert not set(closest) & set(furthest)


def test_a_library_without_liked_songs_says_there_is_nothing_to_suggest():
    library = library_of({"A": [track_id(n) for n in range(6)], "B": [track_id(n) for n in range(6, 12)]})
    with pytest.raises(LibraryError, match="no liked songs, so there is nothing to suggest"):
        suggest(library, RunConfig())
