"""Where the app keeps its own files: studies, stored results, caches, tokens."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "PLAYLIST_ENHANCER_DATA_DIR"


def data_dir() -> Path:
    """The user data directory (``PLAYLIST_ENHANCER_DATA_DIR`` overrides), created on first use."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        path = Path(override).expanduser()
    else:
        from platformdirs import user_data_dir
        path = Path(user_data_dir("playlist-enhancer", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def fetched_library_dir() -> Path:
    """Where the dashboard saves the library fetched from Spotify (and the sidebar opens it)."""
    return data_dir() / "spotify-library"
