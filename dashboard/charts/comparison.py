"""Charts that compare configurations: scores, where predictions go, confusion, calibration."""

from __future__ import annotations

import html
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (ACCENT, MUTED, TRUE_SHARE, STRATEGY_COLORS, MARKER_SYMBOLS, CELL, CELL_TEXT,
                                    OTHERS, SCORE_LABELS, figure_of, plain, short, short_plain, rows_height,
                                    playlist_axis)


def scores_figure(rows: pd.DataFrame) -> go.Figure:
    """Grouped bars: one group per score, one bar per configuration, baseline as a marker.

    ``rows`` has ``label``, ``strategy``, ``score`` (a `SCORE_LABELS` key), ``value``, ``baseline``;
    a leaky configuration is hatched so nobody mistakes it for an honest score.
    """
    traces = []
    for label, group in rows.groupby("label", sort=False):
        strategy = group["strategy"].iloc[0]
        traces.append(go.Bar(
            x=[SCORE_LABELS.get(s, s) for s in group["score"]], y=group["value"], name=str(label),
            text=[f"{v:.0%}" for v in group["value"]], textposition="outside",
            marker=dict(color=STRATEGY_COLORS.get(strategy, ACCENT),
                        pattern=dict(shape="/" if strategy == "leaky" else "")),
            hovertemplate="%{x}: %{y:.3f}<extra>" + str(label) + "</extra>"))
    baseline = rows.drop_duplicates("score")
    traces.append(go.Scatter(
        x=[SCORE_LABELS.get(s, s) for s in baseline["score"]], y=baseline["baseline"], mode="markers",
        name="baseline (most frequent playlist)", marker=dict(symbol="line-ew-open", size=38, color="#E7E9F2",
                                                               line=dict(width=3)),
        hovertemplate="baseline %{x}: %{y:.3f}<extra></extra>"))
    return figure_of(traces, None, height=380, barmode="group", bargap=0.25,
                   yaxis=dict(range=[0, 1.08], tickformat=".0%"))


def share_figure(shares: pd.DataFrame, top: int | None = None) -> go.Figure:
    """Where the predictions go, one row per playlist (largest on top, the figure grows with them):
    its true share as a grey bar, each configuration's predicted share as a marker in the
    strategy's colour. ``shares``: ``playlist_name``, ``true_share``, ``label``, ``strategy``,
    ``predicted_share``. ``top`` keeps only that many of the largest playlists."""
    truth = shares.drop_duplicates("playlist_name").sort_values("true_share", ascending=False, kind="stable")
    order = list(truth["playlist_name"])[:top]
    names = [plain(name) for name in order]
    traces = [go.Bar(
        y=names, x=truth["true_share"][:len(order)], orientation="h", name="true share",
        marker_color=TRUE_SHARE, hovertemplate="%{y}: %{x:.1%} of the tracks<extra>true share</extra>")]
    for number, (label, group) in enumerate(shares.groupby("label", sort=False)):
        group = group.set_index("playlist_name").reindex(order)
        strategy = group["strategy"].dropna().iloc[0]
        traces.append(go.Scatter(
            y=names, x=group["predicted_share"], name=f"predicted · {label}", mode="markers",
            marker=_configuration_marker(number, STRATEGY_COLORS.get(strategy, ACCENT)),
            hovertemplate="%{y}: %{x:.1%} of the predictions<extra>" + str(label) + "</extra>"))
    shown = "" if len(order) == len(truth) else f" · the {len(order)} largest of {len(truth)} playlists"
    return figure_of(traces, "Where the predictions go: predicted share against true share" + shown,
                   height=rows_height(len(order), chrome=140), barmode="overlay", bargap=0.35,
                   legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom"),
                   margin=dict(l=10, r=10, t=80, b=10), yaxis=playlist_axis(names),
                   xaxis=dict(tickformat=".0%", title_text="share of tracks", rangemode="tozero"))


def _configuration_marker(number: int, color: str) -> dict:
    """The first configuration a filled circle, the others open shapes: equal values stay visible."""
    if number == 0:
        return dict(color=color, size=11, symbol="circle", line=dict(width=1, color="#0E1018"))
    return dict(color=color, size=12, symbol=MARKER_SYMBOLS[number % len(MARKER_SYMBOLS)] + "-open",
                line=dict(width=2.5, color=color))


def _shown_part(labels: Sequence[str], counts: Sequence[Sequence[float]],
                shown: Sequence[int] | None) -> tuple[list[str], list[str], np.ndarray]:
    """Row names, column names and songs of the ``shown`` playlists, the rest of each row in `OTHERS`."""
    counts = np.asarray(counts, dtype=float).reshape(len(labels), -1)
    rows = list(range(len(labels))) if shown is None else list(shown)
    names = [str(labels[i]) for i in rows]
    songs = counts[np.ix_(rows, rows)]
    if len(rows) == len(labels):
        return names, names, songs
    rest = np.clip(counts[rows].sum(axis=1) - songs.sum(axis=1), 0, None)
    return names, names + [OTHERS], np.column_stack([songs, rest])


def confusion_figure(labels: Sequence[str], counts: Sequence[Sequence[float]], title: str | None,
                     shown: Sequence[int] | None = None, cell: int = CELL,
                     columns_in_view: int | None = None) -> go.Figure:
    """Confusion matrix, each row normalised: rows are true playlists, columns predicted ones, in
    ``labels`` order; ``counts`` are songs (`pipeline.confusion.song_counts`), shown on hover.

    ``shown`` (indices) keeps only those playlists; what their rows send to the others goes to a
    last column, `OTHERS`, so every row still adds up to 100%. Every playlist is named on both
    axes, cells are ``cell`` px square and the figure's size follows the playlists shown, so cells
    never shrink; a cell of at least `CELL_TEXT` px shows its share. With more columns than
    ``columns_in_view``, that many are in view and the rest are a sideways drag away.
    """
    names, columns, songs = _shown_part([plain(label) for label in labels], counts, shown)
    totals = songs.sum(axis=1, keepdims=True)
    share = np.divide(songs, totals, out=np.zeros_like(songs), where=totals > 0)
    text = [[f"{v:.0%}" if v >= 0.005 else "" for v in row] for row in share] if cell >= CELL_TEXT else None
    in_view = len(columns) if columns_in_view is None else min(columns_in_view, len(columns))
    font = 11 if cell >= 20 else 9
    heatmap = go.Heatmap(
        z=share, x=columns, y=names, zmin=0, zmax=1, xgap=1, ygap=1, customdata=songs,
        colorscale=[[0, "#151826"], [0.25, "#27326F"], [1, ACCENT]], text=text,
        texttemplate="%{text}" if text else None, textfont=dict(size=10),
        colorbar=dict(title=dict(text="share of the<br>true playlist", side="top"), tickformat=".0%",
                      thickness=12, len=min(1.0, 300 / max(len(names) * cell, 1)), y=1, yanchor="top"),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{customdata:,.1~f} songs · %{z:.0%} of the true "
                      "playlist's songs<extra></extra>")
    # plotly cannot measure text here: reserve ~0.62 em per character of the longest shortened name
    label_room = round(0.62 * font * max([len(short(html.unescape(name))) for name in columns] or [0])) + 26
    top = label_room + (40 if title else 0)
    return figure_of([heatmap], title, height=top + len(names) * cell + 10, width=label_room + in_view * cell + 90,
                   yaxis=dict(autorange="reversed", title_text="true playlist", tickmode="array", tickvals=names,
                              ticktext=[short_plain(n) for n in names], tickfont=dict(size=font), fixedrange=True),
                   xaxis=dict(title_text="predicted playlist", side="top", tickmode="array", tickvals=columns,
                              ticktext=[short_plain(n) for n in columns], tickangle=-90, tickfont=dict(size=font),
                              range=[-0.5, in_view - 0.5], fixedrange=in_view == len(columns)),
                   margin=dict(l=label_room, r=90, t=top, b=10), plot_bgcolor="rgba(0,0,0,0)",
                   dragmode="pan" if in_view < len(columns) else False,
                   title_yref="container", title_y=1, title_yanchor="top", title_pad_t=12)


def reliability_figure(before: Sequence[Mapping[str, float]], after: Sequence[Mapping[str, float]],
                       color: str = ACCENT, title: str | None = None) -> go.Figure:
    """Reliability diagram of the top choice: per confidence bin (`pipeline.metrics.reliability`:
    ``confidence``, ``accuracy``, ``count``), the mean confidence against the share right, before
    and after calibration. On the diagonal, confidence means what it says; marker area ~ tracks."""
    largest = max([row["count"] for row in [*before, *after]] or [1])
    traces = [go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated", line=dict(color=TRUE_SHARE, dash="dash"),
        hoverinfo="skip")]
    for name, bins, line_color, dash in (("before calibration", before, MUTED, "dot"),
                                         ("after calibration", after, color, "solid")):
        bins = list(bins)
        traces.append(go.Scatter(
            x=[row["confidence"] for row in bins], y=[row["accuracy"] for row in bins], name=name,
            mode="lines+markers", line=dict(color=line_color, dash=dash, width=1.5),
            marker=dict(color=line_color, size=[8 + 22 * (row["count"] / largest) ** 0.5 for row in bins],
                        line=dict(width=0)),
            customdata=[row["count"] for row in bins],
            hovertemplate="claimed %{x:.0%} · right %{y:.0%} · %{customdata:,} tracks<extra>" + name + "</extra>"))
    return figure_of(traces, title, height=380, legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"),
                   xaxis=dict(range=[0, 1], tickformat=".0%", title_text="confidence of the top choice"),
                   yaxis=dict(range=[0, 1.02], tickformat=".0%", title_text="share right"))
