"""Long work (cross-validation, Optuna studies, suggestions) on background threads.

A Streamlit script that trains for a minute freezes its page and dies on the next click. Here
the script only starts a `Job` and draws its progress; the thread keeps going across reruns,
page switches and browser reloads (the `JobBoard` outlives sessions), and a Stop button sets
an event the work checks between steps. The work itself stores its result on disk, so a
finished job needs nothing from this module afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from pipeline.errors import UserError


LOG = logging.getLogger(__name__)


class JobStopped(Exception):
    """Raised inside the work when the user pressed Stop."""


@dataclass
class Job:
    """One piece of work in flight: its progress, and how it ended."""

    key: str
    title: str
    fraction: float = 0.0
    message: str = "starting"
    result: Any = None
    error: BaseException | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)

    def report(self, fraction: float, message: str) -> None:
        """Progress callback for `pipeline` functions; raises `JobStopped` once Stop was pressed."""
        if self.stop_requested.is_set():
            raise JobStopped(self.title)
        self.fraction, self.message = min(max(float(fraction), 0.0), 1.0), str(message)

    def should_stop(self) -> bool:
        return self.stop_requested.is_set()

    def stop(self) -> None:
        self.stop_requested.set()

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def stopped(self) -> bool:
        return isinstance(self.error, JobStopped) or (self.done and self.stop_requested.is_set())

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

    def start(self, key: str, title: str, work: Callable[[Job], Any]) -> Job:
        """Run ``work(job)`` on a daemon thread, unless a job with this key is still running."""
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and not running.done:
                return running
            job = self._jobs[key] = Job(key=key, title=title)
        threading.Thread(target=_run, args=(job, work), name=f"job {title}", daemon=True).start()
        return job

    def forget(self, key: str) -> None:
        """Drop a finished job (its result is on disk; its error has been shown)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.done:
                del self._jobs[key]


def _run(job: Job, work: Callable[[Job], Any]) -> None:
    try:
        job.result = work(job)
        job.fraction, job.message = 1.0, "done"
    except BaseException as error:  # the page shows it; a thread has nobody else to tell
        job.error = error
        if not isinstance(error, (JobStopped, UserError)):
            LOG.error("%s failed", job.title, exc_info=error)
    finally:
        job.finished = time.monotonic()
