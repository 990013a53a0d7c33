"""How the demo library invents a track: real vibe statistics, an artist's signature, a name.

A vibe (`demo_vibes`) is a Gaussian copula: correlated normal scores mapped through the real
quantiles of each column. A track's scores add three parts: its playlist's nudge, its artist's
signature (``ARTIST_SHARE`` of the variance, so artists sound alike across their songs and stay in
their era) and its own noise. Single-artist playlists get a strong signature and little noise, so
they are as easy to recognise as in the original blog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from scipy.special import ndtr

from pipeline.sources import demo_names as names
from pipeline.sources.demo_vibes import COLUMNS, QUANTILE_LEVELS, VIBES

ARTIST_SHARE = 0.3
SOLO_SIGNATURE, SOLO_NOISE = 2.5, 0.5  # a single-artist playlist: how far its sound sits, how tight
FEATURED_SHARE = {"rapper": 0.25, "latin": 0.25, "producer": 0.15, "singer": 0.05, "band": 0.0}
EPOCH = np.datetime64("2000-01-01", "D")  # dates are handled as days since then, converted once at the end
DECIMALS = {"key": 0, "year": 0, "duration_ms": 0}  # as Spotify reports them; 3 places elsewhere
VALID_RANGES = {"key": (0, 11), "loudness": (-35.0, 0.0), "tempo": (50.0, 220.0),
                "duration_ms": (60_000, 600_000), "year": (1950, 2022)}


@dataclass(frozen=True)
class VibeModel:
    """A vibe ready to sample: quantile knots per column, P(major mode), the copula's Cholesky factor."""

    knots: np.ndarray
    major: float
    cholesky: np.ndarray


@cache
def vibe_model(vibe: str) -> VibeModel:
    entry = VIBES[vibe]
    knots = np.array([entry["stats"][column][2:] for column in COLUMNS], dtype=float)
    corr = np.eye(len(COLUMNS))
    for i, row in enumerate(entry["correlation"], start=1):
        corr[i, :i] = corr[:i, i] = row
    return VibeModel(knots, float(entry["stats"]["mode"][0]), np.linalg.cholesky(corr))


def features_from_scores(vibe: str, scores: np.ndarray) -> np.ndarray:
    """Map normal scores (n x `COLUMNS`) to values through the vibe's real quantiles, within valid ranges."""
    model = vibe_model(vibe)
    uniform = ndtr(scores)
    values = np.empty_like(scores)
    for j, column in enumerate(COLUMNS):
        if column == "mode":
            values[:, j] = uniform[:, j] > 1 - model.major
            continue
        values[:, j] = np.clip(np.interp(uniform[:, j], QUANTILE_LEVELS, model.knots[j]),
                               *VALID_RANGES.get(column, (0.0, 1.0)))
        values[:, j] = np.round(values[:, j], DECIMALS.get(column, 3))
    return values


@dataclass
class Artist:
    """An invented artist: name, naming style, genre labels, signature (copula direction), fame."""

    name: str
    style: str
    genres: tuple[str, ...]
    signature: np.ndarray
    fame: float
    albums: dict[int, str] = field(default_factory=dict)

    def album(self, rng: np.random.Generator, year: int) -> str:
        """The artist's album of that year (one per year keeps track lists plausible)."""
        if year not in self.albums:
            self.albums[year] = names.album_title(rng)
        return self.albums[year]


def new_artist(rng: np.random.Generator, vibe: str, taken: set[str], rank: int = 0) -> Artist:
    style = names.VIBE_IDENTITIES[vibe][0]
    return Artist(names.unique_artist_name(rng, style, taken), style, names.artist_genres(rng, vibe),
                  rng.standard_normal(len(COLUMNS)), fame=20 + 55 / np.sqrt(rank + 1))


def solo_artist(rng: np.random.Generator, vibe: str, taken: set[str]) -> Artist:
    """An artist with a distinctive sound: a signature of fixed, large length."""
    artist = new_artist(rng, vibe, taken, rank=0)
    artist.signature = artist.signature / np.linalg.norm(artist.signature) * SOLO_SIGNATURE
    return artist


def artist_pools(rng: np.random.Generator, demand: dict[str, float], taken: set[str]) -> dict[str, list[Artist]]:
    """Per vibe, artists most popular first (~2.6 tracks each); vibes of one genre share some artists."""
    pools: dict[str, list[Artist]] = {}
    for vibe in VIBES:  # the table's order, never a set's, so names do not depend on hashing
        if vibe not in demand:
            continue
        genre = VIBES[vibe]["genre"]
        relatives = [a for other, pool in pools.items() if VIBES[other]["genre"] == genre for a in pool]
        pool: list[Artist] = []
        for rank in range(8 + int(demand[vibe] / 2.6)):
            if relatives and rng.random() < 0.18:
                shared = relatives[int(rng.integers(len(relatives)))]
                if all(shared is not a for a in pool):
                    pool.append(shared)
                    continue
            pool.append(new_artist(rng, vibe, taken, rank))
        pools[vibe] = pool
    return pools


def popularity_weights(count: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** 0.9  # a handful of prolific artists, then a long tail
    return weights / weights.sum()


class TrackMaker:
    """Invents tracks and collects them as rows of the tracks table, numbered in creation order."""

    def __init__(self, rng: np.random.Generator, pools: dict[str, list[Artist]]) -> None:
        self.rng, self.pools = rng, pools
        self.rows: list[dict] = []
        self.features: list[np.ndarray] = []

    def make(self, vibe: str, count: int, nudge: np.ndarray, solo: Artist | None = None) -> list[int]:
        """``count`` new tracks of one vibe; returns their numbers."""
        if count <= 0:
            return []
        rng, model = self.rng, vibe_model(vibe)
        noise = rng.standard_normal((count, len(COLUMNS))) @ model.cholesky.T
        if solo is not None:
            artists = [solo] * count
            scores = nudge + solo.signature @ model.cholesky.T + SOLO_NOISE * noise
        else:
            pool = self.pools[vibe]
            artists = [pool[int(i)] for i in rng.choice(len(pool), size=count, p=popularity_weights(len(pool)))]
            signatures = np.array([a.signature for a in artists]) @ model.cholesky.T
            scores = nudge + np.sqrt(ARTIST_SHARE) * signatures + np.sqrt(1 - ARTIST_SHARE) * noise
        values = features_from_scores(vibe, scores)
        first = len(self.rows)
        for artist, row in zip(artists, values):
            self.rows.append(self._describe(vibe, artist, int(row[COLUMNS.index("year")]), solo is None))
            self.features.append(row)
        return list(range(first, first + count))

    def _describe(self, vibe: str, artist: Artist, year: int, guests: bool) -> dict:
        rng = self.rng
        credited = [artist]
        if guests and rng.random() < FEATURED_SHARE[artist.style]:  # a solo playlist stays one artist's
            guest = self.pools[vibe][int(rng.integers(len(self.pools[vibe])))]
            if guest is not artist:
                credited.append(guest)
        title = names.song_title(rng, artist.style, year)
        if len(credited) > 1 and artist.style in ("rapper", "latin"):
            title = f"{title} (feat. {credited[1].name})"
        genres = tuple(dict.fromkeys(g for a in credited for g in a.genres))
        released = np.datetime64(f"{year:04d}-01-01") + int(rng.integers(365))
        # Old catalogue often carries only a release year, as Spotify shows it.
        precise = year >= 1990 or rng.random() < 0.7
        return {"name": title, "artists": tuple(a.name for a in credited), "album": artist.album(rng, year),
                "release_date": str(released) if precise else str(year), "year": year,
                "released_day": int((released - EPOCH).astype(int)), "vibe": vibe,
                "popularity": float(min(100, max(0, round(artist.fame + rng.normal(0, 12))))), "genres": genres}

    def table(self, ids: list[str]) -> pd.DataFrame:
        """The tracks table indexed by the given ids (one per track, creation order)."""
        tracks = pd.DataFrame(self.rows).drop(columns=["released_day", "vibe"])
        features = pd.DataFrame(np.array(self.features), columns=list(COLUMNS))
        for column in COLUMNS:
            if column != "year":
                tracks[column] = features[column].astype(float)
        tracks.insert(0, "track_id", ids)
        return tracks

    def released_days(self, numbers: list[int]) -> np.ndarray:
        """Release dates of the numbered tracks, in days since `EPOCH`."""
        return np.array([self.rows[n]["released_day"] for n in numbers], dtype=float)
