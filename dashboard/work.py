"""Between the pages and `pipeline`: stored results first, background jobs for what is missing.

Each kind of work (evaluation, tuning, suggestions, misfits, new playlists) has a ``stored_*`` reader (disk, then memory
cache) and a ``start_*`` that runs its `dashboard.tasks` function as a `Job`; the task writes the
result to disk. `show_progress` draws running jobs and reruns the page when they end.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import streamlit as st

from dashboard import results_store
from dashboard.jobs import Job, JobBoard, remove_leftover_temp_folders
from dashboard.markdown_text import escape_markdown
from dashboard.sidebar import Selection, show_tuned_params
from pipeline.config import RunConfig
from pipeline.errors import UserError

LOG = logging.getLogger(__name__)


@st.cache_resource
def job_board() -> JobBoard:
    """One board per server: a reloaded page finds the job it started still running, and a restarted
    server reports the jobs its predecessor left running."""
    remove_leftover_temp_folders()
    return JobBoard(results_store.jobs_folder())


@st.cache_data(max_entries=64, show_spinner=False)
def _read_document(path: str, stamp: float) -> dict | None:
    """Parsed JSON, re-read only when the file changes (``stamp`` is its mtime)."""
    return results_store.read_json(Path(path))


def _stored(path: Path, parse):
    """``parse(document)`` of the file at ``path``; None when it is missing or from an older format
    (then it is simply computed again)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    document = _read_document(str(path), stamp)
    try:
        return None if document is None else parse(document)
    except (TypeError, KeyError, ValueError) as error:
        LOG.warning("ignoring %s, stored in an older format (%s)", path, error)
        return None


# ----- evaluation ----------------------------------------------------------------------------
def evaluation_key(selection: Selection, config: RunConfig) -> str:
    return f"evaluate:{selection.fingerprint}:{config.key()}:{selection.folds}"


def stored_evaluation(selection: Selection, config: RunConfig):
    """The stored `EvaluationResult` for ``config`` on this library, or None."""
    from pipeline.evaluation import EvaluationResult
    return _stored(results_store.evaluation_path(selection.fingerprint, config, selection.folds),
                   EvaluationResult.from_dict)


def start_evaluation(selection: Selection, config: RunConfig) -> Job:
    return job_board().start(evaluation_key(selection, config), f"{config.label()} · {selection.folds}-fold",
                             "dashboard.tasks:evaluate_and_store", library=selection.library, config=config,
                             folds=selection.folds, fingerprint=selection.fingerprint)


# ----- tuning --------------------------------------------------------------------------------
def tuning_key(selection: Selection, config: RunConfig, objective: str, storage: str) -> str:
    """One job per study; the storage only as a digest, since job records lie on disk and a URL may hold a password."""
    place = hashlib.sha256(storage.encode()).hexdigest()[:12]
    return f"tune:{selection.fingerprint}:{replace(config, params=()).key()}:{objective}:{place}"


def tuning_study_name(selection: Selection, config: RunConfig, objective: str) -> str:
    from pipeline.tuning import study_name_for
    return study_name_for(selection.library, replace(config, params=()), objective)


@st.cache_resource(show_spinner=False, max_entries=8)
def _study_storage(storage: str):
    """One open database per URL and server: its connections are reused by every refresh."""
    from pipeline.study_storage import open_storage
    return open_storage(storage)


@st.cache_data(show_spinner=False, max_entries=16)
def _importances(storage: str, study_name: str, complete: int) -> dict[str, float]:
    """fANOVA takes about a second: computed again only when another trial has completed."""
    from pipeline.tuning import find_study, parameter_importances
    return parameter_importances(find_study(study_name, _study_storage(storage)))


def stored_tuning(selection: Selection, config: RunConfig, objective: str, storage: str):
    """The study of this configuration as ``storage`` holds it now, every worker's trials included, as a
    `TuningResult`; None before it exists. Raises `ConfigError` when the storage cannot be opened."""
    from pipeline.tuning import find_study, summarise
    name = tuning_study_name(selection, config, objective)
    study = find_study(name, _study_storage(storage))
    if study is None:
        return None
    result = summarise(study, storage, objective, importances=False)
    complete = sum(trial["state"] == "COMPLETE" for trial in result.trials)
    return replace(result, importances=_importances(storage, name, complete))


def start_tuning(selection: Selection, config: RunConfig, objective: str, trials: int, storage: str) -> Job:
    """Add ``trials`` to the study for ``config`` without its current params, in ``storage``."""
    return job_board().start(tuning_key(selection, config, objective, storage),
                             f"Tuning {config.label()} for {objective}", "dashboard.tasks:tune_and_store",
                             library=selection.library, config=config, objective=objective, trials=trials,
                             storage=storage)


def adopt_params(selection: Selection, config: RunConfig, params: dict) -> None:
    """Remember tuned parameters for this configuration and put them on the sidebar's widgets, which
    use them from now on. A button's callback: it runs before the sidebar is drawn."""
    results_store.write_json(results_store.chosen_params_path(selection.fingerprint, config), {"params": params})
    show_tuned_params(params)


# ----- suggestions ---------------------------------------------------------------------------
def suggestions_key(selection: Selection, config: RunConfig) -> str:
    return f"suggest:{selection.fingerprint}:{config.key()}"


def stored_suggestions(selection: Selection, config: RunConfig):
    """The stored `dashboard.suggestion_threshold.StoredSuggestions`, or None (also for a document
    stored before best scores and held-out tracks were kept: it is made again)."""
    from dashboard.suggestion_threshold import StoredSuggestions
    return _stored(results_store.suggestions_path(selection.fingerprint, config), StoredSuggestions.from_document)


def start_suggestions(selection: Selection, config: RunConfig) -> Job:
    return job_board().start(suggestions_key(selection, config), f"Suggestions with {config.label()}",
                             "dashboard.tasks:suggest_and_store", library=selection.library, config=config,
                             fingerprint=selection.fingerprint)


# ----- misfits and new playlists -------------------------------------------------------------
def misfits_key(selection: Selection, config: RunConfig) -> str:
    return f"misfits:{selection.fingerprint}:{config.key()}:{selection.folds}"


def stored_misfits(selection: Selection, config: RunConfig):
    """The stored misfits table (`pipeline.misfits.COLUMNS`, surest first), or None."""
    from pipeline.misfits import COLUMNS
    return _stored(results_store.misfits_path(selection.fingerprint, config, selection.folds),
                   lambda document: results_store.frame_from_document(document["misfits"], COLUMNS))


def start_misfits(selection: Selection, config: RunConfig) -> Job:
    return job_board().start(misfits_key(selection, config), f"Misfits with {config.label()}",
                             "dashboard.tasks:misfits_and_store", library=selection.library, config=config,
                             folds=selection.folds, fingerprint=selection.fingerprint)


def discovery_key(selection: Selection, config: RunConfig, min_precision: float) -> str:
    return f"discover:{selection.fingerprint}:{config.key()}:{min_precision:g}"


def stored_discovery(selection: Selection, config: RunConfig, min_precision: float):
    """The stored `pipeline.discover.Discovery` at ``min_precision``, or None."""
    from pipeline.discover import Discovery
    return _stored(results_store.discovery_path(selection.fingerprint, config, min_precision), Discovery.from_dict)


def start_discovery(selection: Selection, config: RunConfig, min_precision: float) -> Job:
    return job_board().start(discovery_key(selection, config, min_precision), f"New playlists with {config.label()}",
                             "dashboard.tasks:discover_and_store", library=selection.library, config=config,
                             min_precision=min_precision, fingerprint=selection.fingerprint)


# ----- progress ------------------------------------------------------------------------------
def running_jobs(keys: Sequence[str]) -> list[Job]:
    board = job_board()
    return [job for job in (board.get(key) for key in keys) if job is not None and not job.done]


def failed_jobs(keys: Sequence[str]) -> list[Job]:
    board = job_board()
    return [job for job in (board.get(key) for key in keys) if job is not None and job.done and job.error]


def show_failures(keys: Sequence[str]) -> None:
    """A readable message per failed job (a stop or a server restart is news, not an error), then forget them."""
    for job in failed_jobs(keys):
        if job.interrupted:
            st.warning(f"{job.title}: {escape_markdown(job.error)}.", icon=":material/restart_alt:")
        elif job.stopped:
            st.info(f"{job.title}: {escape_markdown(job.error)}" if str(job.error) else f"Stopped: {job.title}.",
                    icon=":material/stop_circle:")
        elif isinstance(job.error, UserError):
            st.error(f"{job.title}: {escape_markdown(job.error)}", icon=":material/error:")
        else:
            st.error(f"{job.title} failed: {escape_markdown(job.error)}", icon=":material/error:")
        job_board().forget(job.key)


@st.fragment(run_every=0.5)
def show_progress(keys: Sequence[str], stop_label: str = "Stop") -> None:
    """Progress bars for the running jobs among ``keys``, a Stop button, and a page rerun at the end.
    Once Stop is pressed the bars and the button say "Stopping…" until the work has ended."""
    jobs = running_jobs(keys)
    if not jobs:
        st.rerun()
    for job in jobs:
        message = "Stopping…" if job.stopping else job.message
        st.progress(job.fraction, text=f"**{job.title}** — {message} · {job.seconds:.0f} s")
    stopping = all(job.stopping for job in jobs)
    # a callback, so the stop is asked before this rerun draws the bars
    st.button("Stopping…" if stopping else stop_label, key=f"stop:{'|'.join(keys)}", icon=":material/stop_circle:",
              disabled=stopping, on_click=_stop, args=(tuple(keys),))


def _stop(keys: tuple[str, ...]) -> None:
    for job in running_jobs(keys):
        job.stop()
