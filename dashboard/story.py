"""The Compare page's words and tables, computed from the user's own results (no Streamlit).

Nothing here is pre-written: "ties", "leads" and "inflated by" come from the numbers, with a
tie whenever two scores differ by less than their sampling noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import pandas as pd

from pipeline.config import RunConfig
from pipeline.imbalance import PARAMS_OF_STRATEGY
from pipeline.metrics import calibration_noise_floor
from pipeline.recommended import CATCH_ALL_SHARE

HEADLINE_SCORES: tuple[str, ...] = ("accuracy", "top3", "macro_f1", "macro_ap")
SCORE_WORDS = {"accuracy": "accuracy", "top3": "top-3", "macro_f1": "macro-F1", "macro_ap": "macro-AP",
               "backtest": "the backtest on liked songs"}


def column_config(selected: RunConfig, strategy: str) -> RunConfig:
    """One Compare column: the sidebar's configuration with ``strategy`` and the model's default
    parameters, keeping only that strategy's own knob (the class-weight strength), so the columns
    differ by the strategy alone."""
    own = PARAMS_OF_STRATEGY.get(strategy, ())
    return replace(selected, strategy=strategy, params={k: v for k, v in selected.param_dict.items() if k in own})


def noise_margin(a: float, b: float, n: int) -> float:
    """Two standard errors of a proportion near ``(a+b)/2`` measured on ``n`` items.

    Both configurations are scored on the same tracks, so this overstates the noise of their
    difference a little: a "tie" here is a cautious word, never a hidden lead.
    """
    p = min(max((a + b) / 2, 0.0), 1.0)
    return 2 * math.sqrt(max(p * (1 - p), 0.01) / max(n, 1))


@dataclass(frozen=True)
class Verdict:
    """One score of two configurations, and whether the gap is larger than the noise."""

    score: str
    first: float
    second: float
    margin: float

    @property
    def gap(self) -> float:
        return self.first - self.second

    @property
    def tie(self) -> bool:
        return abs(self.gap) <= self.margin


def headline_values(result) -> dict[str, float]:
    """The scores a column shows, by `SCORE_WORDS` key (backtest top-1 when there are filed liked songs)."""
    values = {score: float(getattr(result.metrics, score)) for score in HEADLINE_SCORES}
    if result.backtest.n and result.backtest.accuracy is not None:
        values["backtest"] = float(result.backtest.accuracy)
    return values


def baseline_value(result, score: str) -> float:
    """The baseline's value of a `headline_values` score (`pipeline.baseline`)."""
    if score == "backtest":
        return float(result.baseline_backtest.accuracy or 0.0)
    return float(getattr(result.baseline, score))


def gain_points(result, score: str) -> float:
    """A `headline_values` score's gain over its baseline in percentage points, to one decimal
    (+ 0.0: a gain that rounds to nothing reads "+0.0", not a red "-0.0")."""
    return round((headline_values(result)[score] - baseline_value(result, score)) * 100, 1) + 0.0


LEAK_EXPLAINED = (
    "**Why the leaky column looks so good.** Leaky oversampling copies songs from the small playlists "
    "*before* the data is split into training and test folds. Copies of one song then sit on both sides of "
    "the split, so part of every test is a song the model already memorised in training. Its scores measure "
    "memory, not judgement: they rise above every honest column, yet on songs it has truly never seen (the "
    "backtest on liked songs you filed yourself) it does no better. Oversampling is honest only inside each "
    "training fold, where the copies never reach the test songs."
)


def below_baseline_sentence(result) -> str:
    """What a red delta means, naming the playlist to leave out when one holds most of the tracks."""
    text = ("Red: below the baseline. There the model does worse than always answering with your largest "
            "playlists, ")
    if result.baseline.accuracy > CATCH_ALL_SHARE and result.confusion_labels:
        largest = result.confusion_labels[0].replace("`", "'")
        return text + (f"because `{largest}` holds {result.baseline.accuracy:.0%} of the tracks: a catch-all "
                       "playlist like that sets the bar out of reach. Leave it out in the sidebar and train again.")
    return text + ("usually because a catch-all playlist (one that everything goes into) holds most of the "
                   "tracks: leave it out in the sidebar and train again.")


def compare(first, second) -> list[Verdict]:
    """Verdicts for every score both results have."""
    a, b = headline_values(first), headline_values(second)
    verdicts = []
    for score in a.keys() & b.keys():
        n = min(first.backtest.n, second.backtest.n) if score == "backtest" else min(first.n_items, second.n_items)
        verdicts.append(Verdict(score, a[score], b[score], noise_margin(a[score], b[score], n)))
    order = list(SCORE_WORDS)
    return sorted(verdicts, key=lambda v: order.index(v.score))


def verdict_sentence(verdicts: Sequence[Verdict], first: str, second: str) -> str:
    """E.g. "Class weights and Random oversampling tie on accuracy and top-3; Class weights lead on
    macro-F1 by 3.1 points." """
    ties = [SCORE_WORDS[v.score] for v in verdicts if v.tie]
    parts = []
    if ties:
        parts.append(f"**{first}** and **{second}** tie on {join_words(ties)} (the gaps are within sampling noise)")
    for leader, sign in ((first, 1), (second, -1)):
        ahead = [v for v in verdicts if not v.tie and sign * v.gap > 0]
        if ahead:
            gaps = ", ".join(f"{SCORE_WORDS[v.score]} by {abs(v.gap) * 100:.1f} points" for v in ahead)
            parts.append(f"**{leader}** leads on {gaps}")
    return "; ".join(parts) + "." if parts else ""


def leak_sentence(leaky, honest, honest_label: str) -> str:
    """How much the leaky cross-validation inflates accuracy, and whether the backtest believes it."""
    inflation = leaky.metrics.accuracy - honest.metrics.accuracy
    text = (f"Leaky oversampling reports {leaky.metrics.accuracy:.0%} accuracy, "
            f"{inflation * 100:+.1f} points against honest **{honest_label}** ({honest.metrics.accuracy:.0%}).")
    if leaky.backtest.n and leaky.backtest.accuracy is not None and honest.backtest.accuracy is not None:
        gap = leaky.backtest.accuracy - honest.backtest.accuracy
        margin = noise_margin(leaky.backtest.accuracy, honest.backtest.accuracy, leaky.backtest.n)
        verdict = ("the same, within noise" if abs(gap) <= margin else f"{gap * 100:+.1f} points")
        text += (f" On the {leaky.backtest.n:,} liked songs you filed yourself, which no model saw, it scores "
                 f"{leaky.backtest.accuracy:.0%} against {honest.backtest.accuracy:.0%}: {verdict}.")
    return text


def cost_sentence(first_label: str, first, second_label: str, second) -> str:
    """Training time per fold: one is called slower only when it is 1.5 times and 0.2 s slower."""
    (fast_label, fast), (slow_label, slow) = sorted(
        [(first_label, first.fit_seconds), (second_label, second.fit_seconds)], key=lambda pair: pair[1])
    if slow >= 1.5 * fast and slow - fast >= 0.2:
        return (f"**{slow_label}** takes {slow / max(fast, 1e-9):.1f}× as long to train as **{fast_label}** "
                f"({slow:.1f} s against {fast:.1f} s per fold).")
    return f"Both train in about the same time ({first.fit_seconds:.1f} s and {second.fit_seconds:.1f} s per fold)."


@dataclass(frozen=True)
class Spread:
    """How the predictions spread over playlists. ``largest_three_true`` is the share of the tracks
    the three largest playlists hold: the baseline's top-3, as the Library page shows it."""

    largest_three_true: float
    largest_three_predicted: float
    playlists_predicted: int
    playlists: int


def spread(result) -> Spread:
    by_size = sorted(result.per_playlist, key=lambda p: -p.size)
    return Spread(largest_three_true=float(result.baseline.top3),
                  largest_three_predicted=sum(p.predicted_share for p in by_size[:3]),
                  playlists_predicted=sum(p.predicted_share > 0 for p in by_size), playlists=len(by_size))


def spread_sentence(label: str, result) -> str:
    s = spread(result)
    reach = ("names every one of your playlists at least once" if s.playlists_predicted == s.playlists else
             f"names only {s.playlists_predicted} of your {s.playlists} playlists at all")
    return (f"**{label}** sends {s.largest_three_predicted:.0%} of its predictions to the three largest "
            f"playlists (they hold {s.largest_three_true:.0%} of the tracks) and {reach}.")


@dataclass(frozen=True)
class ConfidenceCheck:
    """How far the top choice's confidence was from how often it was right, on held-out tracks.

    ``claimed``/``right``: mean confidence and share right before calibration (calibration never
    changes which playlist is on top, so ``right`` holds after it too). ``ece_*``: the expected
    calibration error. ``noise_after``: the ECE a perfectly calibrated model would still show on
    these ``n`` tracks (`pipeline.metrics.calibration_noise_floor`).
    """

    claimed: float
    right: float
    ece_before: float
    ece_after: float
    noise_after: float
    n: int


def confidence_check(result) -> ConfidenceCheck | None:
    """None for a result stored before confidence was checked (it needs a fresh evaluation)."""
    reliability = result.reliability or {}
    before, after = reliability.get("before"), reliability.get("after")
    eces = (getattr(result.metrics, "ece", None), getattr(result.calibrated, "ece", None))
    if not before or not after or any(e is None or not math.isfinite(e) for e in eces):
        return None
    n = sum(row["count"] for row in before)
    return ConfidenceCheck(claimed=sum(row["count"] * row["confidence"] for row in before) / n,
                           right=sum(row["count"] * row["accuracy"] for row in before) / n,
                           ece_before=float(eces[0]), ece_after=float(eces[1]),
                           noise_after=calibration_noise_floor(after), n=n)


def ece_caption(check: ConfidenceCheck) -> str:
    """One column's calibration in words: ECE before -> after, and how much of it is noise."""
    return (f"Off by {check.ece_before * 100:.1f} points before calibration, {check.ece_after * 100:.1f} after "
            f"(ECE: the average gap between the confidence of the top choice and how often it was right, on "
            f"{check.n:,} tracks the model had not seen; a perfectly calibrated model would still be off by "
            f"about {check.noise_after * 100:.1f} on this many). Dot size: tracks at that confidence.")


def calibration_sentence(columns: Sequence[tuple[str, object]]) -> str:
    """E.g. "Before calibration, **Class weights'** top choices claimed 45% on average but were right
    62% (ECE 17.0 points); ...; after calibration both are within 2.1 points (...)." "but" only when
    the gap is beyond sampling noise; columns without a confidence check are left out ("" if none has)."""
    checks = [(label, check) for label, result in columns if (check := confidence_check(result)) is not None]
    if not checks:
        return ""
    parts = []
    for label, check in checks:
        beyond_noise = abs(check.claimed - check.right) > noise_margin(check.claimed, check.right, check.n)
        linking = "but" if beyond_noise else "and"
        parts.append(f"**{_possessive(label)}** top choices claimed {check.claimed:.0%} on average {linking} were "
                     f"right {check.right:.0%} (ECE {check.ece_before * 100:.1f} points)")
    worst = max(check.ece_after for _, check in checks)
    noise = max(check.noise_after for _, check in checks)
    who = "both are" if len(checks) == 2 else "it is" if len(checks) == 1 else "all are"
    return (f"Before calibration, {'; '.join(parts)}; after calibration {who} within {worst * 100:.1f} points "
            f"(on this many tracks even a perfectly calibrated model is off by about {noise * 100:.1f}).")


def _possessive(label: str) -> str:
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def score_rows(columns: Sequence[tuple[str, object]]) -> pd.DataFrame:
    """Rows for `charts.scores_figure`: one per (configuration, headline score)."""
    rows = []
    for label, result in columns:
        for score in HEADLINE_SCORES:
            rows.append({"label": label, "strategy": result.config.strategy, "score": score,
                         "value": float(getattr(result.metrics, score)),
                         "baseline": float(getattr(result.baseline, score))})
    return pd.DataFrame(rows)


def share_rows(columns: Sequence[tuple[str, object]]) -> pd.DataFrame:
    """Rows for `charts.share_figure`: one per (configuration, playlist)."""
    return pd.DataFrame([
        {"label": label, "strategy": result.config.strategy, "playlist_name": p.playlist_name,
         "size": p.size, "true_share": p.true_share, "predicted_share": p.predicted_share}
        for label, result in columns for p in result.per_playlist])


def join_words(words: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
