"""The Train & tune page (Streamlit AppTest) on a small library saved on the server."""

import json
import os
import re
import subprocess
import sys

import optuna
import streamlit as st
from streamlit.testing.v1.element_tree import Column

from dashboard import work
from tests.test_dashboard_apptest import (APP, ROOT, chart, fresh_server, metric, open_app,  # noqa: F401
                                          small_library_folder, wait_until)
from tests.test_tuning_postgres import PASSWORD, environment, postgres_url  # noqa: F401


def open_train_page(folder, model: str = "logreg"):
    return open_app("train", path=folder, model=model)


def test_training_shows_scores_beside_baselines_and_is_never_repeated(small_library_folder, tmp_path):
    at = open_train_page(small_library_folder)
    assert at.button(key="train_run").label == "Train and evaluate"
    at.button(key="train_run").click().run()
    assert at.get("progress"), "long work shows a progress bar"
    wait_until(at, lambda at: at.metric)
    labels = [m.label for m in at.metric]
    assert labels == ["Accuracy", "Top-3", "Macro-F1", "Macro-AP", "Backtest"]
    accuracy = metric(at, "Accuracy")
    assert accuracy.value.endswith("%") and accuracy.delta.endswith(" pts")
    assert "Baseline (always the largest playlist)" in accuracy.help
    assert any("points above the baseline" in c.value and "Accuracy " in c.value for c in at.caption)
    assert float(accuracy.delta.split()[0]) > 0, "the four playlists are easy to tell apart"
    assert len(list((tmp_path / "data" / "results").rglob("*.json"))) == 1

    reloaded = open_train_page(small_library_folder)
    assert [m.label for m in reloaded.metric] == labels and not reloaded.get("progress")
    st.cache_data.clear()
    work.job_board.clear()
    restarted = open_train_page(small_library_folder)
    assert metric(restarted, "Accuracy").value == accuracy.value
    assert not [b for b in restarted.button if b.key == "train_run"]


def row_of(at, label: str) -> list:
    """The columns of the row holding the metric ``label``: what each shows, side by side."""
    for block in at.main:
        columns = list(getattr(block, "children", {}).values())
        if columns and all(isinstance(c, Column) for c in columns) and any(
                m.label == label for c in columns for m in c.metric):
            return columns
    raise AssertionError(f"no row of columns holds {label!r}")


def test_a_study_runs_live_and_its_best_parameters_can_be_adopted(small_library_folder, tmp_path):
    at = open_train_page(small_library_folder)
    at.selectbox(key="tune_objective").set_value("macro_ap")  # a ranking score: it moves with every C
    at.number_input(key="tune_trials").set_value(3)
    at.button(key="tune_run").click().run()
    assert any("Tuning" in p.text for p in at.get("progress"))
    wait_until(at, lambda at: not at.get("progress") and any(m.label == "Best Macro-AP" for m in at.metric))
    assert metric(at, "Trials").value == "3"
    trials = next(d.value for d in at.dataframe if "state" in d.value.columns)
    assert list(trials["number"]) == [1, 2, 3], "counted as the progress counts: trial 1 of 3 is the first"
    assert {"C", "class_weight_power"} <= set(trials.columns)
    history = chart(at, "tune_history")
    best = history["data"][2]["y"]
    assert best == sorted(best), "the best-so-far line never falls"
    axis = history["layout"]["xaxis"]
    assert (axis["dtick"], axis["tickformat"]) == (1, "d"), "ticks at whole trials, never at 0.5"
    assert "tune_importances" not in [c.key for c in at.get("plotly_chart")]
    assert any("appear after 10 finished trials (3 so far)" in i.value for i in at.info)

    study, = optuna.get_all_study_summaries(f"sqlite:///{tmp_path / 'data' / 'studies.sqlite3'}",
                                            include_best_trial=True)
    tuned = study.best_trial.params
    at.button(key="tune_adopt").click().run()
    slider = at.sidebar.slider(key="class_weight_power")
    assert slider.value == tuned["class_weight_power"], "the sidebar shows the tuned value in use"
    assert at.sidebar.toggle(key="use_tuned").value
    assert f"C={tuned['C']:.3g} (tuned)" in at.caption[0].value, "the page names the parameters now in use"
    assert at.button(key="train_run").label == "Train and evaluate", "tuned parameters are a new configuration"
    assert any("already uses these parameters" in s.value for s in at.success)
    assert [[m.label for m in c.metric] for c in row_of(at, "Best Macro-AP")] == [["Best Macro-AP"], ["Trials"]], \
        "no empty column where the baseline of an evaluation not run yet would be"
    at.sidebar.toggle(key="use_tuned").set_value(False).run()
    caption = at.caption[0].value
    assert "parameters: class_weight_power=0.5 " in caption and "C=" not in caption, "back to the sidebar's own"
    assert at.sidebar.slider(key="class_weight_power").value == 0.5


def shown_text(at) -> str:
    """Every caption, markdown, metric and table cell of the page, as drawn."""
    parts = [e.value for e in (*at.caption, *at.markdown)] + [m.value for m in at.metric]
    return " ".join(map(str, parts)) + " ".join(d.value.to_csv() for d in at.dataframe)


def test_the_history_shows_the_trials_another_machine_adds_to_a_postgresql_study(small_library_folder, postgres_url,
                                                                                  tmp_path):
    at = open_train_page(small_library_folder)
    at.text_input(key="tune_storage").set_value(postgres_url).run()
    box = at.text_input(key="tune_storage").value
    assert box.startswith("postgresql+psycopg://postgres:***@127.0.0.1:") and PASSWORD not in box
    name = re.search(r"Study `([^`]+)` in `postgresql\+psycopg://postgres:\*\*\*@", shown_text(at)).group(1)
    assert at.button(key="tune_run").label == "Start tuning" and not at.metric

    elsewhere = subprocess.run([sys.executable, "-m", "pipeline", "tune", "--library", str(small_library_folder),
                                "--model", "logreg", "--study", name, "--storage", postgres_url, "--trials", "2"],
                               cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert elsewhere.returncode == 0, elsewhere.stderr
    at.run()  # what the live refresh does every few seconds
    assert metric(at, "Trials").value == "2"
    trials = next(d.value for d in at.dataframe if "state" in d.value.columns)
    assert list(trials["number"]) == [1, 2] and trials["worker"].str.contains(":").all()
    assert str(os.getpid()) not in " ".join(trials["worker"]), "run by another process, not by this dashboard"
    assert at.button(key="tune_run").label == "Resume the study"
    assert PASSWORD not in shown_text(at)


def test_stop_ends_a_long_study_and_says_how_many_trials_it_kept(small_library_folder):
    at = open_train_page(small_library_folder)
    at.number_input(key="tune_trials").set_value(300)
    at.button(key="tune_run").click().run()
    wait_until(at, lambda at: any("trial 1 of 300" in p.text or "trial 2 of 300" in p.text
                                  for p in at.get("progress")))
    next(b for b in at.button if b.key and b.key.startswith("stop:")).click().run()
    wait_until(at, lambda at: any("Stopped after" in i.value for i in at.info))
    notice = next(i.value for i in at.info if "Stopped after" in i.value)
    kept = int(metric(at, "Trials").value)
    assert 1 <= kept < 300 and f"Stopped after {kept} trial" in notice


def test_the_baseline_has_nothing_to_tune(small_library_folder):
    at = open_train_page(small_library_folder, model="dummy")
    assert any("nothing to tune" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "tune_run"]


def test_the_neural_net_shows_its_validation_curve_per_epoch(small_library_folder):
    at = open_train_page(small_library_folder, model="nn")
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric, timeout=300)
    curve = chart(at, "train_curve")
    assert [t["name"] for t in curve["data"]] == ["loss", "val loss", "val accuracy"]
    epochs = curve["data"][0]["x"]
    assert len(epochs) >= 2 and epochs == sorted(epochs)


def test_keras_is_imported_only_by_the_worker_that_trains_the_neural_net(small_library_folder, tmp_path):
    """The server never imports Keras (seconds of start-up; and Streamlit resets Keras after every
    script run); a worker imports it only for the net."""
    script = f"""
import sys, time
from streamlit.testing.v1 import AppTest
from pipeline.config import RunConfig
from pipeline.sources.native import load_saved_library
from dashboard import tasks
from dashboard.worker import Progress

library = load_saved_library(__import__("pathlib").Path({str(small_library_folder)!r}))
silent = Progress({str(tmp_path / "no-stop")!r}, open("/dev/null", "w"))
tasks.evaluate_and_store(library, RunConfig(model="logreg"), 2, "fp", silent)
print("keras after logistic regression:", "keras" in sys.modules)

at = AppTest.from_file({APP!r}, default_timeout=60).run()
at.sidebar.radio(key="source").set_value("path").run()
at.sidebar.text_input(key="path").set_value({str(small_library_folder)!r}).run()
at.sidebar.selectbox(key="model").set_value("nn").run()
for page in ("library", "compare", "suggestions", "train"):
    at.switch_page(f"app_pages/{{page}}.py").run()
    assert not at.exception, at.exception
at.button(key="train_run").click().run()
for _ in range(1200):
    time.sleep(0.25)
    at.run()
    if at.metric or at.error:
        break
print("net trained:", bool(at.metric), [e.value for e in at.error])
print("keras in the server:", "keras" in sys.modules)
tasks.evaluate_and_store(library, RunConfig(model="nn"), 2, "fp", silent)
print("keras after the net:", "keras" in sys.modules)
"""
    env = {**os.environ, "PLAYLIST_ENHANCER_DATA_DIR": str(tmp_path / "subprocess-data")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "keras after logistic regression: False" in done.stdout
    assert "net trained: True []" in done.stdout
    assert "keras in the server: False" in done.stdout
    assert "keras after the net: True" in done.stdout


def test_a_result_stored_by_an_older_version_is_computed_again_not_a_crash(small_library_folder, tmp_path):
    at = open_train_page(small_library_folder)
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric)
    stored = next((tmp_path / "data" / "results").rglob("*.json"))
    stored.write_text('{"config": {"model": "logreg"}, "from_an_older_version": true}')
    again = open_train_page(small_library_folder)
    assert not again.exception and not again.metric
    assert again.button(key="train_run").label == "Train and evaluate"


def pairs_table(at):
    """The table of the most mixed-up pairs, as the page hands it to the browser."""
    return next(d.value for d in at.dataframe if "predicted_playlist" in d.value.columns)


def cell_px(spec: dict) -> tuple[float, float]:
    """(width, height) in px of one cell of a confusion chart, from its size, margins and columns in view."""
    layout, heatmap = spec["layout"], spec["data"][0]
    low, high = layout["xaxis"]["range"]
    return ((layout["width"] - layout["margin"]["l"] - layout["margin"]["r"]) / (high - low),
            (layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]) / len(heatmap["y"]))


def test_the_scores_say_which_playlists_get_mixed_up_in_a_labelled_matrix(small_library_folder):
    at = open_train_page(small_library_folder)
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric)
    assert "Which playlists get mixed up" in [h.value for h in at.subheader]
    pairs = pairs_table(at)
    assert 0 < len(pairs) <= 10 and list(pairs["songs"]) == sorted(pairs["songs"], reverse=True)
    assert set(pairs["true_playlist"]) | set(pairs["predicted_playlist"]) <= {"Workout", "Chill", "Jazz", "Party"}
    matrix = chart(at, "train_confusion")
    heatmap = matrix["data"][0]
    assert heatmap["y"] == heatmap["x"] == ["Workout", "Chill", "Jazz", "Party"], "four playlists: all of them"
    assert matrix["layout"]["xaxis"]["tickvals"] == heatmap["x"], "the predicted playlists are named too"
    assert heatmap["colorbar"]["tickformat"] == ".0%" and heatmap.get("showscale") is not False
    assert min(cell_px(matrix)) >= 24
    assert not [e for e in at.expander if "full matrix" in e.label], "nothing more to show on demand"


def test_at_92_playlists_the_worst_pairs_a_readable_matrix_and_the_full_one_on_demand(shared_data):
    """99 playlists, of which the sidebar leaves the catch-alls out: 92, as in the issue."""
    at = open_train_page(shared_data("exportify-seankmchenry-2024"), model="dummy")
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric, timeout=300)
    pairs = pairs_table(at)
    assert len(pairs) == 10 and (pairs["share_of_true"] > 0).all()
    matrix = chart(at, "train_confusion")
    heatmap = matrix["data"][0]
    assert len(heatmap["y"]) == 15 and heatmap["x"][-1] == "all other playlists"
    assert set(pairs["true_playlist"].head(5)) <= set(heatmap["y"]), "the worst pairs are in the matrix"
    assert matrix["layout"]["yaxis"]["tickvals"] == heatmap["y"], "every true playlist named"
    assert matrix["layout"]["xaxis"]["tickvals"] == heatmap["x"], "every predicted playlist named"
    assert min(cell_px(matrix)) >= 24
    assert "train_confusion_all" not in [c.key for c in at.get("plotly_chart")], "built only when asked for"

    everything = next(e for e in at.expander if "full matrix" in e.label)
    playlists = int(everything.label.split()[-1])
    assert 90 <= playlists <= 99, "every playlist but the catch-alls"
    at.session_state["train_confusion_all_open"] = True
    at.run()
    full = chart(at, "train_confusion_all")
    assert len(full["data"][0]["y"]) == len(full["data"][0]["x"]) == playlists
    assert len(full["layout"]["xaxis"]["tickvals"]) == len(full["layout"]["yaxis"]["tickvals"]) == playlists
    assert min(cell_px(full)) >= 12
    assert full["layout"]["dragmode"] == "pan"
    assert any("drag the matrix sideways" in c.value for c in at.caption)


def test_the_per_playlist_table_names_its_scores_in_words_with_one_decimal(small_library_folder):
    at = open_train_page(small_library_folder)
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric)
    at.session_state["train_per_playlist_open"] = True
    at.run()
    table = next(d for d in at.dataframe if "precision" in d.value.columns)
    config = json.loads(table.proto.columns)
    assert config["ap"]["label"] == "Average precision" and config["ap"]["type_config"]["format"] == "%.1f%%"
    assert table.value["recall"].between(0, 100).all() and table.value["recall"].max() > 1, "percent, not a share"
