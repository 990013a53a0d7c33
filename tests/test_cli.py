"""The command line end to end: ``python -m pipeline ...`` run from the repository root, as a user would."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from pipeline.__main__ import build_parser
from pipeline.cli.common import config_from
from pipeline.config import ConfigError
from pipeline.csv_export import to_csv_bytes
from pipeline.recommended import recommended_config
from pipeline.sources import load_library
from pipeline.suggest import COLUMNS, suggest
from pipeline.tuning import config_from_study
from tests.toy_libraries import track_id, write_exportify_folder

REPO = Path(__file__).resolve().parents[1]
SCORES = {"accuracy", "top3", "macro_f1", "balanced_accuracy", "macro_ap", "skew", "brier", "ece"}
DEADDA7A = "exportify-deadda7a-2021"


@pytest.fixture(scope="module")
def user_data(tmp_path_factory) -> Path:
    """A private user data folder, so no default study store of the real user is read or written."""
    return tmp_path_factory.mktemp("user-data")


def run_cli(*args: str, data_dir: Path, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYLIST_ENHANCER_", "PYTHONPATH"))}
    env["PLAYLIST_ENHANCER_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def ok_json(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def user_error(result: subprocess.CompletedProcess) -> str:
    """The one error line of a run that failed on bad input (exit 2, no traceback)."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    return errors[0]


def both(first, second):
    """Run two independent CLI calls side by side (each waits on its own subprocess)."""
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.submit(first), pool.submit(second)
        return one.result(), two.result()


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# ----- evaluate -------------------------------------------------------------------------------
def evaluate_json(library: str, model: str, strategy: str, data_dir: Path, *extra: str) -> dict:
    data = ok_json(run_cli("evaluate", "--library", library, "--model", model, "--strategy", strategy,
                           "--folds", "3", "--json", *extra, data_dir=data_dir))
    assert data["config"]["model"] == model and data["config"]["strategy"] == strategy
    assert set(data["metrics"]) == set(data["baseline"]) == SCORES
    assert set(data["backtest"]) == {"n", "accuracy", "top3", "macro_ap", "brier", "ece"}
    if "--no-calibration" in extra:
        assert data["calibrated"] is None and data["threshold_checks"] == []
    else:
        assert set(data["calibrated"]) == SCORES and set(data["calibrated_backtest"]) == set(data["backtest"])
        assert [c["min_precision"] for c in data["threshold_checks"]] == [0.7, 0.8, 0.9]
    return data


@pytest.mark.parametrize("model, strategy, extra", [
    ("logreg", "class_weights", []),
    ("xgboost", "smote", ["--params", '{"n_estimators": 15, "n_jobs": 1}', "--encoding", "artist=drop,genres=off",
                          "--no-calibration"]),
])
def test_evaluate_on_the_demo_prints_scores_beside_the_baseline(user_data, model, strategy, extra):
    data = evaluate_json("demo", model, strategy, user_data, *extra)
    assert data["leaky"] is False
    assert len(data["per_playlist"]) == 33 and data["backtest"]["n"] == 306
    assert data["metrics"]["macro_ap"] > 3 * data["baseline"]["macro_ap"]
    assert data["metrics"]["top3"] > data["baseline"]["top3"]


def test_evaluate_on_a_real_export_flags_the_leaky_run_and_its_inflated_scores(shared_data, user_data):
    export = str(shared_data(DEADDA7A))
    audio_and_year = ("--encoding", "artist=drop,genres=off", "--no-calibration")  # rankings are the point here
    honest, leaky = both(lambda: evaluate_json(export, "logreg", "none", user_data, *audio_and_year),
                         lambda: evaluate_json(export, "logreg", "leaky", user_data, *audio_and_year))
    assert (honest["leaky"], leaky["leaky"]) == (False, True)
    # liked.csv is the liked list, not a thirteenth playlist; 256 liked songs sit in playlists already
    assert len(honest["per_playlist"]) == 12 and honest["backtest"]["n"] == 256
    assert honest["metrics"]["macro_ap"] > honest["baseline"]["macro_ap"] + 0.2
    assert leaky["metrics"]["macro_ap"] > honest["metrics"]["macro_ap"] + 0.1


def test_evaluate_without_json_prints_a_table_that_flags_leaky_scores(user_data):
    result = run_cli("evaluate", "--library", "demo", "--model", "dummy", "--strategy", "leaky", "--folds", "2",
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    assert "LEAKY: scores inflated" in result.stdout.splitlines()[0]
    assert "backtest on 306 liked songs already filed" in result.stdout
    assert "[100%] done" in result.stderr


def test_without_flags_the_cli_runs_the_recommended_configuration():
    args = build_parser().parse_args(["evaluate", "--library", "demo", "--seed", "3"])
    assert config_from(args) == recommended_config(seed=3)
    args = build_parser().parse_args(["evaluate", "--library", "demo", "--model", "knn"])
    # another model does not inherit logreg's params, only the strategy's own (as the sidebar keeps it)
    assert config_from(args).param_dict == {"class_weight_power": recommended_config().param_dict["class_weight_power"]}
    args = build_parser().parse_args(["evaluate", "--library", "demo", "--model", "knn", "--strategy", "oversample"])
    assert config_from(args).param_dict == {}
    args = build_parser().parse_args(["evaluate", "--library", "demo", "--params", "[1, 2]"])
    with pytest.raises(ConfigError, match="--params must be a JSON object"):
        config_from(args)


# ----- tune and suggest -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def study(tmp_path_factory, user_data) -> tuple[str, str, list[dict]]:
    """A logreg + class weights study tuned in two sittings: to 3 trials, then to 5; then asked for 5 again."""
    storage = f"sqlite:///{tmp_path_factory.mktemp('studies') / 's.db'}"
    command = ["tune", "--library", "demo", "--model", "logreg", "--strategy", "class_weights",
               "--encoding", "artist=drop,genres=off", "--folds", "2", "--storage", storage, "--study", "cli-study"]
    outputs = [ok_json(run_cli(*command, "--trials", trials, data_dir=user_data)) for trials in ("3", "5", "5")]
    return "cli-study", storage, outputs


def test_tune_resumes_the_named_study_and_prints_the_best_parameters(study):
    name, storage, (first, second, third) = study
    assert (first["study_name"], second["study_name"]) == (name, name)
    assert (first["n_trials"], second["n_trials"]) == (3, 5), "--trials is what the study holds, not more"
    assert third == second, "a study that holds the trials asked for runs nothing"
    assert set(second["best_params"]) == {"C", "class_weight_power"}
    assert second["best_value"] >= first["best_value"]
    assert second["storage"] == storage


def test_tune_help_says_what_trials_and_workers_mean(user_data):
    text = " ".join(run_cli("tune", "--help", data_dir=user_data).stdout.split())
    assert "finished (complete or pruned) trials the study should hold" in text
    assert "counting the trials of every worker on every machine" in text
    assert "run the same command on other machines to add theirs" in text


def test_several_workers_on_sqlite_say_they_wait_for_each_others_writes_and_fill_the_study(tmp_path, user_data):
    songs = [{"id": track_id(n), "name": f"S{n}", "artist": f"A{n % 3}", "energy": (n % 10) / 10} for n in range(30)]
    folder = write_exportify_folder(tmp_path / "export", {"a": songs[:15], "b": songs[15:], "liked": songs[::4]})
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    result = run_cli("tune", "--library", str(folder), "--model", "logreg", "--strategy", "none", "--folds", "2",
                     "--trials", "6", "--workers", "2", "--storage", storage, "--json", data_dir=user_data)
    summary = ok_json(result)
    assert "note: 2 workers on a SQLite file: they fit side by side, but SQLite lets one process write at a time" \
        in result.stderr
    assert "need a database server (--storage postgresql+psycopg://...)" in result.stderr
    assert summary["n_trials"] == 6 and {t["state"] for t in summary["trials"]} <= {"COMPLETE", "PRUNED"}
    assert len({t["worker"] for t in summary["trials"]}) == 2, "both workers ran trials"
    alone = run_cli("tune", "--library", str(folder), "--model", "logreg", "--strategy", "none", "--folds", "2",
                    "--trials", "1", "--storage", f"sqlite:///{tmp_path / 'alone.db'}", data_dir=user_data)
    assert alone.returncode == 0 and "note:" not in alone.stderr, "one worker: nothing to say"


def has_ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except FileNotFoundError:
        return True


def workers_once_running(storage: str, tuning: subprocess.Popen) -> set[int]:
    """The pids of the workers, once two have each started a trial and one trial has finished."""
    import optuna
    from pipeline.study_storage import open_storage  # it waits out the CLI creating the tables meanwhile
    while tuning.poll() is None:
        opened = open_storage(storage) if Path(storage[10:]).exists() else None
        summaries = optuna.get_all_study_summaries(opened) if opened else []
        if summaries:
            trials = optuna.load_study(study_name=summaries[0].study_name, storage=opened).trials
            pids = {int(t.user_attrs["worker"].rsplit(":", 1)[1]) for t in trials if "worker" in t.user_attrs}
            if len(pids) == 2 and any(t.state.is_finished() for t in trials):
                return pids
        time.sleep(0.1)
    raise AssertionError(f"the workers ended first: {tuning.communicate()}")


@pytest.mark.parametrize("end", ["ctrl-c", "parent killed"])
def test_workers_end_with_their_parent_and_leave_no_trial_running(tmp_path, user_data, end):
    import optuna
    songs = [{"id": track_id(n), "name": f"S{n}", "artist": f"A{n % 3}", "energy": (n % 10) / 10} for n in range(30)]
    folder = write_exportify_folder(tmp_path / "export", {"a": songs[:15], "b": songs[15:], "liked": songs[::4]})
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLAYLIST_ENHANCER_", "PYTHONPATH"))}
    env["PLAYLIST_ENHANCER_DATA_DIR"] = str(user_data)
    tuning = subprocess.Popen([sys.executable, "-m", "pipeline", "tune", "--library", str(folder), "--model", "logreg",
                               "--folds", "3", "--trials", "500", "--workers", "2", "--storage", storage],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = workers_once_running(storage, tuning)
    tuning.send_signal(signal.SIGINT if end == "ctrl-c" else signal.SIGKILL)
    stdout, stderr = tuning.communicate(timeout=120)
    while not all(has_ended(pid) for pid in pids):   # orphans would tune on for ever
        time.sleep(0.1)
    if end == "ctrl-c":
        assert tuning.returncode == 130 and stderr.rstrip().endswith("interrupted")
        assert "Traceback" not in stderr, "a planned ending is no failure to report"
    study, = optuna.get_all_study_summaries(storage)
    states = {t.state for t in optuna.load_study(study_name=study.study_name, storage=storage).trials}
    assert optuna.trial.TrialState.RUNNING not in states, "each worker stopped its trial before its next fit"


def test_tune_refuses_zero_workers_or_trials(user_data):
    for flag in ("--workers", "--trials"):
        result = run_cli("tune", "--library", "demo", "--trials", "3", flag, "0", data_dir=user_data)
        assert result.returncode == 2 and f"argument {flag}: takes a whole number of at least 1, not '0'" in result.stderr


def test_suggest_writes_the_recommended_columns_per_playlist(tmp_path, user_data):
    out = tmp_path / "suggestions.csv"
    result = run_cli("suggest", "--library", "demo", "--out", str(out), data_dir=user_data)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == COLUMNS
    assert (frame.groupby("playlist_id").size() == 25).all() and frame["playlist_id"].nunique() == 33
    assert f"{len(frame):,} suggestions from Logistic regression" in result.stderr


def test_suggest_per_track_gives_each_liked_song_exactly_that_many_rows(tmp_path, user_data):
    out = tmp_path / "suggestions.csv"
    result = run_cli("suggest", "--library", "demo", "--model", "knn", "--out", str(out), "--per-track", "3",
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    counts = frame.groupby("track_id").size()
    assert len(counts) == 697 and (counts == 3).all()
    assert "K nearest neighbours" in result.stderr


def test_suggest_with_a_study_uses_its_best_configuration(tmp_path, user_data, study):
    name, storage, _ = study
    out = tmp_path / "suggestions.csv"
    result = run_cli("suggest", "--library", "demo", "--study", name, "--storage", storage, "--out", str(out),
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    config = config_from_study(name, storage)
    assert config.param_dict.keys() == {"C", "class_weight_power"}
    expected = to_csv_bytes(suggest(load_library("demo"), config, per_playlist=25))
    assert out.read_bytes() == expected


def test_suggest_per_track_all_escapes_names_a_spreadsheet_would_run_as_formulas(tmp_path, user_data):
    evil = '=HYPERLINK("http://evil.example","click")'
    songs = [{"id": track_id(n), "name": f"Song {n}", "artist": f"Band {n % 3}", "energy": 0.1 * n}
             for n in range(9)]
    folder = write_exportify_folder(tmp_path / "export", {
        "+calm": songs[:3], "loud": songs[3:6], "mid": songs[6:],
        "liked": [{"id": track_id(10), "name": evil, "artist": "@attacker", "energy": 0.5}, songs[0]]})
    out = tmp_path / "suggestions.csv"
    result = run_cli("suggest", "--library", str(folder), "--out", str(out), "--per-track", "all",
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    assert len(rows) == 2 * 3                                  # every liked song with every playlist
    assert list(rows[0]) == COLUMNS
    evil_rows = [r for r in rows if r["track_id"] == track_id(10)]
    assert {r["track_name"] for r in evil_rows} == {"'" + evil}
    assert {r["artists"] for r in evil_rows} == {"'@attacker"}
    assert {r["playlist"] for r in rows} == {"'+calm", "loud", "mid"}
    filed = [r for r in rows if r["track_id"] == track_id(0)]
    assert [r["already_in_playlist"] for r in filed if r["playlist"] == "'+calm"] == ["True"]


def test_suggest_with_a_minimum_precision_holds_back_songs_that_fit_no_playlist(tmp_path, user_data):
    out = tmp_path / "suggestions.csv"
    result = run_cli("suggest", "--library", "demo", "--out", str(out), "--per-track", "1", "--min-precision", "0.9",
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    held_back = frame[frame["decision"] == "fits_none"]
    assert len(frame) == 697 and frame["track_id"].is_unique and 0 < len(held_back) < len(frame)
    assert (held_back["playlist"] == "").all()
    assert f"{len(held_back):,} liked songs fit none of your playlists" in result.stderr
    threshold = float(result.stderr.split("confidence >= ")[1].split(":")[0])
    suggested = frame[frame["decision"] == "suggest"]
    assert suggested["score"].min() >= threshold - 5e-4 > held_back["score"].max() - 1e-3
    assert "of suggestions were right on held-out songs" in result.stderr


@pytest.mark.parametrize("flags, message", [
    (["--min-precision", "80"], "the minimum precision is a share between 0 and 1, not 80.0"),
    (["--min-confidence", "-0.1"], "the minimum confidence is a share between 0 and 1, not -0.1"),
])
def test_suggest_refuses_a_threshold_outside_zero_to_one(tmp_path, user_data, flags, message):
    line = user_error(run_cli("suggest", "--library", "demo", "--out", str(tmp_path / "x.csv"), *flags,
                              data_dir=user_data))
    assert line == f"error: {message}"


# ----- info from a clean checkout ----------------------------------------------------------------
def test_info_runs_from_a_copy_of_only_the_tracked_files(tmp_path, user_data):
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    clone = tmp_path / "clone"
    for name in filter(None, tracked.decode().split("\0")):
        source = REPO / name
        if source.is_file():                                   # a tracked file deleted in the work tree
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    data = ok_json(run_cli("info", "--library", "demo", "--json", data_dir=user_data, cwd=clone))
    assert data["playlists"] == 33 and data["memberships"] == 2365 and data["feature_coverage"] == 1.0
    where = subprocess.run([sys.executable, "-c", "import pipeline; print(pipeline.__file__)"], cwd=clone,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                           capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(clone)


# ----- errors ------------------------------------------------------------------------------------
def test_an_unknown_model_is_rejected_by_argparse_with_the_choices(user_data):
    line = user_error(run_cli("evaluate", "--library", "demo", "--model", "svm", data_dir=user_data))
    assert "argument --model: invalid choice: 'svm'" in line and "logreg" in line


@pytest.mark.parametrize("params, message", [
    ("{bad", "error: --params is not valid JSON"),
    ('{"C": -1}', "error: bad parameters for model 'logreg': The 'C' parameter"),
])
def test_bad_params_are_one_line_errors(user_data, params, message):
    line = user_error(run_cli("evaluate", "--library", "demo", "--params", params, "--folds", "2", "--json",
                              data_dir=user_data))
    assert line.startswith(message)


def test_a_library_with_one_playlist_says_two_are_needed(tmp_path, user_data):
    folder = write_exportify_folder(tmp_path / "one", {"only": [{"id": track_id(n), "name": f"S{n}",
                                                                 "artist": "A"} for n in range(5)]})
    line = user_error(run_cli("evaluate", "--library", str(folder), "--json", data_dir=user_data))
    assert line == "error: need at least two playlists to learn from, found 1"


def test_a_missing_library_path_names_the_path(tmp_path, user_data):
    missing = tmp_path / "no-such-export"
    line = user_error(run_cli("info", "--library", str(missing), data_dir=user_data))
    assert line == f"error: no such file or folder: {missing}"


def test_a_study_storage_that_cannot_be_reached_is_an_error_without_the_password(tmp_path, user_data):
    songs = [{"id": track_id(n), "name": f"S{n}", "artist": "A"} for n in range(6)]
    folder = write_exportify_folder(tmp_path / "export", {"a": songs[:3], "b": songs[3:]})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli("tune", "--library", str(folder), "--model", "knn", "--trials", "1",
                     "--storage", f"postgresql+psycopg://tuner:hunter2-secret@127.0.0.1:{port}/studies",
                     data_dir=user_data)
    line = user_error(result)
    assert line.startswith("error: cannot open the study storage postgresql+psycopg://tuner:***@127.0.0.1")
    assert "hunter2-secret" not in result.stderr + result.stdout


def test_suggest_for_a_library_without_liked_songs_says_so(tmp_path, user_data):
    songs = [{"id": track_id(n), "name": f"S{n}", "artist": "A"} for n in range(6)]
    folder = write_exportify_folder(tmp_path / "export", {"a": songs[:3], "b": songs[3:]})
    line = user_error(run_cli("suggest", "--library", str(folder), "--out", str(tmp_path / "x.csv"),
                              data_dir=user_data))
    assert "no liked songs, so there is nothing to suggest" in line
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("source, message", [
    ("~nosuchuser/x", "error: no such file or folder: ~nosuchuser/x (no user by that name here)"),
    ("a" * 300 + ".csv", "error: cannot open " + "a" * 80 + ": File name too long"),
])
def test_a_library_path_that_cannot_exist_is_one_clean_error(user_data, source, message):
    assert user_error(run_cli("info", "--library", source, data_dir=user_data)) == message


def test_a_named_pipe_or_a_device_as_the_library_is_refused_without_reading_it(tmp_path, user_data):
    import os
    pipe, zeros = tmp_path / "x.csv", tmp_path / "zeros.csv"
    os.mkfifo(pipe)
    zeros.symlink_to("/dev/zero")
    for path in (pipe, zeros):
        line = user_error(run_cli("info", "--library", str(path), data_dir=user_data, timeout=60))
        assert line == f"error: {path}: not a regular file or folder"


# ----- Spotify set-up guide -----------------------------------------------------------------------
def test_fetch_without_spotify_settings_names_a_setup_guide_that_exists(tmp_path):
    import re
    from pipeline.spotify import settings
    from tests.fakes.fixtures import run_cli as run_cli_clean  # no SPOTIFY_* variables, HOME without secrets

    done = run_cli_clean("fetch", "--out", str(tmp_path / "mine"), cwd=tmp_path,
                         env={"PLAYLIST_ENHANCER_DATA_DIR": str(tmp_path / "data")})

    line = user_error(done)
    assert line.startswith("error: Spotify is not set up")
    guide = REPO / re.search(r"see (\S+\.md)", line).group(1)
    assert guide.is_file(), f"{guide} is named in the message"
    text = guide.read_text(encoding="utf-8")
    assert "http://127.0.0.1:8501/" in text and "User Management" in text and "invalid_grant" in text
    read_by_the_code = set(re.findall(r'"(SPOTIFY_[A-Z_]+)"', Path(settings.__file__).read_text()))
    assert set(re.findall(r"SPOTIFY_[A-Z_]+", text)) <= read_by_the_code, "the guide names only variables we read"


def test_misfits_lists_playlist_songs_that_fit_another_playlist_better_surest_first(tmp_path, user_data):
    from pipeline.misfits import COLUMNS as MISFIT_COLUMNS
    from pipeline.sources.demo import demo_library
    out = tmp_path / "misfits.csv"
    result = run_cli("misfits", "--library", "demo", "--out", str(out), "--folds", "3", data_dir=user_data)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == MISFIT_COLUMNS and len(frame) > 0
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert (frame["score_there"] > frame["score_here"]).all()
    assert list(frame["margin"]) == sorted(frame["margin"], reverse=True)
    members = set(zip(demo_library().memberships["playlist_id"], demo_library().memberships["track_id"]))
    assert all((p, t) in members for p, t in zip(frame["playlist_id"], frame["track_id"])), "songs already there"
    assert not any((p, t) in members for p, t in zip(frame["better_playlist_id"], frame["track_id"]))
    first = frame.iloc[0]
    assert f"{first['track_name']} in {first['playlist']} fits {first['better_playlist']} better" in result.stderr


def test_discover_proposes_new_playlists_that_the_export_can_create(tmp_path, user_data):
    from pipeline.spotify.export import read_suggestions, select_suggestions
    out = tmp_path / "new"
    result = run_cli("discover", "--library", "demo", "--out", str(out), "--min-precision", "0.9",
                     data_dir=user_data)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    proposals = summary["proposals"]
    assert proposals and summary["leftovers"] > sum(p["songs"] for p in proposals)
    table = read_suggestions(out / "new_playlists.csv")
    for proposal in proposals:
        chosen = select_suggestions(table, proposal["name"])
        assert len(chosen) == proposal["songs"]
        assert [s.track_id for s in chosen[:5]] == proposal["typical"], "most typical first"
        assert proposal["name"] in result.stderr
    assert "python -m pipeline export --suggestions" in result.stderr


def test_discover_when_every_song_fits_somewhere_proposes_nothing_and_says_why(tmp_path, user_data):
    out = tmp_path / "new"
    result = run_cli("discover", "--library", "demo", "--out", str(out), "--min-precision", "0.6", data_dir=user_data)
    assert result.returncode == 0, result.stderr
    assert "0 new playlists proposed" in result.stderr
    assert json.loads((out / "summary.json").read_text())["proposals"] == []
    assert len(pd.read_csv(out / "new_playlists.csv")) == 0
