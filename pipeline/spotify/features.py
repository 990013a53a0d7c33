"""Audio features after Spotify's 2024 deprecation: providers tried in order, cached on disk.

1. `SpotifyAudioFeatures` — Spotify's own ``audio-features``; only apps grandfathered before
   2024-11-27 still get answers. A 403, a 5xx that outlasts the retries or a 429 beyond the cap
   switches to the next provider for the rest of the session (the last two are reported).
2. `ReccoBeatsAudioFeatures` — ``GET /v1/audio-features?ids=`` (keyless, 40 Spotify ids per
   call); answers carry ReccoBeats' own ids, so results are matched back through the Spotify
   link in ``href``. It has no duration: ``duration_ms`` stays as the track metadata says.

`FeatureCache` remembers every answer, "unknown" included (with its date, re-asked after
`UNKNOWN_RETRY_DAYS`), so a second run makes no feature calls at all. A batch that failed (a
persistent 5xx, a malformed answer) is reported, not cached, and the later batches go on; the
next run asks about it again.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

import numpy as np
import requests
from spotipy.exceptions import SpotifyException

from pipeline.spotify.retry import (RateLimited, RetryPolicy, ServiceUnavailable, call_with_retries,
                                    failure_of_requests_error)
from pipeline.library import AUDIO_FEATURES, Library, Warning_, build_library
from pipeline.spotify.store import JsonStore
from pipeline.paths import data_dir

logger = logging.getLogger(__name__)
MEASURED = tuple(f for f in AUDIO_FEATURES if f != "duration_ms")
"""What providers measure; ``duration_ms`` comes with the track metadata."""
UNKNOWN_RETRY_DAYS = 30
GIVE_UP_AFTER_FAILED_BATCHES = 3
"""A provider whose batches fail this many times in a row is not asked about the rest of this run."""
_SPOTIFY_ID = re.compile(r"^(?i:spotify:track:|https?://open\.spotify\.com/(?:intl-\w+/)?track/)?([0-9A-Za-z]{22})"
                         r"(?:\?.*)?$")
_FEATURE_WARNINGS = ("no_features", "absent_features", "missing_features", "features_unknown",
                     "features_unreachable", "features_fallback", "features_not_spotify")
Progress = Callable[[float, str], None]
"""``progress(fraction_done, message)``, as in `pipeline.evaluation`."""


class ProviderUnavailable(Exception):
    """This provider cannot serve us (Spotify's 403), or failed (``temporary``, reported): use the next one."""

    def __init__(self, reason: str, *, temporary: bool = False) -> None:
        super().__init__(reason)
        self.temporary = temporary


class BatchFailed(Exception):
    """This batch got no usable answer; later batches may well get one."""


@dataclass
class FeatureAnswer:
    found: dict[str, dict[str, float]] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)


class FeatureProvider(Protocol):
    name: str
    batch_size: int

    def fetch(self, spotify_ids: list[str]) -> FeatureAnswer:
        """Features for up to `batch_size` ids; raises `ProviderUnavailable` to step aside, `BatchFailed`
        to skip this batch only."""


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
        # Once refused or failed, not asked again by this provider object (a dashboard session).
        self.refused: ProviderUnavailable | None = None

    def fetch(self, spotify_ids: list[str]) -> FeatureAnswer:
        if self.refused:
            raise ProviderUnavailable(f"{self.refused} (earlier)", temporary=self.refused.temporary)
        try:
            with warnings.catch_warnings():  # Spotipy warns that the endpoint is deprecated; we know
                warnings.simplefilter("ignore", DeprecationWarning)
                rows = self.client.audio_features(spotify_ids) or []
        except SpotifyException as error:
            if error.http_status not in (403, 404):
                raise
            self.refused = ProviderUnavailable(f"Spotify audio-features answered {error.http_status}")
            raise self.refused from None
        except (RateLimited, ServiceUnavailable) as error:  # already retried within the policy
            self.refused = ProviderUnavailable(f"Spotify audio-features failed: {error.summary}", temporary=True)
            raise self.refused from None
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
        except ServiceUnavailable as error:
            raise BatchFailed(error.summary) from None
        try:
            found = _found_in(response.json(), spotify_ids)
        except (ValueError, TypeError, AttributeError):
            raise BatchFailed("ReccoBeats answered something other than its audio-features JSON") from None
        return FeatureAnswer(found, set(spotify_ids) - set(found))


def _found_in(body, spotify_ids: list[str]) -> dict[str, dict[str, float]]:
    """Features by Spotify id from ReccoBeats' ``{"content": [...]}``; raises on any other shape."""
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, list):
        raise TypeError("no 'content' list")
    found = {}
    for row in content:
        spotify_id = spotify_track_id(row.get("href", ""))
        if spotify_id in spotify_ids:
            found[spotify_id] = _measured(row)
    return found


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

    Tracks no provider knows keep empty features and are named in a warning; so are tracks whose
    batch failed and providers that failed (the next one took over). Raises `RateLimited` when the
    last provider asks for a long wait; what was fetched is cached.
    """
    progress = progress or (lambda fraction, message: None)
    tracks = library.tracks.copy()
    lacking = tracks.index[tracks[list(MEASURED)].isna().any(axis=1)]
    ids = {track_id: spotify_track_id(track_id) for track_id in lacking}
    not_spotify = [t for t, s in ids.items() if s is None]
    wanted = sorted({s for s in ids.values() if s})
    found, unknown = cache.lookup(wanted)
    missing = [s for s in wanted if s not in found and s not in unknown]
    gaps = _ask_providers(missing, providers, cache, found, unknown, progress)
    for track_id, spotify_id in ids.items():
        for name, value in found.get(spotify_id, {}).items():
            if np.isnan(tracks.at[track_id, name]):
                tracks.at[track_id, name] = value
    notes = [w for w in library.warnings if w.code not in _FEATURE_WARNINGS]
    notes += _report(library, ids, unknown, gaps, not_spotify)
    return build_library(tracks.reset_index(), library.memberships, library.liked, library.source, notes)


@dataclass
class _Gaps:
    """What the providers left open: Spotify id -> why no provider answered (not cached, so the next
    run asks again), and the providers that failed and handed over to the next (worth telling)."""

    why: dict[str, str] = field(default_factory=dict)
    handovers: list[Warning_] = field(default_factory=list)


def _ask_providers(missing: list[str], providers: list[FeatureProvider], cache: FeatureCache,
                   found: dict, unknown: set, progress: Progress) -> _Gaps:
    """Fill ``found``/``unknown`` in place; returns the ids no provider answered for, and why."""
    remaining, total, gaps = list(missing), len(missing), _Gaps()
    for index, provider in enumerate(providers):
        later = providers[index + 1:]
        pending, remaining = remaining, []
        failed_in_a_row = 0
        for start in range(0, len(pending), provider.batch_size):
            batch = pending[start:start + provider.batch_size]
            progress((total - len(pending) + start) / max(total, 1), f"Audio features from {provider.name}")
            try:
                answer = provider.fetch(batch)
            except ProviderUnavailable as reason:
                _step_aside(reason, pending[start:], later, gaps)
                remaining += pending[start:]
                break
            except BatchFailed as reason:
                logger.warning("%s: no audio features for %d track(s): %s", provider.name, len(batch), reason)
                gaps.why.update(dict.fromkeys(batch, str(reason)))
                remaining += batch
                failed_in_a_row += 1
                if failed_in_a_row >= GIVE_UP_AFTER_FAILED_BATCHES:
                    rest = pending[start + provider.batch_size:]
                    _step_aside(ProviderUnavailable(f"{provider.name} failed {failed_in_a_row} batches "
                                                    "in a row and was not asked about the rest",
                                                    temporary=True), rest, later, gaps)
                    remaining += rest
                    break
                continue
            failed_in_a_row = 0
            found.update(answer.found)
            last_word = not later  # only the last provider may declare a track unknown
            cache.remember(provider.name, answer, answer.unknown if last_word else ())
            if last_word:
                unknown.update(answer.unknown)
            else:
                remaining += sorted(answer.unknown)
    progress(1.0, "Audio features done")
    gaps.why = {i: gaps.why.get(i, "no provider left to ask") for i in remaining}
    return gaps


def _step_aside(reason: ProviderUnavailable, ids: list[str], later: list[FeatureProvider], gaps: _Gaps) -> None:
    """Record why ``ids`` got nothing from this provider; a provider that failed is worth telling about."""
    if not ids:
        return
    gaps.why.update(dict.fromkeys(ids, str(reason)))
    if not reason.temporary:  # e.g. Spotify's 403 for every app made since 2024: nothing to tell
        logger.info("%s; trying the next provider", reason)
        return
    logger.warning("%s; %s", reason, f"asking {later[0].name} instead" if later else "no provider left")
    if later:
        gaps.handovers.append(Warning_("features_fallback", f"{reason}; audio features come from "
                                       f"{later[0].name} for the rest of this session", len(ids)))


def _report(library: Library, ids: dict, unknown: set, gaps: _Gaps, not_spotify: list) -> list[Warning_]:
    notes = list(gaps.handovers)
    names = library.tracks["name"]
    unknown_tracks = [t for t, s in ids.items() if s in unknown]
    if unknown_tracks:
        examples = ", ".join(f"'{names[t]}'" for t in unknown_tracks[:3])
        notes.append(Warning_("features_unknown", f"{len(unknown_tracks)} track(s) unknown to every audio-feature "
                              f"provider keep empty features (e.g. {examples})", len(unknown_tracks)))
    if gaps.why:
        reasons = "; ".join(f"{count}: {why}" for why, count in Counter(gaps.why.values()).most_common())
        notes.append(Warning_("features_unreachable", f"no audio-feature provider answered for {len(gaps.why)} "
                              f"track(s) ({reasons}); they are not remembered as missing: run "
                              "'python -m pipeline features' again later", len(gaps.why)))
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
