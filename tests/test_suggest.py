"""Suggestions: which playlist each liked song belongs in, ranked, explained, and reproducible."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ConfigError, Encoding, RunConfig
from pipeline.explanations import EXPLAINED_FEATURES, FEATURE_LABELS
from pipeline.library import AUDIO_FEATURES, LibraryError, build_library
from pipeline.recommended import recommended_config
from pipeline.sources import load_library
from pipeline.suggest import (COLUMNS, FITS_NONE, SUGGEST, Threshold, choose_threshold, score_liked_songs, suggest,
                              suggestions_table)
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


def test_runner_up_is_the_songs_best_other_playlist_that_does_not_hold_it(demo, scored):
    table = suggestions_table(scored, demo, per_track=3)
    holds = set(zip(demo.memberships["playlist_id"], demo.memberships["track_id"]))
    assert table["already_in_playlist"].any()
    for row in table.itertuples():
        scores = scored.scores.loc[row.track_id]
        others = scores[[p != row.playlist_id and (p, row.track_id) not in holds for p in scores.index]]
        assert (row.runner_up, row.runner_up_score) == (demo.playlist_names[others.idxmax()], others.max())


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


# ----- calibrated scores and "fits none of your playlists" ---------------------------------------
@pytest.fixture(scope="module")
def scored(demo):
    return score_liked_songs(demo, recommended_config())


def test_a_precision_threshold_holds_back_songs_and_says_so_in_every_row(demo, scored):
    threshold = choose_threshold(scored, min_precision=0.8)
    table = suggestions_table(scored, demo, per_track=2, threshold=threshold)
    assert list(table.columns) == COLUMNS
    suggested, held_back = table[table["decision"] == SUGGEST], table[table["decision"] == FITS_NONE]
    assert (suggested["score"] >= threshold.value).all() and (suggested["playlist"] != "").all()
    assert len(held_back) and (held_back["score"] < threshold.value).all()
    assert (held_back["playlist"] == "").all() and held_back["track_id"].is_unique
    assert not set(held_back["track_id"]) & set(suggested["track_id"])
    # every liked song is accounted for: suggested somewhere, or one fits_none row
    assert set(suggested["track_id"]) | set(held_back["track_id"]) == set(demo.liked["track_id"])
    # a held-back song names its closest playlist and that playlist's score instead
    best = scored.scores.max(axis=1)
    assert np.allclose(held_back["runner_up_score"], best.loc[held_back["track_id"]].to_numpy())
    assert np.allclose(held_back["score"], held_back["runner_up_score"])


def test_the_threshold_for_a_precision_reaches_it_on_the_songs_it_was_picked_from(scored):
    threshold = choose_threshold(scored, min_precision=0.8)
    kept = scored.held_out_confidence >= threshold.value
    assert scored.held_out_correct[kept].mean() >= 0.8 == threshold.min_precision
    assert threshold.precision == pytest.approx(scored.held_out_correct[kept].mean())
    assert 0 < threshold.coverage < 1
    assert threshold.coverage == pytest.approx((scored.best_scores() >= threshold.value).mean())
    stricter = choose_threshold(scored, min_precision=0.9)
    assert stricter.value > threshold.value and stricter.coverage < threshold.coverage


def test_without_a_threshold_nothing_is_held_back_and_scores_are_calibrated_probabilities(demo, scored):
    table = suggestions_table(scored, demo, per_track=1)
    assert (table["decision"] == SUGGEST).all() and len(table) == len(demo.liked)
    assert table["score"].between(0, 1).all()
    # calibrated, not a softmax: a song's scores need not sum to 1 across playlists
    assert not np.allclose(scored.scores.sum(axis=1), 1.0)


def test_per_playlist_lists_drop_what_falls_below_the_threshold(demo, scored):
    threshold = choose_threshold(scored, min_confidence=0.6)
    table = suggestions_table(scored, demo, per_playlist=10, threshold=threshold)
    assert (table["score"] >= 0.6).all() and (table["decision"] == SUGGEST).all()
    assert len(table) < len(suggestions_table(scored, demo, per_playlist=10))


def test_the_same_seed_gives_the_same_held_back_songs(demo):
    first = suggest(demo, recommended_config(), per_track=1, min_precision=0.85)
    again = suggest(demo, recommended_config(), per_track=1, min_precision=0.85)
    pd.testing.assert_frame_equal(first, again)


def test_thresholds_outside_zero_to_one_or_both_at_once_are_refused(scored):
    with pytest.raises(ConfigError, match="between 0 and 1"):
        choose_threshold(scored, min_precision=80)
    with pytest.raises(ConfigError, match="not both"):
        choose_threshold(scored, min_confidence=0.5, min_precision=0.8)


# ----- partial exports train and suggest --------------------------------------------------------
def without_columns(source: Path, target: Path, columns: tuple[str, ...]) -> Path:
    """A copy of an Exportify folder whose CSVs lack ``columns`` (as some exports do)."""
    target.mkdir()
    for csv_file in source.glob("*.csv"):
        frame = pd.read_csv(csv_file, dtype=str, keep_default_na=False)
        frame.drop(columns=list(columns)).to_csv(target / csv_file.name, index=False)
    return target


@pytest.mark.parametrize("columns, absent", [(("Loudness",), "loudness"), (("Track Duration (ms)",), "duration")])
def test_a_real_export_missing_one_feature_column_trains_suggests_and_names_it(shared_data, tmp_path,
                                                                                 columns, absent):
    folder = without_columns(shared_data("exportify-deadda7a-2021"), tmp_path / "export", columns)
    library = load_library(folder)
    warning, = [w for w in library.warnings if w.code == "absent_features"]
    assert f"no values at all for {absent};" in str(warning)
    table = suggest(library, recommended_config(), per_track=1, min_precision=0.8)
    assert set(table["track_id"]) == set(library.liked["track_id"])
    assert (table["decision"] == SUGGEST).mean() > 0.5


def test_features_on_half_the_tracks_or_none_still_train_and_suggest():
    ids = [track_id(n) for n in range(40)]
    full = library_of({"Calm": ids[:20], "Loud": ids[20:36]}, liked=ids[34:40])
    tracks = full.tracks.copy()
    tracks.iloc[::2, tracks.columns.get_indexer(list(AUDIO_FEATURES))] = np.nan
    half = build_library(tracks.reset_index(), full.memberships, full.liked, source="half")
    none = build_library(full.tracks.assign(**{f: np.nan for f in AUDIO_FEATURES}).reset_index(),
                         full.memberships, full.liked, source="none")
    assert [w.code for w in half.warnings] == ["missing_features"]
    assert [w.code for w in none.warnings] == ["no_features"]
    for library in (half, none):
        table = suggest(library, recommended_config(), per_track=1)
        assert len(table) == 6 and table["score"].between(0, 1).all()
    # without audio features the explanations cannot name any
    assert (suggest(none, recommended_config(), per_track=1)["closest_features"] == "").all()


# ----- ranking and runner-ups on scores set by hand -----------------------------------------------
@pytest.fixture(scope="module")
def three_playlists():
    """Loud (8 tracks), Calm (6), Odd (4); liked: three new songs, one filed in Loud, one in Loud and Calm."""
    ids = [track_id(n) for n in range(21)]
    library = library_of({"Loud": ids[:8], "Calm": ids[8:14] + [ids[2]], "Odd": ids[14:18]},
                         liked=[*ids[18:21], ids[0], ids[2]])
    return library, score_liked_songs(library, RunConfig())


def with_scores(library, scored, by_song: dict[str, list[float]]):
    """``scored`` with these scores per liked song (by name), playlists in the order Loud, Calm, Odd."""
    assert scored.rows.playlist_names == ["Loud", "Calm", "Odd"]
    names = library.tracks["name"].reindex(scored.scores.index)
    return replace(scored, scores=pd.DataFrame([by_song[name] for name in names], index=scored.scores.index,
                                               columns=scored.scores.columns))


def test_equal_scores_rank_by_liked_order_and_then_by_playlist_order(three_playlists):
    library, scored = three_playlists
    tied = with_scores(library, scored, {
        "Song 18": [0.5, 0.5, 0.2], "Song 19": [0.5, 0.5, 0.5], "Song 20": [0.5, 0.4, 0.5],
        "Song 0": [0.9, 0.5, 0.1], "Song 2": [0.9, 0.8, 0.5]})
    per_playlist = suggestions_table(tied, library, per_playlist=None)
    loud = per_playlist[per_playlist["playlist"] == "Loud"]
    assert loud["track_name"].tolist() == ["Song 18", "Song 19", "Song 20"] and loud["rank"].tolist() == [1, 2, 3]
    per_track = suggestions_table(tied, library, per_track=3)
    assert per_track[per_track["track_name"] == "Song 19"]["playlist"].tolist() == ["Loud", "Calm", "Odd"]
    assert per_track[per_track["track_name"] == "Song 20"]["playlist"].tolist() == ["Loud", "Odd", "Calm"]


def test_the_runner_up_is_never_a_playlist_that_already_holds_the_song(three_playlists):
    library, scored = three_playlists
    # Song 0 sits in Loud, Song 2 in Loud and Calm: both score highest where they already are
    filed = with_scores(library, scored, {
        "Song 18": [0.3, 0.6, 0.1], "Song 19": [0.2, 0.1, 0.7], "Song 20": [0.4, 0.3, 0.2],
        "Song 0": [0.9, 0.5, 0.1], "Song 2": [0.9, 0.8, 0.5]})
    table = suggestions_table(filed, library, per_playlist=None)
    runner_up = {(row.track_name, row.playlist): (row.runner_up, row.runner_up_score) for row in table.itertuples()}
    assert runner_up[("Song 0", "Calm")] == ("Odd", 0.1)        # not Loud, where it already is
    assert runner_up[("Song 0", "Odd")] == ("Calm", 0.5)
    name, score = runner_up[("Song 2", "Odd")]                  # every other playlist holds it: none to send it to
    assert name == "" and np.isnan(score)
    assert runner_up[("Song 18", "Loud")] == ("Calm", 0.6)      # a new song's runner-up is its best other playlist
    assert runner_up[("Song 18", "Calm")] == ("Loud", 0.3)
    per_track = suggestions_table(filed, library, per_track=3)
    (held,) = per_track[(per_track["track_name"] == "Song 0") & (per_track["playlist"] == "Loud")].itertuples()
    assert (held.already_in_playlist, held.runner_up, held.runner_up_score) == (True, "Calm", 0.5)


def test_a_song_held_back_names_its_closest_playlist_even_one_that_holds_it(three_playlists):
    library, scored = three_playlists
    low = with_scores(library, scored, {
        "Song 18": [0.3, 0.6, 0.1], "Song 19": [0.2, 0.1, 0.7], "Song 20": [0.4, 0.3, 0.2],
        "Song 0": [0.45, 0.2, 0.1], "Song 2": [0.9, 0.8, 0.5]})
    threshold = Threshold(value=0.5, precision=0.9, coverage=0.8)
    table = suggestions_table(low, library, per_track=1, threshold=threshold)
    held = table[table["decision"] == FITS_NONE].set_index("track_name")
    assert held.index.tolist() == ["Song 20", "Song 0"]
    assert held.loc["Song 0", ["playlist", "runner_up", "runner_up_score"]].tolist() == ["", "Loud", 0.45]
