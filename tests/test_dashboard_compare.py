"""The Compare page (Streamlit AppTest): two strategies side by side, and the leaky mistake on request.

The demo library with the baseline model keeps these fast; the real models run in the browser test.
The first test clicks through the evaluation; the others start from results the page's own task
stored once for the module (evaluating is not what they test).
"""

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard import charts, results_store, story, tasks, verdict
from dashboard.worker import Progress
from pipeline.config import RunConfig
from pipeline.recommended import recommended_config
from pipeline.evaluation import EvaluationResult
from pipeline.sources.demo import demo_library
from tests.test_dashboard_apptest import chart, fresh_server, open_app, wait_until  # noqa: F401


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory) -> Path:
    """A data folder holding the baseline model's 3-fold results on the demo for every strategy shown."""
    folder = tmp_path_factory.mktemp("evaluated")
    saved = os.environ.get("PLAYLIST_ENHANCER_DATA_DIR")
    os.environ["PLAYLIST_ENHANCER_DATA_DIR"] = str(folder)
    try:
        demo, silent = demo_library(), Progress(str(folder / "no-stop"), open(os.devnull, "w"))
        for strategy in ("class_weights", "oversample", "leaky"):
            tasks.evaluate_and_store(demo, page_config(strategy), 3, demo.fingerprint(), silent)
    finally:
        if saved is None:
            os.environ.pop("PLAYLIST_ENHANCER_DATA_DIR")
        else:
            os.environ["PLAYLIST_ENHANCER_DATA_DIR"] = saved
    return folder


def compare_page_with_results(evaluated: Path, **options):
    shutil.copytree(evaluated, os.environ["PLAYLIST_ENHANCER_DATA_DIR"], dirs_exist_ok=True)
    return open_app("compare", model="dummy", **options)


def page_config(strategy: str) -> RunConfig:
    """The page's column for ``strategy``: default model parameters, the sidebar's class-weight strength."""
    return story.column_config(replace(recommended_config(), model="dummy"), strategy)


def stored(strategy: str) -> EvaluationResult:
    """What the page stored for the demo, the baseline model and ``strategy`` (3 folds)."""
    path = results_store.evaluation_path(demo_library().fingerprint(), page_config(strategy), 3)
    return EvaluationResult.from_dict(results_store.read_json(path))


def evaluated_compare_page():
    at = open_app("compare", model="dummy")
    assert "Class weights, Random oversampling" in at.info[0].value
    at.button(key="compare_run").click().run()
    assert len(at.get("progress")) == 2, "one progress bar per configuration"
    return wait_until(at, lambda at: at.get("plotly_chart"))


def test_two_strategies_side_by_side_with_words_computed_from_the_numbers():
    at = evaluated_compare_page()
    text = " ".join(m.value for m in at.markdown)
    weights, oversampling = stored("class_weights"), stored("oversample")
    assert story.verdict_sentence(story.compare(weights, oversampling), "Class weights", "Random oversampling") in text
    assert story.cost_sentence("Class weights", weights, "Random oversampling", oversampling) in text
    assert story.spread_sentence("Class weights", weights) in text
    assert story.spread_sentence("Random oversampling", oversampling) in text
    accuracy = [m.value for m in at.metric if m.label == "Accuracy"]
    assert accuracy == [f"{weights.metrics.accuracy:.1%}", f"{oversampling.metrics.accuracy:.1%}"]
    labels = [m.label for m in at.metric]
    assert labels.count("Accuracy") == 2 and labels.count("Backtest") == 2
    baseline = f"vs {weights.baseline.accuracy:.0%} baseline"
    assert [m.proto.delta_description for m in at.metric if m.label == "Accuracy"] == [baseline, baseline]


def test_the_charts_show_scores_baselines_spread_and_confusion_for_each_column(evaluated):
    at = compare_page_with_results(evaluated)
    scores = chart(at, "compare_scores")["data"]
    assert [t["name"] for t in scores if t["type"] == "bar"] == ["Class weights", "Random oversampling"]
    assert scores[-1]["name"].startswith("baseline")
    shares = chart(at, "compare_shares")["data"]
    names = [t["name"] for t in shares]
    assert names == ["true share", "predicted · Class weights", "predicted · Random oversampling"]
    demo = demo_library()
    assert shares[0]["y"][0] == demo.playlists()["playlist_name"].iloc[0]
    assert abs(sum(shares[1]["x"]) - 1) < 1e-6, "predicted shares add up to all predictions"
    for strategy in ("class_weights", "oversample"):
        confusion = chart(at, f"confusion_{strategy}")["data"][0]
        assert len(confusion["z"]) == charts.FOCUS_PLAYLISTS and confusion["x"][-1] == charts.OTHERS
        assert all(abs(sum(row) - 1) < 1e-3 or sum(row) == 0 for row in confusion["z"])


def test_each_column_lists_its_worst_mix_ups_and_every_playlist_is_one_click_away(evaluated):
    at = compare_page_with_results(evaluated)
    tables = [d.value for d in at.dataframe if "predicted_playlist" in d.value.columns]
    assert len(tables) == 2 and all(0 < len(t) <= 5 for t in tables), "one short list per column"
    assert [t.label for t in at.tabs] == ["Class weights", "Random oversampling"]
    assert "confusion_class_weights_all" not in [c.key for c in at.get("plotly_chart")]
    at.session_state["confusion_class_weights_all_open"] = True
    at.run()
    full = chart(at, "confusion_class_weights_all")["data"][0]
    assert len(full["y"]) == len(full["x"]) == len(demo_library().playlists())
    assert not [t for t in at.toggle if t.key == "compare_shares_all"], "33 playlists: all in the share chart"


def test_the_leaky_column_is_marked_explained_and_put_in_perspective(evaluated):
    at = compare_page_with_results(evaluated)
    at.toggle(key="compare_leaky").set_value(True).run()
    assert any("Why the leaky column" in w.value for w in at.warning)
    scores = chart(at, "compare_scores")["data"]
    leaky = next(t for t in scores if t["name"] == "Leaky oversampling")
    assert leaky["marker"]["pattern"]["shape"] == "/"
    assert leaky["marker"]["color"] == charts.STRATEGY_COLORS["leaky"]
    text = " ".join(m.value for m in at.markdown)
    assert ":red[**Leaky:**] " + story.leak_sentence(stored("leaky"), stored("oversample"),
                                                     "Random oversampling") in text
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    red = [b for b in badges if b.startswith(":red-badge[")]
    assert len(red) == 1 and "inflated" in red[0]
    assert sum("honest" in b for b in badges) == 2
    assert "confusion_leaky" in [c.key for c in at.get("plotly_chart")]
    shares = [t["name"] for t in chart(at, "compare_shares")["data"]]
    assert not any("Leaky" in name for name in shares), "leaky shares are of copied rows: not comparable"


def test_an_already_computed_comparison_comes_back_without_training(evaluated):
    at = compare_page_with_results(evaluated)
    at.sidebar.selectbox(key="model").set_value("logreg").run()
    assert at.button(key="compare_run"), "logistic regression is not evaluated yet"
    at.sidebar.selectbox(key="model").set_value("dummy").run()
    assert not at.get("progress") and not [b for b in at.button if b.key == "compare_run"]
    assert chart(at, "compare_scores")
    reloaded = open_app("compare", model="dummy")
    assert chart(reloaded, "compare_scores") and not reloaded.get("progress")


def test_each_column_shows_its_confidence_before_and_after_calibration_in_a_reliability_diagram(evaluated):
    at = compare_page_with_results(evaluated)
    weights, oversampling = stored("class_weights"), stored("oversample")
    for strategy, result in (("class_weights", weights), ("oversample", oversampling)):
        diagonal, before, after = chart(at, f"reliability_{strategy}")["data"]
        assert diagonal["x"] == diagonal["y"] == [0, 1]
        assert before["x"] == [b["confidence"] for b in result.reliability["before"]]
        assert after["y"] == [b["accuracy"] for b in result.reliability["after"]]
        assert after["line"]["color"] == charts.STRATEGY_COLORS[strategy]
    captions = " ".join(c.value for c in at.caption)
    assert story.ece_caption(story.confidence_check(weights)) in captions
    assert f"Off by {oversampling.metrics.ece * 100:.1f} points before calibration, " \
           f"{oversampling.calibrated.ece * 100:.1f} after" in captions
    text = " ".join(m.value for m in at.markdown)
    assert story.calibration_sentence([("Class weights", weights), ("Random oversampling", oversampling)]) in text


def test_a_result_stored_before_confidence_was_checked_asks_for_a_fresh_evaluation(evaluated):
    shutil.copytree(evaluated, os.environ["PLAYLIST_ENHANCER_DATA_DIR"], dirs_exist_ok=True)
    path = results_store.evaluation_path(demo_library().fingerprint(), page_config("oversample"), 3)
    older = results_store.read_json(path)
    for newer in ("calibrated", "calibrated_backtest", "reliability", "precision_coverage", "threshold_checks"):
        older.pop(newer)
    for scores in ("metrics", "baseline"):
        older[scores] = {k: v for k, v in older[scores].items() if k not in ("brier", "ece")}
    results_store.write_json(path, older)

    at = open_app("compare", model="dummy")
    assert not at.exception
    assert chart(at, "reliability_class_weights")
    assert "reliability_oversample" not in [c.key for c in at.get("plotly_chart")]
    assert any("The confidence check needs a fresh evaluation" in i.value for i in at.info)
    assert at.button(key="compare_recheck_oversample")
    assert chart(at, "confusion_oversample"), "everything else of the older result still shows"
    text = " ".join(m.value for m in at.markdown)
    assert "**Class weights'** top choices claimed" in text and "it is within" in text
    assert "Random oversampling's** top choices" not in text
    at.button(key="compare_recheck_oversample").click().run()
    assert at.get("progress"), "evaluating again runs in the background"
    at = wait_until(at, lambda at: "reliability_oversample" in [c.key for c in at.get("plotly_chart")])
    assert story.confidence_check(stored("oversample")) is not None


def test_each_column_says_which_parameters_it_used_tuned_or_not(evaluated):
    at = compare_page_with_results(evaluated)
    captions = [c.value for c in at.caption]
    assert "Used: class_weight_power=0.5 (set in the sidebar); the model's default parameters otherwise." in captions
    assert "Used: the model's and the strategy's default parameters." in captions, "the oversampling column"
    selection = at.session_state["_selection"]
    results_store.write_json(results_store.chosen_params_path(selection.fingerprint, selection.config),
                             {"params": {"class_weight_power": 0.5}})  # a study that found the default
    at.run()
    assert "Used: class_weight_power=0.5 (tuned); the model's default parameters otherwise." in [
        c.value for c in at.caption]


def test_the_page_ends_with_what_decided_between_class_weights_and_oversampling(evaluated):
    at = compare_page_with_results(evaluated)
    weights, oversampling = stored("class_weights"), stored("oversample")
    assert weights.training_rows == weights.real_training_rows > 0
    assert oversampling.training_rows > oversampling.real_training_rows, "the copies were counted"
    decided = verdict.what_decided_it("Class weights", weights, "Random oversampling", oversampling)
    text = [m.value for m in at.main.markdown]
    assert at.main.subheader[-1].value == "What decided it"
    assert text[-len(decided):] == decided, "the last words on the page"
    assert not any("nearest-neighbour" in t for t in text), "no neighbour-based results stored yet"


def test_stored_nearest_neighbour_results_say_what_oversampling_did_to_that_model(evaluated):
    shutil.copytree(evaluated, os.environ["PLAYLIST_ENHANCER_DATA_DIR"], dirs_exist_ok=True)
    fingerprint = demo_library().fingerprint()
    neighbours = []
    for strategy, accuracy in (("class_weights", 0.61), ("oversample", 0.52)):
        knn = replace(stored(strategy), config=replace(page_config(strategy), model="knn"))
        knn = replace(knn, metrics=replace(knn.metrics, accuracy=accuracy))
        results_store.write_json(results_store.evaluation_path(fingerprint, knn.config, 3), knn.to_dict())
        neighbours.append(knn)
    at = open_app("compare", model="dummy")
    text = " ".join(m.value for m in at.main.markdown)
    assert "tie on accuracy and macro-AP, so what each costs decides" in text, "the baseline model's columns tie"
    assert "On the nearest-neighbour model, **Random oversampling** instead of class weights moved accuracy " \
           "61.0% → 52.0% (-9.0 points)" in text
