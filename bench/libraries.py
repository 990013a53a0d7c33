"""The libraries the benchmarks measure on: music in general, not only the files we hold.

* the demo and the two real exports in ../shared/data (catch-alls left out of seankmchenry);
* ten small "personal" libraries cut from the TidyTuesday file: 10-30 of its playlists each,
  seeded, with a quarter of their tracks marked as liked (so the backtest has filed songs);
* three big ones cut the same way from 60-120 playlists (``big01``-``big03``: 78-93 playlists,
  5.3-6.7k rows, where the solver's cost shows);
* each of them again with ``loudness``, ``duration_ms`` or ``tempo`` removed, and with no audio
  features at all (what partial exports and account exports look like).

Real data is read from ../shared/data by path, never copied into the repository.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.library import AUDIO_FEATURES, Library  # noqa: E402
from pipeline.sources import load_library  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CATCH_ALLS = ["starred_", "my_shazam_tracks", "sort_needed_", "downloads_", "your_top_songs_*"]
REAL = {
    "demo": ("demo", []),
    "deadda7a": (DATA / "exportify-deadda7a-2021", []),
    "seankmchenry": (DATA / "exportify-seankmchenry-2024", CATCH_ALLS),
}
TIDYTUESDAY = DATA / "tidytuesday-2020-01-21" / "spotify_songs.csv"
CUTS = tuple(f"tt{seed:02d}" for seed in range(1, 11))
BIG_CUTS = tuple(f"big{seed:02d}" for seed in range(1, 4))
VARIANTS: dict[str, tuple[str, ...]] = {
    "": (),
    "-loudness": ("loudness",),
    "-duration": ("duration_ms",),
    "-tempo": ("tempo",),
    "-audio": AUDIO_FEATURES,
}
"""Suffix of a library's name -> the audio features removed from every track."""
LIKED_SHARE = 0.25


@lru_cache(maxsize=None)
def real_library(name: str) -> Library:
    source, exclude = REAL[name]
    return load_library(source, exclude=exclude)


@lru_cache(maxsize=1)
def tidytuesday() -> Library:
    return load_library(TIDYTUESDAY)


def tidytuesday_cut(seed: int, sizes: tuple[int, int] = (10, 31)) -> Library:
    """``sizes`` (low, high + 1) TidyTuesday playlists chosen with ``seed``; a quarter of their tracks are liked."""
    full = tidytuesday()
    rng = np.random.default_rng(seed)
    playlists = full.playlists()["playlist_id"].to_numpy()
    chosen = rng.choice(playlists, size=int(rng.integers(*sizes)), replace=False)
    memberships = full.memberships[full.memberships["playlist_id"].isin(set(chosen))].reset_index(drop=True)
    track_ids = pd.unique(memberships["track_id"])
    liked_ids = rng.choice(track_ids, size=max(1, int(LIKED_SHARE * len(track_ids))), replace=False)
    liked = pd.DataFrame({"track_id": liked_ids, "added_at": pd.NaT})
    return replace(full, tracks=full.tracks.loc[track_ids], memberships=memberships, liked=liked,
                   source=f"TidyTuesday cut {seed}", warnings=())


def without(library: Library, features: tuple[str, ...]) -> Library:
    """The library as an export lacking ``features`` would give it (no value on any track)."""
    if not features:
        return library
    tracks = library.tracks.copy()
    tracks[list(features)] = np.nan
    return replace(library, tracks=tracks, source=f"{library.source} without {', '.join(features)}")


def base_library(name: str) -> Library:
    if name in REAL:
        return real_library(name)
    if name in CUTS:
        return tidytuesday_cut(int(name[2:]))
    if name in BIG_CUTS:
        return tidytuesday_cut(100 + int(name[3:]), sizes=(60, 121))
    raise KeyError(f"unknown library '{name}' (known: {', '.join([*REAL, *CUTS, *BIG_CUTS])})")


def library_names(bases=None, variants=None) -> list[str]:
    """Every benchmark library's name, e.g. ``deadda7a``, ``tt03-tempo``, ``demo-audio``."""
    return [base + suffix for base in (bases or [*REAL, *CUTS]) for suffix in (variants or VARIANTS)]


def load(name: str) -> Library:
    """The library a benchmark name stands for."""
    suffix = next((s for s in sorted(VARIANTS, key=len, reverse=True) if s and name.endswith(s)), "")
    return without(base_library(name[: len(name) - len(suffix)]), VARIANTS[suffix])
