"""What decided it: why class weights or a sampler is the better choice, from this run's own numbers.

The Compare page ends with these sentences. When the two differ by more than sampling noise the
winner is named; when they tie (they often do on linear models), the costs measured in this run
decide: rows trained on, time and training data per fold, calibration error, and what the sampler
did to the nearest-neighbour model. Nothing is pre-written; each sentence states its numbers
whichever way they go.
"""

from __future__ import annotations

from typing import Sequence

from dashboard.story import SCORE_WORDS, Verdict, compare, confidence_check, join_words

DECIDING_SCORES = ("accuracy", "macro_ap")
"""The headline scores that decide whether class weights and a sampler tie."""


def what_decided_it(weights_label: str, weights, resampled_label: str, resampled,
                    neighbours: tuple | None = None) -> list[str]:
    """Why one of class weights and a sampler (oversampling or SMOTE) is the better choice, in sentences.

    When their accuracy and macro-AP differ by more than sampling noise (`compare`, as the verdict
    above says), one sentence names the winner and the lead. When they tie, the measured costs of this
    run decide: rows trained on, time and training data per fold, calibration error and, when
    ``neighbours`` holds the nearest-neighbour model's (class weights, sampler) results, what the
    sampler did to it. Each sentence states the numbers whichever way they go.
    """
    verdicts = [v for v in compare(weights, resampled) if v.score in DECIDING_SCORES]
    leads = [v for v in verdicts if not v.tie]
    if leads:
        return [_lead_sentence(leads, weights_label, resampled_label)]
    scores = join_words([SCORE_WORDS[v.score] for v in verdicts])
    sentences = [f"**{weights_label}** and **{resampled_label}** tie on {scores}, so what each costs decides."]
    sentences += [s for s in (_rows_sentence(weights_label, weights, resampled_label, resampled),
                              _time_sentence(weights, resampled),
                              _memory_sentence(weights, resampled),
                              _ece_sentence(weights_label, weights, resampled_label, resampled),
                              _neighbours_sentence(resampled_label, neighbours)) if s]
    return sentences


def _lead_sentence(leads: Sequence[Verdict], weights_label: str, resampled_label: str) -> str:
    parts = []
    for leader, sign in ((weights_label, 1), (resampled_label, -1)):
        ahead = [v for v in leads if sign * v.gap > 0]
        if ahead:
            gaps = " and ".join(f"{SCORE_WORDS[v.score]} by {abs(v.gap) * 100:.1f} points" for v in ahead)
            parts.append(f"**{leader}** wins on {gaps}, more than sampling noise")
    return "; ".join(parts) + "."


def _rows_sentence(weights_label: str, weights, resampled_label: str, resampled) -> str:
    if not weights.training_rows or not resampled.training_rows:
        return ""  # stored before rows were counted
    added = resampled.training_rows - resampled.real_training_rows
    kind = "synthetic" if resampled.config.strategy == "smote" else "copies"
    return (f"**{resampled_label}** trained on {resampled.training_rows:,} rows per fold, {added:,} of them "
            f"{kind}; **{weights_label}** on the {weights.real_training_rows:,} real ones.")


def _time_sentence(weights, resampled) -> str:
    a, b = resampled.fit_seconds, weights.fit_seconds
    if a <= 0 or b <= 0:
        return ""
    return f"Fits took {a:.2f} s against {b:.2f} s per fold (×{a / b:.1f})."


def _memory_sentence(weights, resampled) -> str:
    a, b = resampled.training_mb, weights.training_mb
    if a <= 0 or b <= 0:
        return ""
    return f"Each fold's model held {a:.1f} MB of training data against {b:.1f} MB (×{a / b:.1f})."


def _ece_sentence(weights_label: str, weights, resampled_label: str, resampled) -> str:
    checks = confidence_check(weights), confidence_check(resampled)
    if any(c is None for c in checks):
        return ""
    w, r = checks
    return (f"Confidence was off by {w.ece_before * 100:.1f} points with **{weights_label}** and "
            f"{r.ece_before * 100:.1f} with **{resampled_label}** before calibration "
            f"(ECE; {w.ece_after * 100:.1f} and {r.ece_after * 100:.1f} after).")


def _neighbours_sentence(resampled_label: str, neighbours: tuple | None) -> str:
    if not neighbours or any(r is None for r in neighbours):
        return ""
    weights, resampled = neighbours
    changes = ", ".join(f"{SCORE_WORDS[s]} {getattr(weights.metrics, s):.1%} → {getattr(resampled.metrics, s):.1%} "
                        f"({(getattr(resampled.metrics, s) - getattr(weights.metrics, s)) * 100:+.1f} points)"
                        for s in DECIDING_SCORES)
    return f"On the nearest-neighbour model, **{resampled_label}** instead of class weights moved {changes}."
