"""Several workers on one study: the trial count they share, and worker processes on this machine.

Every worker (a process here, or ``python -m pipeline tune`` on another machine against the same
database) calls `pipeline.tuning.tune` on the same study; `FinishedTrialsTarget` ends them together
at the study's requested total. `tune_in_workers` starts N such processes (``spawn``), waits for all
of them and summarises the study once they have ended. Ctrl-C reaches only the parent, which stops each
worker once (SIGTERM: before its next fit, its trial kept as stopped, as the dashboard's Stop does); a
second Ctrl-C kills them. A worker whose parent dies stops the same way, so none is left running orphaned.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import optuna

from pipeline.errors import UserError, one_line

FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def worker_name() -> str:
    """``host:pid`` of this process, as each trial records who ran it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def finished_count(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


class TrialNotNeeded(Exception):
    """Raised at the start of a trial that the study's target no longer needs; `tune` ends the worker on it."""


class FinishedTrialsTarget:
    """A study callback that ends a worker's run once the study holds ``target`` finished trials.

    ``optuna.study.MaxTrialsCallback(target, states=FINISHED)`` with one difference: a worker does
    not start a trial that those running elsewhere will fill. It waits for them instead, and runs
    on if one of them dies (its heartbeat stops: `optuna.storages.fail_stale_trials` marks it FAIL, or
    it never sent one: `pipeline.study_storage.SilentTrials` does; the retry callback queues it again). Two workers that look in the same instant may both
    start the last trial; `check_needed`, at the start of a trial, lets the lower trial number
    have it, so N workers stop at ``target`` exactly, not up to N - 1 past it. Those looks save work
    but can be outrun (a retried trial waits in the queue uncounted, with a lower number than trials
    started meanwhile); `claim_place`, under a lock on the study, is what guarantees the total.

    Parameters
    ----------
    target : finished (complete or pruned) trials the study should hold.
    should_stop : asked while waiting for the others; when it holds, the run ends.
    poll_seconds : how often a waiting worker looks again.
    """

    def __init__(self, target: int, should_stop: Callable[[], bool] | None = None, poll_seconds: float = 0.5) -> None:
        from pipeline.study_storage import SilentTrials
        self.target, self.should_stop, self.poll_seconds = target, should_stop, poll_seconds
        self.silent = SilentTrials()

    def room_for_another(self, study: optuna.Study) -> bool:
        """Whether this worker should start a trial; waits while running ones may still fill the study."""
        return self._wait(study, lambda trial: True)

    def check_needed(self, study: optuna.Study, trial: optuna.Trial) -> None:
        """Called first thing in a trial: waits while lower-numbered running trials may fill the study, and
        raises `TrialNotNeeded` (the trial marked ``surplus``, before it draws anything) once they have."""
        if not self._wait(study, lambda other: other.number < trial.number):
            trial.set_user_attr("surplus", True)
            raise TrialNotNeeded(f"trial {trial.number} is not needed: the study holds {self.target}")

    def claim_place(self, study: optuna.Study, trial: optuna.Trial, lock) -> None:
        """Called as a trial is about to end complete or pruned, its value known: the authoritative check.

        Takes ``lock`` (a `pipeline.study_storage.StudyLock`) and counts the study's finished trials as
        stored now; when they are ``target`` already (a retried trial or a late look let two run for one
        place), releases it and raises `TrialNotNeeded`, the trial marked ``surplus``. Otherwise returns
        holding it: the caller releases it once Optuna has stored the trial's ending, so no other worker
        counts in between and the study never holds more than ``target``."""
        lock.acquire()
        try:
            full = finished_count(study) >= self.target
        except BaseException:
            lock.release()
            raise
        if full:
            lock.release()
            trial.set_user_attr("surplus", True)
            raise TrialNotNeeded(f"trial {trial.number} is not needed: the study holds {self.target}")

    def _wait(self, study: optuna.Study, counts: Callable[[optuna.trial.FrozenTrial], bool]) -> bool:
        """False once the study is full (or ``should_stop``); True when the finished trials and the
        running ones that ``counts`` leave room for one more."""
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
            self.silent.fail_overdue(study)
            trials = study.get_trials(deepcopy=False)
            finished = sum(trial.state in FINISHED for trial in trials)
            if finished >= self.target:
                return False
            running = sum(trial.state == optuna.trial.TrialState.RUNNING and counts(trial) for trial in trials)
            if finished + running < self.target:
                return True
            if self.should_stop and self.should_stop():
                return False
            time.sleep(self.poll_seconds)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if not self.room_for_another(study):
            study.stop()


class PlannedEndingsFilter(logging.Filter):
    """Optuna logs a trial that raised as a failure, traceback and all. A trial ended on purpose (Stop,
    Ctrl-C, not needed) is no failure: its two lines ("failed with parameters", "failed with value") go."""

    def __init__(self, planned: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.planned, self.dropping = planned, None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and issubclass(record.exc_info[0], self.planned):
            self.dropping = message.split(" failed", 1)[0]  # "Trial 7"
            return False
        if self.dropping and message.startswith(f"{self.dropping} failed with value"):
            self.dropping = None
            return False
        return True


def quiet_planned_endings(*planned: type[BaseException]) -> None:
    """Install `PlannedEndingsFilter` on the logger of Optuna's optimize loop, once."""
    logger = logging.getLogger("optuna.study._optimize")
    if not any(isinstance(f, PlannedEndingsFilter) for f in logger.filters):
        logger.addFilter(PlannedEndingsFilter((KeyboardInterrupt, TrialNotNeeded, *planned)))


@dataclass(frozen=True)
class WorkersOutcome:
    """What the study holds once every worker has ended, and how each ended (pid, exit code)."""

    result: Any  # pipeline.tuning.TuningResult
    exits: list[tuple[int, int]]

    def problems(self) -> list[str]:
        """One line per worker that did not end well."""
        return [f"worker {pid} was killed by signal {-code}" if code < 0 else f"worker {pid} ended with exit code {code}"
                for pid, code in self.exits if code != 0]


def tune_in_workers(workers: int, library, config, trials: int, storage: str, study_name: str | None = None,
                    progress: Callable[[int, int, float | None], None] | None = None,
                    **tune_arguments: Any) -> WorkersOutcome:
    """Tune one study in ``workers`` processes of this machine until it holds ``trials`` finished
    trials (counting other machines' too); returns once all have ended.

    ``progress`` must be picklable (a module-level function such as `print_progress`); the other
    arguments are `pipeline.tuning.tune`'s. Raises `ConfigError` before any worker starts when the
    storage cannot be opened or the study tunes something else, and `KeyboardInterrupt` after
    Ctrl-C has stopped them all.
    """
    from pipeline.tuning import find_study, prepare_study, study_name_for, summarise
    objective = tune_arguments.get("objective", "macro_f1")
    name = study_name or study_name_for(library, config, objective)
    # one clear error instead of one per worker, and no race between them to create the tables
    prepare_study(name, storage, config, objective, library.fingerprint())
    arguments = dict(library=library, config=config, trials=trials, storage=storage, study_name=name,
                     progress=progress, **tune_arguments)
    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)  # N workers with a BLAS thread per core each would fight
    processes = [context.Process(target=_work, args=(arguments, threads), name=f"tuning worker {n + 1}")
                 for n in range(workers)]
    with _sigint_ignored():  # inherited: a terminal's Ctrl-C reaches the parent alone, which stops each once
        for process in processes:
            process.start()
    try:
        _wait_for(processes)
    except KeyboardInterrupt:
        _stop(processes)
        raise
    result = summarise(find_study(name, storage), storage, objective)
    return WorkersOutcome(result, [(process.pid, process.exitcode) for process in processes])


def print_progress(done: int, total: int, best: float | None) -> None:
    """A worker's progress line on stderr, named by its pid: ``worker 4242: trial 3/20  best 0.6123``."""
    print(f"worker {os.getpid()}: {progress_line(done, total, best)}", file=sys.stderr)


def progress_line(done: int, total: int, best: float | None) -> str:
    return f"trial {done}/{total}  best {best if best is None else round(best, 4)}"


def _work(arguments: dict, threads: int) -> None:
    """One worker process: `tune` with ``threads`` BLAS threads. SIGTERM, or the end of its parent, stops
    it as the dashboard's Stop does: before its next fit, the trial kept as stopped (never left running)."""
    from threadpoolctl import threadpool_limits
    from pipeline.tuning import tune
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    threading.Thread(target=_set_when_orphaned, args=(stop,), name="watch the parent", daemon=True).start()
    try:
        with threadpool_limits(limits=threads):
            tune(**arguments, should_stop=stop.is_set)
    except UserError as error:
        print(f"error: worker {os.getpid()}: {one_line(str(error))}", file=sys.stderr)
        sys.exit(2)


def _set_when_orphaned(stop: threading.Event) -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        stop.set()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for(processes: list) -> None:
    for process in processes:
        process.join()


def _stop(processes: list) -> None:
    """Ask each live worker to stop before its next fit; kill them on a second Ctrl-C (the heartbeat then
    fails their trials)."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    try:
        _wait_for(processes)
    except KeyboardInterrupt:
        for process in processes:
            process.kill()
        _wait_for(processes)
