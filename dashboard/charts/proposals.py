"""The New playlists page's chart: a proposed playlist's sound beside the existing playlists'."""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import ACCENT, MUTED, figure_of, plain, transparent


def proposal_profile_figure(name: str, profile: pd.Series, playlists: pd.DataFrame,
                            colors: Mapping[str, str]) -> go.Figure:
    """Radar of a proposal's ``profile`` (feature -> 0-1 percentile, as `feature_profile_figure` draws
    playlists), filled and on top, with the ``playlists`` (indexed by name, the same columns) as dotted
    outlines in their colours, to compare against."""
    features = list(profile.index)

    def closed(values) -> list[float]:
        values = [float(v) for v in values]
        return values + values[:1]

    traces = [go.Scatterpolar(
        r=closed(row.reindex(features).to_numpy()), theta=features + features[:1], name=plain(playlist),
        line=dict(color=colors.get(playlist, MUTED), width=1.5, dash="dot"), fill="none",
        hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>")
        for playlist, row in playlists.iterrows()]
    traces.append(go.Scatterpolar(
        r=closed(profile.to_numpy()), theta=features + features[:1], name=f"{plain(name)} (proposed)",
        fill="toself", fillcolor=transparent(ACCENT, 0.25), line=dict(color=ACCENT, width=3),
        hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>"))
    return figure_of(traces, "Sound profile: median as a percentile of your playlist tracks", height=420,
                     legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.08, yanchor="top"),
                     margin=dict(l=60, r=60, t=60, b=10),
                     polar=dict(radialaxis=dict(range=[0, 1], showticklabels=False), bgcolor="rgba(0,0,0,0)"))
