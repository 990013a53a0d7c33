"""Optuna studies: seeded, resumable, pruned, found again by library, and never echoing a password."""

from __future__ import annotations

import os
import socket

import optuna
import pytest

from pipeline.config import ConfigError, RunConfig
from pipeline.fitting import TrainingRows
from pipeline.study_storage import SilentTrials, StudyLock, open_storage, redacted, with_password_of
from pipeline.tuning_workers import FinishedTrialsTarget, TrialNotNeeded
from pipeline.tuning import (IMPORTANCE_MIN_TRIALS, _cross_validated, best_study_config, config_from_study,
                             find_study, search_space, study_name_for, summarise, tune)
from tests.toy_libraries import library_of, track_id

KNN = RunConfig(model="knn", strategy="none")


@pytest.fixture(scope="module")
def library():
    ids = [track_id(n) for n in range(60)]
    return library_of({"Big": ids[:30], "Mid": ids[26:38], "Small": ids[38:44], "Tiny": ids[44:47]},
                      liked=[ids[0], ids[55]])


@pytest.fixture
def storage(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'studies.db'}"


def params_of(result) -> list[dict]:
    return [{k: v for k, v in trial.items() if k not in ("number", "state", "value", "seconds", "worker")}
            for trial in result.trials]


def test_the_same_seed_proposes_the_same_trials_and_another_seed_others(library, tmp_path):
    runs = {}
    for name, seed in (("first", 0), ("again", 0), ("other", 1)):
        runs[name] = tune(library, RunConfig(model="knn", strategy="class_weights", seed=seed), trials=2,
                          storage=f"sqlite:///{tmp_path / name}.db", study_name="s", folds=2)
    assert params_of(runs["first"]) == params_of(runs["again"])
    assert [t["value"] for t in runs["first"].trials] == [t["value"] for t in runs["again"].trials]
    assert params_of(runs["first"]) != params_of(runs["other"])
    assert {"n_neighbors", "weights", "metric", "class_weight_power"} == set(runs["first"].best_params)


def test_a_study_resumes_up_to_the_trials_asked_for_and_reports_progress(library, storage):
    first = tune(library, KNN, trials=2, storage=storage, folds=2)
    progress = []
    second = tune(library, KNN, trials=3, storage=storage, folds=2,
                  progress=lambda done, total, best: progress.append((done, total, best)))
    assert first.study_name == second.study_name == study_name_for(library, KNN, "macro_f1")
    assert (first.n_trials, second.n_trials) == (2, 3), "--trials is the study's total, not more of them"
    assert progress == [(3, 3, second.best_value)]
    assert second.best_value == max(t["value"] for t in second.trials)
    again = tune(library, KNN, trials=3, storage=storage, folds=2)
    assert again.n_trials == 3, "a study that holds the trials asked for runs nothing"


def test_a_resumed_study_continues_as_one_sitting_would_and_never_replays_a_trial(library, tmp_path):
    """Three trials, then two more: the same five trials as five in one go, all different."""
    config = RunConfig(model="knn", strategy="class_weights", seed=3)
    sittings = {}
    for name, counts in (("resumed", (3, 5)), ("again", (3, 5)), ("one go", (5,))):
        storage = f"sqlite:///{tmp_path / name}.db"
        for count in counts:
            sittings[name] = tune(library, config, trials=count, storage=storage, study_name="s", folds=2)
    resumed = params_of(sittings["resumed"])
    assert len(resumed) == 5
    assert len({tuple(sorted(p.items())) for p in resumed}) == 5, "no trial repeats an earlier one"
    assert resumed == params_of(sittings["again"]), "the same inputs give the same trials"
    assert resumed == params_of(sittings["one go"])
    assert [t["number"] for t in sittings["resumed"].trials] == [1, 2, 3, 4, 5], "counted as the progress counts"


def test_stop_between_trials_ends_the_study_with_the_finished_ones(library, storage):
    finished = []
    result = tune(library, KNN, trials=20, storage=storage, folds=2,
                  progress=lambda done, total, best: finished.append(done), should_stop=lambda: bool(finished))
    assert [t["state"] for t in result.trials] == ["COMPLETE"] and result.n_finished == 1


def test_stop_during_a_trial_ends_it_before_its_next_fit(library, storage):
    # Stop is asked before each of a trial's 2 fits and after the trial: the 5th question comes
    # before the second trial's second fit.
    asked = []
    result = tune(library, KNN, trials=20, storage=storage, folds=2,
                  should_stop=lambda: asked.append(1) or len(asked) >= 5)
    assert [t["state"] for t in result.trials] == ["COMPLETE", "STOPPED"]
    assert result.n_finished == 1 and result.trials[1]["value"] is None
    study = optuna.load_study(study_name=result.study_name, storage=storage)
    assert len(study.trials[1].intermediate_values) == 1, "it stopped after one fit, not after all"


def test_weak_trials_are_pruned_by_the_median_pruner(library, storage):
    # After five finished trials the pruner compares each new one fold by fold with their median.
    result = tune(library, KNN, trials=10, storage=storage, folds=3)
    states = [t["state"] for t in result.trials]
    assert states[:5] == ["COMPLETE"] * 5 and "PRUNED" in states
    study = optuna.load_study(study_name=result.study_name, storage=storage)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert all(len(t.intermediate_values) < 3 for t in pruned)       # stopped before its last fold


class PruningTrial:
    """Stands in for an Optuna trial whose pruner has seen enough after the first fold."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, int]] = []

    def report(self, value: float, step: int) -> None:
        self.reports.append((value, step))

    def should_prune(self) -> bool:
        return True


def test_a_trial_the_pruner_rejects_stops_after_its_first_fold(library):
    trial = PruningTrial()
    with pytest.raises(optuna.TrialPruned):
        _cross_validated(trial, library, KNN, TrainingRows.from_library(library), 3, "macro_f1")
    (value, step), = trial.reports
    assert step == 0 and 0.0 <= value <= 1.0


def test_the_best_stored_configuration_is_found_for_its_library_only(library, storage):
    result = tune(library, RunConfig(model="knn", strategy="class_weights", seed=2), trials=2,
                  storage=storage, folds=2)
    found = best_study_config(library, storage)
    assert (found.model, found.strategy, found.seed) == ("knn", "class_weights", 2)
    assert found.param_dict == result.best_params
    other = library_of({"X": [track_id(n) for n in range(5)], "Y": [track_id(n) for n in range(5, 9)]})
    assert best_study_config(other, storage) is None


def test_a_macro_ap_study_wins_over_a_better_scoring_macro_f1_study(library, storage):
    tune(library, KNN, trials=1, storage=storage, folds=2, objective="macro_f1")
    tune(library, RunConfig(model="logreg", strategy="none"), trials=1, storage=storage, folds=2,
         objective="macro_ap")
    assert best_study_config(library, storage).model == "logreg"


def test_config_from_study_reads_the_tuned_configuration_back(library, storage):
    result = tune(library, KNN, trials=2, storage=storage, study_name="mine", folds=2)
    config = config_from_study("mine", storage)
    assert config.model == "knn" and config.param_dict == result.best_params


def test_config_from_study_explains_an_unknown_a_foreign_and_an_unfinished_study(storage):
    with pytest.raises(ConfigError, match="no study named 'nope' in sqlite:///"):
        config_from_study("nope", storage)
    optuna.create_study(study_name="foreign", storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1), 1)
    with pytest.raises(ConfigError, match="study 'foreign' was not made by this tool"):
        config_from_study("foreign", storage)
    empty = optuna.create_study(study_name="empty", storage=storage)
    empty.set_user_attr("config", KNN.to_dict())
    with pytest.raises(ConfigError, match="study 'empty' has no finished trials yet"):
        config_from_study("empty", storage)


def test_nothing_to_tune_and_unknown_objectives_are_config_errors(library, storage):
    with pytest.raises(ConfigError, match="nothing to tune"):
        tune(library, RunConfig(model="dummy"), trials=1, storage=storage)
    with pytest.raises(ConfigError, match="unknown objective 'auc'"):
        tune(library, KNN, trials=1, storage=storage, objective="auc")


def test_parameter_importances_wait_for_enough_finished_trials():
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    objective = lambda trial: trial.suggest_float("C", 0.1, 1.0) - trial.suggest_float("power", 0, 1) / 10  # noqa: E731
    study.optimize(objective, n_trials=IMPORTANCE_MIN_TRIALS - 1)
    assert summarise(study, "sqlite://", "macro_f1").importances == {}, "too few trials to rank parameters"
    study.optimize(objective, n_trials=1)
    assert set(summarise(study, "sqlite://", "macro_f1").importances) == {"C", "power"}


def test_a_storage_password_never_appears_in_results_or_errors():
    study = optuna.create_study()
    study.optimize(lambda trial: trial.suggest_float("C", 0.1, 1.0), n_trials=1)
    result = summarise(study, "postgresql+psycopg://tuner:s3cret-pass@db.example:5432/studies", "macro_f1")
    assert "s3cret-pass" not in str(result.to_dict())
    assert result.storage == "postgresql+psycopg://tuner:***@db.example:5432/studies"
    with socket.socket() as probe:                     # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError) as error:
        open_storage(f"postgresql+psycopg://tuner:s3cret-pass@127.0.0.1:{port}/studies")
    assert "cannot open the study storage postgresql+psycopg://tuner:***@127.0.0.1" in str(error.value)
    assert "s3cret-pass" not in str(error.value)


@pytest.mark.parametrize("url, reason", [("not a url", "Could not parse"),
                                         ("mysql://u:p@127.0.0.1/x", "DB access module")])
def test_an_unusable_storage_url_is_a_config_error(url, reason):
    with pytest.raises(ConfigError, match=reason):
        open_storage(url)


def test_each_trial_records_who_ran_it_and_the_seed_that_explains_its_parameters(library, storage):
    config = RunConfig(model="knn", strategy="class_weights", seed=7)
    result = tune(library, config, trials=3, storage=storage, folds=2)
    study = optuna.load_study(study_name=result.study_name, storage=storage)
    assert study.user_attrs["seed"] == 7
    assert {t["worker"] for t in result.trials} == {f"{socket.gethostname()}:{os.getpid()}"}
    seeds = [t.user_attrs["sampler_seed"] for t in study.trials]
    assert len(set(seeds)) == 3, "every trial draws from its own seed"
    for trial in study.trials:  # a startup trial is replayed by a fresh TPE with its recorded seed
        replay = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=trial.user_attrs["sampler_seed"]))
        assert search_space(replay.ask(), config) == trial.params


def test_a_trial_left_running_shows_as_running_and_is_not_counted(library, storage):
    result = tune(library, KNN, trials=2, storage=storage, folds=2)
    study = optuna.load_study(study_name=result.study_name, storage=storage)
    search_space(study.ask(), KNN)                                    # a worker somewhere is on it
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    summary = summarise(study, storage, "macro_f1")
    assert [t["state"] for t in summary.trials] == ["COMPLETE", "COMPLETE", "RUNNING", "FAIL"]
    assert summary.trials[2]["value"] is None and summary.n_finished == 2 and summary.n_trials == 4


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used with Study.optimize")
def test_a_dead_workers_trial_is_failed_by_its_heartbeat_and_run_again(library, storage):
    name = tune(library, KNN, trials=2, storage=storage, folds=2).study_name
    opened = open_storage(storage, heartbeat_seconds=1)
    study = find_study(name, opened)
    lost = study.ask()
    params = search_space(lost, KNN)
    opened.record_heartbeat(opened.get_trial_id_from_study_id_trial_number(
        opened.get_study_id_from_name(name), lost.number))           # then its worker dies: no more heartbeats
    # the study holds 2 and one is running: this worker waits for it rather than start a 4th trial
    result = tune(library, KNN, trials=3, storage=storage, folds=2, heartbeat_seconds=1)
    states = [t["state"] for t in result.trials]
    assert states == ["COMPLETE", "COMPLETE", "FAIL", "COMPLETE"] and result.n_finished == 3
    retried = result.trials[3]
    assert {k: retried[k] for k in params} == params, "the lost trial's parameters are run again"


def test_a_study_that_tunes_something_else_is_not_joined(library, storage):
    tune(library, KNN, trials=1, storage=storage, study_name="mine", folds=2)
    with pytest.raises(ConfigError, match="study 'mine' tunes K nearest neighbours · None for macro_f1; this run has another model:"):
        tune(library, RunConfig(model="logreg", strategy="none"), trials=2, storage=storage, study_name="mine")
    with pytest.raises(ConfigError, match="another objective: give the flags it was started with"):
        tune(library, KNN, trials=2, storage=storage, study_name="mine", objective="macro_ap")
    assert tune(library, KNN, trials=2, storage=storage, study_name="mine", folds=2).n_finished == 2


def test_a_redacted_url_edited_by_hand_keeps_the_password_typed_before():
    typed = "postgresql+psycopg://tuner:s3cret-pass@db.example/studies"
    assert redacted(typed) == "postgresql+psycopg://tuner:***@db.example/studies"
    edited = "postgresql+psycopg://tuner:***@db2.example/studies"
    assert with_password_of(edited, typed) == "postgresql+psycopg://tuner:s3cret-pass@db2.example/studies"
    assert with_password_of("sqlite:///other.db", typed) == "sqlite:///other.db"


def test_of_two_trials_started_for_the_last_place_the_lower_number_runs_and_the_other_is_dropped():
    study = optuna.create_study(direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("C", 0.1, 1.0), n_trials=2)
    first, second = study.ask(), study.ask()                 # two workers looked in the same instant
    target = FinishedTrialsTarget(3)
    target.check_needed(study, first)                        # the lower number goes ahead at once
    study.tell(first, first.suggest_float("C", 0.1, 1.0))
    with pytest.raises(TrialNotNeeded, match="the study holds 3"):
        target.check_needed(study, second)
    study.tell(second, state=optuna.trial.TrialState.FAIL)   # as Optuna ends a trial that raised
    summary = summarise(study, "sqlite://", "macro_f1")
    assert summary.n_trials == summary.n_finished == 3 and [t["number"] for t in summary.trials] == [1, 2, 3]
    assert not target.room_for_another(study)


def test_a_trial_ending_once_the_study_is_full_is_surplus_and_the_last_place_is_held_until_stored(tmp_path):
    study = optuna.create_study(direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("C", 0.1, 1.0), n_trials=2)
    last, late = study.ask(), study.ask()                    # both got past the looks at the start
    lock = StudyLock(f"sqlite:///{tmp_path / 'studies.db'}", study._study_id)
    FinishedTrialsTarget(3).claim_place(study, last, lock)
    assert lock.held                                         # until Optuna has stored its ending
    study.tell(last, 0.5)
    lock.release()
    with pytest.raises(TrialNotNeeded, match="the study holds 3"):
        FinishedTrialsTarget(3).claim_place(study, late, lock)
    assert not lock.held and study.trials[late.number].user_attrs == {"surplus": True}


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used")
def test_a_trial_whose_worker_died_before_its_first_heartbeat_is_failed_retried_and_waited_for_no_longer(storage):
    study = optuna.create_study(study_name="silent", storage=open_storage(storage), direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("C", 0.1, 1.0), n_trials=2)
    orphan = study.ask()                                   # created, then its worker was killed: no heartbeat
    orphan.suggest_float("C", 0.1, 1.0)
    clock = [0.0]
    target = FinishedTrialsTarget(3, poll_seconds=0.01)
    target.silent = SilentTrials(clock=lambda: clock[0])

    def fifteen_seconds_later() -> bool:                   # asked on every wait; gives up after 100 s
        clock[0] += 15
        return clock[0] > 100

    target.should_stop = fifteen_seconds_later
    assert target.room_for_another(study), "the dead trial no longer holds the last place"
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert states[orphan.number] == optuna.trial.TrialState.FAIL
    assert states.count(optuna.trial.TrialState.WAITING) == 1, "queued once more with its parameters"
    assert clock[0] > 40, "not before the grace period (4 heartbeats of 10 s) had passed"


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used")
def test_a_live_trial_is_never_failed_for_silence_within_the_grace_period(storage):
    study = optuna.create_study(study_name="young", storage=open_storage(storage), direction="maximize")
    running = study.ask()
    assert SilentTrials(clock=lambda: 0.0).fail_overdue(study) == []
    assert study.get_trials(deepcopy=False)[running.number].state == optuna.trial.TrialState.RUNNING
