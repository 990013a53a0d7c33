"""The Library page's charts: playlist sizes, sound profiles, the feature scatter, liked songs."""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.style import (ACCENT, MUTED, figure_of, plain, rows_height, playlist_axis, transparent)


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
    names = [plain(name) for name in sizes["playlist_name"]]
    bars = go.Bar(
        y=names, x=sizes["size"], orientation="h", marker_color=bar_colors, text=labels,
        textposition="outside", cliponaxis=False, customdata=shares,
        hovertemplate="%{y}<br>%{x:,} tracks (%{customdata:.0%} of your tracks)<extra></extra>")
    shown = min(highlight, len(sizes))
    title = (f"The largest {shown} playlists hold {largest_share:.0%} of your tracks" if largest_share is not None
             else f"Your {len(sizes)} playlists by size")
    # the largest bar's label sits right of it, inside the plot, never under the title
    return figure_of([bars], title, height=rows_height(len(sizes)), showlegend=False, yaxis=playlist_axis(names),
                   xaxis=dict(title_text="tracks",
                              range=[0, max(int(sizes["size"].max() if len(sizes) else 0), 1) * 1.12]))


def feature_profile_figure(profile: pd.DataFrame, colors: Mapping[str, str]) -> go.Figure:
    """Radar of per-playlist feature profiles: ``profile`` is indexed by playlist name, one
    column per feature, values already scaled to 0-1 across the library."""
    features = list(profile.columns)
    traces = []
    for name, row in profile.iterrows():
        values = [float(v) for v in row.to_numpy()]
        color = colors.get(name, ACCENT)
        traces.append(go.Scatterpolar(
            r=values + values[:1], theta=features + features[:1], name=plain(name), fill="toself",
            fillcolor=transparent(color, 0.12), line=dict(color=color, width=2),
            hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>"))
    return figure_of(traces, "Sound profile: each playlist's median as a percentile of your tracks", height=500,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.08, yanchor="top"),
                   margin=dict(l=70, r=70, t=60, b=10),
                   polar=dict(radialaxis=dict(range=[0, 1], showticklabels=False), bgcolor="rgba(0,0,0,0)"))


def feature_scatter_figure(points: pd.DataFrame, x: str, y: str, colors: Mapping[str, str]) -> go.Figure:
    """Tracks as dots at (``x``, ``y``) coloured by ``playlist_name``; hover shows ``name``."""
    traces = [go.Scatter(
        x=group[x], y=group[y], mode="markers", name=plain(name), text=[plain(song) for song in group["name"]],
        marker=dict(color=colors.get(name, ACCENT), size=6, opacity=0.7),
        hovertemplate="%{text}<br>" + f"{x} %{{x:.2f}} · {y} %{{y:.2f}}<extra>%{{fullData.name}}</extra>")
        for name, group in points.groupby("playlist_name", sort=False)]
    return figure_of(traces, f"{y} against {x}", height=460, xaxis=dict(title_text=x), yaxis=dict(title_text=y),
                   legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"))


def liked_status_figure(filed: int, unsorted: int) -> go.Figure:
    """Donut: liked songs already in a playlist against liked songs in none."""
    donut = go.Pie(
        labels=["already in a playlist", "in no playlist yet"], values=[filed, unsorted], hole=0.62,
        marker=dict(colors=[ACCENT, "#F2A541"]), sort=False, textinfo="percent",
        hovertemplate="%{label}: %{value:,} songs<extra></extra>")
    return figure_of([donut], "Liked songs", height=380,
                   legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.05, yanchor="top"),
                   annotations=[dict(text=f"{filed + unsorted:,}<br>liked", showarrow=False, font=dict(size=18))])
