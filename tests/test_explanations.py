"""Explanations: the playlist tracks a suggested song sounds most like, and where it fits the playlist's
audio profile — pinned on a small hand-made library, so a faster implementation tells the same story."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import RunConfig
from pipeline.library import AUDIO_FEATURES
from pipeline.explanations import top_k
from pipeline.suggest import score_liked_songs, suggestions_table
from tests.toy_libraries import library_of, random_features, track_id

PINNED = {
    ("Song 10", "Calm"): ("Artist 3 – Song 3; Artist 4 – Song 4; Artist 6 – Song 6", "liveness, tempo",
                          "danceability, duration"),
    ("Song 10", "Loud"): ("Artist 7 – Song 7; Artist 12 – Song 12; Artist 9 – Song 9", "tempo, loudness",
                          "valence, instrumental"),
    ("Song 10", "Odd"): ("Artist 16 – Song 16; Artist 17 – Song 17; Artist 15 – Song 15", "acoustic, liveness",
                         "duration, speechy"),
    ("Song 19", "Calm"): ("Artist 4 – Song 4; Artist 6 – Song 6; Artist 2 – Song 2", "tempo, valence",
                          "acoustic, duration"),
    ("Song 19", "Loud"): ("Artist 3 – Song 3; Artist 10 – Song 10; Artist 8 – Song 8", "acoustic, valence",
                          "energy, duration"),
    ("Song 19", "Odd"): ("Artist 17 – Song 17; Artist 18 – Song 18; Artist 14 – Song 14", "acoustic, liveness",
                         "duration, energy"),
    ("Song 20", "Calm"): ("Artist 3 – Song 3; Artist 6 – Song 6; Artist 4 – Song 4", "valence, instrumental",
                          "speechy, danceability"),
    ("Song 20", "Loud"): ("Artist 3 – Song 3; Artist 10 – Song 10; Artist 8 – Song 8", "speechy, acoustic",
                          "tempo, liveness"),
    ("Song 20", "Odd"): ("Artist 18 – Song 18; Artist 14 – Song 14; Artist 17 – Song 17", "speechy, loudness",
                         "tempo, instrumental"),
    ("Song 21", "Calm"): ("Artist 4 – Song 4; Artist 6 – Song 6; Artist 3 – Song 3", "instrumental, loudness",
                          "danceability, duration"),
    ("Song 21", "Loud"): ("Artist 8 – Song 8; Artist 13 – Song 13; Artist 10 – Song 10", "danceability, valence",
                          "liveness, loudness"),
    ("Song 21", "Odd"): ("Artist 18 – Song 18; Artist 14 – Song 14; Artist 17 – Song 17", "duration, energy",
                         "tempo, valence"),
    # Song 22 misses some features: they are neither its closest nor its furthest
    ("Song 22", "Calm"): ("Artist 4 – Song 4; Artist 6 – Song 6; Artist 0 – Song 0", "instrumental, tempo",
                          "duration, danceability"),
    ("Song 22", "Loud"): ("Artist 11 – Song 11; Artist 13 – Song 13; Artist 12 – Song 12", "duration, acoustic",
                          "instrumental, liveness"),
    ("Song 22", "Odd"): ("Artist 15 – Song 15; Artist 14 – Song 14; Artist 16 – Song 16",
                         "danceability, instrumental", "duration, liveness"),
    ("Song 23", "Calm"): ("Artist 1 – Song 1; Artist 5 – Song 5; Artist 6 – Song 6", "valence, speechy",
                          "tempo, instrumental"),
    ("Song 23", "Loud"): ("Artist 3 – Song 3; Artist 8 – Song 8; Artist 10 – Song 10", "loudness, valence",
                          "liveness, energy"),
    ("Song 23", "Odd"): ("Artist 17 – Song 17; Artist 18 – Song 18; Artist 14 – Song 14", "loudness, valence",
                         "energy, instrumental"),
    ("Song 3", "Calm"): ("Artist 2 – Song 2; Artist 0 – Song 0; Artist 6 – Song 6", "instrumental, loudness",
                         "liveness, valence"),
    ("Song 3", "Loud"): ("Artist 10 – Song 10; Artist 13 – Song 13; Artist 8 – Song 8", "loudness, instrumental",
                         "speechy, duration"),
    ("Song 3", "Odd"): ("Artist 18 – Song 18; Artist 17 – Song 17; Artist 14 – Song 14", "liveness, tempo",
                        "duration, valence"),
}
"""(song, playlist) -> (similar tracks, closest features, furthest features), as first written."""


def pinned_library():
    """Three playlists around their own centres; twins in Calm (a similarity tie), a Loud track also in
    Calm, features missing on a playlist track and a liked song, two liked songs already filed."""
    ids = [track_id(n) for n in range(24)]
    rng = np.random.default_rng(7)
    centres = {"Calm": -1.0, "Loud": 1.0, "Odd": 0.0}
    playlists = {"Calm": ids[0:7], "Loud": ids[7:14] + [ids[3]], "Odd": ids[14:19]}
    features = {t: random_features(np.full(len(AUDIO_FEATURES), centres[name]), rng)
                for name, tracks in playlists.items() for t in tracks[:7]}
    features[ids[5]] = dict(features[ids[1]])
    features[ids[16]] = {**features[ids[16]], "tempo": np.nan}
    for n in range(19, 24):
        features[ids[n]] = random_features(np.full(len(AUDIO_FEATURES), (n - 21) / 2), rng)
    features[ids[22]] = {**features[ids[22]], "energy": np.nan, "valence": np.nan}
    features[ids[23]] = dict(features[ids[1]])            # sounds exactly like the twins Song 1 and Song 5
    return library_of(playlists, liked=ids[19:24] + [ids[3], ids[10]], features=features)


@pytest.fixture(scope="module")
def pinned():
    library = pinned_library()
    return library, score_liked_songs(library, RunConfig())


def explanations_of(table) -> dict:
    return {(row.track_name, row.playlist): (row.similar_tracks, row.closest_features, row.furthest_features)
            for row in table.itertuples()}


def test_every_song_and_playlist_is_explained_as_pinned(pinned):
    library, scored = pinned
    table = suggestions_table(scored, library, per_track=3)
    assert explanations_of(table) == PINNED


def test_the_per_playlist_table_explains_its_rows_as_the_per_track_table_does(pinned):
    library, scored = pinned
    table = suggestions_table(scored, library, per_playlist=None)
    assert len(table) == 3 * 5 + 1 + 2           # Song 3 sits in two playlists, Song 10 in one
    assert explanations_of(table) == {key: PINNED[key] for key in explanations_of(table)}


def test_twins_tie_and_keep_their_playlist_order(pinned):
    library, scored = pinned
    table = suggestions_table(scored, library, per_track=3)
    (row,) = table[(table["track_name"] == "Song 23") & (table["playlist"] == "Calm")].itertuples()
    assert row.similar_tracks.split("; ")[:2] == ["Artist 1 – Song 1", "Artist 5 – Song 5"]


def test_a_song_already_in_a_playlist_is_not_its_own_most_similar_track(pinned):
    library, scored = pinned
    table = suggestions_table(scored, library, per_track=3)
    for row in table[table["already_in_playlist"]].itertuples():
        assert f"– {row.track_name}" not in row.similar_tracks


def test_the_top_tracks_are_picked_as_a_stable_sort_would_pick_them():
    rng = np.random.default_rng(3)
    similarity = rng.integers(0, 4, size=(200, 9)).astype(float)     # many ties
    similarity[::7, 2] = -np.inf                                      # a song never explains itself
    expected = np.argsort(-similarity, axis=1, kind="stable")[:, :3]
    best, values = top_k(similarity.copy(), 3)
    np.testing.assert_array_equal(best, expected)
    np.testing.assert_array_equal(values, np.take_along_axis(similarity, expected, axis=1))
    few, _ = top_k(similarity[:, :2].copy(), 3)                      # fewer members than asked for
    np.testing.assert_array_equal(few, np.argsort(-similarity[:, :2], axis=1, kind="stable"))
