"""Background jobs: a worker process per job, progress while it runs, how it ended, and Stop."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import results_store, work
from dashboard.jobs import JobBoard, JobFailed, JobStopped, is_running, process_identity
from pipeline.errors import UserError
from tests.test_dashboard_apptest import ROOT, fresh_server  # noqa: F401 - a private data folder per test

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


def fit_for_minutes(folder: str, progress) -> None:
    """Like one long fit: it reports nothing for minutes, so no broken pipe tells it the server is gone."""
    (Path(folder) / "fitting").touch()
    time.sleep(600)


# ----- tests -------------------------------------------------------------------------------
def wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_reports_progress_while_its_worker_runs_and_ends_cleanly(tmp_path):
    board = JobBoard(tmp_path / "jobs")
    job = board.start("k", "evaluation", f"{HERE}:wait_for_release", folder=str(tmp_path))
    wait(lambda: job.message == "fold 2 of 5")
    assert (job.fraction, job.done) == (0.4, False)
    assert board.start("k", "again", f"{HERE}:divide_by_zero") is job, "one running job per key"
    (tmp_path / "release").touch()
    wait(lambda: job.done)
    assert job.error is None and (job.fraction, job.message) == (1.0, "done")
    assert (tmp_path / "result").read_text() == "stored"


def test_stop_ends_the_work_at_its_next_progress_report(tmp_path):
    job = JobBoard(tmp_path / "jobs").start("k", "long", f"{HERE}:count_until_stopped", folder=str(tmp_path))
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
def test_how_a_job_failed_is_kept_for_the_page_to_show(task, kind, words, tmp_path):
    job = JobBoard(tmp_path / "jobs").start("k", task, f"{HERE}:{task}")
    wait(lambda: job.done)
    assert type(job.error) is kind and words in str(job.error)
    assert not job.stopped


def test_only_finished_jobs_are_forgotten(tmp_path):
    board = JobBoard(tmp_path / "jobs")
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


@pytest.mark.parametrize("ending, task", [("finished", "wait_for_release"), ("stopped", "count_until_stopped")])
def test_a_job_that_ended_leaves_no_files_behind(ending, task, tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    jobs = tmp_path / "jobs"
    job = JobBoard(jobs).start("k", ending, f"{HERE}:{task}", folder=str(tmp_path))
    wait(lambda: job.message != "starting")
    assert [p.suffix for p in jobs.iterdir()] == [".json"], "its record, while it runs"
    if ending == "stopped":
        job.stop()
    (tmp_path / "release").touch()
    wait(lambda: job.done)
    assert job.stopped == (ending == "stopped")
    assert not list(jobs.iterdir())
    assert not list(temp.iterdir()), "no playlist-enhancer-job-* folder in the temp folder"


def test_a_new_server_removes_the_empty_job_folders_older_versions_left_in_the_temp_folder(tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    for name in ("playlist-enhancer-job-a1b2c3", "playlist-enhancer-job-d4e5f6", "someone-elses-folder"):
        (temp / name).mkdir()
        os.utime(temp / name, (time.time() - 3 * 24 * 3600,) * 2)
    (temp / "playlist-enhancer-job-just-made").mkdir()  # perhaps an older server's running job
    work.job_board()
    assert sorted(p.name for p in temp.iterdir()) == ["playlist-enhancer-job-just-made", "someone-elses-folder"]


def start_a_server_running(task: str, folder: Path) -> subprocess.Popen:
    """Another Python process, standing in for a `streamlit run` server, with one job on a board in the
    test's jobs folder; it returns once the job's worker is busy."""
    script = ("import sys, time; from pathlib import Path; from dashboard.jobs import JobBoard; "
              f"JobBoard(Path(sys.argv[1])).start('evaluate:k', 'Evaluation', '{HERE}:{task}', folder=sys.argv[2]); "
              "time.sleep(600)")
    server = subprocess.Popen([sys.executable, "-c", script, str(results_store.jobs_folder()), str(folder)], cwd=ROOT)
    wait(lambda: (folder / "fitting").exists())
    return server


def test_a_job_whose_server_ended_is_reported_interrupted_and_its_worker_ends_with_the_server(tmp_path):
    server = start_a_server_running("fit_for_minutes", tmp_path)
    try:
        [record] = [json.loads(p.read_text()) for p in results_store.jobs_folder().glob("*.json")]
        assert is_running(record["worker"])
        server.send_signal(signal.SIGKILL)  # a crash; a restart ends it more gently
        server.wait(30)
    finally:
        server.kill()
    wait(lambda: not is_running(record["worker"]))

    at = AppTest.from_function(progress_page, args=("evaluate:k",)).run()
    assert [w.value for w in at.warning] == ["Evaluation: the server restarted while this ran; start it again."]
    assert not at.get("progress")
    at.run()
    assert not at.warning, "said once, like a failure"
    assert not list(results_store.jobs_folder().iterdir())


def test_a_running_job_of_another_live_server_is_not_taken_for_an_interrupted_one(tmp_path):
    running = JobBoard(tmp_path / "jobs").start("k", "evaluation", f"{HERE}:wait_for_release", folder=str(tmp_path))
    assert JobBoard(tmp_path / "jobs").get("k") is None
    (tmp_path / "release").touch()
    wait(lambda: running.done)
    assert running.error is None


WATCHER = ("import os, sys, time; sys.platform = 'darwin'; from dashboard.worker import die_with; "
           "die_with(os.getppid(), poll_seconds=0.05); print(os.getpid(), flush=True); time.sleep(600)")


def test_where_the_kernel_does_not_end_a_worker_with_its_server_the_worker_notices_itself():
    spawn = ("import subprocess, sys, time; "
             f"child = subprocess.Popen([sys.executable, '-c', {WATCHER!r}], stdout=subprocess.PIPE); "
             "print(child.stdout.readline().decode().strip(), flush=True); time.sleep(600)")
    server = subprocess.Popen([sys.executable, "-c", spawn], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        worker = process_identity(int(server.stdout.readline()))
        assert is_running(worker)
        server.send_signal(signal.SIGKILL)
        server.wait(30)
    finally:
        server.kill()
    wait(lambda: not is_running(worker))
