"""Plotly figure builders: plain data in, a figure out; no Streamlit, no model code.

Every chart that colours playlists takes the same ``colors`` map (`playlist_colors`), so a
playlist keeps its colour on every page; every chart that shows configurations colours
them by imbalance strategy (`STRATEGY_COLORS`). Charts with a row per playlist grow with the
playlists (`ROW_HEIGHT`, `CELL`), so every name shows at a hundred playlists too.

``style`` holds the shared look and how a figure is built; ``library``, ``training`` and
``comparison`` the figures of the pages that draw them. Everything is importable from here.
"""

from dashboard.charts.comparison import confusion_figure, reliability_figure, scores_figure, share_figure
from dashboard.charts.library import (feature_profile_figure, feature_scatter_figure, liked_status_figure,
                                      playlist_sizes_figure)
from dashboard.charts.proposals import proposal_profile_figure
from dashboard.charts.style import (ACCENT, CELL, CELL_TEXT, FOCUS_PLAYLISTS, FULL_CELL, FULL_COLUMNS, LABEL_CHARS,
                                    MARKER_SYMBOLS, MUTED, OTHERS, PALETTE, ROW_HEIGHT, SCORE_LABELS, SHARE_ROWS,
                                    STRATEGY_COLORS, TRUE_SHARE, playlist_colors)
from dashboard.charts.training import importances_figure, trial_history_figure, training_curve_figure

__all__ = ["ACCENT", "CELL", "CELL_TEXT", "FOCUS_PLAYLISTS", "FULL_CELL", "FULL_COLUMNS", "LABEL_CHARS",
           "MARKER_SYMBOLS", "MUTED", "OTHERS", "PALETTE", "ROW_HEIGHT", "SCORE_LABELS", "SHARE_ROWS",
           "STRATEGY_COLORS", "TRUE_SHARE", "confusion_figure", "feature_profile_figure", "feature_scatter_figure",
           "importances_figure", "liked_status_figure", "playlist_colors", "playlist_sizes_figure",
           "proposal_profile_figure", "reliability_figure", "scores_figure", "share_figure", "training_curve_figure",
           "trial_history_figure"]
