"""The embedded demo library: what someone opening the app without a Spotify account would see.

It must look like the library of the blog the product grew from, be the same every time, and make a
fair learning task: learnable, not trivial.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import StandardScaler

from pipeline.library import AUDIO_FEATURES, build_library
from pipeline.sources import read_source
from pipeline.sources.demo import demo_library
from pipeline.sources.demo_names import is_demo_id
from pipeline.sources.demo_tracks import features_from_scores, vibe_model
from pipeline.sources.demo_vibes import COLUMNS, VIBES

REPO = Path(__file__).resolve().parents[1]
ERA_PLAYLISTS = {"80s Synthpop": (1979, 1990), "90s Grunge": (1989, 1999), "60s & 70s Soul": (1955, 1980)}
ACOUSTIC_PAIR = ("Acoustic Mornings", "Unplugged Evenings")


def digest(library) -> str:
    content = hashlib.sha256()
    for table in (library.tracks, library.memberships, library.liked):
        content.update(table.to_csv().encode())
    return content.hexdigest()


@pytest.fixture(scope="module")
def library():
    return demo_library()


@pytest.fixture(scope="module")
def rows(library) -> pd.DataFrame:
    """One row per (playlist, track) with the track's data: what a model trains on."""
    joined = library.memberships.join(library.tracks, on="track_id")
    joined["year"] = joined["year"].astype(float)
    return joined


@pytest.fixture(scope="module")
def single_artist_playlists(rows) -> list[str]:
    credits = rows.groupby("playlist_name")["artists"].agg(lambda artists: set(artists))
    return sorted(name for name, artists in credits.items() if len(artists) == 1 and len(next(iter(artists))) == 1)


# ----- the same library every time ----------------------------------------------------
def test_same_seed_gives_byte_identical_tables_even_under_another_hash_seed(library):
    code = ("import hashlib; from pipeline.sources.demo import demo_library; lib = demo_library(7); "
            "h = hashlib.sha256(); [h.update(t.to_csv().encode()) for t in (lib.tracks, lib.memberships, lib.liked)]; "
            "print(h.hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "4242", "PYTHONPATH": str(REPO)}
    other_process = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                                   text=True, check=True).stdout.strip()
    assert digest(demo_library(7)) == digest(library) == other_process


def test_another_seed_gives_another_library_labelled_with_its_seed(library):
    other = demo_library(8)
    assert digest(other) != digest(library)
    assert set(other.tracks["name"]) != set(library.tracks["name"])
    assert library.source == "Demo library (invented artists and songs, generated from seed 7)"
    assert "seed 8" in other.source


def test_generation_leaves_global_random_state_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = digest(demo_library(3))
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(999)
    assert digest(demo_library(3)) == first


DEMO_DIGEST = "e8e0adb2a6a47d0bda673cdd022e20013848824769060c55d1b7f17deb2305da"
"""`digest` of ``demo_library(7)`` before the scale parameter existed: what every user has seen.
Change it only when the demo is meant to change."""


def test_the_default_demo_is_the_one_users_have_always_seen(library):
    assert digest(library) == digest(demo_library(7, scale=1)) == DEMO_DIGEST


def test_a_scaled_demo_has_the_same_playlists_and_proportionally_more_rows(library):
    scaled = demo_library(7, scale=3)
    summary, small = scaled.summary(), library.summary()
    assert set(scaled.playlists()["playlist_name"]) >= {"Classic Rock", "Gym", "Acoustic Mornings"}
    assert summary["playlists"] == small["playlists"]
    assert 2.7 <= summary["memberships"] / small["memberships"] <= 3.3
    assert 2.7 <= summary["liked"] / small["liked"] <= 3.3
    assert scaled.feature_coverage() == 1.0 and scaled.warnings == ()
    assert scaled.source.endswith("seed 7, scaled x3)")
    assert digest(demo_library(7, scale=3)) == digest(scaled)


@pytest.mark.parametrize("scale", [0, -2, "3", True, float("nan")])
def test_a_bad_scale_is_refused_with_a_clear_message(scale):
    with pytest.raises(ValueError, match="scale must be a positive number"):
        demo_library(7, scale=scale)


@pytest.mark.parametrize("seed", [-1, 2.5, "7"])
def test_a_bad_seed_is_refused_with_a_clear_message(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        demo_library(seed)


def test_the_app_loads_it_by_the_name_demo(library):
    assert read_source("demo").fingerprint() == library.fingerprint()


# ----- the shape of the blog's library ---------------------------------------------------
def test_sizes_match_the_blog(library):
    summary = library.summary()
    assert 30 <= summary["playlists"] <= 36
    assert 2_200 <= summary["memberships"] <= 2_600
    assert 1_900 <= summary["tracks"] <= 2_200
    assert 600 <= summary["liked"] <= 740
    rows_in_three_largest = library.playlists()["size"].head(3).sum() / summary["memberships"]
    assert 0.33 <= rows_in_three_largest <= 0.41   # the blog: "37% ... within the three largest playlists"


def test_complete_clean_library_without_warnings(library):
    assert library.feature_coverage() == 1.0
    assert library.warnings == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas or numpy warning either
        demo_library(5)
    rebuilt = build_library(library.tracks.reset_index(), library.memberships, library.liked, library.source)
    assert rebuilt.fingerprint() == library.fingerprint()


def test_features_stay_in_the_ranges_spotify_reports(library):
    tracks = library.tracks
    for ratio in ("danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness", "valence"):
        assert tracks[ratio].between(0, 1).all(), ratio
    assert set(tracks["key"].unique()) <= set(range(12)) and set(tracks["mode"].unique()) == {0, 1}
    assert tracks["tempo"].between(50, 220).all() and tracks["loudness"].between(-35, 0).all()
    assert tracks["duration_ms"].between(60_000, 600_000).all()
    assert (tracks["duration_ms"] % 1 == 0).all()
    assert tracks["year"].between(1950, 2022).all() and tracks["popularity"].between(0, 100).all()


def test_ids_are_spotify_shaped_unique_and_recognisably_demo(library):
    ids = list(library.tracks.index) + list(library.memberships["playlist_id"].unique())
    assert all(re.fullmatch(r"[0-9A-Za-z]{22}", i) and is_demo_id(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert not is_demo_id("4uLU6hMCjMI75M1A2tKUQC")


def test_names_are_invented_words_with_genres_per_artist(library):
    tracks = library.tracks
    assert tracks["name"].str.len().gt(0).all() and tracks["album"].str.len().gt(0).all()
    solo_credit = tracks[tracks["artists"].map(len) == 1]
    assert solo_credit["genres"].map(len).between(1, 3).all()
    assert tracks["artists"].map(len).max() == 2  # featured guests, as on rap and latin tracks


def test_three_big_playlists_like_the_blog(library):
    assert set(library.playlists()["playlist_name"].head(3)) == {"Classic Rock", "Discover Weekly Finds", "Gym"}


def test_single_artist_playlists_are_named_after_their_artist(rows, single_artist_playlists):
    assert len(single_artist_playlists) >= 3
    for name in single_artist_playlists:
        assert rows.loc[rows["playlist_name"] == name, "artists"].iloc[0] == (name,)


def test_some_tracks_sit_in_several_playlists(library):
    playlists_per_track = library.memberships.groupby("track_id").size()
    assert 0.10 <= (playlists_per_track > 1).mean() <= 0.20
    assert playlists_per_track.max() >= 3


def test_liked_songs_partly_filed_the_rest_new_and_recent(library):
    filed = library.liked["track_id"].isin(library.memberships["track_id"])
    assert 0.35 <= filed.mean() <= 0.45
    assert not library.liked.loc[~filed, "track_id"].isin(library.memberships["track_id"]).any()
    assert library.liked.loc[~filed, "added_at"].median() > library.liked.loc[filed, "added_at"].median()
    assert library.liked["added_at"].is_monotonic_decreasing  # newest first, as Spotify lists them
    span = library.liked["added_at"].max() - library.liked["added_at"].min()
    assert span > pd.Timedelta(days=5 * 365)


def test_playlists_were_built_in_periods_and_never_before_release(rows):
    added = rows.groupby("playlist_name")["added_at"]
    building = (added.quantile(0.8) - added.quantile(0.1)).dt.days / 365
    assert (building < 2).mean() >= 0.8
    assert (rows["added_at"].dt.year >= rows["year"]).all()


def test_artists_recur_across_related_playlists_without_giving_them_away(rows, single_artist_playlists):
    lead_artist = rows["artists"].str[0]
    classic, road_trip = (set(lead_artist[rows["playlist_name"] == name]) for name in ("Classic Rock", "Road Trip"))
    assert len(classic & road_trip) >= 10
    shared = rows[~rows["playlist_name"].isin(single_artist_playlists)].assign(artist=lead_artist)
    tracks_per_artist = shared.drop_duplicates("track_id")["artist"].value_counts()
    assert tracks_per_artist.iloc[:5].min() >= 12  # a handful of prolific artists
    loyalty = shared.groupby("artist")["playlist_name"].agg(lambda p: p.value_counts(normalize=True).iloc[0])
    assert loyalty[tracks_per_artist[tracks_per_artist >= 3].index].mean() < 0.85


def test_era_playlists_span_few_years(rows):
    spread = rows.groupby("playlist_name")["year"].std()
    for name, (first, last) in ERA_PLAYLISTS.items():
        years = rows.loc[rows["playlist_name"] == name, "year"]
        assert years.between(first, last).mean() >= 0.9, name
        assert spread[name] < spread.median(), name


def test_the_two_acoustic_playlists_sound_closer_than_typical_pairs(rows):
    features = rows[list(AUDIO_FEATURES)]
    means = ((features - features.mean()) / features.std()).groupby(rows["playlist_name"]).mean()
    distance = {pair: float(np.linalg.norm(means.loc[pair[0]] - means.loc[pair[1]]))
                for pair in combinations(means.index, 2)}
    acoustic = distance.get(ACOUSTIC_PAIR, distance.get(ACOUSTIC_PAIR[::-1]))
    assert acoustic < np.quantile(list(distance.values()), 0.05)


def test_each_vibe_reproduces_its_real_statistics():
    rng = np.random.default_rng(0)
    for vibe, entry in VIBES.items():
        scores = rng.standard_normal((4_000, len(COLUMNS))) @ vibe_model(vibe).cholesky.T
        sample = pd.DataFrame(features_from_scores(vibe, scores), columns=list(COLUMNS))
        for column in ("danceability", "energy", "loudness", "acousticness", "valence", "tempo", "year", "mode"):
            mean, std = entry["stats"][column][:2]
            assert abs(sample[column].mean() - mean) <= 0.12 * std + 1e-9, (vibe, column)
        real_corr = entry["correlation"][COLUMNS.index("loudness") - 1][COLUMNS.index("energy")]
        assert abs(sample[["energy", "loudness"]].corr(method="spearman").iloc[0, 1] - real_corr) < 0.1, vibe


# ----- a fair learning task ------------------------------------------------------------------
@pytest.fixture(scope="module")
def logistic_regression(rows):
    """Class-weighted logistic regression, split by track: predictions with and without year."""
    train, test = next(GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
                       .split(rows, groups=rows["track_id"]))
    truth = rows["playlist_name"].to_numpy()
    predictions = {}
    for name, columns in (("audio", list(AUDIO_FEATURES)), ("audio+year", [*AUDIO_FEATURES, "year"])):
        scaler = StandardScaler().fit(rows.iloc[train][columns])
        features = scaler.transform(rows[columns])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a convergence warning would make the numbers meaningless
            model = LogisticRegression(class_weight="balanced", max_iter=3000).fit(features[train], truth[train])
        predictions[name] = model.predict(features[test])
    return truth[train], truth[test], predictions


def test_learnable_but_far_from_trivial(logistic_regression):
    train_truth, test_truth, predictions = logistic_regression
    most_frequent = pd.Series(train_truth).value_counts().index[0]
    baseline = balanced_accuracy_score(test_truth, np.full(len(test_truth), most_frequent))
    assert balanced_accuracy_score(test_truth, predictions["audio+year"]) > baseline + 0.2
    assert (predictions["audio+year"] == test_truth).mean() < 0.9
    assert (predictions["audio+year"] == test_truth).mean() > (test_truth == most_frequent).mean()


def test_single_artist_playlists_are_the_easiest(logistic_regression, single_artist_playlists):
    _, test_truth, predictions = logistic_regression
    names = sorted(set(test_truth))
    recall = pd.Series(recall_score(test_truth, predictions["audio+year"], labels=names, average=None), index=names)
    assert recall[single_artist_playlists].min() > recall.median()


def test_release_year_helps_the_era_playlists(logistic_regression):
    _, test_truth, predictions = logistic_regression
    names = sorted(ERA_PLAYLISTS)
    without, with_year = (recall_score(test_truth, predictions[k], labels=names, average=None).mean()
                          for k in ("audio", "audio+year"))
    assert with_year > without
    assert balanced_accuracy_score(test_truth, predictions["audio+year"]) > balanced_accuracy_score(
        test_truth, predictions["audio"])


def test_the_three_largest_share_is_the_one_the_baseline_scores(library):
    from pipeline.baseline import library_baseline
    assert library.summary()["largest_three_share"] == round(library_baseline(library).top3, 4)


def test_every_demo_track_has_the_hidden_vibe_it_was_drawn_from():
    from pipeline.sources.demo import demo_track_vibes
    from pipeline.sources.demo_vibes import VIBES
    vibes = demo_track_vibes()
    library = demo_library()
    assert set(vibes) == set(library.tracks.index)
    assert set(vibes.values()) <= set(VIBES) and len(set(vibes.values())) > 5
