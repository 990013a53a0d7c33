"""What a library says about its audio features: per feature, which are absent, what that costs, and
whether anything is left to learn from at all."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.fitting import TrainingRows
from pipeline.library import AUDIO_FEATURES, LibraryError, build_library
from tests.toy_libraries import library_of, track_id


@pytest.fixture(scope="module")
def toy():
    ids = [track_id(n) for n in range(12)]
    return library_of({"Calm": ids[:6], "Loud": ids[6:]}, liked=[ids[0], track_id(40)])


def rebuilt(library, tracks: pd.DataFrame):
    """The library as its importer would build it from these track rows (warnings recomputed)."""
    return build_library(tracks.reset_index(), library.memberships, library.liked, source="test export")


def test_an_absent_column_is_named_with_what_it_costs_and_how_to_get_it(toy):
    library = rebuilt(toy, toy.tracks.assign(loudness=np.nan))
    assert library.absent_features() == ("loudness",)
    assert library.available_features() == tuple(f for f in AUDIO_FEATURES if f != "loudness")
    assert library.feature_coverage_by_feature()["loudness"] == 0.0
    assert library.feature_coverage() == 1.0                 # every track has every feature the export has
    warning, = [w for w in library.warnings if w.code == "absent_features"]
    assert "loudness" in str(warning) and "left out of the model" in str(warning)
    assert "python -m pipeline features" in str(warning)
    assert library.summary()["absent_features"] == ["loudness"]


def test_features_on_half_the_tracks_are_counted_per_feature(toy):
    tracks = toy.tracks.copy()
    tracks.iloc[:6, tracks.columns.get_indexer(["tempo", "energy"])] = np.nan   # 6 of 13 tracks
    library = rebuilt(toy, tracks)
    coverage = library.feature_coverage_by_feature()
    assert coverage["tempo"] == coverage["energy"] == 7 / 13 and coverage["valence"] == 1.0
    assert library.absent_features() == () and library.feature_coverage() == 7 / 13
    warning, = [w for w in library.warnings if w.code == "missing_features"]
    assert str(warning).startswith("6 of 13 tracks lack some audio features")


def test_a_library_without_audio_features_still_has_something_to_learn_from(toy):
    library = rebuilt(toy, toy.tracks.assign(**{f: np.nan for f in AUDIO_FEATURES}))
    assert not library.has_features()
    assert library.learnable_inputs() == ("artists", "release years", "genres")
    warning, = [w for w in library.warnings if w.code == "no_features"]
    assert "artists, albums, release years and genres only" in str(warning)
    assert "audio features would help" in str(warning)
    TrainingRows.from_library(library)                        # no error: it trains


def test_a_library_with_nothing_to_learn_from_is_refused_with_what_is_missing(toy):
    bare = toy.tracks.assign(**{f: np.nan for f in AUDIO_FEATURES}, artists=[()] * len(toy.tracks),
                             genres=[()] * len(toy.tracks), album="", year=pd.NA, release_date="")
    library = replace(toy, tracks=bare)
    assert library.learnable_inputs() == ()
    with pytest.raises(LibraryError, match="no track has audio features, artists, albums, release years or genres"):
        TrainingRows.from_library(library)


def test_the_same_track_twice_in_one_playlist_counts_once(toy):
    doubled = pd.concat([toy.memberships, toy.memberships.head(3)], ignore_index=True)
    library = build_library(toy.tracks.reset_index(), doubled, toy.liked, source="test export")
    assert len(library.memberships) == len(toy.memberships)
    assert library.playlists()["size"].tolist() == [6, 6]
    warning, = [w for w in library.warnings if w.code == "duplicate_rows"]
    assert warning.count == 3 and warning.message.startswith("3 duplicate playlist rows ")
    once = build_library(toy.tracks.reset_index(), pd.concat([toy.memberships, toy.memberships.head(1)]),
                         toy.liked, source="test export")
    assert [w.message for w in once.warnings if w.code == "duplicate_rows"][0].startswith("1 duplicate playlist row ")


def test_impossible_numbers_from_any_reader_count_as_unknown():
    tracks = pd.DataFrame({"track_id": ["a", "b", "c", "d"], "name": ["x"] * 4,
                           "year": [1.5, -3, 1e30, 1999], "energy": [np.inf, -np.inf, 0.5, np.nan]})
    library = build_library(tracks, pd.DataFrame({"playlist_id": ["p"] * 4, "track_id": list("abcd")}),
                            pd.DataFrame({"track_id": []}), "hand-made")
    assert library.tracks["year"].tolist() == [pd.NA, pd.NA, pd.NA, 1999]
    assert library.tracks["energy"].isna().tolist() == [True, True, False, True]


def test_lone_surrogates_become_replacement_characters_everywhere():
    tracks = pd.DataFrame({"track_id": ["a"], "name": ["Song \ud83d"], "album": ["\udc80"],
                           "artists": [("Artist \ud800",)], "genres": ["rock \udfff"]}, dtype=object)
    # (pandas' own string type cannot hold them at all: readers build such columns as objects)
    library = build_library(tracks, pd.DataFrame({"playlist_id": ["p"], "playlist_name": ["Mix \ud83d"],
                                                  "track_id": ["a"]}, dtype=object),
                            pd.DataFrame({"track_id": []}), "source \ud83d")
    row = library.tracks.loc["a"]
    assert (row["name"], row["album"], row["artists"], row["genres"]) == (
        "Song \ufffd", "\ufffd", ("Artist \ufffd",), ("rock \ufffd",))
    assert library.playlist_names == {"p": "Mix \ufffd"} and library.source == "source \ufffd"
    library.fingerprint()
