"""Plotly figure builders: plain data in, a figure out; no Streamlit, no model code.

Every chart that shows playlists takes the same ``colors`` map (`playlist_colors`), so a
playlist keeps its colour on every page; every chart that shows configurations colours
them by imbalance strategy (`STRATEGY_COLORS`).
"""

from __future__ import annotations

import colorsys
from typing import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

ACCENT = "#4C60E6"
MUTED = "#5B6178"
TRUE_SHARE = "#8C93A8"
PALETTE: tuple[str, ...] = (
    "#4C60E6", "#F2A541", "#3DC6A8", "#E8556D", "#A77BF3", "#6FC3F7", "#F07EC0", "#B7D968",
    "#FF8C5A", "#2E9E6A", "#C9A227", "#7F8CFF", "#D65DB1", "#45B7D1", "#E3735E", "#9ACD32",
)
STRATEGY_COLORS = {"class_weights": ACCENT, "oversample": "#F2A541", "smote": "#3DC6A8",
                   "none": "#A77BF3", "leaky": "#E8556D"}
SCORE_LABELS = {"accuracy": "Accuracy", "top3": "Top-3", "macro_f1": "Macro-F1",
                "balanced_accuracy": "Balanced accuracy", "macro_ap": "Macro-AP"}


def playlist_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per playlist, by position in ``names`` (give them largest first).

    The first sixteen get hand-picked colours; later ones walk the hue circle by the
    golden ratio, so even a hundred playlists stay distinguishable and nothing is random.
    """
    colors = {}
    for index, name in enumerate(dict.fromkeys(names)):
        if index < len(PALETTE):
            colors[name] = PALETTE[index]
        else:
            red, green, blue = colorsys.hls_to_rgb((index * 0.6180339887) % 1.0, 0.62, 0.55)
            colors[name] = f"#{round(red * 255):02X}{round(green * 255):02X}{round(blue * 255):02X}"
    return colors


def _transparent(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _layout(figure: go.Figure, title: str | None = None, height: int = 380, **extra) -> go.Figure:
    # With a title the legend moves inside the top-right corner, so the two never overlap.
    legend = (dict(orientation="v", yanchor="top", y=0.99, xanchor="right", x=0.99, bgcolor="rgba(14,16,24,0.6)")
              if title else dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    figure.update_layout(title=dict(text=title) if title else None, height=height,
                         margin=dict(l=10, r=10, t=50 if title else 10, b=10), legend=legend)
    figure.update_layout(**extra)
    return figure


# ----- library ---------------------------------------------------------------------------------
def playlist_sizes_figure(sizes: pd.DataFrame, colors: Mapping[str, str], highlight: int = 3) -> go.Figure:
    """Bars of ``size`` per ``playlist_name`` (largest first); the largest ``highlight`` keep their
    colour and carry their share of all playlist tracks, the rest are muted."""
    sizes = sizes.sort_values("size", ascending=False, kind="stable").reset_index(drop=True)
    total = max(int(sizes["size"].sum()), 1)
    top = sizes.index < highlight
    bar_colors = [colors.get(name, ACCENT) if big else MUTED for name, big in zip(sizes["playlist_name"], top)]
    labels = [f"{size / total:.0%}" if big else "" for size, big in zip(sizes["size"], top)]
    figure = go.Figure(go.Bar(
        x=sizes["playlist_name"], y=sizes["size"], marker_color=bar_colors, text=labels,
        textposition="outside", customdata=sizes["size"] / total,
        hovertemplate="%{x}<br>%{y:,} tracks (%{customdata:.1%})<extra></extra>"))
    share = sizes.loc[top, "size"].sum() / total
    title = f"The largest {min(highlight, len(sizes))} playlists hold {share:.0%} of all playlist tracks"
    figure.update_xaxes(tickangle=-40, automargin=True)
    figure.update_yaxes(title_text="tracks")
    return _layout(figure, title, height=420, showlegend=False)


def feature_profile_figure(profile: pd.DataFrame, colors: Mapping[str, str]) -> go.Figure:
    """Radar of per-playlist feature profiles: ``profile`` is indexed by playlist name, one
    column per feature, values already scaled to 0-1 across the library."""
    features = list(profile.columns)
    figure = go.Figure()
    for name, row in profile.iterrows():
        values = [float(v) for v in row.to_numpy()]
        color = colors.get(name, ACCENT)
        figure.add_trace(go.Scatterpolar(
            r=values + values[:1], theta=features + features[:1], name=str(name), fill="toself",
            fillcolor=_transparent(color, 0.12), line=dict(color=color, width=2),
            hovertemplate="%{theta}: %{r:.2f}<extra>" + str(name) + "</extra>"))
    figure.update_polars(radialaxis=dict(range=[0, 1], showticklabels=False), bgcolor="rgba(0,0,0,0)")
    return _layout(figure, "Sound profile: each playlist's median as a percentile of your tracks", height=500,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.08, yanchor="top"),
                   margin=dict(l=70, r=70, t=60, b=10))


def feature_scatter_figure(points: pd.DataFrame, x: str, y: str, colors: Mapping[str, str]) -> go.Figure:
    """Tracks as dots at (``x``, ``y``) coloured by ``playlist_name``; hover shows ``name``."""
    figure = go.Figure()
    for name, group in points.groupby("playlist_name", sort=False):
        figure.add_trace(go.Scatter(
            x=group[x], y=group[y], mode="markers", name=str(name), text=group["name"],
            marker=dict(color=colors.get(name, ACCENT), size=6, opacity=0.7),
            hovertemplate="%{text}<br>" + f"{x} %{{x:.2f}} · {y} %{{y:.2f}}<extra>{name}</extra>"))
    figure.update_xaxes(title_text=x)
    figure.update_yaxes(title_text=y)
    return _layout(figure, f"{y} against {x}", height=460,
                   legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"))


def liked_status_figure(filed: int, unsorted: int) -> go.Figure:
    """Donut: liked songs already in a playlist against liked songs in none."""
    figure = go.Figure(go.Pie(
        labels=["already in a playlist", "in no playlist yet"], values=[filed, unsorted], hole=0.62,
        marker=dict(colors=[ACCENT, "#F2A541"]), sort=False, textinfo="percent",
        hovertemplate="%{label}: %{value:,} songs<extra></extra>"))
    figure.add_annotation(text=f"{filed + unsorted:,}<br>liked", showarrow=False, font=dict(size=18))
    return _layout(figure, "Liked songs", height=380,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.05, yanchor="top"))


# ----- training and tuning -----------------------------------------------------------------------
def trial_history_figure(trials: pd.DataFrame, objective: str) -> go.Figure:
    """Finished trials' ``value`` by ``number`` with the best so far as a step line; pruned trials
    (``state`` PRUNED, their value only a first fold's) are drawn apart and never count as best."""
    trials = trials.dropna(subset=["value"]).sort_values("number")
    complete = trials[trials["state"] == "COMPLETE"]
    pruned = trials[trials["state"] == "PRUNED"]
    figure = go.Figure([
        go.Scatter(x=complete["number"], y=complete["value"], mode="markers", name="trial",
                   marker=dict(color=MUTED, size=9), hovertemplate="trial %{x}: %{y:.3f}<extra></extra>"),
        go.Scatter(x=pruned["number"], y=pruned["value"], mode="markers", name="pruned after a fold",
                   marker=dict(color=MUTED, size=8, symbol="x-thin-open", line=dict(width=2)),
                   hovertemplate="trial %{x} pruned at %{y:.3f}<extra></extra>"),
        go.Scatter(x=complete["number"], y=complete["value"].cummax(), mode="lines", name="best so far",
                   line_shape="hv", line=dict(color=ACCENT, width=3),
                   hovertemplate="best after %{x}: %{y:.3f}<extra></extra>"),
    ])
    figure.update_xaxes(title_text="trial", tickmode="linear", tick0=0, dtick=_whole_step(trials["number"].max()),
                        tickformat="d")
    figure.update_yaxes(title_text=SCORE_LABELS.get(objective, objective))
    return _layout(figure, "Trial history", height=360,
                   legend=dict(orientation="h", x=0, y=-0.25, yanchor="top"))


def _whole_step(largest, ticks: int = 10) -> int:
    """A whole tick step (1, 2, 5, 10, 20, ...) giving at most about ``ticks`` ticks up to ``largest``:
    trials are counted, never halved."""
    largest = 1 if pd.isna(largest) else int(largest)
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if largest <= ticks * step:
                return step
        power *= 10


def importances_figure(importances: Mapping[str, float]) -> go.Figure:
    """Horizontal bars of parameter importances, most important on top."""
    ordered = sorted(importances.items(), key=lambda item: item[1])
    figure = go.Figure(go.Bar(
        x=[value for _, value in ordered], y=[name for name, _ in ordered], orientation="h",
        marker_color=ACCENT, hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    figure.update_xaxes(title_text="share of the score's variance explained", tickformat=".0%")
    return _layout(figure, "Parameter importances", height=max(220, 60 + 36 * len(ordered)))


def training_curve_figure(history: Sequence[Mapping[str, float]]) -> go.Figure:
    """Loss and validation loss per epoch, validation accuracy on the right-hand axis."""
    frame = pd.DataFrame(list(history))
    figure = go.Figure()
    for column, color, dash in (("loss", MUTED, "solid"), ("val_loss", ACCENT, "solid")):
        if column in frame:
            figure.add_trace(go.Scatter(x=frame["epoch"], y=frame[column], name=column.replace("_", " "),
                                        mode="lines+markers", line=dict(color=color, dash=dash)))
    if "val_accuracy" in frame:
        figure.add_trace(go.Scatter(x=frame["epoch"], y=frame["val_accuracy"], name="val accuracy",
                                    yaxis="y2", mode="lines", line=dict(color="#F2A541", dash="dot")))
    figure.update_layout(yaxis=dict(title_text="loss"),
                         yaxis2=dict(title_text="accuracy", overlaying="y", side="right", tickformat=".0%",
                                     showgrid=False))
    figure.update_xaxes(title_text="epoch")
    return _layout(figure, "Neural net: validation curve per epoch", height=340)


# ----- comparing configurations ------------------------------------------------------------------
def scores_figure(rows: pd.DataFrame) -> go.Figure:
    """Grouped bars: one group per score, one bar per configuration, baseline as a marker.

    ``rows`` has ``label``, ``strategy``, ``score`` (a `SCORE_LABELS` key), ``value``, ``baseline``;
    a leaky configuration is hatched so nobody mistakes it for an honest score.
    """
    figure = go.Figure()
    for label, group in rows.groupby("label", sort=False):
        strategy = group["strategy"].iloc[0]
        figure.add_trace(go.Bar(
            x=[SCORE_LABELS.get(s, s) for s in group["score"]], y=group["value"], name=str(label),
            text=[f"{v:.0%}" for v in group["value"]], textposition="outside",
            marker=dict(color=STRATEGY_COLORS.get(strategy, ACCENT),
                        pattern=dict(shape="/" if strategy == "leaky" else "")),
            hovertemplate="%{x}: %{y:.3f}<extra>" + str(label) + "</extra>"))
    baseline = rows.drop_duplicates("score")
    figure.add_trace(go.Scatter(
        x=[SCORE_LABELS.get(s, s) for s in baseline["score"]], y=baseline["baseline"], mode="markers",
        name="baseline (most frequent playlist)", marker=dict(symbol="line-ew-open", size=38, color="#E7E9F2",
                                                               line=dict(width=3)),
        hovertemplate="baseline %{x}: %{y:.3f}<extra></extra>"))
    figure.update_yaxes(range=[0, 1.08], tickformat=".0%")
    return _layout(figure, None, height=380, barmode="group", bargap=0.25)


def share_figure(shares: pd.DataFrame, colors: Mapping[str, str]) -> go.Figure:
    """Where the predictions go: true share per playlist as bars, each configuration's
    predicted share as a line on top (``shares``: ``playlist_name``, ``true_share``,
    ``label``, ``strategy``, ``predicted_share``; playlists largest first)."""
    truth = shares.drop_duplicates("playlist_name").sort_values("true_share", ascending=False, kind="stable")
    order = list(truth["playlist_name"])
    figure = go.Figure(go.Bar(
        x=order, y=truth["true_share"], name="true share", marker_color=[colors.get(n, TRUE_SHARE) for n in order],
        opacity=0.45, hovertemplate="%{x}: %{y:.1%} of the tracks<extra>true share</extra>"))
    for label, group in shares.groupby("label", sort=False):
        group = group.set_index("playlist_name").reindex(order)
        strategy = group["strategy"].dropna().iloc[0]
        figure.add_trace(go.Scatter(
            x=order, y=group["predicted_share"], name=f"predicted · {label}", mode="lines+markers",
            line=dict(color=STRATEGY_COLORS.get(strategy, ACCENT), width=3,
                      dash="dot" if strategy == "leaky" else "solid"),
            hovertemplate="%{x}: %{y:.1%} of the predictions<extra>" + str(label) + "</extra>"))
    figure.update_yaxes(tickformat=".0%", title_text="share of tracks")
    figure.update_xaxes(tickangle=-40, automargin=True)
    return _layout(figure, "Where the predictions go: predicted share against true share", height=440)


def confusion_figure(labels: Sequence[str], matrix: Sequence[Sequence[float]], title: str) -> go.Figure:
    """Row-normalised confusion matrix: rows are true playlists, columns predicted ones (same order).

    With many playlists the column names would overlap, so they are left to the hover text.
    """
    many = len(labels) > 12
    figure = go.Figure(go.Heatmap(
        z=matrix, x=list(labels), y=list(labels), zmin=0, zmax=1, showscale=False, xgap=1, ygap=1,
        colorscale=[[0, "#151826"], [0.25, "#27326F"], [1, ACCENT]],
        hovertemplate="true %{y}<br>predicted %{x}<br>%{z:.0%} of the row<extra></extra>"))
    figure.update_yaxes(autorange="reversed", title_text="true playlist", automargin=True,
                        tickfont=dict(size=10 if many else 12))
    figure.update_xaxes(title_text="predicted playlist", showticklabels=not many, tickangle=-40, automargin=True)
    return _layout(figure, title, height=max(360, 110 + (16 if many else 28) * len(labels)),
                   plot_bgcolor="rgba(0,0,0,0)")


def reliability_figure(before: Sequence[Mapping[str, float]], after: Sequence[Mapping[str, float]],
                       color: str = ACCENT, title: str | None = None) -> go.Figure:
    """Reliability diagram of the top choice: per confidence bin (`pipeline.metrics.reliability`:
    ``confidence``, ``accuracy``, ``count``), the mean confidence against the share right, before
    and after calibration. On the diagonal, confidence means what it says; marker area ~ tracks."""
    largest = max([row["count"] for row in [*before, *after]] or [1])
    figure = go.Figure(go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line=dict(color=TRUE_SHARE, dash="dash"),
        hoverinfo="skip"))
    for name, bins, line_color, dash in (("before calibration", before, MUTED, "dot"),
                                         ("after calibration", after, color, "solid")):
        bins = list(bins)
        figure.add_trace(go.Scatter(
            x=[row["confidence"] for row in bins], y=[row["accuracy"] for row in bins], name=name,
            mode="lines+markers", line=dict(color=line_color, dash=dash, width=1.5),
            marker=dict(color=line_color, size=[8 + 22 * (row["count"] / largest) ** 0.5 for row in bins],
                        line=dict(width=0)),
            customdata=[row["count"] for row in bins],
            hovertemplate="claimed %{x:.0%} · right %{y:.0%} · %{customdata:,} tracks<extra>" + name + "</extra>"))
    figure.update_xaxes(range=[0, 1], tickformat=".0%", title_text="confidence of the top choice")
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", title_text="share right")
    return _layout(figure, title, height=380, legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"))
