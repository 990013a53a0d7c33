"""New playlists from the leftovers: liked songs that fit none of the playlists, clustered.

The songs a threshold holds back (`pipeline.suggest`: best calibrated score below the confidence
that reaches the asked precision) are placed in a space of their sound, era and genres: each
audio feature and the release year standardised against the whole library (so "quiet" means
quiet for this person), genres as a unit-length multi-hot block weighted by `GENRE_WEIGHT`.
scikit-learn's `HDBSCAN` (its tightest, "leaf" clusters: `SELECTION`) finds the clusters and how
many there are, leaving songs that belong to none as noise; a cluster needs `min_cluster_size`
songs (`default_min_size`). HDBSCAN draws no random numbers, so the same songs always give the same
proposals.

Each cluster becomes a proposed playlist: a name from its dominant genres, era and mood (the
features where it sits furthest from the library's average, e.g. "Late-90s mellow acoustic
indie folk"), its feature profile, and its most typical songs (closest to its centre). A library
where every song fits somewhere proposes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN
from sklearn.metrics import silhouette_score

from pipeline.config import RunConfig
from pipeline.library import AUDIO_FEATURES, Library, artist_names
from pipeline.suggest import choose_threshold, lowest_suggested_score, score_liked_songs

GENRE_WEIGHT = 1.5
"""Length of a song's genre block against ~1 per standardised feature: genres count like a couple of
features, so two songs of one genre with different tempos still meet."""
TOP_GENRES = 60
"""Genre columns kept (the most frequent among the leftovers): rarer ones add noise, not structure."""
CLUSTERED_FEATURES = tuple(f for f in AUDIO_FEATURES if f not in ("key", "mode"))
"""Key and mode are labels, not distances: left out of the space."""
TYPICAL = 5
MIN_SAMPLES = 3
"""HDBSCAN's neighbourhood for a song's density. Music features are spread thin: with 5 or 10, the
real libraries' leftovers (1,553 songs of one of them) came out as noise only; with 3, as groups."""
SELECTION = "leaf"
"""HDBSCAN's cluster selection. Its default ("eom", excess of mass) kept one big loose cluster: on a
93-playlist library 1,483 of 3,747 leftovers in one proposal ("the rest", silhouette 0.03), and on
the demo an adjusted Rand index of 0.09 against its hidden vibes. "leaf" takes the tightest groups:
largest 228, silhouette 0.13, demo ARI 0.55 (`bench/discover.py`)."""
MOODS = {  # feature -> (word when high, word when low), read against the library's average
    "energy": ("energetic", "mellow"),
    "valence": ("sunny", "melancholic"),
    "acousticness": ("acoustic", "electric"),
    "danceability": ("danceable", "drifting"),
    "instrumentalness": ("instrumental", "vocal"),
    "speechiness": ("spoken", None),
    "tempo": ("fast", "slow"),
    "liveness": ("live", None),
    "loudness": ("loud", "quiet"),
}
MOOD_MIN_Z = 0.35
"""A mood word needs the cluster's mean at least this many standard deviations from the library's."""


@dataclass(frozen=True)
class Proposal:
    """One proposed playlist: its name, songs (most typical first) and sound."""

    number: int
    name: str
    track_ids: tuple[str, ...]
    typical: tuple[str, ...]
    profile: dict[str, float]
    """Mean of each audio feature (raw units) over its songs."""
    genres: tuple[str, ...] = ()
    era: str = ""


@dataclass(frozen=True)
class Discovery:
    """What clustering the leftovers found."""

    proposals: tuple[Proposal, ...]
    leftovers: int
    """Songs that fit none of the playlists: what was clustered."""
    unclustered: int
    """Leftovers HDBSCAN left as noise: in no proposal."""
    silhouette: float | None
    """Mean silhouette of the clustered songs (None with fewer than two proposals)."""
    min_cluster_size: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def sizes(self) -> list[int]:
        return [len(p.track_ids) for p in self.proposals]

    def to_dict(self) -> dict:
        """JSON-ready: every field, and each proposal's size as ``songs``."""
        return {"leftovers": self.leftovers, "unclustered": self.unclustered, "silhouette": self.silhouette,
                "min_cluster_size": self.min_cluster_size, "notes": list(self.notes),
                "proposals": [{"number": p.number, "name": p.name, "songs": len(p.track_ids), "era": p.era,
                               "genres": list(p.genres), "typical": list(p.typical), "profile": p.profile,
                               "track_ids": list(p.track_ids)} for p in self.proposals]}

    @classmethod
    def from_dict(cls, data: dict) -> "Discovery":
        proposals = tuple(Proposal(p["number"], p["name"], tuple(p["track_ids"]), tuple(p["typical"]),
                                   dict(p["profile"]), tuple(p["genres"]), p["era"]) for p in data["proposals"])
        return cls(proposals, data["leftovers"], data["unclustered"], data["silhouette"], data["min_cluster_size"],
                   tuple(data["notes"]))


DEFAULT_MIN_PRECISION = 0.8
"""A liked song is a leftover when its best playlist is below the confidence at which suggestions
were right this often on held-out songs (the dashboard's default too)."""


def discover_new_playlists(library: Library, config: RunConfig, min_precision: float = DEFAULT_MIN_PRECISION,
                           min_cluster_size: int | None = None) -> Discovery:
    """Score every liked song with ``config`` (`pipeline.suggest`), keep those that fit none of the
    playlists at ``min_precision`` and cluster them (`discover`)."""
    scored = score_liked_songs(library, config)
    best = scored.best_scores()
    threshold = choose_threshold(scored, min_precision=min_precision)
    return discover(library, best[best < lowest_suggested_score(threshold)].index, min_cluster_size)


def default_min_size(leftovers: int) -> int:
    """Smallest cluster worth a playlist: 8 songs, more for big leftovers (~1 in 80), at most 20.

    At most 20: with 39 (1 in 40), the 1,569 leftovers of a 93-playlist library formed no group at
    all; with 20, five of 24-37 songs (silhouette 0.19)."""
    return int(min(20, max(8, round(leftovers / 80))))


def discover(library: Library, leftover_ids, min_cluster_size: int | None = None) -> Discovery:
    """Cluster the songs ``leftover_ids`` (liked songs that fit none of the playlists) into proposals."""
    ids = list(dict.fromkeys(leftover_ids))
    size = min_cluster_size or default_min_size(len(ids))
    if len(ids) < max(size, 2):
        why = ("every liked song fits one of your playlists" if not ids
               else f"{len(ids)} songs fit none of your playlists: too few for a new playlist of {size}")
        return Discovery((), len(ids), len(ids), None, size, (why,))
    space = cluster_space(library, ids)
    labels = HDBSCAN(min_cluster_size=size, min_samples=min(size, MIN_SAMPLES), cluster_selection_method=SELECTION,
                     copy=True).fit_predict(space)
    found = sorted({int(label) for label in labels if label >= 0},
                   key=lambda label: (-int((labels == label).sum()), label))
    proposals = tuple(_proposal(number, library, ids, space, labels == label)
                      for number, label in enumerate(found, start=1))
    clustered = labels >= 0
    silhouette = (float(silhouette_score(space[clustered], labels[clustered]))
                  if len(found) >= 2 else None)
    notes = () if proposals else (f"the {len(ids)} songs that fit none of your playlists form no group of "
                                  f"{size} or more alike songs",)
    return Discovery(_unique_names(proposals), len(ids), int((~clustered).sum()), silhouette, size, notes)


def cluster_space(library: Library, track_ids: list[str]) -> np.ndarray:
    """Rows of ``track_ids`` in the clustering space (see the module docstring)."""
    tracks = library.tracks
    numeric = [f for f in CLUSTERED_FEATURES if tracks[f].notna().any()]
    values = tracks[numeric].astype(float)
    if tracks["year"].notna().any():
        values = values.assign(year=tracks["year"].astype("Float64").astype(float))
    centre, spread = values.median(), values.std().replace(0, 1.0).fillna(1.0)
    chosen = values.reindex(track_ids)
    scaled = ((chosen.fillna(centre) - centre) / spread).to_numpy(dtype=float)
    return np.hstack([scaled, _genre_block(tracks["genres"].reindex(track_ids))])


def _genre_block(genres: pd.Series) -> np.ndarray:
    cells = [g if isinstance(g, tuple) else () for g in genres]
    counts = pd.Series([token.casefold() for cell in cells for token in cell]).value_counts()
    vocabulary = {token: i for i, token in enumerate(counts.index[:TOP_GENRES])}
    block = np.zeros((len(cells), max(len(vocabulary), 1)))
    for row, cell in enumerate(cells):
        for token in cell:
            if token.casefold() in vocabulary:
                block[row, vocabulary[token.casefold()]] = 1.0
    norms = np.linalg.norm(block, axis=1, keepdims=True)
    return GENRE_WEIGHT * np.divide(block, norms, out=np.zeros_like(block), where=norms > 0)


def _proposal(number: int, library: Library, ids: list[str], space: np.ndarray, members: np.ndarray) -> Proposal:
    member_ids = [t for t, m in zip(ids, members) if m]
    distances = np.linalg.norm(space[members] - space[members].mean(axis=0), axis=1)
    order = np.argsort(distances, kind="stable")
    ranked = tuple(member_ids[i] for i in order)
    tracks = library.tracks.reindex(ranked)
    profile = {f: float(tracks[f].mean()) for f in AUDIO_FEATURES if tracks[f].notna().any()}
    genres = _dominant_genres(tracks["genres"])
    era = era_of(tracks["year"])
    name = proposal_name(genres, era, mood_words(library, tracks))
    return Proposal(number, name or f"New playlist {number}", ranked, ranked[:TYPICAL], profile, genres, era)


def _dominant_genres(genres: pd.Series, top: int = 2) -> tuple[str, ...]:
    """Genres at least a third of the songs carry, most common first."""
    tokens = pd.Series([g for cell in genres if isinstance(cell, tuple) for g in dict.fromkeys(cell)])
    if tokens.empty:
        return ()
    counts = tokens.value_counts()
    return tuple(str(g) for g, n in counts.items() if n >= len(genres) / 3)[:top]


def era_of(years: pd.Series) -> str:
    """"Late-90s", "Early-2010s"... from the median release year; "" when half the years are unknown."""
    known = years.dropna().astype(int)
    if len(known) < max(1, len(years) / 2):
        return ""
    year = int(np.median(known))
    part = "Early" if year % 10 <= 3 else "Mid" if year % 10 <= 6 else "Late"
    decade = year - year % 10
    label = f"{decade % 100:02d}s" if decade < 2000 else f"{decade}s"
    return f"{part}-{label}"


def mood_words(library: Library, tracks: pd.DataFrame, top: int = 2) -> list[str]:
    """Up to ``top`` words for where the songs sit furthest from the library's average sound."""
    everything = library.tracks
    scored = []
    for feature, (high, low) in MOODS.items():
        if feature not in tracks or not tracks[feature].notna().any():
            continue
        spread = float(everything[feature].std())
        if not spread > 0:
            continue
        z = (float(tracks[feature].mean()) - float(everything[feature].mean())) / spread
        word = high if z > 0 else low
        if word and abs(z) >= MOOD_MIN_Z:
            scored.append((-abs(z), word))
    return [word for _, word in sorted(scored)[:top]]


def proposal_name(genres: tuple[str, ...], era: str, moods: list[str]) -> str:
    """"Late-90s mellow acoustic indie folk": era, moods, then the leading genre."""
    words = [era] if era else []
    genre = genres[0] if genres else ""
    words += [mood for mood in moods if mood not in genre.casefold().split()]  # not "acoustic acoustic pop"
    if genre:
        words.append(genre)
    name = " ".join(words).strip()
    return name[:1].upper() + name[1:] if name else ""


def _unique_names(proposals: tuple[Proposal, ...]) -> tuple[Proposal, ...]:
    """Two proposals never share a name: a second one gets " 2", and so on."""
    seen: dict[str, int] = {}
    result = []
    for proposal in proposals:
        count = seen.get(proposal.name.casefold(), 0) + 1
        seen[proposal.name.casefold()] = count
        name = proposal.name if count == 1 else f"{proposal.name} {count}"
        result.append(Proposal(proposal.number, name, proposal.track_ids, proposal.typical, proposal.profile,
                               proposal.genres, proposal.era))
    return tuple(result)


def proposals_table(library: Library, discovery: Discovery) -> pd.DataFrame:
    """One row per proposed song, in the columns ``python -m pipeline export`` reads: ``playlist`` is the
    proposed name, ``rank`` the song's typicality (1 = most typical), ``typical`` marks the first five."""
    columns = ["proposal", "playlist", "rank", "track_id", "track_name", "artists", "typical", "accepted"]
    frames = []
    for proposal in discovery.proposals:
        tracks = library.tracks.reindex(list(proposal.track_ids))
        rank = np.arange(1, len(tracks) + 1)
        frames.append(pd.DataFrame({"proposal": proposal.number, "playlist": proposal.name, "rank": rank,
                                    "track_id": tracks.index, "track_name": tracks["name"].to_numpy(),
                                    "artists": artist_names(tracks["artists"]), "typical": rank <= TYPICAL,
                                    "accepted": True}))
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
