"""Score cards: each headline score of an evaluation with its baseline beside it."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from dashboard import story
from dashboard.charts import SCORE_LABELS
from pipeline.baseline import DEFINITION

BACKTEST_LABEL = "Backtest"


def score_cards(result, columns: Sequence, border: bool = False, describe_baseline: bool = True) -> None:
    """One `st.metric` per headline score, laid out over ``columns`` in turn; the delta is the gain
    over the baseline (named beside it when ``describe_baseline``, else in the help). When a score
    falls below its baseline, a caption under the cards says what that means."""
    below = False
    for index, (score, value) in enumerate(story.headline_values(result).items()):
        baseline = story.baseline_value(result, score)
        if score == "backtest":
            label = BACKTEST_LABEL
            help_text = (f"Liked songs you already filed, hidden from training: how often the top suggestion is "
                         f"a playlist you chose. Baseline {baseline:.1%}. {DEFINITION}")
        else:
            label = SCORE_LABELS[score]
            help_text = f"Baseline (always the largest playlist): {baseline:.1%}. {DEFINITION}"
        gain = story.gain_points(result, score)
        below = below or gain < 0
        columns[index % len(columns)].metric(
            label, f"{value:.1%}", delta=f"{gain:+.1f} pts",
            delta_description=f"vs {baseline:.0%} baseline" if describe_baseline else None, help=help_text,
            border=border)
    if below:
        st.caption(story.below_baseline_sentence(result))


def baselines(result) -> str:
    """The baseline of every headline score, as one short line."""
    parts = [f"{SCORE_LABELS[score]} {getattr(result.baseline, score):.0%}" for score in story.HEADLINE_SCORES]
    if result.backtest.n and result.baseline_backtest.accuracy is not None:
        parts.append(f"backtest {result.baseline_backtest.accuracy:.0%}")
    return ", ".join(parts)
