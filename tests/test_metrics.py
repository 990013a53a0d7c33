"""Scores on a four-playlist library small enough to score by hand, one track in two playlists.

Playlists (largest first, so columns A B C D): A = t1 t2 t3 t5, B = t4 t5, C = t6, D = t7.
The probability rows below are fixed; every expected number is worked out in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

from pipeline import metrics
from pipeline.fitting import TrainingRows
from tests.toy_libraries import library_of, track_id

T = {n: track_id(n) for n in range(1, 8)}
PLAYLISTS = {"A": [T[1], T[2], T[3], T[5]], "B": [T[4], T[5]], "C": [T[6]], "D": [T[7]]}
PROBA = np.array([
    # A     B     C     D        truth    top-1      top-3
    [0.60, 0.20, 0.10, 0.10],  # t1 A   A  hit      hit
    [0.10, 0.20, 0.30, 0.40],  # t2 A   D  miss     D C B: miss
    [0.30, 0.40, 0.20, 0.10],  # t3 A   B  miss     hit
    [0.10, 0.70, 0.10, 0.10],  # t4 B   B  hit      hit
    [0.20, 0.10, 0.60, 0.10],  # t5 A+B C  miss     C A ..: hit
    [0.10, 0.10, 0.50, 0.30],  # t6 C   C  hit      hit
    [0.25, 0.25, 0.20, 0.30],  # t7 D   D  hit      hit
])
# Confusion (rows true, columns predicted); t5 is wrong and sits in A and B: 1/2 to each row.
CONFUSION = np.array([
    [1.0, 1.0, 0.5, 1.0],   # A: t1 -> A, t3 -> B, t5/2 -> C, t2 -> D      (row 3.5)
    [0.0, 1.0, 0.5, 0.0],   # B: t4 -> B, t5/2 -> C                        (row 1.5)
    [0.0, 0.0, 1.0, 0.0],   # C: t6
    [0.0, 0.0, 0.0, 1.0],   # D: t7
])
PRECISION = [1 / 1, 1 / 2, 1 / 2, 1 / 2]            # diagonal / column sums 1, 2, 2, 2
RECALL = [1 / 3.5, 1 / 1.5, 1.0, 1.0]              # diagonal / row sums
F1 = [4 / 9, 4 / 7, 2 / 3, 2 / 3]
# Average precision per column (sklearn's step rule, tied scores form one threshold):
#   A: .6+ .3+ .25- .2+ {.1: +--}  -> 1/4*1 + 1/4*1 + 1/4*3/4 + 1/4*4/7 = 93/112
#   B: .7+ .4- .25- {.2: --} {.1: +-} -> 1/2*1 + 1/2*2/7            = 9/14
#   C: .6- .5+                        -> 1/2
#   D: .4- {.3: -+}                   -> 1/3
AP = [93 / 112, 9 / 14, 1 / 2, 1 / 3]


@pytest.fixture(scope="module")
def rows() -> TrainingRows:
    return TrainingRows.from_library(library_of(PLAYLISTS))


@pytest.fixture(scope="module")
def truth(rows) -> np.ndarray:
    return rows.truth_for([T[n] for n in range(1, 8)])


def test_playlists_become_columns_largest_first_and_a_shared_track_is_true_for_both(rows, truth):
    assert rows.playlist_names == ["A", "B", "C", "D"]
    assert rows.sizes == [4, 2, 1, 1]
    assert truth[4].tolist() == [True, True, False, False]        # t5 sits in A and B
    assert truth.sum(axis=1).tolist() == [1, 1, 1, 1, 2, 1, 1]


def test_top1_and_top3_count_a_hit_in_any_playlist_holding_the_track(truth):
    assert metrics.hits_at(PROBA, truth, 1).tolist() == [True, False, False, True, False, True, True]
    assert metrics.hits_at(PROBA, truth, 3).tolist() == [True, False, True, True, True, True, True]


def test_a_wrong_multi_playlist_track_shares_its_one_count_between_its_playlists(truth):
    matrix = metrics.confusion(PROBA, truth)
    np.testing.assert_allclose(matrix, CONFUSION)
    assert matrix.sum() == pytest.approx(len(PROBA))          # every item counts exactly once
    assert np.trace(matrix) == pytest.approx(4)               # the diagonal is the top-1 hits


def test_a_right_multi_playlist_track_counts_once_on_the_predicted_diagonal(truth):
    proba = PROBA.copy()
    proba[4] = [0.1, 0.7, 0.1, 0.1]                           # t5 -> B, which holds it
    matrix = metrics.confusion(proba, truth)
    assert matrix[1, 1] == 2.0 and matrix[0].sum() == 3.0     # nothing left on A's row for t5


def test_headline_scores_equal_the_hand_computed_ones(rows, truth):
    scores = metrics.score(PROBA, truth, rows.largest_three)
    assert scores.accuracy == pytest.approx(4 / 7)
    assert scores.top3 == pytest.approx(6 / 7)
    assert scores.macro_f1 == pytest.approx(np.mean(F1)) == pytest.approx(37 / 63)
    assert scores.balanced_accuracy == pytest.approx(np.mean(RECALL)) == pytest.approx(31 / 42)
    assert scores.macro_ap == pytest.approx(np.mean(AP)) == pytest.approx(775 / 1344)
    # skew: predicted share of the three largest (A, B, C: columns 1+2+2 of 7) minus their true share (6 of 7)
    assert scores.skew == pytest.approx(5 / 7 - 6 / 7)


def test_per_playlist_rows_carry_precision_recall_f1_ap_and_shares(rows, truth):
    table = metrics.per_playlist(PROBA, truth, rows.playlist_ids, rows.playlist_names, rows.sizes)
    assert [p.playlist_name for p in table] == ["A", "B", "C", "D"]
    assert [p.size for p in table] == [4, 2, 1, 1]
    np.testing.assert_allclose([p.precision for p in table], PRECISION)
    np.testing.assert_allclose([p.recall for p in table], RECALL)
    np.testing.assert_allclose([p.f1 for p in table], F1)
    np.testing.assert_allclose([p.ap for p in table], AP)
    np.testing.assert_allclose([p.true_share for p in table], [3.5 / 7, 1.5 / 7, 1 / 7, 1 / 7])
    np.testing.assert_allclose([p.predicted_share for p in table], [1 / 7, 2 / 7, 2 / 7, 2 / 7])


def test_normalised_confusion_rows_are_shares_of_each_true_playlist(truth):
    shares = metrics.normalised_confusion(PROBA, truth)
    np.testing.assert_allclose(shares[0], [2 / 7, 2 / 7, 1 / 7, 2 / 7])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_a_playlist_absent_from_the_items_has_no_ap_and_stays_out_of_the_macro_scores(rows, truth):
    keep = [0, 1, 2, 3, 4, 5]                                  # drop t7, D's only track
    scores = metrics.score(PROBA[keep], truth[keep], rows.largest_three)
    ap = metrics.average_precisions(PROBA[keep], truth[keep])
    assert np.isnan(ap[3])
    assert scores.macro_ap == pytest.approx(np.mean(ap[:3]))
    # D is still predicted once (t2), so it costs precision elsewhere but has no recall of its own
    matrix = metrics.confusion(PROBA[keep], truth[keep])
    recall = np.diag(matrix)[:3] / matrix.sum(axis=1)[:3]
    assert scores.balanced_accuracy == pytest.approx(recall.mean())


def test_with_one_playlist_per_track_the_scores_agree_with_scikit_learn():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 5, 200)
    truth = np.eye(5, dtype=bool)[labels]
    proba = rng.dirichlet(np.ones(5), 200) + truth * rng.uniform(0, 0.5, (200, 1))
    predicted = proba.argmax(axis=1)
    scores = metrics.score(proba, truth, np.arange(3))
    np.testing.assert_allclose(metrics.confusion(proba, truth), confusion_matrix(labels, predicted, labels=range(5)))
    assert scores.accuracy == pytest.approx(accuracy_score(labels, predicted))
    assert scores.macro_f1 == pytest.approx(f1_score(labels, predicted, average="macro"))
    assert scores.balanced_accuracy == pytest.approx(balanced_accuracy_score(labels, predicted))


# Confidence is the top choice's score. Top choices (score, right?): t1 .60 yes, t2 .40 no, t3 .40 no,
# t4 .70 yes, t5 .60 no, t6 .50 yes, t7 .30 yes. Bins of 0.1: .3 {yes} gap .7; .4 {no, no} gap .4 x2;
# .5 {yes} gap .5; .6 {yes, no} gap .1 x2; .7 {yes} gap .3  ->  ECE = (.7 + .8 + .5 + .2 + .3) / 7.
ECE = 2.5 / 7
# Brier: per track, squared errors summed over playlists (t5's truth is A and B):
# t1 .22, t2 1.10, t3 .70, t4 .12, t5 1.82, t6 .36, t7 .655.
BRIER = (0.22 + 1.10 + 0.70 + 0.12 + 1.82 + 0.36 + 0.655) / 7


def test_confidence_scores_equal_the_hand_computed_ones(rows, truth):
    scores = metrics.score(PROBA, truth, rows.largest_three)
    assert scores.ece == pytest.approx(ECE) and scores.brier == pytest.approx(BRIER)
    bins = metrics.reliability(*metrics.top_choice(PROBA, truth))
    assert [(b["low"], b["count"], b["accuracy"]) for b in bins] == [
        (0.3, 1, 1.0), (0.4, 2, 0.0), (0.5, 1, 1.0), (0.6, 2, 0.5), (0.7, 1, 1.0)]


def test_honest_confidence_scores_an_ece_of_zero_and_a_certain_right_answer_a_brier_of_zero():
    confidence = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])
    correct = np.array([True, False, False, False, True, True, True, False])
    assert metrics.expected_calibration_error(confidence, correct) == pytest.approx(0.0)
    assert metrics.brier_score(np.eye(3), np.eye(3, dtype=bool)) == 0.0


def test_the_noise_floor_shrinks_with_more_songs():
    few = [{"confidence": 0.7, "count": 25}]
    many = [{"confidence": 0.7, "count": 2500}]
    assert metrics.calibration_noise_floor(few) == pytest.approx(10 * metrics.calibration_noise_floor(many))
    assert 0.07 < metrics.calibration_noise_floor(few) < 0.08      # sqrt(2/pi * .21 / 25)
