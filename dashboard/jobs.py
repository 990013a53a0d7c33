"""Long work (cross-validation, Optuna studies, suggestions) in worker processes.

A Streamlit script that trains for a minute freezes its page and dies on the next click, so the
script only starts a `Job` and draws its progress. The work runs in its own Python process
(`dashboard.worker`), not a thread: Streamlit resets Keras' global state after every script run
(``keras.backend.clear_session()``), which breaks a net training on a thread meanwhile, and a
process also leaves the server's interpreter free to answer clicks on two busy cores. Jobs
outlive reruns, page switches and browser reloads (the `JobBoard` outlives sessions); Stop asks
the worker to end at its next progress report (`Job.stopping` until it has). The work stores its
own result on disk.

A job does not outlive the server: its worker dies with it (`dashboard.worker`). While a job runs,
its record (``<folder>/<id>.json``: key, title, the server's process) and its stop file lie in the
board's folder; both go when it ends. A record still there when the next board starts is a job the
server's end interrupted: the board reports it (`JobInterrupted`) until a page has shown that.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.results_store import read_json, write_json
from pipeline.errors import UserError

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
INTERRUPTED = "the server restarted while this ran; start it again"


class JobStopped(Exception):
    """Raised inside the work when the user pressed Stop; its message (if any) says what was kept."""


class JobFailed(Exception):
    """The worker raised something that is not the user's to fix; the message names it."""


class JobInterrupted(Exception):
    """The server ended (a restart, a crash) while the job ran, and its worker with it."""


@dataclass
class Job:
    """One piece of work in flight: its progress, and how it ended."""

    key: str
    title: str
    fraction: float = 0.0
    message: str = "starting"
    error: BaseException | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    stop_file: Path | None = None
    record: Path | None = None

    def stop(self) -> None:
        """Ask the worker to stop at its next progress report (Optuna: before the next fit)."""
        if self.stop_file is not None and not self.done:
            self.stop_file.touch()
            if self.done:  # it ended meanwhile and took its files away
                self.stop_file.unlink(missing_ok=True)

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def stopping(self) -> bool:
        """Stop was pressed and the worker has not ended yet."""
        return not self.done and self.stop_file is not None and self.stop_file.exists()

    @property
    def stopped(self) -> bool:
        return isinstance(self.error, JobStopped)

    @property
    def interrupted(self) -> bool:
        return isinstance(self.error, JobInterrupted)

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def remove_files(self) -> None:
        """Its record and stop file: once it has ended, or its interruption has been shown."""
        for path in (self.record, self.stop_file):
            if path is not None:
                path.unlink(missing_ok=True)


class JobBoard:
    """All jobs of this server, by key; at most one running job per key. Their records lie in
    ``folder``; those an earlier server left behind become interrupted jobs here."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._jobs: dict[str, Job] = {}
        for job in interrupted_jobs(folder):
            if job.key in self._jobs:  # two servers ended while running it: one report is enough
                self._jobs[job.key].remove_files()
            self._jobs[job.key] = job
        self._lock = threading.Lock()

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: str, title: str, task: str, **arguments: Any) -> Job:
        """Run ``task`` ("module:function", called with ``arguments`` and ``progress``) in a worker
        process, unless a job with this key is still running."""
        with self._lock:
            previous = self._jobs.get(key)
            if previous is not None and not previous.done:
                return previous
            if previous is not None:
                previous.remove_files()
            name = uuid.uuid4().hex
            job = self._jobs[key] = Job(key=key, title=title, stop_file=self.folder / f"{name}.stop",
                                        record=self.folder / f"{name}.json")
            _write_record(job)
        request = pickle.dumps({"task": task, "arguments": arguments, "stop_file": str(job.stop_file),
                                "parent": os.getpid()})
        threading.Thread(target=_supervise, args=(job, request), name=f"job {title}", daemon=True).start()
        return job

    def forget(self, key: str) -> None:
        """Drop a finished job (its result is on disk; its error has been shown)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.done:
                del self._jobs[key]
                job.remove_files()


def interrupted_jobs(folder: Path) -> list[Job]:
    """The jobs whose records outlived their server; stop files without a record go."""
    jobs = []
    for record in folder.glob("*.json"):
        document = read_json(record)
        try:
            if is_running(document["server"]):
                continue  # another server's job, running now
            key, title = str(document["key"]), str(document["title"])
        except (TypeError, KeyError):
            record.unlink(missing_ok=True)
            continue
        record.with_suffix(".stop").unlink(missing_ok=True)
        jobs.append(Job(key=key, title=title, message="interrupted", error=JobInterrupted(INTERRUPTED),
                        finished=time.monotonic(), stop_file=record.with_suffix(".stop"), record=record))
    for stop_file in folder.glob("*.stop"):
        if not stop_file.with_suffix(".json").exists():
            stop_file.unlink(missing_ok=True)
    return jobs


def process_identity(pid: int) -> dict:
    """``pid`` and when it started, so that a process which later gets the same pid is not taken for it."""
    return {"pid": pid, "started": _start_time(pid)}


def is_running(identity: dict) -> bool:
    """Whether the process that `process_identity` described still runs (a zombie has ended)."""
    started = _start_time(int(identity["pid"]))
    return started is not None and started == identity["started"]


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started ("unknown" without /proc), or None when there is no such process."""
    try:
        state, *fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if state == "Z" else fields[18]  # a zombie has ended; field 22 is its start time
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "unknown"


LEFTOVER_PREFIX = "playlist-enhancer-job-"


def remove_leftover_temp_folders(older_than: float = 24 * 3600) -> None:
    """Remove the ``playlist-enhancer-job-*`` folders that jobs used to leave in the temp folder
    (one per job, never removed). One younger than a day may still belong to a running older server."""
    for folder in Path(tempfile.gettempdir()).glob(f"{LEFTOVER_PREFIX}*"):
        with contextlib.suppress(OSError):
            if folder.is_dir() and time.time() - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder)


def _supervise(job: Job, request: bytes) -> None:
    """Start the worker, follow its progress lines, and record how it ended."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                              os.environ.get("PYTHONPATH")]))}
    log = tempfile.TemporaryFile()
    try:
        worker = subprocess.Popen([sys.executable, "-m", "dashboard.worker"], cwd=ROOT, env=environment,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        _write_record(job, worker=worker.pid)
        worker.stdin.write(request)
        worker.stdin.close()
        outcome = None
        for line in worker.stdout:
            event = json.loads(line)
            if "progress" in event:
                job.fraction, job.message = float(event["progress"]), str(event["message"])
            else:
                outcome = event
        worker.wait()
        job.error = _error_from(outcome, worker.returncode, log)
    except BaseException as error:  # the page shows it; a thread has nobody else to tell
        job.error = error
    finally:
        log.close()
        if job.error is not None and not isinstance(job.error, (JobStopped, UserError)):
            LOG.error("%s failed: %s", job.title, job.error)
        if job.error is None:
            job.fraction, job.message = 1.0, "done"
        job.remove_files()  # before it counts as done: whoever sees it done finds its files gone
        job.finished = time.monotonic()
        job.remove_files()  # and a Stop pressed in between (`Job.stop` checks done around its touch)


def _write_record(job: Job, worker: int | None = None) -> None:
    """What a later server needs to tell that this job was interrupted (and a person, which worker ran it)."""
    write_json(job.record, {"key": job.key, "title": job.title, "server": process_identity(os.getpid()),
                            "worker": None if worker is None else process_identity(worker)})


def _error_from(outcome: dict | None, returncode: int, log) -> BaseException | None:
    if outcome is not None and outcome.get("done"):
        return None
    if outcome is not None and outcome.get("stopped"):
        return JobStopped(outcome.get("message", ""))
    if outcome is not None and outcome.get("user_error"):
        return UserError(outcome["user_error"])
    if outcome is not None and outcome.get("error"):
        LOG.error("worker traceback:\n%s", outcome.get("traceback", ""))
        return JobFailed(outcome["error"])
    log.seek(0)
    tail = log.read()[-2000:].decode("utf-8", "replace")
    return JobFailed(f"the worker process ended unexpectedly (exit code {returncode}). {tail}".strip())
