"""Encodings: what a track looks like to a model under each `Encoding` option."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Encoding
from pipeline.evaluation import evaluate
from pipeline.features import build_encoder, track_frame
from pipeline.library import AUDIO_FEATURES, build_library
from pipeline.recommended import recommended_config
from tests.toy_libraries import library_of, track_id


def plain_encoding(**choices) -> Encoding:
    """An encoding with only the blocks a test names: no spline curves, no album tokens unless asked."""
    return Encoding(**{"splines": False, "album": False, **choices})


AUDIO = len(AUDIO_FEATURES)


def features(level: float) -> dict[str, float]:
    return {name: level + i for i, name in enumerate(AUDIO_FEATURES)}


@pytest.fixture(scope="module")
def library():
    tracks = pd.DataFrame([
        {"track_id": "a", "name": "One", "artists": ("Björk",), "genres": ("art pop",), "album": "Greatest Hits",
         "release_date": "1995-06-01", **features(0.0)},
        {"track_id": "b", "name": "Two", "artists": ("BJÖRK", "Thom Yorke"), "genres": ("art pop", "rock"),
         "album": "Greatest Hits", "release_date": "2001", **features(1.0)},
        {"track_id": "c", "name": "Three", "artists": ("Thom Yorke",), "genres": (), "album": "Greatest Hits",
         "release_date": "2010-01-01", **features(2.0)},
        {"track_id": "d", "name": "Four", "artists": ("Someone New",), "genres": ("jazz",), "album": "",
         "release_date": "", **{**features(3.0), "energy": np.nan}},
    ])
    memberships = pd.DataFrame({"playlist_id": ["p", "p", "q"], "playlist_name": ["P", "P", "Q"],
                                "track_id": ["a", "b", "c"],
                                "added_at": ["2020-01-01T00:00:00Z", "2020-01-11T00:00:00Z", None]})
    liked = pd.DataFrame({"track_id": ["d"], "added_at": ["2021-01-01T00:00:00Z"]})
    return build_library(tracks, memberships, liked, source="features test")


def dense(matrix) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


def encode(library, encoding: Encoding, train=("a", "b", "c"), score=("a", "b", "c")) -> np.ndarray:
    encoder = build_encoder(encoding).fit(track_frame(library, train))
    return dense(encoder.transform(track_frame(library, score)))


def test_track_frame_keeps_the_order_and_repeats_of_the_ids_asked_for(library):
    frame = track_frame(library, ["c", "a", "c"], ["2020-01-01", "2000-01-02", None])
    assert frame["energy"].tolist() == [3.0, 1.0, 3.0]
    assert frame["artists"].tolist() == [("Thom Yorke",), ("Björk",), ("Thom Yorke",)]
    assert frame["year"].tolist() == [2010.0, 1995.0, 2010.0]
    assert frame["added_days"].iloc[1] == pytest.approx(1.0)          # days since 2000-01-01
    assert np.isnan(frame["added_days"].iloc[2])
    assert np.isnan(track_frame(library, ["d"])["year"].iloc[0])       # no release date, no year


def test_onehot_gives_one_column_per_artist_ignoring_case_and_nothing_for_unseen_ones(library):
    encoding = plain_encoding(scaler="none", year=False, genres=False, artist="onehot")
    matrix = encode(library, encoding, score=("a", "b", "c", "d"))
    artists = matrix[:, AUDIO:]
    assert artists.shape[1] == 2                                       # björk, thom yorke
    assert artists[:2].sum(axis=1).tolist() == [1, 2]                 # "Björk" and "BJÖRK" share a column
    assert (artists[0] == artists[1] - artists[2]).all()
    assert artists[3].sum() == 0                                       # "Someone New" was never seen


def test_hashing_has_a_fixed_width_whatever_the_number_of_artists(library):
    encoding = plain_encoding(scaler="none", year=False, genres=False, artist="hashing", artist_buckets=16)
    matrix = encode(library, encoding, score=("a", "b", "c", "d"))
    assert matrix.shape[1] == AUDIO + 16
    assert matrix[:, AUDIO:].sum(axis=1).tolist() == [1, 2, 1, 1]     # unseen artists still hash somewhere


def test_dropping_artists_genres_and_year_leaves_only_the_audio_features(library):
    matrix = encode(library, plain_encoding(scaler="none", artist="drop", genres=False, year=False))
    np.testing.assert_allclose(matrix, [list(features(level).values()) for level in (0.0, 1.0, 2.0)])


def test_genres_are_multi_hot_and_year_is_one_more_column(library):
    with_genres = encode(library, plain_encoding(scaler="none", artist="drop", genres=True, year=True))
    assert with_genres.shape[1] == AUDIO + 1 + 2                     # year; art pop, rock
    np.testing.assert_allclose(with_genres[:, AUDIO], [1995, 2001, 2010])
    assert with_genres[:, AUDIO + 1:].sum(axis=1).tolist() == [1, 2, 0]


@pytest.mark.parametrize("scaler, check", [
    ("standard", lambda m: np.allclose(m.mean(axis=0), 0) and np.allclose(m.std(axis=0), 1)),
    ("maxabs", lambda m: np.allclose(np.abs(m).max(axis=0)[1:], 1)),     # column 0 is all zeros
    ("robust", lambda m: np.allclose(np.median(m, axis=0), 0)),
    ("none", lambda m: np.allclose(m[:, 1], [1, 2, 3])),
])
def test_each_scaler_scales_the_audio_features_of_the_training_rows(library, scaler, check):
    matrix = encode(library, plain_encoding(scaler=scaler, artist="drop", genres=False, year=False))
    assert check(matrix)


def test_a_missing_feature_is_filled_with_the_training_median(library):
    encoding = plain_encoding(scaler="none", artist="drop", genres=False, year=False)
    matrix = encode(library, encoding, score=("d",))
    energy = AUDIO_FEATURES.index("energy")
    assert matrix[0, energy] == pytest.approx(2.0)                   # median of 1, 2, 3


def test_the_added_date_feature_is_used_only_when_asked_for(library):
    frame = track_frame(library, ["a", "b"], ["2020-01-01T00:00:00Z", "2020-01-11T00:00:00Z"])
    plain = build_encoder(plain_encoding(scaler="none", artist="drop", genres=False, year=False)).fit(frame)
    dated = build_encoder(plain_encoding(scaler="none", artist="drop", genres=False, year=False,
                                   added_at=True)).fit(frame)
    assert dense(plain.transform(frame)).shape[1] == AUDIO
    added = dense(dated.transform(frame))[:, AUDIO]
    assert added[1] - added[0] == pytest.approx(10.0)


def test_album_tokens_join_an_artists_album_but_not_same_named_albums_of_others(library):
    matrix = encode(library, plain_encoding(scaler="none", artist="drop", genres=False, year=False, album=True),
                    score=("a", "b", "c", "d"))
    albums = matrix[:, AUDIO:]
    assert albums.shape[1] == 2                       # Björk|Greatest Hits, Thom Yorke|Greatest Hits
    assert (albums[0] == albums[1]).all()             # same first artist, same album
    assert not (albums[0] == albums[2]).all()         # another artist's "Greatest Hits"
    assert albums[3].sum() == 0                       # no album at all


def test_splines_turn_each_audio_feature_into_several_smooth_bumps(library):
    plain = encode(library, plain_encoding(artist="drop", genres=False, year=False))
    splined = encode(library, plain_encoding(artist="drop", genres=False, year=False, splines=True))
    per_feature = splined.shape[1] // AUDIO
    assert splined.shape[1] == per_feature * AUDIO and per_feature > 1 and plain.shape[1] == AUDIO
    np.testing.assert_allclose(splined.reshape(3, AUDIO, per_feature).sum(axis=2), 1.0)   # a partition of unity


def test_a_library_without_any_genres_still_trains_with_the_recommended_encoding():
    """Exports without a genre column (e.g. TidyTuesday) must not break the default."""
    from dataclasses import replace

    from pipeline.evaluation import evaluate
    from pipeline.recommended import recommended_config
    from pipeline.sources import load_library

    demo = load_library("demo")
    no_genres = replace(demo, tracks=demo.tracks.assign(genres=[()] * len(demo.tracks)))
    result = evaluate(no_genres, recommended_config(), folds=3, only_folds=1)
    assert result.metrics.macro_ap > result.baseline.macro_ap


def test_a_gap_on_one_track_only_trains_whichever_fold_that_track_lands_in():
    """The missing-value indicator keeps its shape when a training fold holds no track with a gap
    (an empty block broke the sparse stack on a real 99-playlist export)."""
    ids = [track_id(n) for n in range(120)]      # an artist each, no splines: a sparse matrix, as real ones are
    full = library_of({"Calm": ids[:60], "Loud": ids[60:]}, liked=ids[:3])
    tracks = full.tracks.copy()
    tracks.loc[ids[4], "tempo"] = np.nan
    library = build_library(tracks.reset_index(), full.memberships, full.liked, source="one gap")
    config = replace(recommended_config(), encoding=replace(recommended_config().encoding, splines=False))
    result = evaluate(library, config, folds=3)
    assert result.n_items == 120 and result.calibrated is not None
