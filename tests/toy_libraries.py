"""Small libraries built in code for the modelling tests, and a tiny Exportify folder writer.

Every track gets all twelve audio features; a playlist's tracks scatter (seeded) around the
playlist's own centre, so a model can learn them and a test can say which playlist a song fits.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.library import AUDIO_FEATURES, Library, build_library

EXPORTIFY_HEADER = ("Track URI", "Track Name", "Artist Name", "Album Name", "Album Release Date",
                    "Added At", "Artist Genres", "Danceability", "Energy", "Key", "Loudness", "Mode",
                    "Speechiness", "Acousticness", "Instrumentalness", "Liveness", "Valence", "Tempo",
                    "Track Duration (ms)")
EXPORTIFY_FEATURES = dict(zip(EXPORTIFY_HEADER[7:], (*AUDIO_FEATURES[:11], "duration_ms")))


def track_id(number: int) -> str:
    """A valid 22-character Spotify-style id."""
    return f"toy{number:019d}"


def rows_by_vector(library: Library) -> dict[bytes, str]:
    """Track id by its raw audio-feature vector (what `RAW_AUDIO` encodes a row as), in float64 and in the
    float32 a single-precision model fits on: how a spy on a model's ``fit`` tells which tracks it saw."""
    values = library.tracks[list(AUDIO_FEATURES)].to_numpy(dtype=float)
    tracks = list(library.tracks.index)
    return {**{row.tobytes(): track for row, track in zip(values, tracks)},
            **{row.tobytes(): track for row, track in zip(values.astype(np.float32), tracks)}}


def random_features(centre: np.ndarray, rng: np.random.Generator, spread: float = 0.35) -> dict[str, float]:
    values = centre + rng.normal(0.0, spread, len(AUDIO_FEATURES))
    return dict(zip(AUDIO_FEATURES, values.round(6)))


def library_of(playlists: Mapping[str, Sequence[str]], liked: Sequence[str] = (),
               features: Mapping[str, Mapping[str, float]] | None = None, seed: int = 0,
               spread: float = 0.35) -> Library:
    """A library with these playlists (name -> track ids) and liked songs.

    Tracks without given ``features`` scatter around their first playlist's centre (liked-only
    tracks around the origin); every track has its own artist and a genre per playlist.
    """
    rng = np.random.default_rng(seed)
    centres = {name: rng.normal(0.0, 1.0, len(AUDIO_FEATURES)) * 2 for name in playlists}
    home: dict[str, str] = {}
    for name, tracks in playlists.items():
        for track in tracks:
            home.setdefault(track, name)
    features = dict(features or {})
    rows = []
    for number, track in enumerate(dict.fromkeys([*home, *liked])):
        centre = centres.get(home.get(track, ""), np.zeros(len(AUDIO_FEATURES)))
        values = features.get(track) or random_features(centre, rng, spread)
        rows.append({"track_id": track, "name": f"Song {number}", "artists": (f"Artist {number}",),
                     "genres": (f"genre of {home.get(track, 'nothing')}",), "release_date": "2001-05-01",
                     **values})
    memberships = pd.DataFrame(
        [{"playlist_id": name, "playlist_name": name, "track_id": track,
          "added_at": pd.Timestamp("2020-01-01", tz="UTC") + pd.Timedelta(days=i)}
         for name, tracks in playlists.items() for i, track in enumerate(tracks)],
        columns=["playlist_id", "playlist_name", "track_id", "added_at"])
    liked_rows = pd.DataFrame({"track_id": list(liked), "added_at": pd.Timestamp("2021-01-01", tz="UTC")},
                              columns=["track_id", "added_at"])
    return build_library(pd.DataFrame(rows), memberships, liked_rows, source="toy library")


def imbalanced_library(big: int = 120, small: int = 12, liked: int = 200, seed: int = 0) -> Library:
    """Two overlapping playlists, ``big`` tracks vs ``small``, and liked songs drawn half from each.

    The small playlist's centre sits one spread away from the big one's on every feature,
    so an unweighted model files most borderline songs into the big playlist.
    """
    rng = np.random.default_rng(seed)
    centres = {"Big": np.zeros(len(AUDIO_FEATURES)), "Small": np.full(len(AUDIO_FEATURES), 0.35)}
    ids = iter(range(10**6))
    playlists = {"Big": [track_id(next(ids)) for _ in range(big)],
                 "Small": [track_id(next(ids)) for _ in range(small)]}
    liked_ids = [track_id(next(ids)) for _ in range(liked)]
    features = {t: random_features(centres[name], rng) for name, tracks in playlists.items() for t in tracks}
    for i, t in enumerate(liked_ids):
        features[t] = random_features(centres["Big" if i % 2 else "Small"], rng)
    return library_of(playlists, liked_ids, features, seed=seed)


def write_exportify_folder(folder: Path, playlists: Mapping[str, Sequence[Mapping[str, object]]]) -> Path:
    """One Exportify CSV per playlist (``liked`` becomes the liked songs); rows give
    ``id``, ``name``, ``artist`` and optionally any audio feature (defaults 0.5)."""
    folder.mkdir(parents=True, exist_ok=True)
    for playlist, rows in playlists.items():
        with open(folder / f"{playlist}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            writer.writerow(EXPORTIFY_HEADER)
            for row in rows:
                values = [row.get(feature, 0.5) for feature in EXPORTIFY_FEATURES.values()]
                writer.writerow([f"spotify:track:{row['id']}", row["name"], row["artist"], "Album",
                                 "2019-03-01", "2020-02-02T10:00:00Z", "pop", *values])
    return folder
