"""Which playlists get mixed up, drawn alike on Train and Compare: a labelled matrix of the playlists in
the most mixed-up pairs, every playlist one click away."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from pipeline import confusion


def draw_confusion(result, key: str) -> None:
    """``result``'s confusion as a readable matrix (`charts.FOCUS_PLAYLISTS` at most) keyed ``key``, and
    the full matrix in an expander (``{key}_all``) when there are more playlists than that."""
    names, counts = result.confusion_labels, confusion.counts_of(result)
    shown = confusion.focus_playlists(counts, limit=charts.FOCUS_PLAYLISTS)
    title = "Each playlist's songs, by predicted playlist" if len(shown) == len(names) else \
        f"The {len(shown)} playlists in the most mixed-up pairs, by predicted playlist"
    st.plotly_chart(charts.confusion_figure(names, counts, title, shown=shown), width="content", key=key)
    if len(shown) == len(names):
        return
    everything = st.expander(f"Every playlist: the full matrix of {len(names)}", on_change="rerun",
                             key=f"{key}_all_open")
    if everything.open:
        if len(names) > charts.FULL_COLUMNS:
            everything.caption(f"{charts.FULL_COLUMNS} predicted playlists in view: drag the matrix sideways "
                               "for the others.")
        everything.plotly_chart(charts.confusion_figure(names, counts, None, cell=charts.FULL_CELL,
                                                        columns_in_view=charts.FULL_COLUMNS),
                                width="content", key=f"{key}_all")
