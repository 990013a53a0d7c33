"""Finished work on disk, so a browser reload or a server restart never retrains what was trained.

Everything is JSON under ``<data dir>/<kind>/<library fingerprint>/<name>.json``; the data dir is
`pipeline.paths.data_dir` (``platformdirs.user_data_dir("playlist-enhancer")`` unless
``PLAYLIST_ENHANCER_DATA_DIR`` says otherwise; tests point it at a temporary folder). Optuna
studies live beside them, in the SQLite file `pipeline.study_storage` keeps there (or on the server a
study storage URL names). Writes go through a
temporary file and a rename: a crash mid-write leaves the old file or none, never half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import RunConfig
from pipeline.paths import data_dir

if TYPE_CHECKING:  # the job workers import this module before anything else: no pandas at start-up
    import pandas as pd


def evaluation_path(fingerprint: str, config: RunConfig, folds: int) -> Path:
    return data_dir() / "results" / fingerprint / f"{config.key()}-{folds}folds.json"


def chosen_params_path(fingerprint: str, config: RunConfig) -> Path:
    """Parameters the user adopted from a study, for this configuration whatever its current params."""
    return data_dir() / "params" / fingerprint / f"{replace(config, params=()).key()}.json"


def suggestions_path(fingerprint: str, config: RunConfig) -> Path:
    return data_dir() / "suggestions" / fingerprint / f"{config.key()}.json"


def misfits_path(fingerprint: str, config: RunConfig, folds: int) -> Path:
    return data_dir() / "misfits" / fingerprint / f"{config.key()}-{folds}folds.json"


def discovery_path(fingerprint: str, config: RunConfig, min_precision: float) -> Path:
    return data_dir() / "discovery" / fingerprint / f"{config.key()}-precision{min_precision:g}.json"


def jobs_folder() -> Path:
    """Where running jobs keep their records (`dashboard.jobs`), so the next server finds the interrupted ones."""
    return data_dir() / "jobs"


def read_json(path: Path) -> Any | None:
    """The stored document, or None when absent or unreadable (then it is simply recomputed)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, allow_nan=False, default=str)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def frame_document(frame: pd.DataFrame) -> dict:
    """A table as JSON: its columns and rows, missing cells as null."""
    return {"columns": list(frame.columns), "rows": frame.astype(object).where(frame.notna(), None).to_numpy().tolist()}


def frame_from_document(document: dict, columns: list[str]) -> pd.DataFrame:
    """The table `frame_document` stored; KeyError when one of ``columns`` is missing (an older format)."""
    import pandas as pd
    frame = pd.DataFrame(document["rows"], columns=document["columns"])
    if missing := set(columns) - set(frame.columns):
        raise KeyError(f"no {sorted(missing)}")
    return frame
