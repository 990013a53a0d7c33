"""The Compare page's sentences come from the numbers: ties within noise, leads beyond it."""

from dataclasses import replace

import pytest

from dashboard import story
from pipeline.baseline import DEFINITION
from pipeline.config import Encoding, RunConfig
from pipeline.evaluation import Backtest, EvaluationResult
from pipeline.metrics import PlaylistScore, Scores


def result(strategy: str, accuracy: float, macro_f1: float = 0.5, n_items: int = 2000,
           backtest: float | None = 0.6, backtest_n: int = 300,
           predicted=(0.5, 0.2, 0.1, 0.1, 0.1), fit_seconds: float = 1.0) -> EvaluationResult:
    true = (0.4, 0.2, 0.2, 0.1, 0.1)
    playlists = [PlaylistScore(f"id{i}", f"P{i}", int(t * 1000), 0.5, 0.5, 0.5, 0.5, t, p)
                 for i, (t, p) in enumerate(zip(true, predicted))]
    return EvaluationResult(
        config=RunConfig(model="logreg", strategy=strategy), leaky=strategy == "leaky", folds=5, n_items=n_items,
        metrics=Scores(accuracy, min(accuracy + 0.2, 1.0), macro_f1, 0.5, 0.45, 0.1),
        baseline=Scores(0.4, 0.8, 0.1, 0.2, 0.2, 0.6), per_playlist=playlists,
        confusion_labels=[p.playlist_name for p in playlists], confusion=[[1.0] * 5] * 5,
        backtest=Backtest(backtest_n if backtest is not None else 0, backtest, 0.9, 0.5),
        baseline_backtest=Backtest(backtest_n, 0.3, 0.6, 0.2), fit_seconds=fit_seconds)


def test_noise_shrinks_with_more_tracks():
    assert story.noise_margin(0.7, 0.7, 400) > story.noise_margin(0.7, 0.7, 4000) > 0
    assert story.noise_margin(0.7, 0.72, 2000) == pytest.approx(2 * (0.71 * 0.29 / 2000) ** 0.5)


def test_scores_within_noise_are_called_a_tie():
    verdicts = story.compare(result("class_weights", 0.700), result("oversample", 0.705))
    accuracy = next(v for v in verdicts if v.score == "accuracy")
    assert accuracy.tie
    sentence = story.verdict_sentence(verdicts, "Class weights", "Random oversampling")
    assert sentence.startswith("**Class weights** and **Random oversampling** tie on accuracy, top-3")
    assert "leads" not in sentence


def test_a_gap_beyond_noise_names_the_leader_and_the_size_of_the_lead():
    verdicts = story.compare(result("class_weights", 0.70, macro_f1=0.60), result("oversample", 0.70, macro_f1=0.50))
    sentence = story.verdict_sentence(verdicts, "Class weights", "Random oversampling")
    assert "**Class weights** leads on macro-F1 by 10.0 points" in sentence
    assert "tie on accuracy" in sentence


def test_the_second_configuration_can_lead_too():
    verdicts = story.compare(result("class_weights", 0.60), result("oversample", 0.70))
    assert "**Random oversampling** leads on accuracy by 10.0 points" in story.verdict_sentence(
        verdicts, "Class weights", "Random oversampling")


def test_the_same_gap_is_a_tie_on_few_tracks_and_a_lead_on_many():
    few = story.compare(result("class_weights", 0.70, n_items=100), result("oversample", 0.73, n_items=100))
    many = story.compare(result("class_weights", 0.70, n_items=20000), result("oversample", 0.73, n_items=20000))
    assert next(v for v in few if v.score == "accuracy").tie
    assert not next(v for v in many if v.score == "accuracy").tie


def test_backtest_is_compared_only_when_both_have_one():
    verdicts = story.compare(result("class_weights", 0.7), result("oversample", 0.7, backtest=None))
    assert "backtest" not in {v.score for v in verdicts}


def test_the_leak_sentence_reports_the_inflation_and_whether_the_backtest_believes_it():
    leaky = result("leaky", 0.92, backtest=0.61)
    honest = result("oversample", 0.70, backtest=0.60)
    text = story.leak_sentence(leaky, honest, "Random oversampling")
    assert "92% accuracy, +22.0 points against honest **Random oversampling** (70%)" in text
    assert "300 liked songs" in text and "the same, within noise" in text
    suspicious = story.leak_sentence(result("leaky", 0.92, backtest=0.9), honest, "Random oversampling")
    assert "+30.0 points" in suspicious


def test_spread_counts_what_the_largest_three_receive_and_which_playlists_are_ever_predicted():
    skewed = result("none", 0.7, predicted=(0.7, 0.2, 0.1, 0.0, 0.0))
    spread = story.spread(skewed)
    assert spread.largest_three_true == pytest.approx(0.8)
    assert spread.largest_three_predicted == pytest.approx(1.0)
    assert (spread.playlists_predicted, spread.playlists) == (3, 5)
    assert "100% of its predictions" in story.spread_sentence("None", skewed)
    assert "names only 3 of your 5 playlists at all" in story.spread_sentence("None", skewed)
    even = result("none", 0.7, predicted=(0.2, 0.2, 0.2, 0.2, 0.2))
    assert "names every one of your playlists at least once" in story.spread_sentence("None", even)


def test_chart_rows_carry_every_configuration_and_its_baseline():
    columns = [("Class weights", result("class_weights", 0.7)), ("Leaky", result("leaky", 0.9))]
    scores = story.score_rows(columns)
    assert len(scores) == 2 * len(story.HEADLINE_SCORES)
    leaky_accuracy = scores[(scores["label"] == "Leaky") & (scores["score"] == "accuracy")].iloc[0]
    assert (leaky_accuracy["value"], leaky_accuracy["baseline"], leaky_accuracy["strategy"]) == (0.9, 0.4, "leaky")
    shares = story.share_rows(columns[:1])
    assert list(shares["predicted_share"]) == [0.5, 0.2, 0.1, 0.1, 0.1]


def test_training_cost_names_the_slower_strategy_only_when_it_clearly_is():
    quick = result("class_weights", 0.7, fit_seconds=0.4)
    slow = result("oversample", 0.7, fit_seconds=2.0)
    assert story.cost_sentence("Class weights", quick, "Random oversampling", slow) == (
        "**Random oversampling** takes 5.0× as long to train as **Class weights** (2.0 s against 0.4 s per fold).")
    similar = result("oversample", 0.7, fit_seconds=0.5)
    assert story.cost_sentence("Class weights", quick, "Random oversampling", similar).startswith("Both train in")


def test_a_compare_column_differs_from_the_sidebar_by_its_strategy_alone():
    selected = RunConfig(model="logreg", strategy="class_weights", encoding=Encoding(album=False),
                         params={"C": 0.2, "class_weight_power": 0.5}, seed=4)
    weights, oversampling = story.column_config(selected, "class_weights"), story.column_config(selected, "oversample")
    assert weights.param_dict == {"class_weight_power": 0.5}, "the sidebar's strength kept, tuned C dropped"
    assert oversampling.param_dict == {} and oversampling.strategy == "oversample"
    assert {c.encoding for c in (weights, oversampling)} == {selected.encoding}
    assert {c.seed for c in (weights, oversampling)} == {4}


def calibrated(strategy: str, before: list[tuple[float, float, int]], after: list[tuple[float, float, int]],
               ece_before: float, ece_after: float) -> EvaluationResult:
    """``result`` with reliability bins given as (confidence, share right, tracks)."""
    plain = result(strategy, 0.7)
    bins = {name: [{"low": 0.0, "high": 1.0, "confidence": c, "accuracy": a, "count": n} for c, a, n in rows]
            for name, rows in (("before", before), ("after", after))}
    return replace(plain, metrics=replace(plain.metrics, ece=ece_before),
                   calibrated=replace(plain.metrics, ece=ece_after), reliability=bins)


def test_the_confidence_check_reads_what_the_top_choices_claimed_and_how_often_they_were_right():
    weights = calibrated("class_weights", [(0.3, 0.6, 100), (0.5, 0.8, 300)], [(0.7, 0.75, 400)], 0.27, 0.05)
    check = story.confidence_check(weights)
    assert check.claimed == pytest.approx(0.45) and check.right == pytest.approx(0.75)
    assert (check.ece_before, check.ece_after, check.n) == (0.27, 0.05, 400)
    assert "Off by 27.0 points before calibration, 5.0 after" in story.ece_caption(check)


def test_the_calibration_sentence_compares_the_strategies_raw_confidence_from_their_numbers():
    weights = calibrated("class_weights", [(0.45, 0.75, 400)], [(0.75, 0.75, 400)], 0.30, 0.02)
    oversampling = calibrated("oversample", [(0.90, 0.70, 400)], [(0.71, 0.70, 400)], 0.20, 0.04)
    sentence = story.calibration_sentence([("Class weights", weights), ("Random oversampling", oversampling)])
    assert sentence.startswith("Before calibration, **Class weights'** top choices claimed 45% on average but "
                               "were right 75% (ECE 30.0 points); **Random oversampling's** top choices claimed 90%")
    assert "after calibration both are within 4.0 points" in sentence


def test_a_result_stored_before_confidence_was_checked_gets_no_check_and_no_sentence():
    old = result("class_weights", 0.7)
    assert story.confidence_check(old) is None
    assert story.calibration_sentence([("Class weights", old), ("Random oversampling", old)]) == ""


def test_the_three_largest_hold_the_share_of_tracks_the_baseline_s_top3_is_right_on():
    # a shared track counts in each playlist holding it: 44% of the tracks, though 39% of the rows
    shared = replace(result("none", 0.7), baseline=Scores(0.16, 0.44, 0.01, 0.03, 0.05, 0.0))
    assert story.spread(shared).largest_three_true == pytest.approx(0.44)
    assert "(they hold 44% of the tracks)" in story.spread_sentence("None", shared)


def cards_page(result_data: dict) -> None:
    import streamlit as st

    from dashboard.score_cards import score_cards
    from pipeline.evaluation import EvaluationResult

    result = EvaluationResult.from_dict(result_data)
    score_cards(result, st.columns(5), border=True, describe_baseline=False)


def cards_for(evaluation: EvaluationResult):
    from streamlit.testing.v1 import AppTest
    return AppTest.from_function(cards_page, kwargs={"result_data": evaluation.to_dict()}).run()


def test_a_red_delta_is_explained_under_the_cards_naming_the_catch_all_to_leave_out():
    catch_all = replace(result("class_weights", 0.86), baseline=Scores(0.977, 0.981, 0.2, 0.2, 0.15, 0.0),
                        confusion_labels=["gemischte_playlist", "P1", "P2", "P3", "P4"])
    at = cards_for(catch_all)
    accuracy = next(m for m in at.metric if m.label == "Accuracy")
    assert accuracy.delta == "-11.7 pts"
    assert DEFINITION in accuracy.help
    [caption] = [c.value for c in at.caption]
    assert caption.startswith("Red: below the baseline. There the model does worse than always answering with your "
                              "largest playlists, because `gemischte_playlist` holds 98% of the tracks")
    assert "Leave it out in the sidebar" in caption


def test_a_gain_that_rounds_to_nothing_is_not_red_and_gets_no_note():
    tied = replace(result("class_weights", 0.7), baseline=Scores(0.7 + 1e-12, 0.5, 0.1, 0.2, 0.2, 0.0))
    at = cards_for(tied)
    assert next(m for m in at.metric if m.label == "Accuracy").delta == "+0.0 pts"
    assert not at.caption
    below = cards_for(replace(result("class_weights", 0.3), baseline=Scores(0.4, 0.5, 0.1, 0.2, 0.2, 0.0)))
    assert "usually because a catch-all playlist" in below.caption[0].value
