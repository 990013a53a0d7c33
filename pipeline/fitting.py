"""From a library and a `RunConfig` to a fitted model that scores tracks against playlists.

Training data is one row per (playlist, track) membership: a track in several
playlists appears once per playlist, so the model learns that it fits each.
The pipeline is ``encode -> [resample] -> model`` (`imblearn.pipeline.Pipeline`,
so resampling happens during ``fit`` only); class weights are per-sample weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from pipeline.calibration import CalibratedPlaylistClassifier
from pipeline.config import ConfigError, RunConfig
from pipeline.features import build_encoder, track_frame
from pipeline.imbalance import STRATEGY_PARAMS, class_weights, leaky_oversample_indices, make_sampler
from pipeline.library import Library, LibraryError
from pipeline.models import MODELS, build_model, model_encoding

# One BLAS thread: our matrices are small, and on a busy 2-core machine OpenBLAS threads
# spin-waiting for each other made a logistic regression fit ~40x slower (13 s -> 0.3 s).
ONE_BLAS_THREAD = {"limits": 1, "user_api": "blas"}
SCORING_CHUNK_ROWS = 50_000
"""Tracks scored at a time: the encoded rows and score temporaries of a chunk take ~100 MB, so
scoring a million liked songs needs the output matrix and little more."""
CALIBRATION_FOLDS = 3
"""Inner, track-grouped folds whose out-of-fold scores calibrate a model (3: each inner model
still sees two thirds of the training tracks; more folds cost a fit each)."""
LARGE_CALIBRATION_FOLDS, LARGE_ROWS = 2, 4000
"""From `LARGE_ROWS` training rows, 2 inner folds: half of 4,000 rows is more than two thirds of 3,000,
and the C choice, calibration and macro-AP held (``bench/quality.py --table``, big libraries) while
a calibrated fit of a 93-playlist library cost ~1.4x less (``bench/speed.py --fold``)."""


def calibration_folds(n_rows: int) -> int:
    """Inner folds for a calibrated fit on ``n_rows`` training rows."""
    return LARGE_CALIBRATION_FOLDS if n_rows >= LARGE_ROWS else CALIBRATION_FOLDS


@dataclass(frozen=True)
class TrainingRows:
    """Playlist memberships as model rows, and the playlists (classes) in a fixed order."""

    track_ids: np.ndarray
    labels: np.ndarray          # column index into `playlist_ids` per row
    added_at: pd.Series
    playlist_ids: list[str]     # largest playlist first
    playlist_names: list[str]
    sizes: list[int]

    @classmethod
    def from_library(cls, library: Library) -> "TrainingRows":
        playlists = library.playlists()
        if len(playlists) < 2:
            raise LibraryError(f"need at least two playlists to learn from, found {len(playlists)}")
        if not library.learnable_inputs():
            raise LibraryError("nothing to learn from: no track has audio features, artists, albums, release "
                               "years or genres; add audio features with 'python -m pipeline features' or use "
                               "an export that includes them")
        ids = playlists["playlist_id"].tolist()
        index = {playlist_id: i for i, playlist_id in enumerate(ids)}
        rows = library.memberships
        return cls(track_ids=rows["track_id"].to_numpy(), labels=rows["playlist_id"].map(index).to_numpy(),
                   added_at=rows["added_at"].reset_index(drop=True), playlist_ids=ids,
                   playlist_names=playlists["playlist_name"].tolist(), sizes=playlists["size"].tolist())

    def truth_for(self, track_ids) -> np.ndarray:
        """Boolean matrix: for each track, which playlists hold it."""
        position = {track: i for i, track in enumerate(pd.unique(np.asarray(track_ids)))}
        truth = np.zeros((len(position), len(self.playlist_ids)), dtype=bool)
        for track, label in zip(self.track_ids, self.labels):
            if track in position:
                truth[position[track], label] = True
        order = np.array([position[t] for t in track_ids])
        return truth[order]

    @property
    def largest_three(self) -> np.ndarray:
        return np.arange(min(3, len(self.playlist_ids)))


def build_pipeline(config: RunConfig, library: Library | None = None) -> Pipeline:
    """The unfitted ``encode -> [resample] -> model`` pipeline for a configuration (with a
    ``library``, its encoder skips numeric columns the library has no values for)."""
    params = config.param_dict
    model_params = {k: v for k, v in params.items() if k not in STRATEGY_PARAMS}
    steps = [("encode", build_encoder(model_encoding(config.model, config.encoding), library))]
    sampler = make_sampler(config.strategy, config.seed, smote_k=params.get("smote_k", 5))
    if sampler is not None:
        steps.append(("resample", sampler))
    steps.append(("model", build_model(config.model, model_params, config.seed)))
    return Pipeline(steps)


def fit_rows(config: RunConfig, library: Library, rows: TrainingRows, index: np.ndarray,
             calibrate: bool = False):
    """Fit the configuration's pipeline on the rows at ``index`` (labels are playlist column indices).

    With ``calibrate``, the pipeline is `calibrated_pipeline`: its `predict_proba` is then a
    calibrated probability.
    """
    X = track_frame(library, rows.track_ids[index], rows.added_at.iloc[index])
    y = rows.labels[index]
    pipeline = build_pipeline(config, library)
    fit_params = {}
    if config.strategy == "class_weights":
        power = float(config.param_dict.get("class_weight_power", 1.0))
        fit_params["model__sample_weight"] = class_weights(y, power)
    if calibrate:
        pipeline = calibrated_pipeline(pipeline, config, calibration_folds(len(y)))
        fit_params = {f"calibrated__{name}": value for name, value in fit_params.items()}
        fit_params["calibrated__groups"] = rows.track_ids[index]
    try:
        with threadpool_limits(**ONE_BLAS_THREAD):
            return pipeline.fit(X, y, **fit_params)
    except ValueError as error:
        if type(error).__name__ in ("InvalidParameterError", "XGBoostError"):  # e.g. --params '{"C": -1}'
            raise ConfigError(f"bad parameters for model '{config.model}': {error}") from None
        if "SMOTE" in repr(error) or "n_neighbors" in str(error):
            raise ConfigError(f"{config.label()} cannot train on this library: {error}") from None
        raise


def calibrated_pipeline(pipeline: Pipeline, config: RunConfig, folds: int = CALIBRATION_FOLDS) -> Pipeline:
    """``encode -> calibrated(resample -> model)``: `CalibratedPlaylistClassifier` around all but the encoder.

    The encoder learns no labels (scales, spline knots, artist and album vocabularies), so it is
    fitted once on the rows, and the inner folds and the last fit all work on its columns: cheaper
    than three encoder fits, and what lets the last fit start from the inner solutions. An inner
    model never learns a column only its held-out tracks have (no training row sets it: its
    coefficient stays 0).
    """
    choices = MODELS[config.model].choices_for(config.param_dict)
    calibrated = CalibratedPlaylistClassifier(
        Pipeline(pipeline.steps[1:]), candidates=[{f"model__{k}": v for k, v in c.items()} for c in choices] or None,
        cv=folds, random_state=config.seed)
    return Pipeline([pipeline.steps[0], ("calibrated", calibrated)])


def encoder_of(model) -> object:
    """The fitted encode step of a pipeline from `fit_rows`, calibrated or not."""
    return model.named_steps["encode"]


def training_history(model) -> list[dict]:
    """The neural net's per-epoch log (empty for other models), calibrated or not."""
    return list(getattr(_model_step(model), "history_", []) or [])


def chosen_settings(model) -> dict:
    """What a calibrated model chose on its inner folds, by run parameter name (``{"C": 10.0}``)."""
    return {name.removeprefix("model__"): value for name, value in calibration_of(model).chosen_params_.items()}


def inner_top_choices(model) -> tuple[np.ndarray, np.ndarray]:
    """A calibrated model's inner out-of-fold top choices (`CalibratedPlaylistClassifier.inner_top_choices`)."""
    return calibration_of(model).inner_top_choices()


def calibration_of(model) -> CalibratedPlaylistClassifier:
    """The calibrated step of a pipeline from ``fit_rows(..., calibrate=True)``."""
    return model.named_steps["calibrated"]


def _model_step(model):
    """The fitted model itself, inside a calibrated step or not."""
    last = model[-1]
    return last.estimator_[-1] if isinstance(last, CalibratedPlaylistClassifier) else last


def training_rows_for(config: RunConfig, rows: TrainingRows, index: np.ndarray) -> np.ndarray:
    """The rows a model trains on: ``index`` itself, or, for the leaky demo, ``index`` oversampled
    to the largest playlist (there is no split left to leak into at this point)."""
    if not config.leaky:
        return index
    return index[leaky_oversample_indices(rows.labels[index], config.seed)]


def predict_scores(model, frame: pd.DataFrame, n_playlists: int) -> np.ndarray:
    """Probabilities for every playlist column (playlists unseen in training score 0);
    calibrated when ``model`` is. Scored `SCORING_CHUNK_ROWS` tracks at a time."""
    full = np.zeros((len(frame), n_playlists))
    columns = np.asarray(model.classes_, dtype=int)
    for start in range(0, len(frame), SCORING_CHUNK_ROWS):
        chunk = frame.iloc[start:start + SCORING_CHUNK_ROWS]
        with threadpool_limits(**ONE_BLAS_THREAD):
            full[start:start + len(chunk), columns] = model.predict_proba(chunk)
    return full


def predict_raw_and_calibrated(model, frame: pd.DataFrame, n_playlists: int) -> tuple[np.ndarray, np.ndarray]:
    """For a calibrated model: the wrapped pipeline's own probabilities and the calibrated ones."""
    calibrated = calibration_of(model)
    with threadpool_limits(**ONE_BLAS_THREAD):
        raw = calibrated.predict_uncalibrated_proba(model[:-1].transform(frame))
    return (_all_playlists(raw, model.classes_, n_playlists),
            _all_playlists(calibrated.calibrator_.transform(raw), model.classes_, n_playlists))


def _all_playlists(proba: np.ndarray, classes, n_playlists: int) -> np.ndarray:
    full = np.zeros((len(proba), n_playlists))
    full[:, np.asarray(classes, dtype=int)] = proba
    return full
