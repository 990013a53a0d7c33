"""Optuna studies: tune one configuration's model (and strategy) parameters, resumably, with any number of workers.

One study per (library fingerprint, model, strategy, encoding); a TPE sampler seeded per trial
(`TrialSeededSampler`), so a resumed study continues instead of replaying and two workers never draw
alike; a median pruner that compares trials fold by fold. A run ends when the study holds the
trials asked for, counting every worker's (`FinishedTrialsTarget`). Storage (`pipeline.study_storage`)
defaults to a SQLite file in the user data directory and accepts any SQLAlchemy URL: a PostgreSQL
server lets several machines tune one study (`pipeline.tuning_workers` starts several on this one).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np
import optuna
import pandas as pd

from pipeline.config import ConfigError, RunConfig
from pipeline.out_of_fold import iterate_folds
from pipeline.fitting import TrainingRows
from pipeline.library import Library
from pipeline import metrics
from pipeline.models import MODELS
from pipeline.study_storage import HEARTBEAT_SECONDS, StudyLock, default_storage, open_storage, redacted
from pipeline.tuning_workers import (FinishedTrialsTarget, TrialNotNeeded, finished_count, quiet_planned_endings,
                                     worker_name)

OBJECTIVES = ("macro_f1", "macro_ap", "accuracy", "top3", "balanced_accuracy")
OBJECTIVES_FOR_SUGGESTIONS = ("macro_ap", "macro_f1", "top3", "balanced_accuracy", "accuracy")
IMPORTANCE_MIN_TRIALS = 10
"""Finished trials needed before parameter importances are estimated: with fewer, the forest
that fANOVA fits on them ranks the parameters by noise."""
TuningProgress = Callable[[int, int, float | None], None]
"""Called after each trial with (finished trials in the study, trials asked for, best value so far)."""


class TuningStopped(Exception):
    """Raised inside a trial when ``should_stop`` says so; `tune` ends the study on it."""


@dataclass(frozen=True)
class TuningResult:
    """What a study found, as plain data."""

    study_name: str
    storage: str
    objective: str
    best_params: dict
    best_value: float | None
    n_trials: int
    trials: list[dict]
    """One row per trial, numbered from 1 as the progress counts them (Optuna counts from 0)."""
    importances: dict[str, float]
    """Empty until `IMPORTANCE_MIN_TRIALS` trials have finished."""

    @property
    def n_finished(self) -> int:
        """Trials that ran to the end or were pruned; failed and stopped ones do not count."""
        return sum(1 for trial in self.trials if trial["state"] in ("COMPLETE", "PRUNED"))

    def to_dict(self) -> dict:
        return asdict(self)

    def trials_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.trials)


def study_name_for(library: Library, config: RunConfig, objective: str) -> str:
    """Stable name: same library content, model, strategy and encoding -> same study."""
    encoding = json.dumps(asdict(config.encoding), sort_keys=True)
    digest = hashlib.sha256(f"{encoding}|{objective}".encode()).hexdigest()[:8]
    return f"{library.fingerprint()}-{config.model}-{config.strategy}-{digest}"


def search_space(trial: optuna.Trial, config: RunConfig) -> dict:
    """The model's own space plus the strategy's knobs."""
    params = MODELS[config.model].search_space(trial)
    if config.strategy == "class_weights":
        # on the sidebar slider's grid, so the slider can show the tuned value exactly
        params["class_weight_power"] = trial.suggest_float("class_weight_power", 0.0, 1.0, step=0.05)
    if config.strategy == "smote":
        params["smote_k"] = trial.suggest_int("smote_k", 1, 10)
    return params


def tune(library: Library, config: RunConfig, trials: int, storage: str | None = None,
         study_name: str | None = None, timeout: float | None = None, objective: str = "macro_f1",
         folds: int = 3, progress: TuningProgress | None = None, should_stop: Callable[[], bool] | None = None,
         heartbeat_seconds: int = HEARTBEAT_SECONDS) -> TuningResult:
    """Run (or resume, or join) a study until it holds ``trials`` finished trials; return what it found.

    Finished means complete or pruned, whoever ran them: workers on one study stop together at
    ``trials``, and a study that holds them already runs nothing. ``should_stop`` lets a UI stop it:
    it is asked before every fit, so a stop waits for one fit at most; the trial it interrupts is
    kept as ``STOPPED`` and never counts. Raises `ConfigError` for a study that tunes something else.
    """
    if objective not in OBJECTIVES:
        raise ConfigError(f"unknown objective '{objective}' (choose from: {', '.join(OBJECTIVES)})")
    if config.model == "dummy":
        raise ConfigError("the dummy baseline has nothing to tune")
    storage = storage or default_storage()
    name = study_name or study_name_for(library, config, objective)
    study = prepare_study(name, storage, config, objective, library.fingerprint(), heartbeat_seconds)
    quiet_planned_endings(TuningStopped)
    rows = TrainingRows.from_library(library)
    target = FinishedTrialsTarget(trials, should_stop)
    lock = StudyLock(storage, study._study_id)

    def objective_fn(trial: optuna.Trial) -> float:
        target.check_needed(study, trial)
        trial.set_user_attr("worker", worker_name())
        trial.set_user_attr("sampler_seed", study.sampler.seed_for(trial.number))
        trial_config = replace(config, params={**config.param_dict, **search_space(trial, config)})
        try:
            value = _cross_validated(trial, library, trial_config, rows, folds, objective, should_stop)
        except optuna.TrialPruned:
            target.claim_place(study, trial, lock)  # a pruned trial counts too
            raise
        target.claim_place(study, trial, lock)      # held until Optuna has stored it: released below
        return value

    def stored(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        lock.release()

    def after_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if progress:
            progress(finished_count(study), trials, _best_value(study))
        if should_stop and should_stop():
            study.stop()

    if target.room_for_another(study):
        try:  # n_trials only bounds a worker whose every trial fails; the target ends the others
            study.optimize(objective_fn, n_trials=trials, timeout=timeout,
                           callbacks=[stored, after_trial, target], catch=(ValueError,), gc_after_trial=False)
        except (TuningStopped, TrialNotNeeded):
            pass  # the interrupted trial is stored as failed, marked "stopped" or "surplus"
        finally:
            lock.release()  # held still if storing the trial's ending failed
    return summarise(study, storage, objective)


def prepare_study(name: str, storage: str, config: RunConfig, objective: str, library: str,
                  heartbeat_seconds: int = HEARTBEAT_SECONDS) -> optuna.Study:
    """Study ``name`` (created if new) recording what it tunes, and the sampler's base seed.

    Raises `ConfigError` when it already tunes another library, model, strategy, encoding or
    objective: a worker started with other flags would mix two searches in one study.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # before the study: no "new study created" line
    study = load_study(name, storage, config.seed, heartbeat_seconds)
    attrs = study.user_attrs
    if "config" in attrs:
        tuned = RunConfig.from_dict(attrs["config"])
        # a worker starting now may still be writing these one by one: one not there yet is no difference
        differing = [field for field, started, now in (
            ("model", tuned.model, config.model), ("strategy", tuned.strategy, config.strategy),
            ("encoding", tuned.encoding, config.encoding), ("objective", attrs.get("objective", objective), objective),
            ("library", attrs.get("library", library), library)) if started != now]
        if differing:
            raise ConfigError(f"study '{name}' tunes {tuned.label()} for {attrs.get('objective', objective)}; this run has "
                              f"another {', '.join(differing)}: give the flags it was started with, or another --study")
    for key, value in (("config", config.to_dict()), ("library", library), ("objective", objective),
                       ("seed", config.seed)):
        study.set_user_attr(key, value)
    return study


def load_study(name: str, storage: str, seed: int, heartbeat_seconds: int = HEARTBEAT_SECONDS) -> optuna.Study:
    sampler = TrialSeededSampler(seed, n_startup_trials=8)
    # a trial whose first fold already falls below the median of earlier first folds stops there
    pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
    return optuna.create_study(study_name=name, storage=open_storage(storage, heartbeat_seconds=heartbeat_seconds),
                               sampler=sampler, pruner=pruner, direction="maximize", load_if_exists=True)


class TrialSeededSampler(optuna.samplers.BaseSampler):
    """TPE whose random numbers for trial *n* come from ``(seed, n)`` alone.

    A ``TPESampler(seed=seed)`` keeps one random stream for its lifetime, so loading a study
    again (a resume, a second worker) replays the parameters of its first trials. Here each
    trial gets a fresh TPE seeded from the study's seed and the trial's number: a study run in
    two sittings proposes what it would have proposed in one, identical runs stay identical,
    and two workers on one study (they get different trial numbers) never draw alike.

    Parameters
    ----------
    seed : the study's seed (`RunConfig.seed`).
    n_startup_trials : random trials before TPE starts modelling the results.
    """

    def __init__(self, seed: int, n_startup_trials: int = 8) -> None:
        self.seed, self.n_startup_trials = seed, n_startup_trials
        self._by_trial: dict[int, optuna.samplers.TPESampler] = {}

    def seed_for(self, number: int) -> int:
        """The TPE seed of trial ``number`` (Optuna's, from 0); each trial records it as ``sampler_seed``."""
        return int(np.random.SeedSequence([self.seed, number]).generate_state(1)[0])

    def _tpe_for(self, trial: optuna.trial.FrozenTrial) -> optuna.samplers.TPESampler:
        if trial.number not in self._by_trial:
            self._by_trial[trial.number] = optuna.samplers.TPESampler(
                seed=self.seed_for(trial.number), n_startup_trials=self.n_startup_trials)
        return self._by_trial[trial.number]

    def infer_relative_search_space(self, study, trial):
        return self._tpe_for(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._tpe_for(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._tpe_for(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial) -> None:
        self._tpe_for(trial).before_trial(study, trial)

    def after_trial(self, study, trial, state, values) -> None:
        self._tpe_for(trial).after_trial(study, trial, state, values)
        self._by_trial.pop(trial.number, None)


def _cross_validated(trial: optuna.Trial, library: Library, config: RunConfig, rows: TrainingRows,
                     folds: int, objective: str, should_stop: Callable[[], bool] | None = None) -> float:
    """Mean fold score; reports after every fold so the median pruner can stop weak trials.
    Raises `TuningStopped` before a fit once ``should_stop()`` holds."""

    def before_fold(*_) -> None:
        if should_stop and should_stop():
            trial.set_user_attr("stopped", True)
            raise TuningStopped("stopped from the dashboard")

    values = []
    for step, fold in enumerate(iterate_folds(library, config, rows, folds, before_fold)):
        truth = rows.truth_for(rows.track_ids[fold.items])
        values.append(getattr(metrics.score(fold.proba, truth, rows.largest_three), objective))
        trial.report(float(np.mean(values)), step)
        if step < folds - 1 and trial.should_prune():  # after the last fold the score is complete
            raise optuna.TrialPruned()
    return float(np.mean(values))


def summarise(study: optuna.Study, storage: str, objective: str, importances: bool = True) -> TuningResult:
    """Best params, the trial history (every worker's, a running trial with no value yet; not the
    surplus ones `FinishedTrialsTarget` ended before they drew anything) and, unless ``importances`` is
    False (fANOVA takes about a second), parameter importances of a study."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    history = [{"number": t.number + 1, "state": "STOPPED" if t.user_attrs.get("stopped") else t.state.name,
                "value": t.value, "seconds": (t.duration.total_seconds() if t.duration else None),
                "worker": t.user_attrs.get("worker"), **t.params}
               for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("surplus")]
    best = study.best_trial if complete else None
    return TuningResult(study_name=study.study_name, storage=redacted(storage), objective=objective,
                        best_params=dict(best.params) if best else {},
                        best_value=float(best.value) if best else None, n_trials=len(history),
                        trials=history, importances=parameter_importances(study) if importances else {})


def find_study(study_name: str, storage: str | optuna.storages.BaseStorage) -> optuna.Study | None:
    """The stored study ``study_name`` as it is now, or None when there is none."""
    try:
        return optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return None


def parameter_importances(study: optuna.Study) -> dict[str, float]:
    """fANOVA importances of the complete trials' parameters; empty below `IMPORTANCE_MIN_TRIALS`."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < IMPORTANCE_MIN_TRIALS or not complete[0].params:
        return {}
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        return {k: float(v) for k, v in optuna.importance.get_param_importances(
            study, evaluator=evaluator).items()}
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}


def _best_value(study: optuna.Study) -> float | None:
    try:
        return float(study.best_value)
    except ValueError:
        return None


def config_from_study(study_name: str, storage: str | None = None) -> RunConfig:
    """The configuration a stored study tuned, with its best params; raises `ConfigError` if unusable."""
    storage = storage or default_storage()
    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    except KeyError:
        raise ConfigError(f"no study named '{study_name}' in {redacted(storage)}") from None
    return _best_config(study)


def best_study_config(library: Library, storage: str | None = None) -> RunConfig | None:
    """The best tuned configuration stored for this library (any model), or None.

    Scores are only comparable within one objective: macro-AP studies win over
    macro-F1 ones, and so on in the order of `OBJECTIVES_FOR_SUGGESTIONS`.
    """
    storage = storage or default_storage()
    fingerprint = library.fingerprint()
    candidates = []
    for summary in optuna.get_all_study_summaries(storage=open_storage(storage), include_best_trial=True):
        attrs = summary.user_attrs
        if attrs.get("library") == fingerprint and summary.best_trial is not None and "config" in attrs:
            rank = OBJECTIVES_FOR_SUGGESTIONS.index(attrs.get("objective", "macro_f1"))
            candidates.append((rank, -summary.best_trial.value, summary))
    if not candidates:
        return None
    summary = min(candidates, key=lambda c: c[:2])[2]
    config = RunConfig.from_dict(summary.user_attrs["config"])
    return replace(config, params={**config.param_dict, **summary.best_trial.params})


def _best_config(study: optuna.Study) -> RunConfig:
    if "config" not in study.user_attrs:
        raise ConfigError(f"study '{study.study_name}' was not made by this tool (no stored config)")
    config = RunConfig.from_dict(study.user_attrs["config"])
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise ConfigError(f"study '{study.study_name}' has no finished trials yet")
    return replace(config, params={**config.param_dict, **study.best_trial.params})
