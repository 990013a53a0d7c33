"""The report to share: the dashboard's pages as one self-contained HTML file (no Streamlit).

`build_report` is one function returning a string, in the manner of scikit-learn's
``utils/_estimator_html_repr.py``: it reads **stored** results only (`dashboard.results_store`,
written by `dashboard.tasks` from the dashboard or ``python -m pipeline report``), draws them with
the figure builders of `dashboard.charts` and words them with the sentences of `dashboard.story`
and `dashboard.verdict`, so every number is the one the dashboard shows. plotly's JavaScript is
inlined once and each figure calls ``Plotly.newPlot`` on it: the file opens from disk and asks
no server for anything. Every name from the library goes through `html.escape`. A section whose
result is not stored says so; `missing_results` lists those, so the command can compute them first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.offline

from dashboard import charts, results_store, story, verdict
from dashboard import report_html as page
from dashboard.library_views import (PROFILE_FEATURES, baseline_sentence, feature_profile, library_counts,
                                     playlist_order, playlist_table)
from dashboard.suggestion_threshold import StoredSuggestions, threshold_for, threshold_sentence
from pipeline import confusion
from pipeline.baseline import library_baseline
from pipeline.config import STRATEGY_LABELS, RunConfig
from pipeline.discover import DEFAULT_MIN_PRECISION, Discovery
from pipeline.evaluation import EvaluationResult
from pipeline.library import Library, artist_names
from pipeline.misfits import COLUMNS as MISFIT_COLUMNS
from pipeline.recommended import catch_alls

COMPARED = ("class_weights", "oversample", "leaky")
"""The Compare page's columns by default (and the leaky one it shows on request): always reported."""
OPTIONAL = ("none",)
"""Reported when stored, never computed for the report."""
SUGGESTIONS_SHOWN, MISFITS_SHOWN, PROFILES_SHOWN, PAIRS_SHOWN = 5, 20, 5, 5
COMMAND = "python -m pipeline report --library SOURCE"
SECTIONS = {"library": "Your library", "compare": "Compare imbalance strategies",
            "suggestions": "Best suggestions per playlist", "misfits": "Songs that fit another playlist better",
            "new-playlists": "Proposed new playlists"}


@dataclass(frozen=True)
class Missing:
    """A result the report needs that is not stored: which ``kind`` of task makes it, for which ``config``."""

    kind: str
    """``evaluation``, ``suggestions``, ``misfits`` or ``discovery`` (a `dashboard.tasks` function each)."""
    config: RunConfig
    what: str
    where: str
    """Where the dashboard computes it ("" when only the command does)."""

    @property
    def key(self) -> str:
        """``evaluation:<strategy>``, else the kind: what a section looks it up by."""
        return f"{self.kind}:{self.config.strategy}" if self.kind == "evaluation" else self.kind


@dataclass(frozen=True)
class StoredResults:
    """What the report draws; absent results are None (evaluations: left out of the dict)."""

    evaluations: dict[str, EvaluationResult]
    neighbours: tuple | None
    suggestions: StoredSuggestions | None
    misfits: pd.DataFrame | None
    discovery: Discovery | None


def _read(path, parse):
    """``parse`` of the stored document; None when absent or of an older format (as `dashboard.work` reads)."""
    document = results_store.read_json(path)
    try:
        return None if document is None else parse(document)
    except (TypeError, KeyError, ValueError):
        return None


def result_paths(fingerprint: str, config: RunConfig, folds: int,
                 min_precision: float = DEFAULT_MIN_PRECISION) -> dict[str, Path]:
    """Every stored file the report reads: ``evaluation:<strategy>`` (the Compare columns),
    ``knn:<strategy>`` (the nearest-neighbour pair "What decided it" cites), ``suggestions``,
    ``misfits``, ``discovery``. Their modification times say when a report is out of date."""
    knn = replace(config, model="knn")
    paths = {f"evaluation:{s}": results_store.evaluation_path(fingerprint, story.column_config(config, s), folds)
             for s in (*COMPARED[:2], *OPTIONAL, COMPARED[2])}
    if config.model != "knn":
        paths |= {f"knn:{s}": results_store.evaluation_path(fingerprint, story.column_config(knn, s), folds)
                  for s in COMPARED[:2]}
    return paths | {"suggestions": results_store.suggestions_path(fingerprint, config),
                    "misfits": results_store.misfits_path(fingerprint, config, folds),
                    "discovery": results_store.discovery_path(fingerprint, config, min_precision)}


def stored_results(fingerprint: str, config: RunConfig, folds: int,
                   min_precision: float = DEFAULT_MIN_PRECISION) -> StoredResults:
    paths = result_paths(fingerprint, config, folds, min_precision)
    found = {key: _read(path, EvaluationResult.from_dict) for key, path in paths.items()
             if key.startswith(("evaluation:", "knn:"))}
    pair = tuple(found.get(f"knn:{s}") for s in COMPARED[:2])
    return StoredResults(
        {key.split(":")[1]: result for key, result in found.items() if key.startswith("evaluation:") and result},
        pair if all(r is not None for r in pair) else None,
        _read(paths["suggestions"], StoredSuggestions.from_document),
        _read(paths["misfits"], lambda d: results_store.frame_from_document(d["misfits"], MISFIT_COLUMNS)),
        _read(paths["discovery"], Discovery.from_dict))


def missing_results(fingerprint: str, config: RunConfig, folds: int,
                    min_precision: float = DEFAULT_MIN_PRECISION) -> list[Missing]:
    """What `build_report` would report as not computed yet, in the order to compute it."""
    return _missing(stored_results(fingerprint, config, folds, min_precision), config, folds, min_precision)


def _missing(stored: StoredResults, config: RunConfig, folds: int, min_precision: float) -> list[Missing]:
    missing = [Missing("evaluation", story.column_config(config, s), f"{_label(s)} evaluated ({folds} folds)",
                       "press Evaluate on the Compare page" + (" with the leaky mistake shown" if s == "leaky" else ""))
               for s in COMPARED if s not in stored.evaluations]
    if stored.suggestions is None:
        missing.append(Missing("suggestions", config, "the suggestions",
                               "press Make suggestions on the Suggestions page"))
    if stored.misfits is None:
        missing.append(Missing("misfits", config, f"the misfits ({folds} folds)",
                               "press Find misfits on the Misfits page"))
    if stored.discovery is None:
        missing.append(Missing("discovery", config, f"the new playlists (at {min_precision:.0%} precision)",
                               f"press Propose new playlists on the New playlists page (at {min_precision:.0%})"))
    return missing


def build_report(library: Library, fingerprint: str, config: RunConfig, folds: int, *,
                 min_precision: float = DEFAULT_MIN_PRECISION, generated_at: datetime | None = None) -> str:
    """The whole report as one HTML document; the same stored results and ``generated_at`` give the same bytes."""
    stored = stored_results(fingerprint, config, folds, min_precision)
    missing = {m.key: m for m in _missing(stored, config, folds, min_precision)}
    figures = page.Figures()
    when = (generated_at or datetime.now()).strftime("%d %B %Y, %H:%M")
    body = [
        f"<header><h1>Playlist Enhancer report</h1><p class='meta'>{page.text(library.source)} · "
        f"{page.text(config.label())} · seed {config.seed} · {folds}-fold cross-validation split by track · {when}</p>"
        "<p>Computed locally on your own data: this file was made on your computer from your library, and "
        "opening it sends nothing anywhere.</p></header>",
        "<nav>" + " · ".join(f"<a href='#{key}'>{title}</a>" for key, title in SECTIONS.items()) + "</nav>",
        _section("library", _library_part(library, figures)),
        _section("compare", _compare_part(stored, missing, figures)),
        _section("suggestions", _suggestions_part(library, stored.suggestions, missing, min_precision)),
        _section("misfits", _misfits_part(stored.misfits, missing)),
        _section("new-playlists", _discovery_part(library, stored.discovery, missing, min_precision)),
    ]
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Playlist Enhancer report · {page.text(library.source)}</title><style>{page.CSS}</style>"
            f"<script>{plotly.offline.get_plotlyjs()}</script></head><body><main>{''.join(body)}</main></body></html>")


# ----- the sections ---------------------------------------------------------------------------
def _library_part(library: Library, figures: page.Figures) -> str:
    counts = library_counts(library)
    cards = [("Playlists", f"{counts['playlists']:,}"), ("Tracks in playlists", f"{counts['tracks']:,}"),
             ("Liked songs", f"{counts['liked']:,}"), ("Unsorted liked songs", f"{counts['liked_unsorted']:,}"),
             ("Audio-feature coverage", f"{counts['feature_coverage']:.0%}")]
    parts = ["<div class='cards'>" + "".join(f"<div class='card'><span>{label}</span><b>{value}</b></div>"
                                             for label, value in cards) + "</div>"]
    parts += [f"<p class='warning'>{page.text(warning)}</p>" for warning in library.warnings]
    names = playlist_order(library)
    colors = charts.playlist_colors(names)
    baseline = library_baseline(library) if len(library.memberships) else None
    parts.append(figures(charts.playlist_sizes_figure(playlist_table(library), colors,
                                                      largest_share=baseline.top3 if baseline else None),
                         page.markdown(baseline_sentence(baseline)) if baseline else ""))
    if found := catch_alls(library):
        parts.append("<p><b>Suggested for leaving out</b> (a playlist everything goes into teaches the model little "
                     "and sets the baseline out of reach):</p><ul>"
                     + "".join(f"<li><code>{page.text(c.playlist_name)}</code> {page.text(c.reason)}</li>" for c in found)
                     + "</ul>")
    if library.has_features():
        shown = names[:PROFILES_SHOWN]
        parts.append(figures(charts.feature_profile_figure(feature_profile(library, shown), colors),
                             f"The largest {len(shown)} playlists on {len(PROFILE_FEATURES)} audio features."))
    parts.append(figures(charts.liked_status_figure(counts["liked_filed"], counts["liked_unsorted"])))
    return "".join(parts)


def _compare_part(stored: StoredResults, missing: dict[str, Missing], figures: page.Figures) -> str:
    results = stored.evaluations
    parts = [_not_computed(m) for key, m in missing.items() if key.startswith("evaluation:")]
    if not results:
        return "".join(parts)
    labels = {s: _label(s) for s in results}
    honest = [s for s in results if s != "leaky"]
    parts.append("<h3>What your numbers say</h3>" + "".join(f"<p>{page.markdown(s)}</p>" for s in _story(results, labels)))
    parts.append(_scores_table(results, labels))
    parts.append(figures(charts.scores_figure(story.score_rows([(labels[s], results[s]) for s in results])),
                         "Bars are cross-validated scores; the white tick is the baseline that always answers with "
                         "the largest playlist. Hatched bars come from the leaky set-up and are not real."))
    if honest:
        parts.append(figures(charts.share_figure(story.share_rows([(labels[s], results[s]) for s in honest]),
                                                 top=charts.SHARE_ROWS),
                             "Grey bars: each playlist's share of the tracks. Markers: its share of each "
                             "configuration's predictions."))
    parts.append("<h3>Does the confidence mean what it says?</h3><div class='columns'>"
                 + "".join(_reliability(s, labels[s], results[s], figures) for s in results) + "</div>")
    parts.append("<h3>Which playlists get mixed up</h3>"
                 + "".join(_confusion(labels[s], results[s], figures) for s in results))
    if "class_weights" in results and "oversample" in results:
        parts.append("<h3>What decided it</h3>" + "".join(
            f"<p>{page.markdown(s)}</p>" for s in verdict.what_decided_it(
                labels["class_weights"], results["class_weights"], labels["oversample"], results["oversample"],
                neighbours=stored.neighbours)))
    if "leaky" in results:
        parts.append(f"<p class='warning'>{page.markdown(story.LEAK_EXPLAINED)}</p>")
    return "".join(parts)


def _story(results: dict, labels: dict) -> list[str]:
    """The Compare page's verdict sentences, for the columns stored."""
    honest = [s for s in results if s != "leaky"]
    sentences = []
    if "class_weights" in results and "oversample" in results:
        first, second = results["class_weights"], results["oversample"]
        weights, sampler = labels["class_weights"], labels["oversample"]
        sentences += [story.verdict_sentence(story.compare(first, second), weights, sampler),
                      story.cost_sentence(weights, first, sampler, second)]
    sentences += [story.spread_sentence(labels[s], results[s]) for s in honest]
    sentences.append(story.calibration_sentence([(labels[s], results[s]) for s in honest]))
    if "leaky" in results and honest:
        reference = "oversample" if "oversample" in honest else honest[0]
        sentences.append("**Leaky:** " + story.leak_sentence(results["leaky"], results[reference], labels[reference]))
    return [s for s in sentences if s]


def _scores_table(results: dict, labels: dict) -> str:
    """The score cards of every column as the dashboard writes them: the score, its gain over the
    column's own baseline (the leaky one's differs: its copies change the playlists' sizes)."""
    first = next(iter(results.values()))
    scores = list(story.headline_values(first))
    head = "".join(f"<th>{page.text(labels[s])}</th>" for s in results)
    rows = []
    for score in scores:
        cells = []
        for strategy, result in results.items():
            values = story.headline_values(result)
            if score not in values:
                cells.append("<td>–</td>")
                continue
            gain = story.gain_points(result, score)
            cells.append(f"<td data-strategy='{strategy}' data-score='{score}'>{values[score]:.1%}"
                         f"<small class='{'below' if gain < 0 else 'above'}'>{gain:+.1f} pts</small>"
                         f"<small>vs {story.baseline_value(result, score):.0%} baseline</small></td>")
        rows.append(f"<tr><th>{_score_label(score)}</th>{''.join(cells)}</tr>")
    return (f"<div class='wide'><table class='scores'><thead><tr><th>Score</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _reliability(strategy: str, label: str, result, figures: page.Figures) -> str:
    check = story.confidence_check(result)
    if check is None:
        return (f"<div><h4>{page.text(label)}</h4><p>The confidence check needs a fresh evaluation: this result was "
                "stored before confidence was measured.</p></div>")
    figure = charts.reliability_figure(result.reliability["before"], result.reliability["after"],
                                       charts.STRATEGY_COLORS.get(strategy, charts.ACCENT),
                                       "Confidence against share right")
    return f"<div><h4>{page.text(label)}</h4>{figures(figure, page.markdown(story.ece_caption(check)))}</div>"


def _confusion(label: str, result, figures: page.Figures) -> str:
    names, counts = result.confusion_labels, confusion.counts_of(result)
    pairs = confusion.most_confused_pairs(names, counts, top=PAIRS_SHOWN)
    shown = confusion.focus_playlists(counts, limit=charts.FOCUS_PLAYLISTS)
    title = ("Each playlist's songs, by predicted playlist" if len(shown) == len(names) else
             f"The {len(shown)} playlists in the most mixed-up pairs, by predicted playlist")
    table = ("<p>No song was predicted into a playlist that does not hold it.</p>" if pairs.empty else
             page.table(["Songs of", "predicted as", "Songs", "Share"],
                    [[row.true_playlist, row.predicted_playlist, f"{row.songs:.0f}", f"{row.share_of_true:.0%}"]
                     for row in pairs.itertuples()]))
    matrix = figures(charts.confusion_figure(names, counts, title, shown))
    return f"<h4>{page.text(label)}: mixed up most</h4>{table}{matrix}"


def _suggestions_part(library: Library, stored: StoredSuggestions | None, missing: dict, min_precision: float) -> str:
    if stored is None:
        return _not_computed(missing["suggestions"])
    unfiled = set(library.liked["track_id"]) - set(library.liked_in_playlists())
    parts = [f"<p>{page.markdown(threshold_sentence(stored, None))}</p>",
             f"<p>{page.markdown(threshold_sentence(stored, threshold_for(stored, min_precision)))}</p>",
             f"<p>Per playlist, the {SUGGESTIONS_SHOWN} liked songs in no playlist yet that fit it best. Confidence is "
             "the calibrated probability that the playlist holds the song.</p>"]
    table = stored.table[~stored.table["already_in_playlist"].astype(bool) & stored.table["track_id"].isin(unfiled)]
    for playlist_id, name in zip(library.playlists()["playlist_id"], library.playlists()["playlist_name"]):
        rows = table[table["playlist_id"] == playlist_id].sort_values("rank", kind="stable").head(SUGGESTIONS_SHOWN)
        if rows.empty:
            continue
        parts.append(f"<h4>{page.text(name)}</h4>" + page.table(
            ["Song", "Artists", "Confidence", "Runner-up", "Why: most similar songs already in it"],
            [[r.track_name, r.artists, f"{r.score:.0%}", r.runner_up, r.similar_tracks] for r in rows.itertuples()]))
    return "".join(parts)


def _misfits_part(misfits: pd.DataFrame | None, missing: dict) -> str:
    if misfits is None:
        return _not_computed(missing["misfits"])
    if misfits.empty:
        return "<p>Every playlist song scores highest in a playlist that holds it: no misfits.</p>"
    head = misfits.head(MISFITS_SHOWN)
    return (f"<p>{len(misfits):,} times a song in one of your playlists scores higher in another playlist, by a "
            f"model that never saw it; the {len(head)} surest first (calibrated out-of-fold confidence).</p>"
            + page.table(["Song", "Artists", "In", "Fits better in", "Confidence there", "Confidence here"],
                     [[r.track_name, r.artists, r.playlist, r.better_playlist, f"{r.score_there:.0%}",
                       f"{r.score_here:.0%}"] for r in head.itertuples()]))


def _discovery_part(library: Library, found: Discovery | None, missing: dict, min_precision: float) -> str:
    if found is None:
        return _not_computed(missing["discovery"])
    parts = [f"<p>{found.leftovers:,} liked songs fit none of your playlists at {min_precision:.0%} precision; "
             f"{len(found.proposals)} groups of alike songs among them are proposed as new playlists"
             f"{f' ({found.unclustered:,} songs belong to no group)' if found.proposals else ''}.</p>"]
    parts += [f"<p>{page.text(note[:1].upper() + note[1:])}.</p>" for note in found.notes]
    for proposal in found.proposals:
        tracks = library.tracks.reindex(list(proposal.typical))
        typical = [f"{page.text(name)} <small>{page.text(artists)}</small>"
                   for name, artists in zip(tracks["name"].fillna(""), artist_names(tracks["artists"]))]
        about = ", ".join(page.text(part) for part in (proposal.era, *proposal.genres) if part)
        parts.append(f"<h4>{page.text(proposal.name)}</h4><p>{len(proposal.track_ids):,} songs"
                     f"{f' · {about}' if about else ''}. Most typical:</p><ol>"
                     + "".join(f"<li>{song}</li>" for song in typical) + "</ol>")
    return "".join(parts)


# ----- small pieces -----------------------------------------------------------------------------
def _section(key: str, content: str) -> str:
    return f"<section id='{key}'><h2>{SECTIONS[key]}</h2>{content}</section>"


def _not_computed(missing: Missing) -> str:
    where = f", or {page.text(missing.where)}" if missing.where else ""
    return (f"<p class='missing'>Not computed yet: {page.text(missing.what)}. Run <code>{COMMAND}</code> (it computes "
            f"what is missing first){where}.</p>")


def _label(strategy: str) -> str:
    return "Leaky oversampling" if strategy == "leaky" else STRATEGY_LABELS[strategy]


def _score_label(score: str) -> str:
    return "Backtest" if score == "backtest" else charts.SCORE_LABELS[score]


