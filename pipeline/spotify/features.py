"""Audio features after Spotify's 2024 deprecation: providers tried in order, cached on disk.

1. `SpotifyAudioFeatures` — Spotify's own ``audio-features``; only apps grandfathered before
   2024-11-27 still get answers. A 403 switches to the next provider for the rest of the run.
2. `ReccoBeatsAudioFeatures` — ``GET /v1/audio-features?ids=`` (keyless, 40 Spotify ids per
   call); answers carry ReccoBeats' own ids, so results are matched back through the Spotify
   link in ``href``. It has no duration: ``duration_ms`` stays as the track metadata says.

`FeatureCache` remembers every answer, "unknown" included (with its date, re-asked after
`UNKNOWN_RETRY_DAYS`), so a second run makes no feature calls at all.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

import numpy as np
import requests
from spotipy.exceptions import SpotifyException

from pipeline.spotify.retry import RetryPolicy, call_with_retries, failure_of_requests_error
from pipeline.library import AUDIO_FEATURES, Library, Warning_, build_library
from pipeline.spotify.store import JsonStore
from pipeline.paths import data_dir

logger = logging.getLogger(__name__)
MEASURED = tuple(f for f in AUDIO_FEATURES if f != "duration_ms")
"""What providers measure; ``duration_ms`` comes with the track metadata."""
UNKNOWN_RETRY_DAYS = 30
_SPOTIFY_ID = re.compile(r"^(?i:spotify:track:|https?://open\.spotify\.com/(?:intl-\w+/)?track/)?([0-9A-Za-z]{22})"
                         r"(?:\?.*)?$")
_FEATURE_WARNINGS = ("no_features", "absent_features", "missing_features", "features_unknown",
                     "features_unreachable",
                     "features_not_spotify")
Progress = Callable[[float, str], None]
"""``progress(fraction_done, message)``, as in `pipeline.evaluation`."""


class ProviderUnavailable(Exception):
    """This provider cannot serve this app (e.g. Spotify's 403): use the next one."""


@dataclass
class FeatureAnswer:
    found: dict[str, dict[str, float]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)


class FeatureProvider(Protocol):
    name: str
    batch_size: int

    def fetch(self, spotify_ids: list[str]) -> FeatureAnswer:
        """Features for up to `batch_size` ids; raises `ProviderUnavailable` to step aside."""


def spotify_track_id(value: str) -> str | None:
    """The bare Spotify id in an id, ``spotify:track:`` URI or open.spotify.com link; else None."""
    match = _SPOTIFY_ID.match(str(value).strip())
    return match.group(1) if match else None


def _measured(values: dict) -> dict[str, float]:
    return {name: float(values[name]) for name in MEASURED if values.get(name) is not None}


class SpotifyAudioFeatures:
    name, batch_size = "Spotify", 100

    def __init__(self, client) -> None:
        self.client = client
        self.refused = False  # once refused, not asked again by this provider object (a dashboard session)

    def fetch(self, spotify_ids: list[str]) -> FeatureAnswer:
        if self.refused:
            raise ProviderUnavailable("Spotify audio-features refused this app earlier")
        try:
            with warnings.catch_warnings():  # Spotipy warns that the endpoint is deprecated; we know
                warnings.simplefilter("ignore", DeprecationWarning)
                rows = self.client.audio_features(spotify_ids) or []
        except SpotifyException as error:
            if error.http_status in (403, 404):
                self.refused = True
                raise ProviderUnavailable(f"Spotify audio-features answered {error.http_status}") from None
            raise
        found = {row["id"]: _measured(row) for row in rows if row and row.get("id") in spotify_ids}
        return FeatureAnswer(found, set(spotify_ids) - set(found))


class ReccoBeatsAudioFeatures:
    name, batch_size = "ReccoBeats", 40

    def __init__(self, base_url: str, policy: RetryPolicy | None = None,
                 session: requests.Session | None = None) -> None:
        self.url = base_url.rstrip("/") + "/audio-features"
        self.policy = policy or RetryPolicy.from_env()
        self.session = session or requests.Session()

    def fetch(self, spotify_ids: list[str]) -> FeatureAnswer:
        def attempt() -> requests.Response:
            response = self.session.get(self.url, params={"ids": ",".join(spotify_ids)},
                                        headers={"Accept": "application/json"}, timeout=self.policy.timeout)
            response.raise_for_status()
            return response
        try:
            response = call_with_retries(attempt, service=self.name, policy=self.policy,
                                         failure_of=failure_of_requests_error)
        except requests.HTTPError as error:  # a 4xx other than 429: this service will not help us
            raise ProviderUnavailable(f"ReccoBeats answered {error.response.status_code}") from None
        try:
            body = response.json()
        except ValueError:
            raise ProviderUnavailable("ReccoBeats answered something that is not JSON") from None
        found = {}
        for row in body.get("content") or []:
            spotify_id = spotify_track_id(row.get("href", ""))
            if spotify_id in spotify_ids:
                found[spotify_id] = _measured(row)
        return FeatureAnswer(found, set(spotify_ids) - set(found))


def default_providers(settings, client=None) -> list[FeatureProvider]:
    """Spotify first when a client is at hand, then ReccoBeats at ``settings.reccobeats_url``."""
    policy = getattr(client, "policy", None)
    return ([SpotifyAudioFeatures(client)] if client is not None else []) + \
        [ReccoBeatsAudioFeatures(settings.reccobeats_url, policy)]


class FeatureCache:
    """Spotify id -> {"provider", "features"} (features None: no provider knew the track)."""

    def __init__(self, store: JsonStore, unknown_retry_days: float = UNKNOWN_RETRY_DAYS) -> None:
        self.store, self.unknown_retry_seconds = store, unknown_retry_days * 86400

    @classmethod
    def default(cls) -> "FeatureCache":
        return cls(JsonStore(data_dir() / "audio-features.sqlite"))

    def lookup(self, spotify_ids: Iterable[str]) -> tuple[dict[str, dict], set[str]]:
        """(features known, ids known to be unknown recently)."""
        found, unknown, now = {}, set(), time.time()
        for spotify_id, (entry, stored_at) in self.store.get_many(spotify_ids).items():
            if entry.get("features"):
                found[spotify_id] = entry["features"]
            elif now - stored_at < self.unknown_retry_seconds:
                unknown.add(spotify_id)
        return found, unknown

    def remember(self, provider: str, answer: FeatureAnswer, unknown: Iterable[str] = ()) -> None:
        entries = {i: {"provider": provider, "features": f} for i, f in answer.found.items()}
        entries.update({i: {"provider": None, "features": None} for i in unknown})
        self.store.put_many(entries)


def add_audio_features(library: Library, providers: list[FeatureProvider], cache: FeatureCache,
                       progress: Progress | None = None) -> Library:
    """A copy of ``library`` with missing audio features filled from the cache, then the providers.

    Tracks no provider knows keep empty features and are named in a warning. Raises
    `RateLimited`/`ServiceUnavailable` when a provider stops answering; what was fetched is cached.
    """
    progress = progress or (lambda fraction, message: None)
    tracks = library.tracks.copy()
    lacking = tracks.index[tracks[list(MEASURED)].isna().any(axis=1)]
    ids = {track_id: spotify_track_id(track_id) for track_id in lacking}
    not_spotify = [t for t, s in ids.items() if s is None]
    wanted = sorted({s for s in ids.values() if s})
    found, unknown = cache.lookup(wanted)
    missing = [s for s in wanted if s not in found and s not in unknown]
    unreachable = _ask_providers(missing, providers, cache, found, unknown, progress)
    for track_id, spotify_id in ids.items():
        for name, value in found.get(spotify_id, {}).items():
            if np.isnan(tracks.at[track_id, name]):
                tracks.at[track_id, name] = value
    notes = [w for w in library.warnings if w.code not in _FEATURE_WARNINGS]
    notes += _report(library, ids, unknown, unreachable, not_spotify)
    return build_library(tracks.reset_index(), library.memberships, library.liked, library.source, notes)


def _ask_providers(missing: list[str], providers: list[FeatureProvider], cache: FeatureCache,
                   found: dict, unknown: set, progress: Progress) -> set[str]:
    """Fill ``found``/``unknown`` in place; returns ids no provider could be asked about."""
    remaining, total = list(missing), len(missing)
    for index, provider in enumerate(providers):
        later = providers[index + 1:]
        pending, remaining = remaining, []
        for start in range(0, len(pending), provider.batch_size):
            batch = pending[start:start + provider.batch_size]
            progress((total - len(pending) + start) / max(total, 1), f"Audio features from {provider.name}")
            try:
                answer = provider.fetch(batch)
            except ProviderUnavailable as reason:
                logger.info("%s; trying the next provider", reason)
                remaining += pending[start:]
                break
            found.update(answer.found)
            last_word = not later  # only the last provider may declare a track unknown
            cache.remember(provider.name, answer, answer.unknown if last_word else ())
            if last_word:
                unknown.update(answer.unknown)
            else:
                remaining += sorted(answer.unknown)
    progress(1.0, "Audio features done")
    return set(remaining)


def _report(library: Library, ids: dict, unknown: set, unreachable: set, not_spotify: list) -> list[Warning_]:
    notes = []
    names = library.tracks["name"]
    unknown_tracks = [t for t, s in ids.items() if s in unknown]
    if unknown_tracks:
        examples = ", ".join(f"'{names[t]}'" for t in unknown_tracks[:3])
        notes.append(Warning_("features_unknown", f"{len(unknown_tracks)} track(s) unknown to every audio-feature "
                              f"provider keep empty features (e.g. {examples})", len(unknown_tracks)))
    if unreachable:
        notes.append(Warning_("features_unreachable", f"no audio-feature provider would answer for "
                              f"{len(unreachable)} track(s); run 'python -m pipeline features' again later",
                              len(unreachable)))
    if not_spotify:
        notes.append(Warning_("features_not_spotify", f"{len(not_spotify)} track(s) have no Spotify id, so no "
                              "provider can look up their features", len(not_spotify)))
    return notes


def features_to_folder(source: str, out: str | Path, *, use_spotify: bool = False,
                       progress: Progress | None = None) -> Library:
    """``python -m pipeline features``: fill a library's missing features and save it with `native`.

    ReccoBeats alone by default (no login needed, e.g. for an account-data export);
    ``use_spotify`` asks Spotify first, for apps that still have ``audio-features``.
    """
    from pipeline.sources import load_library, native
    from pipeline.spotify.settings import load_settings

    settings = load_settings()
    client = None
    if use_spotify:
        from pipeline.spotify.client import connect
        client = connect(settings)
    library = add_audio_features(load_library(source), default_providers(settings, client), FeatureCache.default(),
                                 progress=progress)
    native.save_library(library, Path(out))
    return library
