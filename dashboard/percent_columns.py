"""Shares in tables shown one way everywhere: one decimal and a percent sign, like the score cards.

Streamlit's ``format="percent"`` prints as many decimals as the value has (83.43%, 50.3%, 99%);
a printf format prints one, but applies to the number as stored: so shares become percents
(0.834 -> 83.4) for display only, and the column's bar runs from 0 to 100.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd
import streamlit as st

FORMAT = "%.1f%%"


def as_percents(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy of ``frame`` with the share ``columns`` (0..1) as percents (0..100), for display."""
    present = [c for c in columns if c in frame.columns]
    return frame.assign(**{c: frame[c].astype(float) * 100 for c in present})


def percent_bar(label: str, **options) -> st.column_config.ProgressColumn:
    """A progress bar for a column `as_percents` converted."""
    return st.column_config.ProgressColumn(label, format=FORMAT, min_value=0.0, max_value=100.0, **options)


def percent_number(label: str, **options) -> st.column_config.NumberColumn:
    """A plain number column for a column `as_percents` converted."""
    return st.column_config.NumberColumn(label, format=FORMAT, **options)
