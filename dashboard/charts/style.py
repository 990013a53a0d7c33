"""The look every chart shares: colours, sizes, and how a figure is built and labelled.

Figures are built in one go (`figure_of`: the traces and the whole layout handed to ``go.Figure``):
plotly validates a layout given to the constructor ~10x faster than one applied with
``update_layout``, which was most of a redraw's figure time. Names from the library are written
as text (`plain`): plotly reads ``<a href>``, ``<b>`` and entities in labels, legends and hovers.
"""

from __future__ import annotations

import colorsys
import html
from typing import Mapping, Sequence

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


def transparent(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def figure_of(data, title: str | None = None, height: int = 380, **layout) -> go.Figure:
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


def plain(text) -> str:
    """``text`` as plotly should write it: ``<``, ``>`` and ``&`` shown, never read as markup."""
    return html.escape(str(text), quote=False)


def playlist_axis(names: Sequence[str]) -> dict:
    """Playlists (already `plain`) down the y axis, first on top, every name written (long ones
    shortened; hover has them whole)."""
    return dict(range=[len(names) - 0.5, -0.5], tickmode="array", tickvals=list(names),
                ticktext=[short_plain(name) for name in names], automargin=True, tickfont=dict(size=11))


def rows_height(rows: int, row: int = ROW_HEIGHT, chrome: int = 110) -> int:
    """Height of a chart with one ``row``-px row per playlist: title, legend and axis take ``chrome``."""
    return max(300, chrome + row * rows)


def short(name: str, limit: int = LABEL_CHARS) -> str:
    """``name`` cut to ``limit`` characters, an ellipsis marking the cut."""
    name = str(name)
    return name if len(name) <= limit else name[:limit - 1] + "…"


def short_plain(escaped: str) -> str:
    """`short` of a `plain` name, shortened as the reader sees it (never inside ``&lt;``)."""
    return plain(short(html.unescape(escaped)))
