"""PlaylistNet: the blog's best Keras MLP as a scikit-learn classifier.

Five dense layers of 128 ReLU units and a softmax over playlists, trained with Adam on
mini-batches of 32; a seeded, stratified slice of the training rows is held out and training
stops once its loss has not improved for `patience` epochs, keeping the best epoch's weights.

Keras (JAX backend) is imported inside `fit` / `predict_proba`, never at module import:
importing this module stays cheap for the CLI and the dashboard, and the Keras import (several
seconds) is paid only when a neural net is actually trained or used.
"""

from __future__ import annotations

import os

# Keras picks its backend once, at its first import; set it before anyone imports keras.
os.environ.setdefault("KERAS_BACKEND", "jax")

import math
import random
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from pipeline.errors import UserError
from pipeline.playlist_classifier import PlaylistClassifier

EpochCallback = Callable[[int, dict[str, float]], bool | None]

# Predicting in one large batch avoids Keras' per-batch loop; 4096 rows x 300 float32 is ~5 MB.
_PREDICT_BATCH = 4096
# Train steps dispatched per Keras loop iteration: the same steps in the same order, with less
# Python overhead between them (~30% faster epochs on 2 busy cores; see bench/nn_speed.py).
_STEPS_PER_EXECUTION = 8


class PlaylistNet(PlaylistClassifier):
    """Multi-layer perceptron over track features, predicting one playlist per track.

    Parameters
    ----------
    hidden_layers : int, default=5
        Number of dense ReLU layers.
    units : int, default=128
        Units in each hidden layer.
    dropout : float, default=0.0
        Dropout rate after each hidden layer (0 disables it).
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=32
        Mini-batch size.
    max_epochs : int, default=100
        Upper bound on training epochs.
    patience : int, default=8
        Epochs without improvement of the monitored loss before training stops.
    validation_fraction : float, default=0.15
        Share of the training rows held out for early stopping (stratified by class when
        every class has two members). 0 trains on all rows and monitors the training loss.
    l2 : float, default=0.0
        L2 penalty on the hidden layers' kernels.
    random_state : int, RandomState or None, default=0
        Seeds weight initialisation, dropout, shuffling and the validation split.
    verbose : int, default=0
        Keras' progress output (0 silent, 1 progress bar, 2 one line per epoch).
    epoch_callback : callable or None, default=None
        Called as ``epoch_callback(epoch, logs)`` after every epoch, with the 1-based epoch
        and that epoch's row of `history_`; returning True stops training (the best weights
        so far are kept). Exceptions it raises (e.g. ``optuna.TrialPruned``) propagate.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Playlist labels, in the column order of `predict_proba`.
    model_ : keras.Model
        The trained network, holding the best epoch's weights.
    history_ : list of dict
        One dict per epoch: ``epoch`` (1-based), ``loss``, ``val_loss``, ``val_accuracy``
        (the validation values are NaN when nothing was held out). Losses are weighted by
        ``sample_weight`` on both sides; accuracy is not.
    n_epochs_ : int
        Epochs actually run.
    best_epoch_ : int
        The 1-based epoch whose weights the model keeps.
    n_features_in_ : int
        Number of input features seen in `fit`.
    """

    def __init__(self, hidden_layers: int = 5, units: int = 128, dropout: float = 0.0,
                 learning_rate: float = 1e-3, batch_size: int = 32, max_epochs: int = 100,
                 patience: int = 8, validation_fraction: float = 0.15, l2: float = 0.0,
                 random_state: Any = 0, verbose: int = 0,
                 epoch_callback: EpochCallback | None = None) -> None:
        self.hidden_layers = hidden_layers
        self.units = units
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.l2 = l2
        self.random_state = random_state
        self.verbose = verbose
        self.epoch_callback = epoch_callback

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "PlaylistNet":
        """Train the network on features `X` (dense or scipy sparse) and labels `y`; return self.

        Raises ValueError (a `UserError`) when `y` holds fewer than two classes.
        """
        X, y = validate_data(self, X, y, accept_sparse=True, dtype=np.float32, reset=True)
        X = _dense(X)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise UserError(f"The neural net needs tracks from at least 2 playlists to learn from; "
                            f"got 1 class, '{encoder.classes_[0]}'.")
        self.classes_ = encoder.classes_
        codes = encoder.transform(y).astype(np.int32)
        weights = _check_sample_weight(sample_weight, X, dtype=np.float32, ensure_non_negative=True)
        seed = _seed_from(self.random_state)
        train, validation = self._split(X, codes, weights, seed)

        keras = _import_keras()
        with _seeded(keras, seed):
            self.model_ = self._build(keras, X.shape[1], len(self.classes_))
            self.history_ = []
            self._train(keras, train, validation, seed)
        self.n_epochs_ = len(self.history_)
        monitored = "val_loss" if validation is not None else "loss"
        self.best_epoch_ = int(np.nanargmin([row[monitored] for row in self.history_])) + 1
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return (n_samples, n_classes) probabilities (float64, rows sum to 1), columns as `classes_`."""
        check_is_fitted(self, "model_")
        X = _dense(validate_data(self, X, accept_sparse=True, dtype=np.float32, reset=False))
        _import_keras()
        proba = self.model_.predict(X, batch_size=_PREDICT_BATCH, verbose=0).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)


    def _split(self, X: np.ndarray, codes: np.ndarray, weights: np.ndarray,
               seed: int) -> tuple[tuple, tuple | None]:
        """Return (train, validation) tuples of (X, codes, weights); validation is None if nothing is held out."""
        n_validation = math.ceil(self.validation_fraction * len(codes))
        if self.validation_fraction <= 0 or n_validation < 1 or n_validation >= len(codes):
            return (X, codes, weights), None
        stratify = codes if _can_stratify(codes, n_validation) else None
        X_train, X_val, c_train, c_val, w_train, w_val = train_test_split(
            X, codes, weights, test_size=n_validation, random_state=seed, stratify=stratify)
        return (X_train, c_train, w_train), (X_val, c_val, w_val)

    def _build(self, keras: Any, n_features: int, n_classes: int) -> Any:
        """Return the compiled MLP: `hidden_layers` x Dense(`units`, relu) [+ dropout] -> softmax."""
        regularizer = keras.regularizers.L2(self.l2) if self.l2 > 0 else None
        layers = [keras.Input(shape=(n_features,))]
        for _ in range(self.hidden_layers):
            layers.append(keras.layers.Dense(self.units, activation="relu", kernel_regularizer=regularizer))
            if self.dropout > 0:
                layers.append(keras.layers.Dropout(self.dropout))
        layers.append(keras.layers.Dense(n_classes, activation="softmax"))
        model = keras.Sequential(layers)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=_STEPS_PER_EXECUTION)
        return model

    def _train(self, keras: Any, train: tuple, validation: tuple | None, seed: int) -> None:
        """Run Keras' fit with early stopping, recording `history_` and calling `epoch_callback`."""
        X, codes, weights = _pad_to_full_batches(*train, self.batch_size, seed)
        monitored = "val_loss" if validation is not None else "loss"
        callbacks = [
            keras.callbacks.EarlyStopping(monitor=monitored, patience=self.patience, restore_best_weights=True),
            keras.callbacks.LambdaCallback(on_epoch_end=self._end_of_epoch),
        ]
        self.model_.fit(X, codes, sample_weight=weights, batch_size=self.batch_size, epochs=self.max_epochs,
                        validation_data=validation,
                        # One validation batch per epoch: its size only changes float rounding.
                        validation_batch_size=None if validation is None else len(validation[1]),
                        callbacks=callbacks, verbose=self.verbose, shuffle=True)

    def _end_of_epoch(self, epoch: int, logs: dict | None) -> None:
        logs = logs or {}
        row = {"epoch": epoch + 1, "loss": float(logs["loss"]),
               "val_loss": float(logs.get("val_loss", math.nan)),
               "val_accuracy": float(logs.get("val_accuracy", math.nan))}
        self.history_.append(row)
        if self.epoch_callback is not None and self.epoch_callback(row["epoch"], dict(row)) is True:
            self.model_.stop_training = True


def _import_keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    return keras


@contextmanager
def _seeded(keras: Any, seed: int) -> Iterator[None]:
    """Seed Keras (and the global Python/NumPy RNGs it shuffles with), restoring the caller's RNG state after."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _seed_from(random_state: Any) -> int:
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _can_stratify(codes: np.ndarray, n_validation: int) -> bool:
    """True when a stratified split exists: every class twice, and room for each class on both sides."""
    counts = np.bincount(codes)
    counts = counts[counts > 0]
    n_classes = len(counts)
    return counts.min() >= 2 and n_validation >= n_classes and len(codes) - n_validation >= n_classes


def _pad_to_full_batches(X: np.ndarray, codes: np.ndarray, weights: np.ndarray,
                         batch_size: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Append zero-weight copies of random rows so the row count is a multiple of `batch_size`.

    A short last batch has a new shape, and JAX would trace and compile the whole train step
    again for it (~0.6 s per fit). Zero-weight rows add nothing to the gradient; they only
    shrink the mean loss of the few batches they land in, as the short batch would have
    changed its own.
    """
    shortfall = -len(codes) % batch_size
    if len(codes) <= batch_size or shortfall == 0:
        return X, codes, weights
    extra = np.random.default_rng(seed).choice(len(codes), size=shortfall, replace=False)
    return (np.concatenate([X, X[extra]]), np.concatenate([codes, codes[extra]]),
            np.concatenate([weights, np.zeros(shortfall, dtype=weights.dtype)]))


def _dense(X: Any) -> np.ndarray:
    return np.asarray(X.toarray(), dtype=np.float32) if sp.issparse(X) else X
