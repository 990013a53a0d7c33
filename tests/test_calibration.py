"""Calibrated confidence: a score of 0.8 is right about 80% of the time, no ranking changes, and the
calibrator never sees a track it is later scored on."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from pipeline.calibration import CalibratedPlaylistClassifier, ScoreCalibrator
from pipeline.config import Encoding, RunConfig
from pipeline.features import track_frame
from pipeline import fitting, metrics
from pipeline.fitting import CALIBRATION_FOLDS, TrainingRows, calibration_of, fit_rows
from pipeline.out_of_fold import fold_tasks
from tests.toy_libraries import library_of, rows_by_vector, track_id

RAW_AUDIO = Encoding(scaler="none", splines=False, artist="drop", genres=False, year=False, album=False)
"""Encoded rows are the tracks' own audio features, so a matrix row names its track."""

ROWS_NEED_NOT_SUM_TO_ONE = ("calibrated scores are per-playlist probabilities that a playlist holds the track; "
                            "a song may fit several playlists or none, so a row need not sum to 1")


@parametrize_with_checks([CalibratedPlaylistClassifier(LogisticRegression(max_iter=500))],
                         expected_failed_checks=lambda estimator: {
                             "check_classifiers_train": ROWS_NEED_NOT_SUM_TO_ONE})
def test_the_wrapper_keeps_the_scikit_learn_contract(estimator, check):
    check(estimator)


def overconfident_scores(n: int = 4000, playlists: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax scores that claim far more than they know: the top choice is right ~45% of the time."""
    rng = np.random.default_rng(seed)
    truth_column = rng.integers(playlists, size=n)
    logits = rng.normal(0, 1, (n, playlists))
    logits[np.arange(n), truth_column] += 0.8
    proba = np.exp(4 * logits)
    proba /= proba.sum(axis=1, keepdims=True)
    truth = np.zeros((n, playlists), dtype=bool)
    truth[np.arange(n), truth_column] = True
    return proba, truth


def test_calibration_makes_an_overconfident_score_honest_on_fresh_songs():
    proba, truth = overconfident_scores(seed=0)
    fresh_proba, fresh_truth = overconfident_scores(seed=1)
    calibrator = ScoreCalibrator().fit(proba, truth)
    before = metrics.expected_calibration_error(*metrics.top_choice(fresh_proba, fresh_truth))
    after = metrics.expected_calibration_error(*metrics.top_choice(calibrator.transform(fresh_proba), fresh_truth))
    assert before > 0.2 and after < 0.05
    assert metrics.brier_score(calibrator.transform(fresh_proba), fresh_truth) < metrics.brier_score(
        fresh_proba, fresh_truth)


def test_calibration_never_reorders_playlists_or_songs():
    proba, truth = overconfident_scores()
    proba = np.clip(proba, 1e-9, None)  # no ties among the smallest scores
    calibrated = ScoreCalibrator().fit(proba, truth).transform(proba)
    np.testing.assert_array_equal(calibrated.argsort(axis=1), proba.argsort(axis=1))
    np.testing.assert_array_equal(calibrated.argsort(axis=0), proba.argsort(axis=0))
    np.testing.assert_allclose(metrics.average_precisions(calibrated, truth), metrics.average_precisions(proba, truth))


def test_with_only_one_kind_of_pair_the_calibrator_changes_nothing():
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    calibrator = ScoreCalibrator().fit(proba, np.ones_like(proba, dtype=bool))
    np.testing.assert_allclose(calibrator.transform(proba), proba, atol=1e-5)


@pytest.fixture(scope="module")
def library():
    ids = [track_id(n) for n in range(70)]
    return library_of({"Big": ids[:30], "Mid": ids[26:42], "Small": ids[42:52], "Tiny": ids[52:58]},
                      liked=[ids[0], ids[30], ids[60]], spread=0.8)


def test_inner_folds_hold_out_each_track_once_with_all_its_rows_and_score_it_in_every_playlist(library,
                                                                                               monkeypatch):
    rows = TrainingRows.from_library(library)
    track_of = rows_by_vector(library)
    seen = []
    fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit", lambda self, X, y, sample_weight=None: (
        seen.append([track_of[row.tobytes()] for row in np.asarray(X)]) if X.shape[1] > 1 else None,
        fit(self, X, y, sample_weight=sample_weight))[1])  # one column: the calibrator's own fit
    config = RunConfig(model="logreg", strategy="none", encoding=RAW_AUDIO, params={"C": 1.0})  # no choice to make
    model = fit_rows(config, library, rows, np.arange(len(rows.labels)), calibrate=True)
    *inner, final = seen
    everything = set(rows.track_ids)
    held_out = [everything - set(trained) for trained in inner]
    assert len(inner) == 3 and sorted(t for part in held_out for t in part) == sorted(everything)
    assert sorted(final) == sorted(rows.track_ids)                   # then once more on every row
    in_two = [track_id(n) for n in range(26, 30)]                     # in Big and in Mid
    for trained in inner:
        assert all(trained.count(track) in (0, 2) for track in in_two)  # both rows, or neither
    assert calibration_of(model).oof_truth_.sum() == len(rows.labels)                  # truth: every playlist holding it


def test_no_model_or_calibrator_of_a_fold_sees_a_track_scored_in_that_fold(library, monkeypatch):
    """The leakage guard, extended: inner models, the calibrator's scores and the final fit of each
    outer fold are made from that fold's training tracks only."""
    rows = TrainingRows.from_library(library)
    track_of = rows_by_vector(library)
    model_fits, calibrations = [], []
    fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit", lambda self, X, y, sample_weight=None: (
        model_fits.append({track_of[row.tobytes()] for row in np.asarray(X)}) if X.shape[1] > 1 else None,
        fit(self, X, y, sample_weight=sample_weight))[1])  # one column: the calibrator's own fit
    out_of_fold = CalibratedPlaylistClassifier._out_of_fold

    def spying_out_of_fold(self, settings, X, labels, groups, fit_params):
        scored = out_of_fold(self, settings, X, labels, groups, fit_params)
        calibrations.extend((set(groups), len(inner.proba)) for inner in scored)
        return scored

    monkeypatch.setattr(CalibratedPlaylistClassifier, "_out_of_fold", spying_out_of_fold)
    config = RunConfig(model="logreg", strategy="class_weights", encoding=RAW_AUDIO, seed=2)
    for task in fold_tasks(library, config, rows, 3, calibrate=True):
        model_fits.clear(), calibrations.clear()
        fold = task()
        scored = set(rows.track_ids[fold.items])
        assert len(calibrations) == 2                          # logistic regression's C: 1 or 10, chosen inside
        for calibrated_on, n_scores in calibrations:
            assert not scored & calibrated_on, "the calibrator saw a track of the fold it is scored on"
            assert n_scores == len(calibrated_on)              # one out-of-fold score per training track
        assert len(model_fits) == 2 * 3 + 1 and all(not scored & trained for trained in model_fits)
        assert fold.calibrated is not None and fold.calibrated.shape == fold.proba.shape


def test_a_large_library_calibrates_on_two_inner_folds_each_holding_out_half_its_tracks(library, monkeypatch):
    rows = TrainingRows.from_library(library)
    track_of = rows_by_vector(library)
    seen = []
    fit = LogisticRegression.fit
    monkeypatch.setattr(LogisticRegression, "fit", lambda self, X, y, sample_weight=None: (
        seen.append({track_of[row.tobytes()] for row in np.asarray(X)}) if X.shape[1] > 1 else None,
        fit(self, X, y, sample_weight=sample_weight))[1])  # one column: the calibrator's own fit
    monkeypatch.setattr(fitting, "LARGE_ROWS", len(rows.labels))    # this toy library counts as large
    config = RunConfig(model="logreg", strategy="none", encoding=RAW_AUDIO, params={"C": 1.0})
    fit_rows(config, library, rows, np.arange(len(rows.labels)), calibrate=True)
    *inner, final = seen
    assert len(inner) == fitting.LARGE_CALIBRATION_FOLDS == 2
    assert not inner[0] & inner[1] and inner[0] | inner[1] == final == set(rows.track_ids)
    assert abs(len(inner[0]) - len(inner[1])) <= 0.2 * len(final)


def test_no_inner_model_learns_from_a_column_only_its_held_out_tracks_have(library, monkeypatch):
    """The encoder is fitted once on all the wrapper's rows (no labels): every toy track has its own
    artist, so each inner fold holds out artist columns no training row sets, and they stay 0."""
    rows = TrainingRows.from_library(library)
    unlearned = []
    fit = LogisticRegression.fit

    def spying_fit(self, X, y, sample_weight=None):
        fitted = fit(self, X, y, sample_weight=sample_weight)
        if X.shape[1] > 1:
            unset = np.asarray(abs(X).sum(axis=0)).ravel() == 0
            unlearned.append((int(unset.sum()), float(abs(fitted.coef_[:, unset]).max(initial=0.0))))
        return fitted

    monkeypatch.setattr(LogisticRegression, "fit", spying_fit)
    config = RunConfig(model="logreg", strategy="class_weights", encoding=Encoding(artist="onehot"))
    fit_rows(config, library, rows, np.arange(len(rows.labels)), calibrate=True)
    *inner, final = unlearned
    assert len(inner) == 2 * CALIBRATION_FOLDS
    # more unset columns than the last fit has (columns no track sets, e.g. "tempo missing"): held-out artists
    assert all(unset > final[0] and largest == 0.0 for unset, largest in inner)


def test_choosing_c_starts_c_10_from_c_1_and_the_last_fit_from_the_inner_mean_and_ends_where_cold_starts_would(
        library, monkeypatch):
    rows = TrainingRows.from_library(library)
    starts, iterations = [], []
    fit = LogisticRegression.fit

    def spying_fit(self, X, y, sample_weight=None):
        if X.shape[1] == 1:  # one column: the calibrator's own fit
            return fit(self, X, y, sample_weight=sample_weight)
        starts.append((self.C, self.warm_start and hasattr(self, "coef_")))
        fitted = fit(self, X, y, sample_weight=sample_weight)
        iterations.append(int(fitted.n_iter_[0]))
        return fitted

    monkeypatch.setattr(LogisticRegression, "fit", spying_fit)
    everything = np.arange(len(rows.labels))
    config = RunConfig(model="logreg", strategy="class_weights", encoding=RAW_AUDIO)
    warm = fit_rows(config, library, rows, everything, calibrate=True)
    chosen = calibration_of(warm).chosen_params_
    assert starts == [(1.0, False), (10.0, True)] * CALIBRATION_FOLDS + [(chosen["model__C"], True)]
    warm_iterations = iterations[-1]
    starts.clear(), iterations.clear()
    cold = fit_rows(config.with_params(warm_start=False), library, rows, everything, calibrate=True)
    assert all(not started for _, started in starts)
    assert calibration_of(cold).chosen_params_ == chosen
    assert warm_iterations < iterations[-1]                          # the last fit: fewer steps from the mean
    np.testing.assert_allclose(calibration_of(warm).candidate_scores_, calibration_of(cold).candidate_scores_,
                               atol=1e-3)
    frame = track_frame(library, library.tracks.index)   # to the same optimum: the same confidence to 0.5%
    np.testing.assert_allclose(warm.predict_proba(frame), cold.predict_proba(frame), atol=5e-3)


def test_without_groups_every_row_is_its_own_track_and_tiny_data_still_fits():
    X = np.array([[0.0], [0.1], [1.0], [1.1]])
    model = CalibratedPlaylistClassifier(LogisticRegression(), cv=3).fit(X, ["a", "a", "b", "b"])
    assert model.oof_truth_.shape == (4, 2)
    assert list(model.predict(np.array([[0.05], [1.05]]))) == ["a", "b"]
    one_track = CalibratedPlaylistClassifier(LogisticRegression()).fit(X, ["a", "b", "a", "b"],
                                                                       groups=["t"] * 4)
    np.testing.assert_allclose(one_track.predict_proba(X), one_track.predict_uncalibrated_proba(X), atol=1e-5)


def test_of_several_settings_the_one_better_on_inner_folds_is_fitted_and_calibrated():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (80, 2)), rng.normal(1.0, 1, (80, 2))])   # overlapping playlists
    y = np.array(["calm"] * 80 + ["loud"] * 80)
    candidates = [{"n_neighbors": 1}, {"n_neighbors": 25}]      # all-or-nothing votes, or a smooth share
    model = CalibratedPlaylistClassifier(KNeighborsClassifier(), candidates=candidates).fit(X, y)
    assert model.chosen_params_ == {"n_neighbors": 25} and model.estimator_.n_neighbors == 25
    assert model.candidate_scores_[1] > model.candidate_scores_[0]
    plain = CalibratedPlaylistClassifier(KNeighborsClassifier(n_neighbors=25)).fit(X, y)
    assert plain.chosen_params_ == {} and len(plain.candidate_scores_) == 1
    np.testing.assert_allclose(model.predict_proba(X), plain.predict_proba(X))


def test_a_run_that_fixes_c_chooses_nothing():
    from pipeline.models import MODELS
    assert MODELS["logreg"].choices_for({}) == [{"C": 1.0}, {"C": 10.0}]
    assert MODELS["logreg"].choices_for({"C": 3.0}) == []
    assert MODELS["knn"].choices_for({}) == []
