"""The Train & tune page's charts: trial history, parameter importances, the neural net's curve."""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (ACCENT, MUTED, SCORE_LABELS, figure_of)


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
    return figure_of(traces, "Trial history", height=360, legend=dict(orientation="h", x=0, y=-0.25, yanchor="top"),
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
    return figure_of([bars], "Parameter importances", height=max(220, 60 + 36 * len(ordered)),
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
    return figure_of(traces, "Neural net: validation curve per epoch", height=340, xaxis=dict(title_text="epoch"),
                   yaxis=dict(title_text="loss"),
                   yaxis2=dict(title_text="accuracy", overlaying="y", side="right", tickformat=".0%", showgrid=False))
