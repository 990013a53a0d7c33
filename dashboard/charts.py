"""Plotly figure builders: plain data in, a figure out; no Streamlit, no model code.

Every chart that colours playlists takes the same ``colors`` map (`playlist_colors`), so a
playlist keeps its colour on every page; every chart that shows configurations colours
them by imbalance strategy (`STRATEGY_COLORS`). Charts with a row per playlist grow with the
playlists (`ROW_HEIGHT`, `CELL`), so every name shows at a hundred playlists too.

Figures are built in one go (`_figure`: the traces and the whole layout handed to ``go.Figure``):
plotly validates a layout given to the constructor ~10x faster than one applied with
``update_layout``, which is most of a redraw's figure time. Names from the library are written
as text (`_plain`): plotly reads ``<a href>``, ``<b>`` and entities in labels, legends and hovers.
"""

from __future__ import annotations

import colorsys
import html
from typing import Mapping, Sequence

import numpy as np
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
MARKER_SYMBOLS = ("circle", "diamond", "square", "triangle-up")
"""One marker shape per configuration on the same chart, so colour is never the only difference."""
ROW_HEIGHT = 20
"""Pixels per playlist in the bar charts: one 11 px name per row, never skipped."""
LABEL_CHARS = 28
"""Longer playlist names are shortened on an axis (hover shows them whole)."""
SHARE_ROWS = 40
"""Playlists in the share chart unless all are asked for (about 940 px tall)."""
FOCUS_PLAYLISTS = 15
"""At most this many playlists in the confusion matrix drawn by default; the full one on demand."""
CELL = 28
"""Pixels per cell of the confusion matrix of the most mixed-up playlists: room for "12%"."""
FULL_CELL = 14
"""Pixels per cell of the full confusion matrix: one 9 px name per row and column."""
FULL_COLUMNS = 42
"""Columns of the full confusion matrix in view at once (at most ~860 px wide, so the page never
squeezes the cells); the rest are a sideways drag away."""
CELL_TEXT = 24
"""Cells at least this big show their share; smaller ones only on hover."""
OTHERS = "all other playlists"
"""The column of a partial confusion matrix that gathers every playlist not shown."""
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


def _figure(data, title: str | None = None, height: int = 380, **layout) -> go.Figure:
    """The figure of ``data`` (traces) with the house layout: ``title``, ``height``, margins and the
    legend, each overridden or extended by ``layout`` (nested settings are merged, as
    ``update_layout`` would)."""
    # With a title the legend moves inside the top-right corner, so the two never overlap.
    legend = (dict(orientation="v", yanchor="top", y=0.99, xanchor="right", x=0.99, bgcolor="rgba(14,16,24,0.6)")
              if title else dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    base = dict(title=dict(text=title) if title else None, height=height,
                margin=dict(l=10, r=10, t=50 if title else 10, b=10), legend=legend)
    return go.Figure(data=data, layout=_merged(base, layout))


def _merged(base: dict, extra: Mapping) -> dict:
    """``base`` with ``extra`` laid over it, dictionaries merged key by key."""
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (_merged(merged[key], value) if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping)
                       else value)
    return merged


def _plain(text) -> str:
    """``text`` as plotly should write it: ``<``, ``>`` and ``&`` shown, never read as markup."""
    return html.escape(str(text), quote=False)


# ----- library ---------------------------------------------------------------------------------
def playlist_sizes_figure(sizes: pd.DataFrame, colors: Mapping[str, str], highlight: int = 3,
                          largest_share: float | None = None) -> go.Figure:
    """Horizontal bars of ``size`` per ``playlist_name``, largest on top, one row per playlist (the
    figure grows with them, so every name shows); the largest ``highlight`` keep their colour and carry
    their ``share`` of the tracks (a track in two playlists counts in both), the rest are muted.
    ``largest_share``: the share of tracks the largest ``highlight`` hold together (each counted once:
    `pipeline.baseline`), for the title."""
    sizes = sizes.sort_values("size", ascending=False, kind="stable").reset_index(drop=True)
    shares = sizes["share"] if "share" in sizes else sizes["size"] / max(int(sizes["size"].sum()), 1)
    top = sizes.index < highlight
    bar_colors = [colors.get(name, ACCENT) if big else MUTED for name, big in zip(sizes["playlist_name"], top)]
    labels = [f"{share:.0%}" if big else "" for share, big in zip(shares, top)]
    names = [_plain(name) for name in sizes["playlist_name"]]
    bars = go.Bar(
        y=names, x=sizes["size"], orientation="h", marker_color=bar_colors, text=labels,
        textposition="outside", cliponaxis=False, customdata=shares,
        hovertemplate="%{y}<br>%{x:,} tracks (%{customdata:.0%} of your tracks)<extra></extra>")
    shown = min(highlight, len(sizes))
    title = (f"The largest {shown} playlists hold {largest_share:.0%} of your tracks" if largest_share is not None
             else f"Your {len(sizes)} playlists by size")
    # the largest bar's label sits right of it, inside the plot, never under the title
    return _figure([bars], title, height=_rows_height(len(sizes)), showlegend=False, yaxis=_playlist_axis(names),
                   xaxis=dict(title_text="tracks",
                              range=[0, max(int(sizes["size"].max() if len(sizes) else 0), 1) * 1.12]))


def _playlist_axis(names: Sequence[str]) -> dict:
    """Playlists (already `_plain`) down the y axis, first on top, every name written (long ones
    shortened; hover has them whole)."""
    return dict(range=[len(names) - 0.5, -0.5], tickmode="array", tickvals=list(names),
                ticktext=[_short_plain(name) for name in names], automargin=True, tickfont=dict(size=11))


def _rows_height(rows: int, row: int = ROW_HEIGHT, chrome: int = 110) -> int:
    """Height of a chart with one ``row``-px row per playlist: title, legend and axis take ``chrome``."""
    return max(300, chrome + row * rows)


def _short(name: str, limit: int = LABEL_CHARS) -> str:
    name = str(name)
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _short_plain(plain: str) -> str:
    """`_short` of an escaped name, shortened as the reader sees it (never inside ``&lt;``)."""
    return _plain(_short(html.unescape(plain)))


def feature_profile_figure(profile: pd.DataFrame, colors: Mapping[str, str]) -> go.Figure:
    """Radar of per-playlist feature profiles: ``profile`` is indexed by playlist name, one
    column per feature, values already scaled to 0-1 across the library."""
    features = list(profile.columns)
    traces = []
    for name, row in profile.iterrows():
        values = [float(v) for v in row.to_numpy()]
        color = colors.get(name, ACCENT)
        traces.append(go.Scatterpolar(
            r=values + values[:1], theta=features + features[:1], name=_plain(name), fill="toself",
            fillcolor=_transparent(color, 0.12), line=dict(color=color, width=2),
            hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>"))
    return _figure(traces, "Sound profile: each playlist's median as a percentile of your tracks", height=500,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.08, yanchor="top"),
                   margin=dict(l=70, r=70, t=60, b=10),
                   polar=dict(radialaxis=dict(range=[0, 1], showticklabels=False), bgcolor="rgba(0,0,0,0)"))


def feature_scatter_figure(points: pd.DataFrame, x: str, y: str, colors: Mapping[str, str]) -> go.Figure:
    """Tracks as dots at (``x``, ``y``) coloured by ``playlist_name``; hover shows ``name``."""
    traces = [go.Scatter(
        x=group[x], y=group[y], mode="markers", name=_plain(name), text=[_plain(song) for song in group["name"]],
        marker=dict(color=colors.get(name, ACCENT), size=6, opacity=0.7),
        hovertemplate="%{text}<br>" + f"{x} %{{x:.2f}} · {y} %{{y:.2f}}<extra>%{{fullData.name}}</extra>")
        for name, group in points.groupby("playlist_name", sort=False)]
    return _figure(traces, f"{y} against {x}", height=460, xaxis=dict(title_text=x), yaxis=dict(title_text=y),
                   legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"))


def liked_status_figure(filed: int, unsorted: int) -> go.Figure:
    """Donut: liked songs already in a playlist against liked songs in none."""
    donut = go.Pie(
        labels=["already in a playlist", "in no playlist yet"], values=[filed, unsorted], hole=0.62,
        marker=dict(colors=[ACCENT, "#F2A541"]), sort=False, textinfo="percent",
        hovertemplate="%{label}: %{value:,} songs<extra></extra>")
    return _figure([donut], "Liked songs", height=380,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.05, yanchor="top"),
                   annotations=[dict(text=f"{filed + unsorted:,}<br>liked", showarrow=False, font=dict(size=18))])


# ----- training and tuning -----------------------------------------------------------------------
def trial_history_figure(trials: pd.DataFrame, objective: str) -> go.Figure:
    """Finished trials' ``value`` by ``number`` with the best so far as a step line; pruned trials
    (``state`` PRUNED, their value only a first fold's) are drawn apart and never count as best."""
    trials = trials.dropna(subset=["value"]).sort_values("number")
    complete = trials[trials["state"] == "COMPLETE"]
    pruned = trials[trials["state"] == "PRUNED"]
    traces = [
        go.Scatter(x=complete["number"], y=complete["value"], mode="markers", name="trial",
                   marker=dict(color=MUTED, size=9), hovertemplate="trial %{x}: %{y:.3f}<extra></extra>"),
        go.Scatter(x=pruned["number"], y=pruned["value"], mode="markers", name="pruned after a fold",
                   marker=dict(color=MUTED, size=8, symbol="x-thin-open", line=dict(width=2)),
                   hovertemplate="trial %{x} pruned at %{y:.3f}<extra></extra>"),
        go.Scatter(x=complete["number"], y=complete["value"].cummax(), mode="lines", name="best so far",
                   line_shape="hv", line=dict(color=ACCENT, width=3),
                   hovertemplate="best after %{x}: %{y:.3f}<extra></extra>"),
    ]
    return _figure(traces, "Trial history", height=360, legend=dict(orientation="h", x=0, y=-0.25, yanchor="top"),
                   xaxis=dict(title_text="trial", tickmode="linear", tick0=0,
                              dtick=_whole_step(trials["number"].max()), tickformat="d"),
                   yaxis=dict(title_text=SCORE_LABELS.get(objective, objective)))


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
    bars = go.Bar(x=[value for _, value in ordered], y=[name for name, _ in ordered], orientation="h",
                  marker_color=ACCENT, hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    return _figure([bars], "Parameter importances", height=max(220, 60 + 36 * len(ordered)),
                   xaxis=dict(title_text="share of the score's variance explained", tickformat=".0%"))


def training_curve_figure(history: Sequence[Mapping[str, float]]) -> go.Figure:
    """Loss and validation loss per epoch, validation accuracy on the right-hand axis."""
    frame = pd.DataFrame(list(history))
    traces = [go.Scatter(x=frame["epoch"], y=frame[column], name=column.replace("_", " "), mode="lines+markers",
                         line=dict(color=color, dash=dash))
              for column, color, dash in (("loss", MUTED, "solid"), ("val_loss", ACCENT, "solid")) if column in frame]
    if "val_accuracy" in frame:
        traces.append(go.Scatter(x=frame["epoch"], y=frame["val_accuracy"], name="val accuracy",
                                 yaxis="y2", mode="lines", line=dict(color="#F2A541", dash="dot")))
    return _figure(traces, "Neural net: validation curve per epoch", height=340, xaxis=dict(title_text="epoch"),
                   yaxis=dict(title_text="loss"),
                   yaxis2=dict(title_text="accuracy", overlaying="y", side="right", tickformat=".0%", showgrid=False))


# ----- comparing configurations ------------------------------------------------------------------
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
    return _figure(traces, None, height=380, barmode="group", bargap=0.25,
                   yaxis=dict(range=[0, 1.08], tickformat=".0%"))


def share_figure(shares: pd.DataFrame, top: int | None = None) -> go.Figure:
    """Where the predictions go, one row per playlist (largest on top, the figure grows with them):
    its true share as a grey bar, each configuration's predicted share as a marker in the
    strategy's colour. ``shares``: ``playlist_name``, ``true_share``, ``label``, ``strategy``,
    ``predicted_share``. ``top`` keeps only that many of the largest playlists."""
    truth = shares.drop_duplicates("playlist_name").sort_values("true_share", ascending=False, kind="stable")
    order = list(truth["playlist_name"])[:top]
    names = [_plain(name) for name in order]
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
    return _figure(traces, "Where the predictions go: predicted share against true share" + shown,
                   height=_rows_height(len(order), chrome=140), barmode="overlay", bargap=0.35,
                   legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom"),
                   margin=dict(l=10, r=10, t=80, b=10), yaxis=_playlist_axis(names),
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
    names, columns, songs = _shown_part([_plain(label) for label in labels], counts, shown)
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
    label_room = round(0.62 * font * max([len(_short(html.unescape(name))) for name in columns] or [0])) + 26
    top = label_room + (40 if title else 0)
    return _figure([heatmap], title, height=top + len(names) * cell + 10, width=label_room + in_view * cell + 90,
                   yaxis=dict(autorange="reversed", title_text="true playlist", tickmode="array", tickvals=names,
                              ticktext=[_short_plain(n) for n in names], tickfont=dict(size=font), fixedrange=True),
                   xaxis=dict(title_text="predicted playlist", side="top", tickmode="array", tickvals=columns,
                              ticktext=[_short_plain(n) for n in columns], tickangle=-90, tickfont=dict(size=font),
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
    return _figure(traces, title, height=380, legend=dict(orientation="h", x=0, y=-0.22, yanchor="top"),
                   xaxis=dict(range=[0, 1], tickformat=".0%", title_text="confidence of the top choice"),
                   yaxis=dict(range=[0, 1.02], tickformat=".0%", title_text="share right"))
