"""Where the sidebar's library comes from: the demo, an upload, or a path on the server.

No Streamlit here: uploads arrive as (file name, bytes) pairs, so the same function serves the
file uploader and the tests. Problems come back as `UserError` with a message a person can act
on, naming their file, never our temporary folder.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from pipeline.errors import UserError
from pipeline.library import Library
from pipeline.sources import DEMO, read_source

UPLOAD_TYPES: tuple[str, ...] = ("zip", "csv")


def library_from_upload(files: Sequence[tuple[str, bytes]]) -> Library:
    """Read an uploaded Exportify .zip, one CSV, or several CSVs (one per playlist) into a `Library`.

    Raises `UserError` for an empty upload, a mix of .zip and CSVs, and anything the readers reject.
    """
    if not files:
        raise UserError("no files uploaded: choose an Exportify .zip or the playlist CSV files")
    names = [_safe_name(name) for name, _ in files]
    suffixes = {Path(name).suffix.lower() for name in names}
    if not suffixes <= {".zip", ".csv"}:
        odd = ", ".join(sorted(n for n in names if Path(n).suffix.lower() not in (".zip", ".csv")))
        raise UserError(f"{odd}: upload an Exportify .zip or .csv files, not this kind of file")
    if ".zip" in suffixes and len(files) > 1:
        raise UserError("upload either one .zip or CSV files, not several .zip files or a mix")
    with tempfile.TemporaryDirectory(prefix="playlist-enhancer-upload-") as folder:
        root = Path(folder) / "upload"
        root.mkdir()
        for name, (_, content) in zip(names, files):
            (root / name).write_bytes(content)
        target = root / names[0] if len(files) == 1 else root
        try:
            library = read_source(target)
        except UserError as error:
            raise UserError(_naming_the_files(_without_folder(str(error), root), names)) from None
    label = names[0] if len(names) == 1 else f"{len(names)} CSV files"
    return replace(library, source=f"upload: {label}")


def library_from_path(text: str) -> Library:
    """Read a path on the server (folder, .zip or CSV); `UserError` when it is empty or unreadable."""
    text = text.strip().strip('"').strip("'")
    if not text:
        raise UserError("type the path of an Exportify folder, .zip or CSV on this computer")
    if text.lower() == DEMO:
        raise UserError("'demo' is not a path: pick 'Demo library' as the source instead")
    return read_source(Path(text).expanduser())


def _safe_name(name: str) -> str:
    """The file's own name only (a browser sends names, but never trust a path in one)."""
    base = Path(str(name).replace("\\", "/")).name.strip()
    return re.sub(r"[^\w.\- &()']", "_", base) or "upload.csv"


def _without_folder(message: str, folder: Path) -> str:
    return message.replace(f"{folder}/", "").replace(str(folder), "upload")


def _naming_the_files(message: str, names: Sequence[str]) -> str:
    """``message`` led by the uploaded files' names when it names none of them itself."""
    if any(name in message for name in names):
        return message
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown}: {message}"
