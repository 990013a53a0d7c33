"""Background jobs: a worker process per job, progress while it runs, how it ended, and Stop."""

import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import work
from dashboard.jobs import JobBoard, JobFailed, JobStopped
from pipeline.errors import UserError

HERE = "tests.test_dashboard_jobs"


# ----- tasks the worker process runs (importable by name) -------------------------------------
def wait_for_release(folder: str, progress) -> None:
    progress(0.4, "fold 2 of 5")
    print("a library printing to stdout must not confuse the job")
    while not (Path(folder) / "release").exists():
        time.sleep(0.02)
    (Path(folder) / "result").write_text("stored")


def count_until_stopped(folder: str, progress) -> None:
    for step in range(10_000):
        progress(step / 10_000, f"step {step}")
        (Path(folder) / "steps").write_text(str(step))
        time.sleep(0.01)


def finish_a_fit_then_stop(folder: str, progress) -> None:
    """Like a trial's fit: it cannot be stopped mid-way, only before the next one."""
    progress(0.4, "trial 2 of 300")
    while not (Path(folder) / "release").exists():
        time.sleep(0.02)
    if progress.should_stop():
        raise JobStopped("Stopped after 1 trial.")


def divide_by_zero(progress) -> None:
    1 / 0


def refuse_politely(progress) -> None:
    raise UserError("need at least two playlists")


def vanish(progress) -> None:
    os._exit(3)


# ----- tests -------------------------------------------------------------------------------
def wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_reports_progress_while_its_worker_runs_and_ends_cleanly(tmp_path):
    board = JobBoard()
    job = board.start("k", "evaluation", f"{HERE}:wait_for_release", folder=str(tmp_path))
    wait(lambda: job.message == "fold 2 of 5")
    assert (job.fraction, job.done) == (0.4, False)
    assert board.start("k", "again", f"{HERE}:divide_by_zero") is job, "one running job per key"
    (tmp_path / "release").touch()
    wait(lambda: job.done)
    assert job.error is None and (job.fraction, job.message) == (1.0, "done")
    assert (tmp_path / "result").read_text() == "stored"


def test_stop_ends_the_work_at_its_next_progress_report(tmp_path):
    job = JobBoard().start("k", "long", f"{HERE}:count_until_stopped", folder=str(tmp_path))
    wait(lambda: (tmp_path / "steps").exists())
    job.stop()
    wait(lambda: job.done)
    assert isinstance(job.error, JobStopped) and job.stopped
    assert int((tmp_path / "steps").read_text()) < 9_999


@pytest.mark.parametrize("task, kind, words", [
    ("divide_by_zero", JobFailed, "ZeroDivisionError: division by zero"),
    ("refuse_politely", UserError, "need at least two playlists"),
    ("vanish", JobFailed, "exit code 3"),
])
def test_how_a_job_failed_is_kept_for_the_page_to_show(task, kind, words):
    job = JobBoard().start("k", task, f"{HERE}:{task}")
    wait(lambda: job.done)
    assert type(job.error) is kind and words in str(job.error)
    assert not job.stopped


def test_only_finished_jobs_are_forgotten(tmp_path):
    board = JobBoard()
    job = board.start("k", "running", f"{HERE}:wait_for_release", folder=str(tmp_path))
    board.forget("k")
    assert board.get("k") is job
    (tmp_path / "release").touch()
    wait(lambda: job.done)
    board.forget("k")
    assert board.get("k") is None


def progress_page(key: str) -> None:
    """A page that starts nothing: it shows the job ``key`` while it runs, then how it ended."""
    from dashboard import work
    work.show_failures([key])
    if work.running_jobs([key]):
        work.show_progress([key])


def test_stop_says_stopping_at_once_and_the_page_says_how_many_trials_were_kept(tmp_path):
    work.job_board.clear()
    job = work.job_board().start("tune:k", "Tuning", f"{HERE}:finish_a_fit_then_stop", folder=str(tmp_path))
    wait(lambda: job.message == "trial 2 of 300")
    at = AppTest.from_function(progress_page, args=("tune:k",)).run()
    assert "trial 2 of 300" in at.get("progress")[0].text
    at.button[0].click().run()
    assert "Stopping…" in at.get("progress")[0].text, "the bar says so before the fit has ended"
    assert at.button[0].label == "Stopping…" and at.button[0].disabled
    (tmp_path / "release").touch()
    wait(lambda: job.done)
    at.run()
    assert [i.value for i in at.info] == ["Tuning: Stopped after 1 trial."]
    assert not at.get("progress")
