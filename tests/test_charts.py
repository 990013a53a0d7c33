"""The dashboard's figure builders: what a reader of each chart would see."""

import numpy as np
import pandas as pd

from dashboard import charts
from pipeline import confusion

MANY = [f"playlist {i:02d}" for i in range(92)]
"""As many playlists as the library in the issue had: 92."""


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
    sizes["share"] = sizes["size"] / 80   # 80 tracks, some in two playlists
    figure = charts.playlist_sizes_figure(sizes, colors, largest_share=0.7)
    bar = figure.data[0]
    assert bar.orientation == "h" and list(bar.y) == ["big", "mid", "second", "small", "tiny"]
    assert list(bar.x) == [50, 20, 15, 10, 5]
    assert list(bar.marker.color[:3]) == [colors["big"], colors["mid"], colors["second"]]
    assert set(bar.marker.color[3:]) == {charts.MUTED}
    assert list(bar.text) == ["62%", "25%", "19%", "", ""], "each playlist's share of the tracks"
    assert figure.layout.title.text == "The largest 3 playlists hold 70% of your tracks"


def plot_height_per_row(figure, rows: int) -> float:
    margin = figure.layout.margin
    return (figure.layout.height - margin.t - margin.b - 60) / rows  # 60: the value axis and its title


def test_sizes_chart_of_92_playlists_names_every_one_and_keeps_the_top_labels_inside():
    sizes = pd.DataFrame({"playlist_name": MANY, "size": range(600, 600 - 92 * 5, -5)})
    figure = charts.playlist_sizes_figure(sizes, charts.playlist_colors(MANY))
    axis = figure.layout.yaxis
    assert axis.tickmode == "array" and list(axis.tickvals) == MANY, "every name written, none skipped"
    assert tuple(axis.range) == (91.5, -0.5), "largest on top"
    assert plot_height_per_row(figure, 92) >= 18, "the figure grows with the playlists"
    bar = figure.data[0]
    assert bar.textposition == "outside" and bar.cliponaxis is False
    assert figure.layout.xaxis.range[1] >= 1.1 * 600, "room right of the largest bar for its share"


def test_long_names_are_shortened_on_the_axis_and_whole_on_hover():
    name = "enter_the_sacharine_yacht__beyond_the_horizon"
    figure = charts.playlist_sizes_figure(pd.DataFrame({"playlist_name": [name, "b"], "size": [3, 2]}), {})
    assert figure.data[0].y[0] == name
    short = figure.layout.yaxis.ticktext[0]
    assert len(short) == charts.LABEL_CHARS and short.endswith("…") and name.startswith(short[:-1])


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


def _share_rows(names, truths, configurations):
    return pd.DataFrame([
        {"label": label, "strategy": strategy, "playlist_name": name, "true_share": truth, "predicted_share": p}
        for label, strategy, predicted in configurations for name, truth, p in zip(names, truths, predicted)])


def test_share_chart_orders_playlists_by_true_share_and_marks_each_configuration():
    shares = _share_rows(("small", "big", "mid"), (0.2, 0.5, 0.3),
                         (("Weights", "class_weights", (0.3, 0.4, 0.3)),
                          ("Oversampling", "oversample", (0.6, 0.2, 0.2))))
    figure = charts.share_figure(shares)
    truth, weights, oversampling = figure.data
    assert truth.orientation == "h"
    assert list(truth.y) == ["big", "mid", "small"] and list(truth.x) == [0.5, 0.3, 0.2]
    assert list(weights.x) == [0.4, 0.3, 0.3] and list(oversampling.x) == [0.2, 0.2, 0.6]
    assert weights.mode == oversampling.mode == "markers"
    assert oversampling.marker.color == charts.STRATEGY_COLORS["oversample"]
    assert weights.marker.symbol != oversampling.marker.symbol, "two configurations never differ by colour only"


def test_share_chart_of_92_playlists_needs_no_palette_and_its_legend_matches_the_bars():
    truths = np.linspace(0.03, 0.002, 92)
    shares = _share_rows(MANY, truths, (("Weights", "class_weights", truths), ("Oversampling", "oversample", truths)))
    figure = charts.share_figure(shares)
    truth = figure.data[0]
    assert truth.marker.color == charts.TRUE_SHARE, "one colour: the legend swatch is what the bars are"
    assert truth.showlegend is not False and truth.name == "true share"
    assert list(figure.layout.yaxis.tickvals) == MANY and plot_height_per_row(figure, 92) >= 18
    legend = figure.layout.legend
    assert legend.orientation == "h" and legend.y >= 1 and legend.yanchor == "bottom", \
        "the legend sits above the bars, never on the largest ones"

    top = charts.share_figure(shares, top=20)
    assert list(top.data[0].y) == MANY[:20] and len(top.data[1].x) == 20
    assert "the 20 largest of 92 playlists" in top.layout.title.text


def test_confusion_heatmap_keeps_the_order_and_a_fixed_zero_to_one_scale():
    figure = charts.confusion_figure(["A", "B"], [[8, 2], [1, 9]], "title")
    heatmap = figure.data[0]
    assert list(heatmap.x) == list(heatmap.y) == ["A", "B"]
    assert np.allclose(heatmap.z, [[0.8, 0.2], [0.1, 0.9]]), "each row adds up to 100%"
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)
    assert figure.layout.yaxis.autorange == "reversed"
    assert [list(row) for row in heatmap.text] == [["80%", "20%"], ["10%", "90%"]]
    assert np.allclose(heatmap.customdata, [[8, 2], [1, 9]]), "songs on hover"


def cell_size(figure) -> tuple[float, float]:
    """(width, height) of one cell in px, from the figure's size, margins and the columns in view."""
    layout, heatmap = figure.layout, figure.data[0]
    low, high = layout.xaxis.range
    width = (layout.width - layout.margin.l - layout.margin.r) / (high - low)
    height = (layout.height - layout.margin.t - layout.margin.b) / len(heatmap.y)
    return width, height


def _mixed_up_counts(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.diag(np.linspace(300, 20, n)) + rng.poisson(0.5, (n, n))


def test_the_matrix_of_the_most_mixed_up_of_92_playlists_is_labelled_on_both_axes_with_a_colour_scale():
    counts = _mixed_up_counts(92)
    shown = confusion.focus_playlists(counts, limit=charts.FOCUS_PLAYLISTS)
    figure = charts.confusion_figure(MANY, counts, "t", shown=shown)
    heatmap = figure.data[0]
    names = [MANY[i] for i in shown]
    assert list(heatmap.y) == names and list(heatmap.x) == names + [charts.OTHERS]
    assert list(figure.layout.xaxis.tickvals) == names + [charts.OTHERS], "predicted playlists named too"
    assert list(figure.layout.yaxis.tickvals) == names
    assert heatmap.showscale is not False and heatmap.colorbar.tickformat == ".0%"
    assert np.allclose(np.sum(heatmap.z, axis=1), 1), "the rest of each row is in the last column"
    width, height = cell_size(figure)
    assert width >= 24 and height >= 24
    assert heatmap.texttemplate == "%{text}"


def test_cells_keep_their_size_however_many_playlists_are_shown():
    sizes = {n: cell_size(charts.confusion_figure(MANY[:n], _mixed_up_counts(n), "t")) for n in (3, 8, 15)}
    assert all(width >= 24 and height >= 24 for width, height in sizes.values())
    heights = [charts.confusion_figure(MANY[:n], _mixed_up_counts(n), "t").layout.height for n in (3, 8, 15)]
    assert heights == sorted(heights) and heights[0] < heights[-1], "the figure grows with the rows shown"


def test_the_full_matrix_of_92_playlists_keeps_cells_of_12_px_and_drags_sideways_to_the_rest():
    long_names = [f"{name} with a long name, shortened" for name in MANY]
    figure = charts.confusion_figure(long_names, _mixed_up_counts(92), None, cell=charts.FULL_CELL,
                                     columns_in_view=charts.FULL_COLUMNS)
    heatmap = figure.data[0]
    assert len(heatmap.y) == len(heatmap.x) == 92
    assert list(figure.layout.xaxis.tickvals) == list(figure.layout.yaxis.tickvals) == long_names
    width, height = cell_size(figure)
    assert width >= 12 and height >= 12
    assert tuple(figure.layout.xaxis.range) == (-0.5, charts.FULL_COLUMNS - 0.5)
    assert figure.layout.dragmode == "pan" and figure.layout.yaxis.fixedrange
    assert figure.layout.width <= 900, "fits the page, so the browser keeps the cell size"
    assert heatmap.text is None, "12 px cells show their share on hover only"


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


HOSTILE = '<a href="https://example.org/t">click</a> & <b>bold</b>'


def _markup_in(figure) -> list[str]:
    """Every string plotly would render as text (labels, ticks, names, hovers) that still holds markup."""
    found = []

    def walk(value):
        if isinstance(value, str):
            if "<a " in value or "<b>" in value:
                found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(figure.to_plotly_json())
    return found


def test_names_from_the_library_are_written_as_text_in_every_chart_never_read_as_links():
    names = [HOSTILE, "calm"]
    colors = charts.playlist_colors(names)
    sizes = pd.DataFrame({"playlist_name": names, "size": [5, 3]})
    profile = pd.DataFrame({"energy": [0.2, 0.8], "valence": [0.5, 0.1]}, index=names)
    points = pd.DataFrame({"playlist_name": names, "name": [HOSTILE, "song"], "energy": [0.1, 0.2],
                           "valence": [0.3, 0.4]})
    shares = pd.DataFrame({"playlist_name": names, "true_share": [0.6, 0.4], "label": "A", "strategy": "none",
                           "predicted_share": [0.5, 0.5]})
    figures = [charts.playlist_sizes_figure(sizes, colors), charts.feature_profile_figure(profile, colors),
               charts.feature_scatter_figure(points, "energy", "valence", colors), charts.share_figure(shares),
               charts.confusion_figure(names, [[3, 1], [1, 2]], "t")]
    for figure in figures:
        assert _markup_in(figure) == [], figure.layout.title.text
    escaped = "&lt;a href=\"https://example.org/t\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert charts.playlist_sizes_figure(sizes, colors).data[0].y[0] == escaped, "shown as the name reads"
    assert charts.feature_profile_figure(profile, colors).data[0].name == escaped
    short = charts.confusion_figure(names, [[3, 1], [1, 2]], "t").layout.yaxis.ticktext[0]
    assert short.startswith("&lt;a href=") and short.endswith("…") and "&l…" not in short
