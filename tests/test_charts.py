"""The dashboard's figure builders: what a reader of each chart would see."""

import pandas as pd

from dashboard import charts


def test_every_playlist_keeps_one_distinct_colour_however_many_there_are():
    names = [f"playlist {i}" for i in range(120)]
    colors = charts.playlist_colors(names)
    assert len(set(colors.values())) == 120
    assert colors == charts.playlist_colors(names)
    assert colors["playlist 0"] == charts.PALETTE[0]
    assert all(len(c) == 7 and c.startswith("#") for c in colors.values())


def test_colours_follow_the_order_given_not_the_alphabet():
    assert charts.playlist_colors(["Zed", "Abba"])["Zed"] == charts.PALETTE[0]


def test_sizes_chart_highlights_the_largest_three_with_their_share():
    sizes = pd.DataFrame({"playlist_name": ["small", "big", "mid", "tiny", "second"],
                          "size": [10, 50, 20, 5, 15]})
    colors = charts.playlist_colors(["big", "mid", "second", "small", "tiny"])
    figure = charts.playlist_sizes_figure(sizes, colors)
    bar = figure.data[0]
    assert list(bar.x) == ["big", "mid", "second", "small", "tiny"]
    assert list(bar.marker.color[:3]) == [colors["big"], colors["mid"], colors["second"]]
    assert set(bar.marker.color[3:]) == {charts.MUTED}
    assert list(bar.text) == ["50%", "20%", "15%", "", ""]
    assert "85%" in figure.layout.title.text


def test_profile_radar_draws_one_closed_outline_per_playlist_in_its_colour():
    profile = pd.DataFrame({"energy": [0.9, 0.2], "valence": [0.5, 0.4], "tempo": [0.7, 0.1]},
                           index=["Gym", "Sleep"])
    colors = {"Gym": "#111111", "Sleep": "#222222"}
    figure = charts.feature_profile_figure(profile, colors)
    assert [t.name for t in figure.data] == ["Gym", "Sleep"]
    gym = figure.data[0]
    assert gym.r[0] == gym.r[-1] == 0.9 and gym.theta[0] == gym.theta[-1] == "energy"
    assert gym.line.color == "#111111"


def test_scatter_colours_each_playlist_and_keeps_every_point():
    points = pd.DataFrame({"playlist_name": ["A", "A", "B"], "name": ["x", "y", "z"],
                           "energy": [0.1, 0.2, 0.9], "valence": [0.3, 0.4, 0.5]})
    figure = charts.feature_scatter_figure(points, "energy", "valence", {"A": "#0000AA", "B": "#AA0000"})
    assert {t.name: len(t.x) for t in figure.data} == {"A": 2, "B": 1}
    assert figure.data[1].marker.color == "#AA0000"
    assert figure.layout.xaxis.title.text == "energy"


def test_liked_donut_shows_filed_and_unsorted_counts():
    figure = charts.liked_status_figure(filed=30, unsorted=70)
    assert list(figure.data[0].values) == [30, 70]
    assert "100" in figure.layout.annotations[0].text


def _score_rows(strategies):
    return pd.DataFrame([{"label": s.title(), "strategy": s, "score": score, "value": value, "baseline": 0.2}
                         for s in strategies for score, value in (("accuracy", 0.6), ("macro_f1", 0.5))])


def test_scores_chart_groups_bars_by_score_and_hatches_the_leaky_column():
    figure = charts.scores_figure(_score_rows(["class_weights", "oversample", "leaky"]))
    bars = [t for t in figure.data if t.type == "bar"]
    assert [b.name for b in bars] == ["Class_Weights", "Oversample", "Leaky"]
    assert [b.marker.pattern.shape for b in bars] == ["", "", "/"]
    assert bars[0].marker.color == charts.STRATEGY_COLORS["class_weights"]
    assert list(bars[0].x) == ["Accuracy", "Macro-F1"]
    baseline = [t for t in figure.data if t.type == "scatter"][0]
    assert list(baseline.y) == [0.2, 0.2]


def test_share_chart_orders_playlists_by_true_share_and_draws_a_line_per_configuration():
    shares = pd.DataFrame([
        {"label": label, "strategy": strategy, "playlist_name": name, "true_share": truth, "predicted_share": p}
        for label, strategy, predicted in (("Weights", "class_weights", (0.3, 0.4, 0.3)),
                                           ("Oversampling", "oversample", (0.6, 0.2, 0.2)))
        for name, truth, p in zip(("small", "big", "mid"), (0.2, 0.5, 0.3), predicted)])
    figure = charts.share_figure(shares, {"big": "#123456"})
    truth, weights, oversampling = figure.data
    assert list(truth.x) == ["big", "mid", "small"] and list(truth.y) == [0.5, 0.3, 0.2]
    assert truth.marker.color[0] == "#123456"
    assert list(weights.y) == [0.4, 0.3, 0.3] and list(oversampling.y) == [0.2, 0.2, 0.6]
    assert oversampling.line.color == charts.STRATEGY_COLORS["oversample"]


def test_confusion_heatmap_keeps_the_order_and_a_fixed_zero_to_one_scale():
    figure = charts.confusion_figure(["A", "B"], [[0.8, 0.2], [0.1, 0.9]], "title")
    heatmap = figure.data[0]
    assert list(heatmap.x) == list(heatmap.y) == ["A", "B"]
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)
    assert figure.layout.yaxis.autorange == "reversed"


def test_trial_history_draws_the_best_so_far_as_a_rising_step_and_keeps_pruned_trials_apart():
    trials = pd.DataFrame({"number": [0, 1, 2, 3, 4], "value": [0.5, 0.4, None, 0.7, 0.9],
                           "state": ["COMPLETE", "COMPLETE", "FAIL", "COMPLETE", "PRUNED"]})
    figure = charts.trial_history_figure(trials, "macro_f1")
    points, pruned, best = figure.data
    assert list(points.x) == [0, 1, 3] and list(pruned.x) == [4]
    assert list(best.y) == [0.5, 0.5, 0.7], "a pruned trial's first-fold score is never the best"
    assert figure.layout.yaxis.title.text == "Macro-F1"


def test_importances_put_the_most_important_parameter_on_top():
    figure = charts.importances_figure({"C": 0.7, "class_weight_power": 0.3})
    assert list(figure.data[0].y) == ["class_weight_power", "C"]


def test_training_curve_shows_losses_and_accuracy_on_its_own_axis():
    history = [{"epoch": 1, "loss": 2.0, "val_loss": 2.1, "val_accuracy": 0.3},
               {"epoch": 2, "loss": 1.5, "val_loss": 1.8, "val_accuracy": 0.4}]
    figure = charts.training_curve_figure(history)
    assert [t.name for t in figure.data] == ["loss", "val loss", "val accuracy"]
    assert figure.data[2].yaxis == "y2"


def test_reliability_diagram_draws_the_diagonal_and_before_and_after_with_dots_sized_by_tracks():
    before = [{"low": 0.3, "high": 0.4, "confidence": 0.35, "accuracy": 0.7, "count": 10},
              {"low": 0.6, "high": 0.7, "confidence": 0.65, "accuracy": 0.9, "count": 40}]
    after = [{"low": 0.6, "high": 0.7, "confidence": 0.68, "accuracy": 0.7, "count": 10},
             {"low": 0.8, "high": 0.9, "confidence": 0.88, "accuracy": 0.9, "count": 40}]
    figure = charts.reliability_figure(before, after, color="#123456", title="t")
    diagonal, raw, calibrated = figure.data
    assert list(diagonal.x) == list(diagonal.y) == [0, 1], "on the diagonal, confidence means what it says"
    assert (raw.name, calibrated.name) == ("before calibration", "after calibration")
    assert list(raw.x) == [0.35, 0.65] and list(raw.y) == [0.7, 0.9]
    assert list(calibrated.x) == [0.68, 0.88] and calibrated.line.color == "#123456"
    small, large = calibrated.marker.size
    assert large > small and list(calibrated.customdata) == [10, 40]
    assert tuple(figure.layout.xaxis.range) == (0, 1) and figure.layout.yaxis.tickformat == ".0%"


def test_reliability_diagram_of_nothing_still_draws_the_diagonal():
    figure = charts.reliability_figure([], [])
    assert len(figure.data) == 3 and len(figure.data[1].x) == 0


def test_the_trial_axis_counts_whole_trials_however_many_there_are():
    for count, step in ((3, 1), (40, 5), (300, 50)):
        trials = pd.DataFrame({"number": range(1, count + 1), "value": [0.5] * count, "state": ["COMPLETE"] * count})
        axis = charts.trial_history_figure(trials, "macro_f1").layout.xaxis
        assert (axis.tickmode, axis.tick0, axis.dtick, axis.tickformat) == ("linear", 0, step, "d")
        assert count / axis.dtick <= 10, "no more than about ten ticks"
