"""Score cards: each headline score of an evaluation with its baseline beside it."""

from __future__ import annotations

from typing import Sequence

from dashboard import story
from dashboard.charts import SCORE_LABELS

BACKTEST_LABEL = "Backtest"


def score_cards(result, columns: Sequence, border: bool = False, describe_baseline: bool = True) -> None:
    """One `st.metric` per headline score, laid out over ``columns`` in turn; the delta is the gain
    over the baseline (named beside it when ``describe_baseline``, else in the help)."""
    for index, (score, value) in enumerate(story.headline_values(result).items()):
        if score == "backtest":
            label, baseline = BACKTEST_LABEL, result.baseline_backtest.accuracy or 0.0
            help_text = (f"Liked songs you already filed, hidden from training: how often the top suggestion is "
                         f"a playlist you chose. Baseline {baseline:.1%}.")
        else:
            label, baseline = SCORE_LABELS[score], getattr(result.baseline, score)
            help_text = f"Baseline (always the largest playlist): {baseline:.1%}."
        columns[index % len(columns)].metric(
            label, f"{value:.1%}", delta=f"{(value - baseline) * 100:+.1f} pts",
            delta_description=f"vs {baseline:.0%} baseline" if describe_baseline else None, help=help_text,
            border=border)


def baselines(result) -> str:
    """The baseline of every headline score, as one short line."""
    parts = [f"{SCORE_LABELS[score]} {getattr(result.baseline, score):.0%}" for score in story.HEADLINE_SCORES]
    if result.backtest.n and result.baseline_backtest.accuracy is not None:
        parts.append(f"backtest {result.baseline_backtest.accuracy:.0%}")
    return ", ".join(parts)
