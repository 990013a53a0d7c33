"""The Spotify account the fakes serve: playlists with snapshots, liked songs, artists, features.

`sample_account` builds the account the tests talk about: three playlists holding 250
distinct tracks, liked songs (some already filed), one local file, one podcast episode,
one track no longer available, and a playlist someone else owns that the user follows.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

FEATURE_NAMES = ("danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
                 "instrumentalness", "liveness", "valence", "tempo")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_id(seed: str) -> str:
    """A deterministic 22-character base-62 id, like Spotify's."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


@dataclass
class Track:
    id: str
    name: str
    artists: list[tuple[str, str]]
    album: str
    release_date: str
    duration_ms: int
    features: dict[str, float]
    kind: str = "track"  # "track", "episode" or "local"
    playable: bool = True

    def as_json(self) -> dict:
        if self.kind == "episode":
            return {"id": self.id, "type": "episode", "uri": f"spotify:episode:{self.id}", "name": self.name,
                    "duration_ms": self.duration_ms, "is_local": False}
        local = self.kind == "local"
        return {
            "id": None if local else self.id,
            "type": "track",
            "uri": f"spotify:local:{self.artists[0][1]}::{self.name}:200" if local else f"spotify:track:{self.id}",
            "name": self.name,
            "is_local": local,
            "is_playable": self.playable,
            "duration_ms": self.duration_ms,
            "artists": [{"id": None if local else a, "name": n, "type": "artist"} for a, n in self.artists],
            "album": {"name": self.album, "release_date": self.release_date, "release_date_precision": "day"},
        }


@dataclass
class Playlist:
    id: str
    name: str
    owner: str
    collaborative: bool = False
    items: list[tuple[str, Track]] = field(default_factory=list)  # (added_at, track)
    version: int = 1

    @property
    def snapshot_id(self) -> str:
        return f"{self.id}-v{self.version}"

    def snapshot_ids(self) -> list[str]:
        """Every snapshot id this playlist has had, oldest first."""
        return [f"{self.id}-v{version}" for version in range(1, self.version + 1)]

    def track_ids(self) -> list[str]:
        return [t.id for _, t in self.items]


@dataclass
class Account:
    user_id: str
    display_name: str
    playlists: list[Playlist]
    liked: list[tuple[str, Track]]
    genres: dict[str, list[str]]

    def tracks(self) -> dict[str, Track]:
        everything = [t for p in self.playlists for _, t in p.items] + [t for _, t in self.liked]
        return {t.id: t for t in everything if t.kind == "track"}

    def playlist(self, playlist_id: str) -> Playlist:
        return next(p for p in self.playlists if p.id == playlist_id)


def make_track(rng: random.Random, label: str, artists: list[tuple[str, str]], **kind) -> Track:
    features = {name: round(rng.random(), 4) for name in FEATURE_NAMES}
    features.update(key=float(rng.randrange(12)), mode=float(rng.randrange(2)),
                    loudness=round(-30 * rng.random(), 3), tempo=round(60 + 120 * rng.random(), 3))
    return Track(id=spotify_id(label), name=f"Song {label}", artists=rng.sample(artists, rng.choice((1, 1, 2))),
                 album=f"Album {label[:6]}", release_date=f"{rng.randrange(1965, 2025)}-0{rng.randrange(1, 10)}-15",
                 duration_ms=rng.randrange(120_000, 360_000), features=features, **kind)


def sample_account(sizes: tuple[int, ...] = (120, 80, 50), liked_new: int = 20, liked_filed: int = 40,
                   seed: int = 7) -> Account:
    rng = random.Random(seed)
    artists = [(spotify_id(f"artist{i}"), f"Artist {i}") for i in range(40)]
    genres = {a: rng.sample(["indie pop", "techno", "jazz", "metal", "folk", "ambient"], rng.randrange(0, 3))
              for a, _ in artists}
    names = ("Chill Evenings", "Gym Bangers", "Road Trip")
    playlists = []
    for index, (size, name) in enumerate(zip(sizes, names)):
        playlist = Playlist(spotify_id(f"playlist{index}"), name, "me-user", collaborative=index == 2)
        playlist.items = [(_date(rng), make_track(rng, f"p{index}t{i}", artists)) for i in range(size)]
        playlists.append(playlist)
    playlists[0].items.insert(7, (_date(rng), make_track(rng, "local", artists, kind="local")))
    playlists[1].items.insert(60, (_date(rng), make_track(rng, "episode", artists, kind="episode")))
    playlists[2].items.insert(3, (_date(rng), make_track(rng, "gone", artists, playable=False)))
    followed = Playlist(spotify_id("followed"), "Someone Else's Mix", "other-user",
                        items=[(_date(rng), make_track(rng, f"f{i}", artists)) for i in range(5)])
    filed = [t for p in playlists for _, t in p.items if t.kind == "track" and t.playable]
    liked = [(_date(rng), t) for t in rng.sample(filed, liked_filed)]
    liked += [(_date(rng), make_track(rng, f"l{i}", artists)) for i in range(liked_new)]
    liked.append((_date(rng), make_track(rng, "liked-gone", artists, playable=False)))
    liked.sort(key=lambda pair: pair[0], reverse=True)  # Spotify lists the newest like first
    return Account("me-user", "Test Listener", playlists + [followed], liked, genres)


def _date(rng: random.Random) -> str:
    return f"20{rng.randrange(15, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T12:00:00Z"
