"""Which playlists get mixed up: the ranked pairs and the playlists a readable matrix keeps."""

import numpy as np
import pytest

from pipeline import confusion
from pipeline.config import RunConfig
from pipeline.evaluation import evaluate
from tests.toy_libraries import library_of, track_id

# true playlist rows x predicted playlist columns, in songs
COUNTS = np.array([[8.0, 2.0, 0.0],
                   [1.0, 4.0, 5.0],
                   [0.0, 0.0, 10.0]])


def test_the_pairs_say_whose_songs_went_where_most_songs_first():
    pairs = confusion.most_confused_pairs(["Rock", "Pop", "Jazz"], COUNTS)
    assert list(pairs.columns) == list(confusion.PAIR_COLUMNS)
    assert list(zip(pairs["true_playlist"], pairs["predicted_playlist"])) == [("Pop", "Jazz"), ("Rock", "Pop"),
                                                                             ("Pop", "Rock")]
    assert list(pairs["songs"]) == [5.0, 2.0, 1.0]
    assert list(pairs["share_of_true"]) == pytest.approx([0.5, 0.2, 0.1]), "share of the true playlist's songs"


def test_the_list_stops_at_top_and_ties_go_to_the_larger_share():
    counts = np.array([[90.0, 3.0, 0.0], [3.0, 7.0, 0.0], [0.0, 1.0, 9.0]])
    pairs = confusion.most_confused_pairs(["Big", "Small", "Other"], counts, top=2)
    assert list(zip(pairs["true_playlist"], pairs["predicted_playlist"])) == [("Small", "Big"), ("Big", "Small")]


def test_a_model_that_mixes_nothing_up_lists_nothing():
    assert confusion.most_confused_pairs(["A", "B"], np.diag([3.0, 4.0])).empty


def test_songs_come_back_from_the_row_normalised_matrix():
    shares = [[0.8, 0.2, 0.0], [0.1, 0.4, 0.5], [0.0, 0.0, 1.0]]
    assert confusion.song_counts(shares, [10, 10, 10]) == pytest.approx(COUNTS)


def test_an_evaluation_gives_back_one_song_per_scored_track_and_its_recall_on_the_diagonal():
    ids = [track_id(i) for i in range(70)]
    playlists = {"Rock": ids[:30], "Indie": ids[20:60], "Jazz": ids[60:] + ids[:5]}  # some tracks in two
    result = evaluate(library_of(playlists), RunConfig(model="dummy"), folds=2, calibrate=False)
    counts = confusion.counts_of(result)
    assert counts.sum() == pytest.approx(result.n_items, abs=0.01)
    assert np.diag(counts) / counts.sum(axis=1) == pytest.approx([p.recall for p in result.per_playlist], abs=1e-3)
    pairs = confusion.most_confused_pairs(result.confusion_labels, counts)
    assert len(pairs) > 0, "the baseline files every song into one playlist"
    row_songs = dict(zip(result.confusion_labels, counts.sum(axis=1)))
    assert list(pairs["share_of_true"]) == pytest.approx(list(pairs["songs"] / pairs["true_playlist"].map(row_songs)))


def test_the_focus_keeps_both_ends_of_the_worst_pairs_then_the_largest_playlists():
    sizes = np.arange(40, 10, -1, dtype=float)  # 30 playlists, largest first
    counts = np.diag(sizes)
    counts[25, 25], counts[25, 21] = 1.0, 12.0   # two small playlists, badly mixed up
    counts[3, 3], counts[3, 0] = 30.0, 7.0
    focus = confusion.focus_playlists(counts, limit=6)
    assert focus == sorted(focus) and len(focus) == 6
    assert {21, 25, 3, 0} <= set(focus), "the worst pairs are in the matrix"
    assert set(focus) - {21, 25, 3, 0} == {1, 2}, "then the largest playlists"
    assert confusion.most_confused_pairs(list("abcdefghijklmnopqrstuvwxyz1234"), counts, top=2)[
        "true_playlist"].tolist() == ["z", "d"]


def test_a_handful_of_playlists_is_kept_whole():
    assert confusion.focus_playlists(COUNTS, limit=15) == [0, 1, 2]
