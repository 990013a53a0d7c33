"""Long work (cross-validation, Optuna studies, suggestions) in worker processes.

A Streamlit script that trains for a minute freezes its page and dies on the next click, so the
script only starts a `Job` and draws its progress. The work runs in its own Python process
(`dashboard.worker`), not a thread: Streamlit resets Keras' global state after every script run
(``keras.backend.clear_session()``), which breaks a net training on a thread meanwhile, and a
process also leaves the server's interpreter free to answer clicks on two busy cores. Jobs
outlive reruns, page switches and browser reloads (the `JobBoard` outlives sessions); Stop asks
the worker to end at its next progress report (`Job.stopping` until it has). The work stores its
own result on disk.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UserError

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


class JobStopped(Exception):
    """Raised inside the work when the user pressed Stop; its message (if any) says what was kept."""


class JobFailed(Exception):
    """The worker raised something that is not the user's to fix; the message names it."""


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

    def stop(self) -> None:
        """Ask the worker to stop at its next progress report (Optuna: before the next fit)."""
        if self.stop_file is not None and not self.done:
            self.stop_file.touch()

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
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


class JobBoard:
    """All jobs of this server, by key; at most one running job per key."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: str, title: str, task: str, **arguments: Any) -> Job:
        """Run ``task`` ("module:function", called with ``arguments`` and ``progress``) in a worker
        process, unless a job with this key is still running."""
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and not running.done:
                return running
            folder = Path(tempfile.mkdtemp(prefix="playlist-enhancer-job-"))
            job = self._jobs[key] = Job(key=key, title=title, stop_file=folder / "stop")
        request = pickle.dumps({"task": task, "arguments": arguments, "stop_file": str(job.stop_file)})
        threading.Thread(target=_supervise, args=(job, request), name=f"job {title}", daemon=True).start()
        return job

    def forget(self, key: str) -> None:
        """Drop a finished job (its result is on disk; its error has been shown)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.done:
                del self._jobs[key]


def _supervise(job: Job, request: bytes) -> None:
    """Start the worker, follow its progress lines, and record how it ended."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                              os.environ.get("PYTHONPATH")]))}
    log = tempfile.TemporaryFile()
    try:
        worker = subprocess.Popen([sys.executable, "-m", "dashboard.worker"], cwd=ROOT, env=environment,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
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
        job.finished = time.monotonic()


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
