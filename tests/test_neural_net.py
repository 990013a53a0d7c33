"""PlaylistNet: the Keras MLP behaves like any scikit-learn classifier the pipeline can swap in."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.class_weight import compute_sample_weight

from pipeline.neural_net import PlaylistNet

# Keras 3.15 reads its variables with np.array(variable) on every weight copy; NumPy 2.4 warns each time.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

REPO = Path(__file__).resolve().parents[1]
PLAYLISTS = np.array(["Chill", "Gym", "Party"])
# A smaller net for tests that check the training loop rather than the blog's architecture.
SMALL = dict(hidden_layers=2, units=32)


def three_playlists(rows_per_playlist: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Tracks from three playlists whose features sit in well separated clusters; `seed` draws the tracks."""
    centres = np.random.default_rng(0).normal(scale=4.0, size=(3, 12))
    rng = np.random.default_rng(seed)
    X = np.concatenate([centre + rng.normal(size=(rows_per_playlist, 12)) for centre in centres])
    return X.astype(np.float32), np.repeat(PLAYLISTS, rows_per_playlist)


@pytest.fixture(scope="module")
def trained() -> tuple[PlaylistNet, np.ndarray, np.ndarray]:
    X, y = three_playlists(60, seed=0)
    return PlaylistNet(max_epochs=30).fit(X, y), X, y


def test_importing_the_module_leaves_keras_and_jax_unloaded():
    code = ("import os, sys, pipeline.neural_net; "
            "print(sorted(m for m in ('keras', 'jax') if m in sys.modules), os.environ['KERAS_BACKEND'])")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["[]", "jax"]


def test_learns_three_well_separated_playlists(trained):
    model, _, _ = trained
    X_new, y_new = three_playlists(50, seed=10)
    proba = model.predict_proba(X_new)
    assert list(model.classes_) == list(PLAYLISTS)
    assert proba.shape == (150, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert np.mean(model.predict(X_new) == y_new) > 0.9


def test_same_data_and_seed_give_the_same_probabilities(trained):
    model, X, y = trained
    again = PlaylistNet(max_epochs=30).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), atol=1e-5)
    assert again.history_ == model.history_


def test_sparse_features_train_the_same_model_as_dense_ones(trained):
    model, X, y = trained
    from_sparse = PlaylistNet(max_epochs=30).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(from_sparse.predict_proba(sp.csr_matrix(X)), model.predict_proba(X), atol=1e-5)


def test_a_pickled_model_predicts_the_same(trained):
    model, X, _ = trained
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), model.predict_proba(X))


def test_class_weights_make_a_small_playlist_show_up_more_often():
    rng = np.random.default_rng(1)
    # A big playlist and a small one whose tracks overlap: unweighted, the net mostly says "big".
    X = np.concatenate([rng.normal(0.0, 1.0, size=(300, 6)), rng.normal(0.6, 1.0, size=(30, 6))])
    y = np.array(["Big"] * 300 + ["Small"] * 30)
    X_new = np.concatenate([rng.normal(0.0, 1.0, size=(200, 6)), rng.normal(0.6, 1.0, size=(200, 6))])

    def small_share(sample_weight):
        model = PlaylistNet(max_epochs=40, **SMALL).fit(X, y, sample_weight=sample_weight)
        return np.mean(model.predict(X_new) == "Small")

    unweighted = small_share(None)
    weighted = small_share(compute_sample_weight("balanced", y))
    assert weighted > unweighted + 0.15, (unweighted, weighted)


def test_early_stopping_ends_training_when_validation_loss_stops_improving():
    rng = np.random.default_rng(2)
    # Labels unrelated to the features: the validation loss can only get worse once it memorises.
    X = rng.normal(size=(240, 8)).astype(np.float32)
    y = rng.choice(PLAYLISTS, size=240)
    model = PlaylistNet(max_epochs=60, patience=3, **SMALL).fit(X, y)

    assert model.n_epochs_ < 60
    assert [row["epoch"] for row in model.history_] == list(range(1, model.n_epochs_ + 1))
    assert all(set(row) == {"epoch", "loss", "val_loss", "val_accuracy"} for row in model.history_)
    val_losses = [row["val_loss"] for row in model.history_]
    assert np.all(np.isfinite(val_losses))
    assert model.best_epoch_ == int(np.argmin(val_losses)) + 1
    assert model.n_epochs_ - model.best_epoch_ == 3


def test_epoch_callback_sees_each_epoch_and_can_stop_training():
    X, y = three_playlists(20, seed=3)
    seen = []

    def stop_after_third(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 3

    model = PlaylistNet(max_epochs=50, patience=50, epoch_callback=stop_after_third, **SMALL).fit(X, y)
    assert model.n_epochs_ == 3
    assert seen == [(epoch, ["epoch", "loss", "val_accuracy", "val_loss"]) for epoch in (1, 2, 3)]


def test_an_exception_from_epoch_callback_reaches_the_caller():
    class Pruned(Exception):
        pass

    def prune_at_second(epoch, logs):
        if epoch == 2:
            raise Pruned

    X, y = three_playlists(20, seed=4)
    with pytest.raises(Pruned):
        PlaylistNet(max_epochs=10, epoch_callback=prune_at_second, **SMALL).fit(X, y)


def test_clone_keeps_parameters_and_the_callback_but_not_the_training(trained):
    model, X, _ = trained

    def progress(epoch, logs):
        return None

    original = PlaylistNet(units=64, dropout=0.2, epoch_callback=progress)
    copy = clone(original)
    assert copy.get_params() == original.get_params()
    assert copy.get_params()["epoch_callback"] is progress
    assert copy.set_params(units=16, l2=1e-4) is copy
    assert (copy.units, copy.l2, original.units) == (16, 1e-4, 64)
    with pytest.raises(NotFittedError):
        clone(model).predict(X)


def test_predicting_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        PlaylistNet().predict(np.zeros((2, 3)))


def test_a_single_playlist_is_rejected_with_a_clear_message():
    X, _ = three_playlists(5, seed=5)
    with pytest.raises(ValueError, match="at least 2 playlists.*1 class, 'Chill'"):
        PlaylistNet().fit(X, np.repeat("Chill", len(X)))


def test_a_playlist_with_a_single_track_is_still_learned():
    X, y = three_playlists(20, seed=6)
    X, y = X[:41], y[:41]  # "Party" keeps one track: the validation split cannot be stratified
    model = PlaylistNet(max_epochs=5, **SMALL).fit(X, y)
    assert list(model.classes_) == list(PLAYLISTS)
    assert model.predict_proba(X).shape == (41, 3)
