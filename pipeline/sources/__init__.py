"""Sources: each turns some input into a `Library`.

`load_library` picks the right reader for a SOURCE string as the CLI and the
dashboard receive it: ``demo``, a folder or .zip of Exportify CSVs, a single
long CSV with a playlist column, a Spotify account-data export folder, or a
folder saved by ``python -m pipeline fetch``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from pipeline.library import Library, LibraryError

DEMO = "demo"


def load_library(source: str | Path, exclude: Iterable[str] = ()) -> Library:
    """Read SOURCE into a `Library` and leave out the playlists named in ``exclude``.

    Raises `LibraryError` (a `ValueError`) naming the file, row and column of bad input, and
    refuses files too large for a library or zip bombs before reading them (see `archive`).
    """
    return read_source(source).exclude(exclude)


def read_source(source: str | Path) -> Library:
    """Dispatch on what SOURCE is; see the module docstring."""
    if str(source).strip().lower() == DEMO:
        from pipeline.sources.demo import demo_library
        return demo_library()
    path = _existing_path(source)
    from pipeline.sources import account_export, native
    if path.is_dir() and native.is_saved_library(path):
        return native.load_saved_library(path)
    if (path.is_dir() or path.suffix.lower() == ".zip") and account_export.is_account_export(path):
        return account_export.read_account_export(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        from pipeline.sources.long_csv import is_long_csv, read_long_csv
        if is_long_csv(path):
            return read_long_csv(path)
    from pipeline.sources.exportify import read_exportify
    return read_exportify(path)


def _existing_path(source: str | Path) -> Path:
    """SOURCE as an existing path, ``~`` expanded; a `LibraryError` for anything else."""
    try:
        path = Path(source).expanduser()
    except RuntimeError:  # "~someone" for a user this machine does not know
        raise LibraryError(f"no such file or folder: {source} (no user by that name here)") from None
    try:
        exists = path.exists()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise LibraryError(f"cannot open {str(source)[:80]}: {error.strerror or error}") from None
    if not exists:
        raise LibraryError(f"no such file or folder: {path}")
    if not (path.is_file() or path.is_dir()):  # a named pipe would hang the reader, /dev/zero fill memory
        raise LibraryError(f"{path}: not a regular file or folder")
    return path
