"""The embedded demo library: an invented person's playlists and liked songs, made from a seed.

It mimics the library the product grew from (about 33 playlists, 2,400 playlist rows, 670 liked
songs; three big playlists hold over a third of the rows; a few single-artist playlists; two
acoustic playlists that are easy to confuse; era playlists; tracks in several playlists; liked songs
partly filed already). Audio features come from real statistics (`demo_vibes`): each track is a draw
from a Gaussian copula of one vibe, nudged by its playlist and by its artist's signature sound.
TidyTuesday has no acoustic subgenre: both acoustic playlists draw from one real "acoustic" vibe
(sung tracks with acousticness >= 0.6, cut across genres) and differ only by small deliberate
nudges (mornings brighter and livelier, evenings softer), so they are as confusable as in the blog.
Names and ids are invented (`demo_names`). Only ``numpy.random.default_rng(seed)`` is used, so a
seed always gives the same library, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.library import Library, build_library
from pipeline.sources import demo_names as names
from pipeline.sources.demo_tracks import EPOCH, Artist, TrackMaker, artist_pools, solo_artist
from pipeline.sources.demo_vibes import COLUMNS

SOURCE = "Demo library (invented artists and songs, generated from seed {seed}{scaled})"
NOW_DAY = int((np.datetime64("2023-01-20") - EPOCH).astype(int))  # the blog's snapshot: the library's "today"
PLAYLIST_SPREAD = 0.35  # sd of a playlist's own nudge away from its vibes, in copula units
SIZE_SPREAD = 0.08  # sd of log playlist size around the plan, so seeds differ in more than names
IN_PERIOD = 0.85  # share of a playlist's tracks added during its building period (the rest later)
LIKED_SONGS, LIKED_FILED_SHARE, LIKED_STRAYS = 670, (0.36, 0.44), 0.05
LIKED_SINCE_DAY = int((np.datetime64("2015-01-01") - EPOCH).astype(int))


@dataclass(frozen=True)
class PlaylistPlan:
    """One playlist of the invented person: its vibes, size, building period and shared tracks.

    ``borrows`` names earlier playlists whose tracks this one also holds (``borrow_share`` of its
    rows); ``nudge`` replaces the random playlist nudge with a deliberate one (copula sd units);
    a single-artist playlist is named after its invented artist (``name`` is then only a key).
    """

    name: str
    size: int
    vibes: tuple[tuple[str, float], ...]
    started: float
    months: int
    borrows: tuple[str, ...] = ()
    borrow_share: float = 0.0
    nudge: tuple[tuple[str, float], ...] = ()
    single_artist: bool = False


def _plan(name: str, size: int, vibes: str | dict[str, float], started: float, months: int,
          borrows: list[str] | tuple[str, ...] = (), share: float = 0.0,
          nudge: tuple[tuple[str, float], ...] = (), single: bool = False) -> PlaylistPlan:
    mixture = tuple(vibes.items()) if isinstance(vibes, dict) else ((vibes, 1.0),)
    return PlaylistPlan(name, size, mixture, started, months, tuple(borrows), share, nudge, single)


# Processing order: a playlist only borrows from playlists above it.
PLAN: tuple[PlaylistPlan, ...] = (
    _plan("Classic Rock", 325, {"classic rock": 0.6, "album rock": 0.4}, 2015.2, 20),
    _plan("Discover Weekly Finds", 300, {"indie poptimism": 0.25, "permanent wave": 0.15, "electropop": 0.15,
          "neo soul": 0.15, "tropical": 0.1, "hip hop": 0.1, "album rock": 0.1}, 2016.0, 70),
    _plan("one rock band", 48, "album rock", 2015.5, 30, single=True),
    _plan("one songwriter", 40, "acoustic", 2019.0, 24, single=True),
    _plan("one producer", 35, "progressive electro house", 2018.5, 18, single=True),
    _plan("one soul singer", 30, "neo soul", 2019.0, 24, single=True),
    _plan("Hip Hop Essentials", 85, {"gangster rap": 0.6, "hip hop": 0.4}, 2018.8, 14),
    _plan("House Party", 70, {"electro house": 0.6, "progressive electro house": 0.4}, 2018.5, 10),
    _plan("Trap Bangers", 62, "trap", 2019.2, 12, ["Hip Hop Essentials"], 0.2),
    _plan("Hard Rock Anthems", 60, "hard rock", 2019.0, 10, ["Classic Rock"], 0.2),
    _plan("Southern Rap", 45, "southern hip hop", 2017.8, 9, ["Hip Hop Essentials"], 0.2),
    _plan("Gym", 265, {"trap": 0.35, "hard rock": 0.25, "big room": 0.2, "southern hip hop": 0.2}, 2019.3, 30,
          ["Trap Bangers", "Hard Rock Anthems", "House Party", "Southern Rap"], 0.35),
    _plan("Alternative Essentials", 44, {"permanent wave": 0.7, "album rock": 0.3}, 2018.5, 8,
          ["Discover Weekly Finds"], 0.2),
    _plan("Road Trip", 80, {"classic rock": 0.5, "permanent wave": 0.3, "album rock": 0.2}, 2019.5, 6,
          ["Classic Rock", "Alternative Essentials", "one rock band"], 0.5),
    _plan("90s Grunge", 54, "90s alternative", 2018.2, 8),
    _plan("Indie Pop", 95, {"indie poptimism": 0.8, "electropop": 0.2}, 2019.3, 16,
          ["Discover Weekly Finds"], 0.4),
    _plan("Electropop Glow", 36, {"electropop": 0.7, "pop edm": 0.3}, 2019.6, 8,
          ["Discover Weekly Finds", "Indie Pop"], 0.25),
    _plan("Late Night Drive", 34, {"electropop": 0.5, "neo soul": 0.5}, 2020.5, 6,
          ["Discover Weekly Finds", "Electropop Glow"], 0.35),
    _plan("Neo Soul Sundays", 75, "neo soul", 2019.4, 14, ["Discover Weekly Finds", "one soul singer"], 0.3),
    _plan("New Jack Swing", 38, "new jack swing", 2017.8, 6),
    _plan("Slow Jams", 46, {"urban contemporary": 0.7, "neo soul": 0.3}, 2019.2, 10,
          ["Neo Soul Sundays", "New Jack Swing"], 0.25),
    _plan("Pop Hits", 58, {"dance pop": 0.5, "post-teen pop": 0.5}, 2019.4, 12, ["Discover Weekly Finds"], 0.35),
    _plan("Throwback Hip Pop", 30, "hip pop", 2020.0, 6, ["Slow Jams", "Pop Hits"], 0.25),
    _plan("Reggaeton Nights", 65, {"reggaeton": 0.7, "latin hip hop": 0.3}, 2019.5, 10),
    _plan("Latin Pop", 36, "latin pop", 2019.8, 8),
    _plan("Tropical Summer", 42, {"tropical": 0.7, "latin pop": 0.3}, 2020.4, 4,
          ["Reggaeton Nights", "Latin Pop"], 0.25),
    _plan("Festival Mainstage", 34, {"big room": 0.6, "pop edm": 0.4}, 2019.6, 5, ["House Party"], 0.3),
    _plan("Deep Focus", 42, "lo-fi instrumental", 2020.2, 10),
    _plan("Chill Beats", 32, {"lo-fi instrumental": 0.5, "hip hop": 0.5}, 2021.0, 8,
          ["Deep Focus", "Hip Hop Essentials"], 0.35),
    _plan("80s Synthpop", 56, "80s synthpop", 2017.5, 6),
    _plan("60s & 70s Soul", 38, "classic soul", 2018.3, 5),
    # The two acoustic playlists share one real vibe; morning songs lean brighter, evening ones softer.
    _plan("Unplugged Evenings", 48, "acoustic", 2019.8, 12, ["one songwriter"], 0.1,
          nudge=(("energy", -0.3), ("valence", -0.3), ("loudness", -0.2), ("tempo", -0.15))),
    _plan("Acoustic Mornings", 52, "acoustic", 2020.1, 12, ["Unplugged Evenings", "one songwriter"], 0.15,
          nudge=(("energy", 0.2), ("valence", 0.35), ("danceability", 0.2), ("tempo", 0.15))),
)




@dataclass
class _Playlist:
    """A playlist while it is being filled: track numbers (creation order) and days they were added."""

    plan: PlaylistPlan
    name: str
    nudge: np.ndarray
    solo: Artist | None = None
    tracks: list[int] = field(default_factory=list)
    added: list[float] = field(default_factory=list)


def demo_library(seed: int = 7, scale: float = 1.0) -> Library:
    """The embedded demo library for ``seed``: same seed, same library, byte for byte; no file, no network.

    ``scale`` multiplies every playlist's size and the number of liked songs (the same 33 playlists,
    artists in proportion: benchmarks use it for libraries of 100k or 1M rows); 1 is the demo.
    Raises ValueError for a seed that is not a non-negative integer or a scale that is not positive.
    """
    maker, playlists, (liked_tracks, liked_days) = _generated(seed, scale)
    ids = [names.demo_id(seed, "track", number) for number in range(len(maker.rows))]
    source = SOURCE.format(seed=seed, scaled="" if scale == 1 else f", scaled x{scale:g}")
    return build_library(maker.table(ids), _memberships(seed, playlists, ids), _liked(liked_tracks, liked_days, ids),
                         source)


def demo_track_vibes(seed: int = 7, scale: float = 1.0) -> dict[str, str]:
    """Each track of `demo_library` (same arguments) and the hidden vibe it was drawn from: the truth
    a clustering of its songs can be checked against (``bench/discover.py``)."""
    maker, _, _ = _generated(seed, scale)
    return {names.demo_id(seed, "track", number): row["vibe"] for number, row in enumerate(maker.rows)}


def _generated(seed: int, scale: float) -> tuple[TrackMaker, list["_Playlist"], tuple]:
    """The invented tracks, playlists and liked songs (track numbers, days) of one seed and scale."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"demo library seed must be a non-negative integer, got {seed!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)) or not scale > 0:
        raise ValueError(f"demo library scale must be a positive number, got {scale!r}")
    rng = np.random.default_rng(seed)
    sizes = [max(12, int(round(plan.size * scale * np.exp(rng.normal(0, SIZE_SPREAD))))) for plan in PLAN]
    taken: set[str] = set()
    maker = TrackMaker(rng, artist_pools(rng, _vibe_demand(sizes), taken))
    playlists: dict[str, _Playlist] = {}
    for plan, size in zip(PLAN, sizes):
        playlists[plan.name] = _fill_playlist(rng, maker, plan, size, playlists, taken)
    liked = _liked_songs(rng, maker, list(playlists.values()), scale)
    return maker, list(playlists.values()), liked


def _memberships(seed: int, playlists: list[_Playlist], ids: list[str]) -> pd.DataFrame:
    frames = []
    for j, playlist in enumerate(playlists):
        order = np.lexsort((playlist.tracks, playlist.added))  # as exported: oldest addition first
        frames.append(pd.DataFrame({
            "playlist_id": names.demo_id(seed, "playlist", j), "playlist_name": playlist.name,
            "track_id": [ids[playlist.tracks[i]] for i in order],
            "added_at": _timestamps(np.asarray(playlist.added)[order])}))
    return pd.concat(frames, ignore_index=True)


def _liked(numbers: list[int], days: list[float], ids: list[str]) -> pd.DataFrame:
    order = np.argsort(-np.asarray(days), kind="stable")  # Spotify lists liked songs newest first
    return pd.DataFrame({"track_id": [ids[numbers[i]] for i in order],
                         "added_at": _timestamps(np.asarray(days)[order])})


def _vibe_demand(sizes: list[int]) -> dict[str, float]:
    """Roughly how many tracks each vibe will need (playlists plus unsorted liked songs)."""
    demand: dict[str, float] = {}
    for plan, size in zip(PLAN, sizes):
        if not plan.single_artist:
            for vibe, weight in plan.vibes:
                demand[vibe] = demand.get(vibe, 0.0) + 1.2 * size * weight * (1 - plan.borrow_share)
    return demand


def _nudge(rng: np.random.Generator, plan: PlaylistPlan) -> np.ndarray:
    if not plan.nudge:
        return rng.normal(0, PLAYLIST_SPREAD, len(COLUMNS))
    nudge = np.zeros(len(COLUMNS))
    for column, value in plan.nudge:
        nudge[COLUMNS.index(column)] = value
    return nudge


def _fill_playlist(rng: np.random.Generator, maker: TrackMaker, plan: PlaylistPlan, size: int,
                   earlier: dict[str, _Playlist], taken: set[str]) -> _Playlist:
    solo = solo_artist(rng, plan.vibes[0][0], taken) if plan.single_artist else None
    playlist = _Playlist(plan, solo.name if solo else plan.name, _nudge(rng, plan), solo)
    shared = list(dict.fromkeys(n for source in plan.borrows for n in earlier[source].tracks))
    borrowed = min(len(shared), int(round(size * plan.borrow_share)))
    if borrowed:
        playlist.tracks += [shared[int(i)] for i in np.sort(rng.choice(len(shared), borrowed, replace=False))]
    playlist.tracks += _new_tracks(rng, maker, playlist, size - borrowed)
    playlist.added = list(_added_days(rng, plan, maker.released_days(playlist.tracks)))
    return playlist


def _new_tracks(rng: np.random.Generator, maker: TrackMaker, playlist: _Playlist, count: int) -> list[int]:
    vibes = [vibe for vibe, _ in playlist.plan.vibes]
    weights = np.array([weight for _, weight in playlist.plan.vibes])
    counts = rng.multinomial(count, weights / weights.sum())
    return [n for vibe, k in zip(vibes, counts) for n in maker.make(vibe, int(k), playlist.nudge, playlist.solo)]


def _added_days(rng: np.random.Generator, plan: PlaylistPlan, released: np.ndarray) -> np.ndarray:
    """Mostly within the playlist's building period, some later; never before the song came out."""
    start = (plan.started + rng.normal(0, 0.25) - 2000) * 365.25
    end = start + plan.months * 30.4
    during = rng.uniform(start, end, len(released))
    later = rng.uniform(end, NOW_DAY, len(released))
    days = np.where(rng.random(len(released)) < IN_PERIOD, during, later)
    days = np.maximum(days, released + rng.uniform(0, 60, len(released)))
    return np.minimum(days, NOW_DAY - rng.uniform(0, 3, len(released)))


def _liked_songs(rng: np.random.Generator, maker: TrackMaker, playlists: list[_Playlist],
                 scale: float) -> tuple[list[int], list[float]]:
    """Liked songs (track numbers, days liked): some already filed into playlists, the rest new."""
    total = int(round(LIKED_SONGS * scale * np.exp(rng.normal(0, 0.03))))
    filed, filed_days = _filed_likes(rng, maker, playlists, int(round(total * rng.uniform(*LIKED_FILED_SHARE))))
    new, new_days = _unsorted_likes(rng, maker, playlists, total - len(filed))
    return filed + new, filed_days + new_days


def _filed_likes(rng: np.random.Generator, maker: TrackMaker, playlists: list[_Playlist],
                 count: int) -> tuple[list[int], list[float]]:
    """Playlist tracks the person also liked, usually a few weeks before filing them."""
    first_added: dict[int, float] = {}
    for playlist in playlists:
        for number, day in zip(playlist.tracks, playlist.added):
            first_added[number] = min(day, first_added.get(number, day))
    candidates = list(first_added)
    filed = [candidates[int(i)] for i in np.sort(rng.choice(len(candidates), count, replace=False))]
    days = np.array([first_added[n] for n in filed]) - rng.exponential(25.0, len(filed))
    return filed, list(np.maximum(days, maker.released_days(filed)))


def _unsorted_likes(rng: np.random.Generator, maker: TrackMaker, playlists: list[_Playlist],
                    count: int) -> tuple[list[int], list[float]]:
    """New tracks from the playlists' own vibes and artists (a few strays from anywhere).

    Most were liked in the last year or so: the backlog the product is for.
    """
    strays = int(round(count * LIKED_STRAYS))
    homes = np.array([len(p.tracks) for p in playlists], dtype=float) ** 0.6
    new: list[int] = []
    for playlist, share in zip(playlists, rng.multinomial(count - strays, homes / homes.sum())):
        new += _new_tracks(rng, maker, playlist, int(share))
    stray_vibes = list(maker.pools)
    for vibe in (stray_vibes[int(i)] for i in rng.integers(len(stray_vibes), size=strays)):
        new += maker.make(vibe, 1, rng.normal(0, 0.8, len(COLUMNS)))
    recent = rng.random(len(new)) < 0.55
    days = np.where(recent, NOW_DAY - rng.uniform(0, 450, len(new)),
                    rng.uniform(LIKED_SINCE_DAY, NOW_DAY, len(new)))
    days = np.maximum(days, maker.released_days(new) + rng.uniform(0, 30, len(new)))
    return new, list(np.minimum(days, NOW_DAY))


def _timestamps(days: np.ndarray) -> pd.Series:
    """Days since `EPOCH` as UTC timestamps to the second, as Spotify reports ``added_at``."""
    seconds = EPOCH.astype("datetime64[s]") + np.round(days * 86400).astype("timedelta64[s]")
    return pd.Series(pd.to_datetime(seconds).tz_localize("UTC"))
