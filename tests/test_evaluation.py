"""Honest evaluation: nothing a model trains on belongs to a track it is scored on — except in the
labelled leaky demo, which does exactly that and scores higher for it."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import numpy as np
import pytest
from imblearn import FunctionSampler
from sklearn.linear_model import LogisticRegression

from pipeline import fitting, imbalance
from pipeline.config import Encoding, RunConfig
from pipeline.evaluation import EvaluationResult, evaluate
from pipeline.out_of_fold import iterate_folds, split_rows
from pipeline.fitting import TrainingRows
from pipeline.sources import load_library
from tests.toy_libraries import library_of, rows_by_vector, track_id

HONEST = ("none", "oversample", "smote", "class_weights")
RAW_AUDIO = Encoding(scaler="none", splines=False, artist="drop", genres=False, year=False, album=False)
"""Encoded rows are the tracks' own audio features, so a row seen by a sampler names its track."""


@pytest.fixture(scope="module")
def library():
    """Playlists of 30, 12, 6 and 3 tracks, four tracks in two playlists, liked songs in and out of them."""
    ids = [track_id(n) for n in range(60)]
    playlists = {"Big": ids[:30], "Mid": ids[26:38], "Small": ids[38:44], "Tiny": ids[44:47]}
    return library_of(playlists, liked=[ids[0], ids[27], ids[40], ids[55], ids[56]])


@pytest.fixture(scope="module")
def rows(library):
    return TrainingRows.from_library(library)


@pytest.fixture(scope="module")
def demo():
    return load_library("demo")


def dense(matrix) -> np.ndarray:
    """The rows as a dense array of their own float type (a float32 model's rows keep their float32 bytes)."""
    array = np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix)
    return array if array.dtype.kind == "f" else array.astype(float)


def on_a_segment(point: np.ndarray, candidates: np.ndarray) -> bool:
    """Whether ``point`` lies on a segment between two of ``candidates`` (SMOTE's interpolation)."""
    for a in candidates:
        direction = candidates - a
        length = (direction ** 2).sum(axis=1)
        share = np.divide((point - a) @ direction.T, length, out=np.zeros(len(length)), where=length > 0)
        closest = a + share[:, None] * direction
        if np.any((share >= -1e-9) & (share <= 1 + 1e-9) & np.all(np.isclose(closest, point, atol=1e-7), axis=1)):
            return True
    return False


@pytest.fixture
def spies(monkeypatch):
    """Record what every sampler receives and returns, and every matrix the logistic regression fits on."""
    seen = {"resample": [], "model": []}
    make_sampler = imbalance.make_sampler

    def spying_sampler(strategy, seed, smote_k=5):
        sampler = make_sampler(strategy, seed, smote_k=smote_k)
        if sampler is None:
            return None

        def resample(X, y):
            X_res, y_res = sampler.fit_resample(X, y)
            seen["resample"].append((dense(X), np.asarray(y), dense(X_res), np.asarray(y_res)))
            return X_res, y_res
        return FunctionSampler(func=resample, validate=False)

    fit = LogisticRegression.fit

    def spying_fit(self, X, y, sample_weight=None):
        seen["model"].append((dense(X), np.asarray(y)))
        return fit(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(fitting, "make_sampler", spying_sampler)
    monkeypatch.setattr(LogisticRegression, "fit", spying_fit)
    return seen


@pytest.mark.parametrize("strategy", HONEST)
def test_no_training_row_of_any_fold_belongs_to_a_track_scored_in_that_fold(library, rows, spies, strategy):
    config = RunConfig(model="logreg", strategy=strategy, encoding=RAW_AUDIO, seed=3)
    track_of = rows_by_vector(library)
    scored = []
    for fold in iterate_folds(library, config, rows, 3, lambda *_: None):
        test_tracks = set(rows.track_ids[fold.items])
        train_tracks = set(rows.track_ids) - test_tracks
        X, y = spies["model"][-1]
        copies = [track_of.get(row.tobytes()) for row in X]
        assert not test_tracks & set(copies), "a scored track was trained on"
        assert set(copies) - {None} == train_tracks                 # and every other track was
        training_rows = [row for row, track in zip(X, copies) if track is not None]
        assert len(training_rows) >= sum(t in train_tracks for t in rows.track_ids)
        synthetic = [(row, label) for row, label, track in zip(X, y, copies) if track is None]
        if strategy == "smote":
            X_in, y_in, _, _ = spies["resample"][-1]
            assert {track_of[row.tobytes()] for row in X_in} == train_tracks   # the sampler saw the fold only
            assert synthetic and all(on_a_segment(row, X_in[y_in == label]) for row, label in synthetic)
        else:
            assert synthetic == []                                   # only copies of training rows
        if strategy == "oversample":
            X_in, _, X_out, _ = spies["resample"][-1]
            assert {track_of[row.tobytes()] for row in X_in} == train_tracks
            assert len(X_out) > len(X_in)
        scored += list(rows.track_ids[fold.items])
    assert sorted(scored) == sorted(set(rows.track_ids))             # every track scored exactly once


@pytest.mark.parametrize("strategy", HONEST)
def test_honest_folds_split_by_track(rows, strategy):
    order, splits = split_rows(rows, 3, RunConfig(strategy=strategy))
    for train, test in splits:
        assert not set(rows.track_ids[order[train]]) & set(rows.track_ids[order[test]])


def test_the_leaky_split_puts_copies_of_the_same_tracks_on_both_sides(rows):
    order, splits = split_rows(rows, 3, RunConfig(strategy="leaky"))
    assert len(order) > len(rows.labels)                             # oversampled before splitting
    shared = [set(rows.track_ids[order[train]]) & set(rows.track_ids[order[test]]) for train, test in splits]
    assert all(len(tracks) > 5 for tracks in shared)


def test_the_leaky_demo_trains_on_copies_of_the_very_tracks_it_scores(library, rows, spies):
    config = RunConfig(model="logreg", strategy="leaky", encoding=RAW_AUDIO)
    track_of = rows_by_vector(library)
    for fold in iterate_folds(library, config, rows, 3, lambda *_: None):
        X, _ = spies["model"][-1]
        trained = {track_of[row.tobytes()] for row in X}
        assert len(set(rows.track_ids[fold.items]) & trained) > 5
    assert spies["resample"] == []                      # the copies were made before the split, not in a fold


def test_the_backtest_trains_without_the_liked_songs_it_scores(library, rows, spies):
    result = evaluate(library, RunConfig(model="logreg", strategy="none", encoding=RAW_AUDIO), folds=2)
    filed_liked = set(library.liked_in_playlists())
    X, _ = spies["model"][-1]                                        # the last fit is the backtest's
    trained = {rows_by_vector(library).get(row.tobytes()) for row in X}
    assert filed_liked and not filed_liked & trained
    assert result.backtest.n == len(filed_liked) == 3


def test_the_baseline_is_the_same_unweighted_prior_whatever_the_strategy(library, rows):
    weighted = evaluate(library, RunConfig(model="logreg", strategy="class_weights"), folds=3)
    plain = evaluate(library, RunConfig(model="logreg", strategy="none"), folds=3)
    assert weighted.baseline == plain.baseline
    assert weighted.baseline_backtest == plain.baseline_backtest
    # a prior-only dummy always names the biggest playlist: it is right for Big's tracks only
    big = {track for track, label in zip(rows.track_ids, rows.labels) if label == 0}
    assert weighted.baseline.accuracy == pytest.approx(len(big) / weighted.n_items)


def test_the_baseline_ranks_every_held_out_track_alike_so_its_average_precision_is_each_playlists_share():
    # 31, 13, 7 and 4 tracks do not split evenly into 3 folds: a prior per training fold would
    # rank the pooled held-out tracks by their fold, an artefact the baseline must not have
    ids = [track_id(n) for n in range(55)]
    library = library_of({"Big": ids[:31], "Mid": ids[31:44], "Small": ids[44:51], "Tiny": ids[51:55]})
    result = evaluate(library, RunConfig(model="logreg", strategy="none"), folds=3, calibrate=False)
    shares = [31 / 55, 13 / 55, 7 / 55, 4 / 55]
    assert result.baseline.macro_ap == pytest.approx(sum(shares) / 4)
    assert result.baseline.accuracy == pytest.approx(31 / 55)


def test_a_result_reports_progress_and_survives_strict_json(library):
    reports = []
    result = evaluate(library, RunConfig(model="knn", strategy="oversample"), folds=2,
                      progress=lambda fraction, message: reports.append((fraction, message)))
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and reports[-1] == (1.0, "done")
    text = json.dumps(result.to_dict(), allow_nan=False)
    again = EvaluationResult.from_dict(json.loads(text))
    assert again.metrics == result.metrics and again.config == result.config
    assert [p.playlist_name for p in again.per_playlist] == ["Big", "Mid", "Small", "Tiny"]
    assert len(result.confusion) == len(result.confusion_labels) == 4


def test_the_same_seed_gives_the_same_result_and_another_seed_other_folds(library, rows):
    config = RunConfig(model="logreg", strategy="oversample")
    assert evaluate(library, config, folds=3).metrics == evaluate(library, config, folds=3).metrics
    _, first = split_rows(rows, 3, config)
    _, other = split_rows(rows, 3, replace(config, seed=1))
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, other))


@pytest.fixture(scope="module")
def demo_results(demo):
    return {strategy: evaluate(demo, RunConfig(model="logreg", strategy=strategy), folds=3, calibrate=False)
            for strategy in ("leaky", "oversample")}  # rankings are the point here, not confidence


def test_on_the_demo_leaky_oversampling_is_flagged_and_inflates_every_score(demo_results):
    leaky, honest = demo_results["leaky"], demo_results["oversample"]
    assert leaky.leaky and leaky.to_dict()["leaky"] is True
    assert not honest.leaky
    for name in ("accuracy", "macro_f1", "balanced_accuracy", "macro_ap"):
        assert getattr(leaky.metrics, name) > getattr(honest.metrics, name) + 0.05, name
    assert leaky.n_items > honest.n_items                             # copies were scored too


def test_on_the_demo_the_honest_model_beats_its_baseline(demo_results):
    result = demo_results["oversample"]
    assert result.metrics.macro_ap > 3 * result.baseline.macro_ap
    assert result.metrics.top3 > result.baseline.top3
    assert result.backtest.n == 306 and result.backtest.accuracy > result.baseline_backtest.accuracy


def test_evaluating_the_dummy_itself_reproduces_the_baseline(library):
    # 30, 12, 6 and 3 tracks split evenly into 3 folds: every training fold's prior is the library's
    result = evaluate(library, RunConfig(model="dummy", strategy="none"), folds=3)
    assert result.metrics == result.baseline and result.backtest == result.baseline_backtest


@pytest.mark.parametrize("model", ["logreg", "xgboost"])
def test_folds_fitted_side_by_side_give_the_result_of_one_after_another(library, monkeypatch, model):
    config = RunConfig(model=model, strategy="class_weights", params={"n_estimators": 20} if model == "xgboost" else {})
    threads = set()
    fit_rows = fitting.fit_rows

    def recording_fit_rows(*args, **kwargs):
        threads.add(threading.get_ident())
        return fit_rows(*args, **kwargs)

    monkeypatch.setattr("pipeline.evaluation.fit_rows", recording_fit_rows)    # the backtest
    monkeypatch.setattr("pipeline.out_of_fold.fit_rows", recording_fit_rows)   # the folds
    one_by_one = evaluate(library, config, folds=3, n_jobs=1)
    assert len(threads) == 1
    threads.clear()
    side_by_side = evaluate(library, config, folds=3, n_jobs=2)
    assert len(threads) == 2, "both cores were used"
    assert side_by_side.to_dict() | {"fit_seconds": 0} == one_by_one.to_dict() | {"fit_seconds": 0}


def test_on_the_demo_calibration_makes_confidence_honest_without_reordering_anything(demo):
    result = evaluate(demo, RunConfig(model="logreg", strategy="class_weights",
                                      params={"class_weight_power": 0.5}), folds=5, only_folds=1)
    before, after = result.metrics, result.calibrated
    for name in ("accuracy", "top3", "macro_f1", "balanced_accuracy", "macro_ap", "skew"):
        assert getattr(before, name) == pytest.approx(getattr(after, name)), name
    assert after.ece < before.ece / 2 and after.brier < before.brier
    assert result.calibrated_backtest.ece < result.backtest.ece
    # the reliability diagram's bins hold every held-out track, before and after
    assert sum(b["count"] for b in result.reliability["after"]) == result.n_items
    assert sum(b["count"] for b in result.reliability["backtest"]) == result.backtest.n
    coverage = [row["coverage"] for row in result.precision_coverage]
    assert coverage[0] == 1.0 and coverage == sorted(coverage, reverse=True)
    checks = {check["min_precision"]: check for check in result.threshold_checks}
    assert checks[0.7]["coverage"] >= checks[0.8]["coverage"] >= checks[0.9]["coverage"]
    assert checks[0.9]["precision"] > checks[0.7]["precision"]
    assert len(result.chosen_params) == 2 and all(set(p) == {"C"} for p in result.chosen_params)
    assert EvaluationResult.from_dict(json.loads(json.dumps(result.to_dict()))).calibrated == after


def test_without_calibration_evaluation_reports_no_confidence_checks(library):
    result = evaluate(library, RunConfig(model="knn", strategy="none"), folds=2, calibrate=False)
    assert result.calibrated is None and result.calibrated_backtest is None
    assert result.reliability == {} and result.threshold_checks == [] and result.chosen_params == []


@pytest.mark.parametrize("strategy", HONEST)
def test_each_fold_counts_the_rows_its_model_trained_on_and_how_many_were_real(library, rows, spies, strategy):
    config = RunConfig(model="logreg", strategy=strategy, encoding=RAW_AUDIO, seed=3)
    for fold in iterate_folds(library, config, rows, 3, lambda *_: None):
        X, _ = spies["model"][-1]
        real = len(rows.labels) - sum(rows.track_ids[i] in set(rows.track_ids[fold.items])
                                      for i in range(len(rows.labels)))
        assert fold.training_rows == len(X), "the rows the model was fitted on, copies included"
        assert fold.real_rows == real
        if strategy in ("oversample", "smote"):
            assert fold.training_rows > fold.real_rows
        else:
            assert fold.training_rows == fold.real_rows
        assert fold.training_mb > 0


def test_a_result_reports_training_rows_time_and_memory_and_older_results_still_load(library):
    weights = evaluate(library, RunConfig(model="knn", strategy="class_weights"), folds=3, calibrate=False)
    copies = evaluate(library, RunConfig(model="knn", strategy="oversample"), folds=3, calibrate=False)
    assert weights.training_rows == weights.real_training_rows == copies.real_training_rows > 0
    assert copies.training_rows > copies.real_training_rows, "oversampling added copies"
    assert weights.fit_seconds > 0 and weights.training_mb > 0
    assert copies.training_mb > weights.training_mb, "the copies take room"
    again = EvaluationResult.from_dict(json.loads(json.dumps(copies.to_dict())))
    assert (again.training_rows, again.real_training_rows, again.training_mb) == (
        copies.training_rows, copies.real_training_rows, copies.training_mb)
    older = {k: v for k, v in copies.to_dict().items()
             if k not in ("training_rows", "real_training_rows", "training_mb")}
    assert EvaluationResult.from_dict(older).training_rows == 0, "stored before rows were counted"
