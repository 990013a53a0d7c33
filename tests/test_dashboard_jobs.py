"""Background jobs: progress while running, a result or an error at the end, and a working Stop."""

import threading

import pytest

from dashboard.jobs import JobBoard, JobStopped


def finish(job, timeout: float = 10.0):
    for _ in range(int(timeout * 100)):
        if job.done:
            return job
        threading.Event().wait(0.01)
    pytest.fail(f"job {job.title} did not finish")


def test_a_job_reports_progress_while_running_and_keeps_its_result():
    board, release = JobBoard(), threading.Event()

    def work(job):
        job.report(0.4, "fold 2 of 5")
        release.wait(5)
        return 42

    job = board.start("k", "evaluation", work)
    for _ in range(500):
        if job.message == "fold 2 of 5":
            break
        threading.Event().wait(0.01)
    assert (job.fraction, job.message, job.done) == (0.4, "fold 2 of 5", False)
    release.set()
    finish(job)
    assert (job.result, job.error, job.fraction) == (42, None, 1.0)


def test_starting_a_running_job_again_returns_the_same_job():
    board, release = JobBoard(), threading.Event()
    first = board.start("k", "one", lambda job: release.wait(5))
    second = board.start("k", "two", lambda job: pytest.fail("must not run twice"))
    assert second is first
    release.set()
    finish(first)
    third = board.start("k", "three", lambda job: "again")
    assert third is not first and finish(third).result == "again"


def test_an_error_is_kept_for_the_page_to_show():
    board = JobBoard()
    job = finish(board.start("k", "broken", lambda job: 1 / 0))
    assert isinstance(job.error, ZeroDivisionError) and not job.stopped


def test_stop_ends_the_work_at_its_next_progress_report():
    board, started, steps = JobBoard(), threading.Event(), []

    def work(job):
        for step in range(1000):
            job.report(step / 1000, f"step {step}")
            steps.append(step)
            started.set()
            threading.Event().wait(0.005)

    job = board.start("k", "long", work)
    started.wait(5)
    job.stop()
    finish(job)
    assert isinstance(job.error, JobStopped) and job.stopped
    assert len(steps) < 1000
    assert job.should_stop()


def test_only_finished_jobs_are_forgotten():
    board, release = JobBoard(), threading.Event()
    job = board.start("k", "running", lambda job: release.wait(5))
    board.forget("k")
    assert board.get("k") is job
    release.set()
    finish(job)
    board.forget("k")
    assert board.get("k") is None
