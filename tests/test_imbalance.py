"""Imbalance strategies: class weights, oversampling, SMOTE on tiny playlists, the leaky demo."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from imblearn import FunctionSampler
from imblearn.over_sampling import RandomOverSampler

from pipeline.config import RunConfig
from pipeline.evaluation import evaluate
from pipeline.imbalance import adaptive_smote, class_weights, leaky_oversample_indices, make_sampler
from tests.toy_libraries import library_of, track_id

Y = np.array([0] * 8 + [1] * 4 + [2] * 2)


def test_balanced_class_weights_give_every_playlist_the_same_total_weight():
    weights = class_weights(Y, power=1.0)
    totals = [weights[Y == label].sum() for label in range(3)]
    np.testing.assert_allclose(totals, totals[0])
    assert weights.mean() == pytest.approx(1.0)
    assert weights[Y == 2][0] / weights[Y == 0][0] == pytest.approx(4.0)      # 8 rows vs 2


def test_the_class_weight_power_moves_between_unweighted_and_balanced():
    np.testing.assert_allclose(class_weights(Y, power=0.0), 1.0)
    half = class_weights(Y, power=0.5)
    assert half[Y == 2][0] / half[Y == 0][0] == pytest.approx(2.0)             # sqrt of 4


def test_only_the_resampling_strategies_get_a_sampler():
    assert isinstance(make_sampler("oversample", 0), RandomOverSampler)
    assert isinstance(make_sampler("smote", 0), FunctionSampler)
    assert [make_sampler(s, 0) for s in ("none", "class_weights", "leaky")] == [None, None, None]


def test_smote_lifts_every_playlist_to_the_largest_with_one_and_two_track_playlists():
    rng = np.random.default_rng(0)
    y = np.array([0] * 9 + [1] * 2 + [2])
    X = rng.normal(size=(len(y), 4))
    X_res, y_res = adaptive_smote(X, y, k_neighbors=5, seed=0)
    assert Counter(y_res.tolist()) == {0: 9, 1: 9, 2: 9}
    np.testing.assert_array_equal(X_res[:len(y)], X)                          # originals kept, in order
    new_X, new_y = X_res[len(y):], y_res[len(y):]
    # the one-track playlist cannot be interpolated: its new rows are copies (the documented fallback)
    np.testing.assert_array_equal(new_X[new_y == 2], np.repeat(X[y == 2], 8, axis=0))
    # the two-track playlist interpolates between its two tracks (k shrinks to 1)
    a, b = X[y == 1]
    share = (new_X[new_y == 1] - a) @ (b - a) / ((b - a) @ (b - a))
    np.testing.assert_allclose(a + np.outer(share, b - a), new_X[new_y == 1], atol=1e-9)
    assert ((share >= 0) & (share <= 1)).all()


def test_smote_is_seeded():
    rng = np.random.default_rng(1)
    y = np.array([0] * 10 + [1] * 3)
    X = rng.normal(size=(len(y), 3))
    np.testing.assert_array_equal(adaptive_smote(X, y, seed=5)[0], adaptive_smote(X, y, seed=5)[0])
    assert not np.array_equal(adaptive_smote(X, y, seed=5)[0], adaptive_smote(X, y, seed=6)[0])


def test_the_leaky_indices_oversample_every_playlist_to_the_largest_before_any_split():
    order = leaky_oversample_indices(Y, seed=0)
    assert Counter(Y[order].tolist()) == {0: 8, 1: 8, 2: 8}
    assert set(order[:len(Y)]) == set(range(len(Y)))                       # every original row, plus copies


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
def test_evaluating_smote_on_playlists_of_one_and_two_tracks_runs_instead_of_crashing():
    playlists = {"Big": [track_id(n) for n in range(20)], "Pair": [track_id(20), track_id(21)],
                 "Solo": [track_id(22)]}
    library = library_of(playlists, liked=[track_id(1), track_id(21), track_id(30)])
    result = evaluate(library, RunConfig(model="logreg", strategy="smote"), folds=2)
    assert result.n_items == 23
    assert [p.playlist_name for p in result.per_playlist] == ["Big", "Pair", "Solo"]
    assert 0.0 <= result.metrics.accuracy <= 1.0 and result.backtest.n == 2
