"""The dashboard's long tasks, as run by `dashboard.worker`: call `pipeline`, store the result.

Each takes plain arguments and a ``progress`` reporter (``progress(fraction, message)``, which
raises `dashboard.jobs.JobStopped` after Stop, and ``progress.should_stop()``), and writes
its result where `dashboard.results_store` says, so the page finds it however it was started.
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


def tune_and_store(library: Library, config: RunConfig, objective: str, trials: int, fingerprint: str,
                   progress) -> None:
    """Run (or resume) the study; what it found is stored even when Stop ended it early."""
    from pipeline.tuning import tune
    base = replace(config, params=())

    def after_trial(done: int, total: int, best: float | None) -> None:
        best_text = f" · best {best:.3f}" if best is not None else ""
        progress.send(progress=done / max(total, 1), message=f"trial {done} of {total}{best_text}")

    progress(0.0, "preparing the study")
    result = tune(library, base, trials, objective=objective, progress=after_trial,
                  should_stop=progress.should_stop)
    results_store.write_json(results_store.tuning_path(fingerprint, base, objective), result.to_dict())


def suggest_and_store(library: Library, config: RunConfig, fingerprint: str, progress) -> None:
    from pipeline.suggest import suggest
    progress(0.1, "fitting on every playlist, then scoring every liked song")
    frame = suggest(library, config, per_playlist=SUGGESTIONS_PER_PLAYLIST)
    document = {"columns": list(frame.columns),
                "rows": frame.astype(object).where(frame.notna(), None).to_numpy().tolist()}
    results_store.write_json(results_store.suggestions_path(fingerprint, config), document)
