"""``python -m dashboard.worker``: run one job for `dashboard.jobs`, then exit.

Reads a pickled request on stdin (``task`` as "module:function", its ``arguments``, and the
``stop_file`` whose appearance means Stop), calls the task with a ``progress`` reporter, and
writes JSON lines to stdout: ``{"progress", "message"}`` while it runs, then exactly one of
``{"done"}``, ``{"stopped", "message"}``, ``{"user_error"}`` or ``{"error", "traceback"}``.
The worker ends when the server (the request's ``parent``) does, so no work goes on unwatched after
a restart. Nothing here imports Streamlit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import json
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from dashboard.jobs import JobStopped
from pipeline.errors import UserError


class Progress:
    """What a task calls: ``progress(fraction, message)`` and ``progress.should_stop()``."""

    def __init__(self, stop_file: str, stream=sys.stdout) -> None:
        self.stop_file, self.stream = Path(stop_file), stream

    def should_stop(self) -> bool:
        return self.stop_file.exists()

    def __call__(self, fraction: float, message: str) -> None:
        """Report progress; raises `JobStopped` once Stop was pressed."""
        if self.should_stop():
            raise JobStopped()
        self.send(progress=min(max(float(fraction), 0.0), 1.0), message=str(message))

    def send(self, **event) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()


def run(request: dict, progress: Progress) -> None:
    module, _, name = request["task"].partition(":")
    task = getattr(importlib.import_module(module), name)
    try:
        task(**request["arguments"], progress=progress)
        progress.send(done=True)
    except JobStopped as stopped:
        progress.send(stopped=True, message=str(stopped))
    except UserError as error:
        progress.send(user_error=str(error))
    except Exception as error:  # noqa: BLE001 - reported to the page, traceback to the server log
        progress.send(error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc())


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with(parent: int, poll_seconds: float = 1.0) -> None:
    """End this process when ``parent`` ends: at once on Linux (the kernel sends SIGKILL when the
    server dies), and on any system within ``poll_seconds`` (it is no longer our parent then)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the poll below still ends it
    if os.getppid() != parent:  # it ended before we asked
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="watch the server", daemon=True).start()


def main() -> None:
    request = pickle.loads(sys.stdin.buffer.read())
    die_with(request["parent"])
    # Libraries that print (Keras progress bars, Optuna) must not corrupt the JSON lines.
    events, sys.stdout = sys.stdout, sys.stderr
    run(request, Progress(request["stop_file"], events))


if __name__ == "__main__":
    main()
