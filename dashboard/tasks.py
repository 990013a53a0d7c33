"""The dashboard's long tasks, as run by `dashboard.worker`: call `pipeline`, store the result.

Each takes plain arguments and a ``progress`` reporter (``progress(fraction, message)``, which
raises `dashboard.jobs.JobStopped` after Stop, and ``progress.should_stop()``), and writes
its result where `dashboard.results_store` says (tuning: into the Optuna study itself), so the
page finds it however it was started.
"""

from __future__ import annotations

from dataclasses import replace

from dashboard import results_store
from pipeline.config import RunConfig
from pipeline.library import Library

SUGGESTIONS_PER_PLAYLIST = 50


def evaluate_and_store(library: Library, config: RunConfig, folds: int, fingerprint: str, progress) -> None:
    from pipeline.evaluation import evaluate
    result = evaluate(library, config, folds=folds, progress=progress)
    results_store.write_json(results_store.evaluation_path(fingerprint, config, folds), result.to_dict())


def tune_and_store(library: Library, config: RunConfig, objective: str, trials: int, storage: str,
                   progress) -> None:
    """Add ``trials`` finished trials to the study in ``storage`` (which stores them itself, with those of
    every other worker on it); after Stop, `JobStopped` says how many this job finished."""
    from dashboard.jobs import JobStopped
    from pipeline.tuning import find_study, study_name_for, tune
    from pipeline.tuning_workers import finished_count
    from pipeline.study_storage import open_storage
    base = replace(config, params=())
    progress(0.0, "preparing the study")
    study = find_study(study_name_for(library, base, objective), open_storage(storage))
    before = finished_count(study) if study is not None else 0
    finished = before

    def after_trial(done: int, total: int, best: float | None) -> None:
        nonlocal finished
        finished = done
        best_text = f" · best {best:.3f}" if best is not None else ""
        progress.send(progress=done / max(total, 1), message=f"trial {done} of {total}{best_text}")

    result = tune(library, base, before + trials, storage=storage, objective=objective, progress=after_trial,
                  should_stop=progress.should_stop)
    if progress.should_stop():
        added = finished - before
        raise JobStopped(f"Stopped after {added} trial{'' if added == 1 else 's'}; the study keeps "
                         f"{result.n_finished} finished trials, and Resume continues it.")


def suggest_and_store(library: Library, config: RunConfig, fingerprint: str, progress) -> None:
    """Store the per-playlist table with no threshold, and what the page needs to apply one live:
    every liked song's best score and the held-out tracks' top choices (`StoredSuggestions`)."""
    from dashboard.suggestion_threshold import StoredSuggestions
    from pipeline.suggest import score_liked_songs, suggestions_table
    progress(0.1, "fitting on every playlist, then scoring every liked song")
    scored = score_liked_songs(library, config)
    progress(0.8, "explaining the suggestions")
    table = suggestions_table(scored, library, per_playlist=SUGGESTIONS_PER_PLAYLIST)
    stored = StoredSuggestions.from_scored(scored, library, table)
    results_store.write_json(results_store.suggestions_path(fingerprint, config), stored.to_document())


def misfits_and_store(library: Library, config: RunConfig, folds: int, fingerprint: str, progress) -> None:
    """Store the misfits table (`pipeline.misfits.COLUMNS`, surest first, no threshold)."""
    from pipeline.misfits import find_misfits
    progress(0.05, f"scoring every playlist song with a model that never saw it ({folds} folds)")
    misfits = find_misfits(library, config, folds=folds)
    results_store.write_json(results_store.misfits_path(fingerprint, config, folds),
                             {"misfits": results_store.frame_document(misfits)})


def discover_and_store(library: Library, config: RunConfig, min_precision: float, fingerprint: str,
                       progress) -> None:
    """Store the proposed new playlists (`pipeline.discover.Discovery`) for the songs that fit none at
    ``min_precision``."""
    from pipeline.discover import discover_new_playlists
    progress(0.1, "finding the liked songs that fit none of your playlists, then grouping them")
    found = discover_new_playlists(library, config, min_precision)
    results_store.write_json(results_store.discovery_path(fingerprint, config, min_precision), found.to_dict())
