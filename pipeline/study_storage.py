"""Where Optuna studies live: a SQLite file on this machine, or a database server several machines share.

Every storage opened here keeps a heartbeat: a running trial records one every `HEARTBEAT_SECONDS`,
and one silent for `MISSED_HEARTBEATS` of them (its worker was killed, its machine lost) is marked FAIL by
the next worker that looks, and queued once more with the same parameters
(`optuna.storages.RetryHeartbeatStaleTrialCallback`, `MAX_RETRY`); so is one that never sent a
heartbeat at all (`SilentTrials`: its worker died between creating it and its first heartbeat). A password in a URL is never
echoed: results and errors show `redacted` URLs.
"""

from __future__ import annotations

import copy
import time
import warnings
from typing import TYPE_CHECKING, Callable

from pipeline.config import ConfigError
from pipeline.paths import data_dir

if TYPE_CHECKING:
    import optuna

HEARTBEAT_SECONDS = 10
MISSED_HEARTBEATS = 4
"""A trial silent for this many heartbeats (40 s by default) is taken for a dead worker's: long enough
for a busy database or a fit that holds Python's lock a while, short enough to retry it within a minute."""
MAX_RETRY = 1
"""A trial whose worker died is run once more; one that kills its worker twice is left FAIL (its
parameters may be what kills it), and the study carries on with new ones."""
SQLITE_LOCK_WAIT_SECONDS = 60
"""SQLite lets one process write at a time; a worker waits this long for another's write."""


def default_storage() -> str:
    return f"sqlite:///{(data_dir() / 'studies.sqlite3').resolve()}"


def is_sqlite(storage: str) -> bool:
    return storage.split(":", 1)[0].split("+", 1)[0] == "sqlite"


def open_storage(storage: str, attempts: int = 5,
                 heartbeat_seconds: int = HEARTBEAT_SECONDS) -> optuna.storages.RDBStorage:
    """The study database at SQLAlchemy URL ``storage``, with the heartbeat on; raises `ConfigError`
    if it cannot be opened.

    Workers started together on an empty database race to create Optuna's tables (PostgreSQL:
    ``UniqueViolation`` on ``pg_type``; SQLite: "table studies already exists"); the loser retries
    once the winner's tables exist.
    """
    import optuna
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
    engine = _engine_options(storage)
    last_error: Exception | None = None
    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():  # the heartbeat is "experimental" since Optuna 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    storage, engine_kwargs=engine, heartbeat_interval=heartbeat_seconds,
                    grace_period=MISSED_HEARTBEATS * heartbeat_seconds,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(MAX_RETRY))
        except (IntegrityError, ProgrammingError, OperationalError) as error:
            if isinstance(error, OperationalError) and "already exists" not in str(error):
                raise _storage_error(storage, error) from None  # e.g. the server refused the connection
            last_error = error
            time.sleep(0.2 * (attempt + 1))
        except (ImportError, SQLAlchemyError) as error:  # bad URL, missing driver, server down
            raise _storage_error(storage, error) from None
    raise _storage_error(storage, last_error) from None


def _engine_options(storage: str) -> dict:
    if is_sqlite(storage):
        return {"connect_args": {"timeout": SQLITE_LOCK_WAIT_SECONDS}}
    if storage.startswith("postgresql"):  # an unreachable server fails in seconds; a dropped connection is renewed
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
    return {}


def redacted(storage: str) -> str:
    """The URL with its password as ``***``: what may be shown or stored."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(storage).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is echoed without its credentials part
        return storage.split("@")[-1]


def with_password_of(storage: str, previous: str) -> str:
    """``storage`` with ``previous``'s password where it shows ``***`` (a redacted URL edited by hand)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url, old = make_url(storage), make_url(previous)
    except ArgumentError:
        return storage
    if url.password != "***" or old.password is None:
        return storage
    return url.set(password=old.password).render_as_string(hide_password=False)


def _storage_error(storage: str, error: Exception) -> ConfigError:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    try:
        password = make_url(storage).password
    except ArgumentError:
        password = None
    reason = reason.replace(storage, redacted(storage))
    if password and len(str(password)) >= 4:  # a shorter one would mask letters of ordinary words
        reason = reason.replace(str(password), "***")
    return ConfigError(f"cannot open the study storage {redacted(storage)}: {reason}")


class StudyLock:
    """A lock on one study that every worker on its storage respects, on any machine: held by the worker
    whose trial is about to be stored as finished, from its last look at the count until Optuna has stored
    it, so two trials can never both take a study's last place.

    PostgreSQL: a session advisory lock (``pg_advisory_lock``) on a connection of its own; MySQL:
    ``GET_LOCK``; SQLite (one machine): ``flock`` on a file beside the database. The server (or the
    kernel) frees it when its worker dies. Other storages (an in-memory SQLite one) lock this process only.
    """

    KEY = 0x7475  # the first of PostgreSQL's two advisory-lock keys; the study id is the second

    def __init__(self, storage: str, study_id: int) -> None:
        import threading
        self.storage, self.study_id = storage, study_id
        self.held = False
        self._local = threading.Lock()
        self._connection = None
        self._file = None

    def acquire(self) -> None:
        self._local.acquire()
        try:
            kind = self.storage.split(":", 1)[0].split("+", 1)[0]
            if kind == "postgresql":
                self._execute("SELECT pg_advisory_lock(:key, :study)")
            elif kind == "mysql":
                self._execute("SELECT GET_LOCK(:name, -1)")
            elif kind == "sqlite":
                self._lock_file()
        except BaseException:
            self._local.release()
            raise
        self.held = True

    def release(self) -> None:
        """Free the lock if this process holds it (so calling it twice is harmless)."""
        if not self.held:
            return
        self.held = False
        try:
            kind = self.storage.split(":", 1)[0].split("+", 1)[0]
            if kind == "postgresql" and self._connection is not None:
                self._execute("SELECT pg_advisory_unlock(:key, :study)")
            elif kind == "mysql" and self._connection is not None:
                self._execute("SELECT RELEASE_LOCK(:name)")
            elif self._file is not None:
                import fcntl
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def _execute(self, statement: str) -> None:
        import sqlalchemy
        if self._connection is None:
            engine = sqlalchemy.create_engine(self.storage, poolclass=sqlalchemy.pool.NullPool,
                                              **_engine_options(self.storage))
            self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._connection.execute(sqlalchemy.text(statement), {
            "key": self.KEY, "study": self.study_id, "name": f"optuna-study-{self.study_id}"})

    def _lock_file(self) -> None:
        import fcntl
        from sqlalchemy.engine import make_url
        database = make_url(self.storage).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return  # one process only: the thread lock is all there is
        if self._file is None:
            self._file = open(f"{database}.study-{self.study_id}.lock", "a")  # noqa: SIM115 - kept open
        fcntl.flock(self._file, fcntl.LOCK_EX)


class SilentTrials:
    """Running trials that never sent a heartbeat, failed once they have been silent a grace period.

    A worker killed in the milliseconds between creating its trial and recording the trial's first
    heartbeat leaves a RUNNING trial that `optuna.storages.fail_stale_trials` never sees (it judges
    only trials with a heartbeat on record), so it would stay "running" forever and a worker waiting
    for the running trials to fill the study would wait forever too. Every live trial records its
    first heartbeat at once, so one without any for the storage's grace period is dead. The grace is
    timed by this process's own clock (``clock``), from when it first saw the trial silent: machines'
    clocks may disagree. A failed trial goes to the storage's stale-trial callback (retried once),
    exactly as a stale one does.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.first_seen: dict[int, float] = {}

    def fail_overdue(self, study: "optuna.Study") -> list[int]:
        """Fail the study's trials silent for longer than the grace period; their trial ids."""
        import optuna
        storage = study._storage
        backend = getattr(storage, "_backend", storage)  # Optuna wraps an RDBStorage in a cache
        if not isinstance(backend, optuna.storages.RDBStorage) or backend.heartbeat_interval is None:
            return []
        grace = backend.grace_period or 2 * backend.heartbeat_interval
        now = self.clock()
        self.first_seen = {trial: self.first_seen.get(trial, now) for trial in _silent_running(backend, study._study_id)}
        failed = []
        for trial_id in [trial for trial, seen in self.first_seen.items() if now - seen > grace]:
            try:
                if storage.set_trial_state_values(trial_id, state=optuna.trial.TrialState.FAIL):
                    failed.append(trial_id)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # it ended (another worker failed it, or it was alive after all)
            self.first_seen.pop(trial_id)
        callback = backend.get_heartbeat_stale_trial_callback()
        for trial_id in failed if callback is not None else ():
            callback(study, copy.deepcopy(storage.get_trial(trial_id)))
        return failed


def _silent_running(backend: "optuna.storages.RDBStorage", study_id: int) -> list[int]:
    """Ids of the study's RUNNING trials with no heartbeat on record (Optuna's own tables, read as its
    stale check reads them)."""
    import sqlalchemy.orm
    from optuna.storages._rdb import models
    from optuna.trial import TrialState
    with sqlalchemy.orm.Session(backend.engine) as session:
        running = (session.query(models.TrialModel.trial_id)
                   .filter(models.TrialModel.study_id == study_id, models.TrialModel.state == TrialState.RUNNING,
                           ~models.TrialModel.heartbeats.any())
                   .all())
    return [trial_id for (trial_id,) in running]
