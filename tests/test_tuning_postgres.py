"""Distributed tuning: ``tune`` processes and workers share one study on a real, private PostgreSQL server."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
import pytest

from tests.toy_libraries import track_id, write_exportify_folder

REPO = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "never-shown-7f3a"          # trust auth ignores it; it must still never be printed


def unavailable(reason: str) -> None:
    """In CI a missing server is a failure; on a developer machine the test is skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def as_server_user() -> tuple[list[str], int | None]:
    """The command prefix that runs PostgreSQL's tools (they refuse root) and the uid owning its files."""
    if os.geteuid() != 0:
        return [], None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        unavailable("running as root and there is no 'postgres' user to run the server as")
    runuser = shutil.which("runuser")
    if not runuser:
        unavailable("running as root and 'runuser' is missing, so the server cannot run as 'postgres'")
    return [runuser, "-u", "postgres", "--"], uid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway cluster on 127.0.0.1 only (trust auth), with an empty ``studies`` database."""
    if not (PG_BIN / "initdb").exists():
        unavailable(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing); scripts/test.sh installs it")
    prefix, uid = as_server_user()
    base = Path(tempfile.mkdtemp(prefix="pe-pg-"))          # not under pytest's root-only tmp folders
    if uid is not None:
        os.chown(base, uid, -1)
    data, sockets, port = base / "data", base / "sock", free_port()

    def tool(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, cwd=base)

    sockets.mkdir()
    if uid is not None:
        os.chown(sockets, uid, -1)
    made = tool(str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "--no-sync",
                "-E", "UTF8", "--locale=C")
    assert made.returncode == 0, made.stderr
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sockets} -c fsync=off"
    started = tool(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
                   "-o", options, "start")
    try:
        assert started.returncode == 0, started.stdout + started.stderr + (base / "server.log").read_text()
        created = tool(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "studies")
        assert created.returncode == 0, created.stderr
        yield f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{port}/studies"
    finally:
        tool(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def library_folder(tmp_path) -> Path:
    songs = [{"id": track_id(n), "name": f"Song {n}", "artist": f"Band {n % 4}", "energy": (n % 10) / 10,
              "danceability": (n % 3) / 3} for n in range(36)]
    return write_exportify_folder(tmp_path / "export", {"calm": songs[:18], "loud": songs[18:30],
                                                        "odd": songs[30:], "liked": songs[::5]})


def environment(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYLIST_ENHANCER_", "PG", "PYTHONPATH"))}
    env["PLAYLIST_ENHANCER_DATA_DIR"] = str(tmp_path / "user-data")
    return env


def tune_command(library_folder: Path, postgres_url: str, study: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "tune", "--library", str(library_folder), "--model", "logreg",
            "--strategy", "class_weights", "--storage", postgres_url, "--study", study, *flags]


def parameter_sets(trials) -> list[tuple]:
    return [tuple(sorted(trial.params.items())) for trial in trials]


def describe(trials) -> str:
    """One line per trial, for an assertion's message: who ran it, when, and how it ended."""
    return "\n".join(f"{t.number} {t.state.name} {t.user_attrs} {t.datetime_start} {t.datetime_complete}"
                     for t in trials)


def assert_exactly_finished(study: optuna.Study, asked: int) -> list[optuna.trial.FrozenTrial]:
    """The study holds exactly ``asked`` finished trials, none left running; any other trial is one that
    two workers started for one place and that ended as ``surplus`` (FAIL). Returns the finished ones."""
    finished_states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    finished = [t for t in study.trials if t.state in finished_states]
    others = [t for t in study.trials if t.state not in finished_states]
    assert len(finished) == asked, describe(study.trials)
    assert all(t.state == optuna.trial.TrialState.FAIL and t.user_attrs.get("surplus") for t in others), \
        describe(study.trials)
    assert sorted(t.number for t in study.trials) == list(range(len(study.trials)))
    return finished


def test_two_tune_processes_fill_one_study_on_a_fresh_database(postgres_url, library_folder, tmp_path):
    command = [sys.executable, "-m", "pipeline", "tune", "--library", str(library_folder), "--model", "knn",
               "--strategy", "class_weights", "--trials", "6", "--folds", "2", "--storage", postgres_url,
               "--study", "shared"]
    # both start on an empty database, so both race to create Optuna's tables
    workers = [subprocess.Popen(command, cwd=REPO, env=environment(tmp_path), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (stdout, stderr) in zip(workers, outputs):
        assert worker.returncode == 0, stderr
        assert PASSWORD not in stdout + stderr and '"storage": "postgresql+psycopg://postgres:***@' in stdout

    study = optuna.load_study(study_name="shared", storage=postgres_url)
    assert_exactly_finished(study, 6)
    assert study.user_attrs["config"]["model"] == "knn"
    assert {"n_neighbors", "class_weight_power"} <= set(study.best_params)


def test_two_workers_finish_exactly_the_trials_asked_for_and_never_the_same_parameters(
        postgres_url, library_folder, tmp_path):
    done = subprocess.run(tune_command(library_folder, postgres_url, "pair", "--trials", "6", "--folds", "2",
                                       "--workers", "2"),
                          cwd=REPO, env=environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["n_trials"] == 6 and summary["best_value"] is not None
    talking = set(re.findall(r"^worker (\d+): trial \d/6  best", done.stderr, flags=re.MULTILINE))
    assert len(talking) == 2, "each worker's progress lines are whole lines, named by its pid"

    study = optuna.load_study(study_name="pair", storage=postgres_url)
    finished = assert_exactly_finished(study, 6)
    assert len(set(parameter_sets(finished))) == 6, "no two trials tried the same parameters"
    assert len({t.user_attrs["worker"] for t in finished}) == 2, "both workers ran trials"
    assert len({t.user_attrs["sampler_seed"] for t in finished}) == 6
    assert study.user_attrs["seed"] == 0


def wait_for_a_trial_halfway(study_name: str, postgres_url: str, tuning: subprocess.Popen) -> optuna.trial.FrozenTrial:
    """A running trial that has reported its first fold (two more to go), once another has completed."""
    while tuning.poll() is None:
        try:
            trials = optuna.load_study(study_name=study_name, storage=postgres_url).trials
        except KeyError:
            trials = []
        complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
        halfway = [t for t in trials if t.state == optuna.trial.TrialState.RUNNING and len(t.intermediate_values) == 1
                   and "worker" in t.user_attrs]
        if complete and halfway:
            return halfway[0]
        time.sleep(0.02)
    raise AssertionError(f"the study ended before a worker could be killed: {tuning.stderr.read()}")


def test_a_worker_killed_mid_trial_leaves_a_study_the_other_finishes(postgres_url, library_folder, tmp_path):
    tuning = subprocess.Popen(tune_command(library_folder, postgres_url, "killed", "--trials", "6", "--folds", "3",
                                           "--workers", "2", "--heartbeat", "1"),
                              cwd=REPO, env=environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    victim = wait_for_a_trial_halfway("killed", postgres_url, tuning)
    pid = int(victim.user_attrs["worker"].rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)
    kept = {t.number: t.value for t in optuna.load_study(study_name="killed", storage=postgres_url).trials
            if t.state == optuna.trial.TrialState.COMPLETE}
    stdout, stderr = tuning.communicate(timeout=300)
    assert tuning.returncode == 0, stderr
    assert f"worker {pid} was killed by signal 9" in stderr

    study = optuna.load_study(study_name="killed", storage=postgres_url)
    by_number = {t.number: t for t in study.trials}
    assert by_number[victim.number].state == optuna.trial.TrialState.FAIL, "its heartbeat stopped: failed, not running"
    assert all(by_number[number].value == value for number, value in kept.items()), "every completed trial kept"
    finished = study.get_trials(states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED))
    assert len(finished) == 6 and not study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    retried = [t for t in finished if t.system_attrs.get("failed_trial") == victim.number]
    assert len(retried) == 1 and retried[0].params == victim.params, "the lost trial ran again"
    assert json.loads(stdout)["best_value"] == study.best_value >= max(kept.values())
