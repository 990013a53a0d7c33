"""Derive the demo library's "vibes" from real audio features and write pipeline/sources/demo_vibes.py.

Reads the TidyTuesday 2020-01-21 Spotify songs table (32,833 rows of Spotify-curated playlists with
genre and subgenre labels) from ../shared/data, relative to the repository root, and prints nothing
but a one-line summary per vibe. Run from anywhere:

    .venv/bin/python bench/derive_demo_vibes.py            # rewrite pipeline/sources/demo_vibes.py
    .venv/bin/python bench/derive_demo_vibes.py --check    # exit 1 if the baked table is out of date

A vibe is the statistics of one group of real tracks: per column (the twelve audio features and the
release year) the mean, the standard deviation and eleven quantiles, plus the correlation matrix of
the normal scores (the parameter of a Gaussian copula). The 24 subgenres are used as they are; five
vibes the data lacks as subgenres are real subsets cut across them (see DERIVED_VIBES).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tidytuesday-2020-01-21" / "spotify_songs.csv"
TARGET = REPO / "pipeline" / "sources" / "demo_vibes.py"

COLUMNS = ("danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
           "instrumentalness", "liveness", "valence", "tempo", "duration_ms", "year")
QUANTILE_LEVELS = (0.005, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.995)
SMALL_SAMPLE = 200  # below this many tracks a correlation estimate is shrunk halfway towards identity
DECIMALS = {"loudness": 2, "tempo": 1, "duration_ms": -2, "year": 0, "key": 0}  # quantiles; moments get one more

# TidyTuesday has no acoustic, lo-fi or era-specific subgenres; these are real tracks picked by rule.
DERIVED_VIBES = {
    "acoustic": ("sung acoustic songs: acousticness >= 0.6, speechiness < 0.2, instrumentalness < 0.5, "
                 "outside edm and rap",
                 lambda d: (d.acousticness >= 0.6) & (d.speechiness < 0.2) & (d.instrumentalness < 0.5)
                 & ~d.playlist_genre.isin(["edm", "rap"])),
    "lo-fi instrumental": ("calm instrumentals: instrumentalness >= 0.5 and energy < 0.6 (mostly lo-fi hip hop)",
                           lambda d: (d.instrumentalness >= 0.5) & (d.energy < 0.6)),
    "80s synthpop": ("pop, edm and permanent-wave tracks released 1979-1989",
                     lambda d: d.year.between(1979, 1989)
                     & (d.playlist_genre.isin(["pop", "edm"]) | (d.playlist_subgenre == "permanent wave"))),
    "90s alternative": ("rock tracks released 1989-1999", lambda d: d.year.between(1989, 1999)
                        & (d.playlist_genre == "rock")),
    "classic soul": ("r&b tracks released before 1980", lambda d: (d.year < 1980) & (d.playlist_genre == "r&b")),
}
DERIVED_GENRE = {"acoustic": "acoustic", "lo-fi instrumental": "rap", "80s synthpop": "pop",
                 "90s alternative": "rock", "classic soul": "r&b"}


def read_songs(path: Path = DATA) -> pd.DataFrame:
    """The TidyTuesday table with a numeric ``year`` column; raises FileNotFoundError naming the path."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: TidyTuesday spotify_songs.csv not found (expected under ../shared/data)")
    songs = pd.read_csv(path)
    songs["year"] = pd.to_numeric(songs["track_album_release_date"].astype(str).str[:4], errors="coerce")
    return songs.dropna(subset=list(COLUMNS))


def vibe_groups(songs: pd.DataFrame) -> list[tuple[str, str, str, pd.DataFrame]]:
    """(name, parent genre, how it was picked, unique tracks) for every vibe, subgenres first."""
    groups = []
    for (genre, subgenre), rows in songs.groupby(["playlist_genre", "playlist_subgenre"], sort=True):
        groups.append((subgenre, genre, f"tidytuesday subgenre '{subgenre}'", rows.drop_duplicates("track_id")))
    unique = songs.drop_duplicates("track_id")
    for name, (rule, pick) in DERIVED_VIBES.items():
        groups.append((name, DERIVED_GENRE[name], rule, unique[pick(unique)]))
    return groups


def normal_scores(values: pd.DataFrame) -> np.ndarray:
    ranks = values.rank(method="average").to_numpy()
    return ndtri(ranks / (len(values) + 1))


def copula_correlation(values: pd.DataFrame) -> np.ndarray:
    """Correlation of normal scores, shrunk for small samples and kept positive definite after rounding."""
    corr = np.corrcoef(normal_scores(values), rowvar=False)
    if len(values) < SMALL_SAMPLE:
        corr = 0.5 * corr + 0.5 * np.eye(len(corr))
    for _ in range(20):
        rounded = np.round(corr, 2)
        if np.linalg.eigvalsh(rounded).min() > 1e-3:
            return rounded
        corr = 0.95 * corr + 0.05 * np.eye(len(corr))
    raise ValueError("correlation matrix stays singular after shrinking")


def describe(values: pd.DataFrame) -> dict:
    stats = {}
    for column in COLUMNS:
        series = values[column].astype(float)
        digits = DECIMALS.get(column, 3)
        moments = (_round(series.mean(), digits + 1), _round(series.std(), digits + 1))
        stats[column] = moments + tuple(_round(v, digits) for v in series.quantile(list(QUANTILE_LEVELS)))
    return stats


def _round(value: float, digits: int):
    rounded = round(float(value), digits)
    return int(rounded) if digits <= 0 else rounded


def render(groups: list[tuple[str, str, str, pd.DataFrame]]) -> str:
    lines = [HEADER.format(levels=QUANTILE_LEVELS, columns=COLUMNS), "VIBES: dict[str, dict] = {"]
    for name, genre, rule, rows in groups:
        lines.append(f"    {name!r}: {{")
        lines.append(f"        'genre': {genre!r}, 'tracks': {len(rows)},")
        lines.append(f"        'picked': {rule!r},")
        lines.append("        'stats': {")
        for column, figures in describe(rows).items():
            lines.append(f"            {column!r}: {figures!r},")
        lines.append("        },")
        lines.append("        'correlation': (")
        corr = copula_correlation(rows[list(COLUMNS)])
        for i in range(1, len(COLUMNS)):
            lines.append(f"            {tuple(float(v) for v in corr[i, :i])!r},")
        lines.append("        ),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


HEADER = '''"""Real statistics behind the demo library: one "vibe" per group of real tracks.

GENERATED by bench/derive_demo_vibes.py from TidyTuesday 2020-01-21 spotify_songs.csv (Spotify-curated
playlists, MIT); do not edit by hand, rerun the script. Each vibe holds, per column of `COLUMNS`,
``(mean, std, *quantiles at QUANTILE_LEVELS)`` over its unique tracks, and the lower triangle (row i
holds columns 0..i-1) of the correlation of normal scores: the parameter of a Gaussian copula.
Correlations from fewer than 200 tracks are shrunk halfway towards independence.
"""

QUANTILE_LEVELS: tuple[float, ...] = {levels!r}
COLUMNS: tuple[str, ...] = {columns!r}
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the baked table instead of writing")
    args = parser.parse_args(argv)
    groups = vibe_groups(read_songs())
    text = render(groups)
    for name, genre, _, rows in groups:
        print(f"{name:28s} {genre:9s} {len(rows):5d} tracks, years {rows.year.quantile(0.1):.0f}-"
              f"{rows.year.quantile(0.9):.0f}, acousticness {rows.acousticness.mean():.2f}")
    if args.check:
        same = TARGET.exists() and TARGET.read_text() == text
        print("baked table is up to date" if same else f"{TARGET} differs from a fresh derivation")
        return 0 if same else 1
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(REPO)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
