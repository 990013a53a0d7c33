"""The model registry: class weights reach every model, and every search space builds a model that trains."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import optuna
import scipy.sparse as sp
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from pipeline.config import ConfigError, Encoding, RunConfig
from pipeline.features import track_frame
from pipeline.fitting import TrainingRows, build_pipeline, fit_rows, predict_scores
from pipeline.imbalance import class_weights
from pipeline import fitting
from pipeline.models import MODELS, OneVsRestLogistic, WeightedKNN, XGBPlaylistClassifier, build_model
from pipeline.neural_net import PlaylistNet
from tests.toy_libraries import imbalanced_library, library_of, track_id

AUDIO_ONLY = Encoding(artist="drop", genres=False, album=False)
FAST = {"logreg": {}, "knn": {}, "xgboost": {"n_estimators": 30, "n_jobs": 1},
        "nn": {"hidden_layers": 1, "units": 32, "max_epochs": 25}, "dummy": {}}
MODEL_CLASSES = {"logreg": LogisticRegression, "knn": WeightedKNN, "xgboost": XGBPlaylistClassifier,
                 "nn": PlaylistNet, "dummy": DummyClassifier}


@pytest.fixture(scope="module")
def imbalanced():
    """120 tracks in "Big", 12 in "Small", overlapping; 200 liked songs, half drawn like each."""
    library = imbalanced_library()
    return library, TrainingRows.from_library(library), track_frame(library, library.liked["track_id"])


def small_playlist_scores(imbalanced, model: str, strategy: str) -> np.ndarray:
    library, rows, liked = imbalanced
    config = RunConfig(model=model, strategy=strategy, encoding=AUDIO_ONLY, params=FAST[model])
    fitted = fit_rows(config, library, rows, np.arange(len(rows.labels)))
    return predict_scores(fitted, liked, len(rows.playlist_ids))[:, rows.playlist_names.index("Small")]


KERAS_NOISE = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.mark.parametrize("model", ["logreg", "knn", "xgboost", pytest.param("nn", marks=KERAS_NOISE)])
def test_class_weights_send_more_liked_songs_to_the_small_playlist(imbalanced, model):
    unweighted = small_playlist_scores(imbalanced, model, "none")
    weighted = small_playlist_scores(imbalanced, model, "class_weights")
    # half the liked songs are drawn like "Small"; unweighted models under-file them
    assert np.mean(unweighted > 0.5) < 0.45
    assert np.mean(weighted > 0.5) > np.mean(unweighted > 0.5)
    assert weighted.mean() > unweighted.mean()


def test_the_dummy_takes_weights_too_its_prior_becomes_balanced(imbalanced):
    """The dummy does not ignore class weights: its prior is the weighted one, so with balanced
    weights every playlist is equally likely. (Evaluation's baseline always runs unweighted.)"""
    unweighted = small_playlist_scores(imbalanced, "dummy", "none")
    weighted = small_playlist_scores(imbalanced, "dummy", "class_weights")
    np.testing.assert_allclose(unweighted, 12 / 132)
    np.testing.assert_allclose(weighted, 0.5)


class Recorded(Exception):
    """Stops a spied fit once its arguments are recorded (the spy test needs no training)."""


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("strategy, power", [("class_weights", 1.0), ("class_weights", 0.0), ("none", None),
                                             ("oversample", None)])
def test_the_pipeline_hands_each_model_the_class_weights_as_sample_weight(imbalanced, monkeypatch, model,
                                                                          strategy, power):
    library, rows, _ = imbalanced
    seen = []

    def fit(self, X, y, sample_weight=None, **kwargs):
        seen.append((np.asarray(y), sample_weight))
        raise Recorded

    monkeypatch.setattr(MODEL_CLASSES[model], "fit", fit)
    params = {} if power is None else {"class_weight_power": power}
    train = np.arange(0, len(rows.labels), 2)
    with pytest.raises(Recorded):
        fit_rows(RunConfig(model=model, strategy=strategy, params=params), library, rows, train)
    (y, weights), = seen
    if strategy != "class_weights":
        assert weights is None
        return
    np.testing.assert_allclose(weights, class_weights(rows.labels[train], power))
    if power == 1.0:
        small = rows.playlist_names.index("Small")
        assert weights[y == small].sum() == pytest.approx(weights[y != small].sum())


def test_weighted_knn_multiplies_neighbour_votes_by_each_playlists_weight():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array([0] * 30 + [1] * 10)
    plain = KNeighborsClassifier(n_neighbors=7, weights="distance", metric="cosine", algorithm="brute").fit(X, y)
    probe = rng.normal(size=(25, 3))
    np.testing.assert_allclose(WeightedKNN(n_neighbors=7).fit(X, y).predict_proba(probe), plain.predict_proba(probe))
    weighted = WeightedKNN(n_neighbors=7).fit(X, y, sample_weight=class_weights(y)).predict_proba(probe)
    expected = plain.predict_proba(probe) * [40 / 60, 40 / 20]
    np.testing.assert_allclose(weighted, expected / expected.sum(axis=1, keepdims=True))


def test_weighted_knn_uses_every_track_when_a_library_has_fewer_than_k():
    X, y = np.eye(4), np.array(["a", "a", "b", "b"])
    model = WeightedKNN(n_neighbors=15, weights="uniform", metric="euclidean").fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X[:1]), [[0.5, 0.5]])


@pytest.mark.parametrize("labels", [["Rock", "Jazz", "Folk"], [3, 7, 11], ["Rock", "Jazz"]])
def test_xgboost_takes_any_labels_including_just_two_playlists(labels):
    rng = np.random.default_rng(0)
    y = np.repeat(labels, 20)
    X = rng.normal(size=(len(y), 4)) + np.repeat(np.arange(len(labels)), 20)[:, None]
    model = XGBPlaylistClassifier(n_estimators=20, n_jobs=1).fit(X, y)
    assert list(model.classes_) == sorted(labels)
    assert model.predict_proba(X).shape == (len(y), len(labels))
    assert np.mean(model.predict(X) == y) > 0.8


def test_a_playlist_missing_from_training_scores_zero():
    playlists = {"A": [track_id(n) for n in range(10)], "B": [track_id(n) for n in range(10, 16)],
                 "C": [track_id(16), track_id(17)]}
    library = library_of(playlists)
    rows = TrainingRows.from_library(library)
    without_c = np.flatnonzero(rows.labels != rows.playlist_names.index("C"))
    fitted = fit_rows(RunConfig(), library, rows, without_c)
    scores = predict_scores(fitted, track_frame(library, [track_id(16)]), 3)
    assert scores[0, 2] == 0.0 and scores[0].sum() == pytest.approx(1.0)


def test_one_vs_rest_logistic_regression_is_a_choice_whose_scores_sum_to_one(imbalanced):
    library, rows, liked = imbalanced
    config = RunConfig(model="logreg", strategy="class_weights", encoding=AUDIO_ONLY, params={"multi_class": "ovr"})
    fitted = fit_rows(config, library, rows, np.arange(len(rows.labels)))
    assert isinstance(fitted.named_steps["model"], OneVsRestLogistic)
    scores = predict_scores(fitted, liked, len(rows.playlist_ids))
    np.testing.assert_allclose(scores.sum(axis=1), 1.0)
    assert np.mean(scores[:, rows.playlist_names.index("Small")] > 0.5) > 0.2   # the weights reach every binary fit
    with pytest.raises(ConfigError, match="multi_class"):
        build_model("logreg", {"multi_class": "softmax"}, 0)


def test_many_liked_songs_are_scored_a_chunk_at_a_time_with_the_same_scores(imbalanced, monkeypatch):
    library, rows, liked = imbalanced
    fitted = fit_rows(RunConfig(encoding=AUDIO_ONLY), library, rows, np.arange(len(rows.labels)))
    whole = predict_scores(fitted, liked, len(rows.playlist_ids))
    scored, predict_proba = [], fitted.predict_proba
    monkeypatch.setattr(fitted, "predict_proba", lambda frame: (scored.append(len(frame)), predict_proba(frame))[1])
    monkeypatch.setattr(fitting, "SCORING_CHUNK_ROWS", 64)
    chunked = predict_scores(fitted, liked, len(rows.playlist_ids))
    assert scored == [64, 64, 64, len(liked) - 192]                   # memory bounded by the chunk, not the songs
    np.testing.assert_allclose(chunked, whole)


@pytest.mark.parametrize("name", [m for m in MODELS if m != "nn"])
def test_every_point_of_a_search_space_builds_a_model_that_trains(imbalanced, name):
    library, rows, liked = imbalanced
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(3):
        params = MODELS[name].search_space(study.ask())
        if name == "xgboost":
            params = {**params, "n_estimators": 10, "n_jobs": 1}
        fitted = fit_rows(RunConfig(model=name, params=params, encoding=AUDIO_ONLY), library, rows,
                          np.arange(len(rows.labels)))
        assert predict_scores(fitted, liked, 2).shape == (200, 2)


def test_the_nn_search_space_builds_valid_nets():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        net = build_model("nn", MODELS["nn"].search_space(study.ask()), seed=0)
        assert isinstance(net, PlaylistNet) and net.random_state == 0


def test_unknown_models_and_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="unknown model 'svm'"):
        build_model("svm", {}, 0)
    with pytest.raises(ConfigError, match="bad parameters for model 'knn'"):
        build_model("knn", {"neighbours": 5}, 0)


def test_a_parameter_out_of_range_is_a_config_error_when_training(imbalanced):
    library, rows, _ = imbalanced
    with pytest.raises(ConfigError, match="bad parameters for model 'logreg'.*'C' parameter"):
        fit_rows(RunConfig(params={"C": -1.0}), library, rows, np.arange(len(rows.labels)))


def test_xgboost_leaves_out_columns_too_rare_to_split_on_and_still_scores_full_width_rows():
    rng = np.random.default_rng(0)
    y = np.repeat(["Rock", "Jazz", "Folk"], 20)
    signal = rng.normal(size=(60, 1)) + np.repeat([0.0, 3.0, 6.0], 20)[:, None]
    rare = sp.random(60, 40, density=0.02, random_state=0, format="csr")    # ~1 row per column
    common = sp.csr_matrix((rng.random((60, 3)) < 0.5).astype(float))
    X = sp.hstack([sp.csr_matrix(signal), rare, common], format="csr")
    model = XGBPlaylistClassifier(n_estimators=20, min_column_rows=5).fit(X, y)
    assert list(model.columns_) == [0, 41, 42, 43]
    assert model.predict_proba(X).shape == (60, 3) and np.mean(model.predict(X) == y) > 0.8
    assert XGBPlaylistClassifier(n_estimators=5, min_column_rows=1).fit(X, y).columns_ is None


def test_xgboost_trains_on_raw_audio_values_while_linear_models_get_spline_curves(imbalanced):
    library, rows, _ = imbalanced
    frame = track_frame(library, rows.track_ids)
    curves = Encoding(splines=True, artist="drop", genres=False, album=False)

    def width(model: str, encoding: Encoding) -> int:
        return build_pipeline(RunConfig(model=model, encoding=encoding))[0].fit_transform(frame).shape[1]

    assert width("xgboost", curves) == width("logreg", replace(curves, splines=False)) == 13
    assert width("logreg", curves) > 13
