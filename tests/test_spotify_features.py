"""Audio features after the 2024 deprecation: Spotify if it still answers, else ReccoBeats; cached on disk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.spotify.retry import RateLimited
from pipeline.library import AUDIO_FEATURES
from pipeline.spotify.store import JsonStore
from pipeline.sources import native
from pipeline.spotify.features import (GIVE_UP_AFTER_FAILED_BATCHES, MEASURED, FeatureCache, ReccoBeatsAudioFeatures, SpotifyAudioFeatures,
                                       add_audio_features, spotify_track_id)
from pipeline.spotify.fetch import fetch_spotify_library
from tests.fakes.fixtures import (POLICY, account, cli_env, client, client_of, pages, private_data_dir, reccobeats, run_cli,
                                  session, settings, spotify, unknown_to_reccobeats)
from tests.fakes.spotify_account import FEATURE_NAMES
from tests.fakes.spotify_api import FakeSpotify


@pytest.fixture
def library(client, pages):
    """The user's library as fetched: metadata, no audio features yet."""
    return fetch_spotify_library(client, pages, genres=False)


@pytest.fixture
def cache(tmp_path):
    return FeatureCache(JsonStore(tmp_path / "features.sqlite"))


def providers(client, reccobeats):
    return [SpotifyAudioFeatures(client), ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)]


def assert_features_match(library, account, skip=()):
    tracks = account.tracks()
    for track_id, row in library.tracks.iterrows():
        if track_id in skip:
            assert row[list(MEASURED)].isna().all()
            continue
        assert [row[name] for name in FEATURE_NAMES] == pytest.approx([tracks[track_id].features[n]
                                                                       for n in FEATURE_NAMES])


def test_a_new_app_gets_403_once_and_reccobeats_fills_the_features(library, client, reccobeats, spotify, cache,
                                                                     account, unknown_to_reccobeats):
    filled = add_audio_features(library, providers(client, reccobeats), cache)

    assert [r.status for r in spotify.requests_to("/v1/audio-features")] == [403]
    batches = [r.query["ids"].split(",") for r in reccobeats.requests_to("/v1/audio-features")]
    assert max(map(len, batches)) <= 40 and sorted(sum(batches, [])) == sorted(library.tracks.index)
    assert_features_match(filled, account, skip=unknown_to_reccobeats)
    # ReccoBeats has no duration: the track metadata's stays.
    assert (filled.tracks["duration_ms"] == library.tracks["duration_ms"]).all()
    unknown = next(w for w in filled.warnings if w.code == "features_unknown")
    assert unknown.count == 3 and account.tracks()[min(unknown_to_reccobeats)].name in unknown.message
    assert "no_features" not in {w.code for w in filled.warnings}


def test_a_grandfathered_app_gets_everything_from_spotify(library, pages, account, session, reccobeats, cache):
    with FakeSpotify(account, audio_features=True) as old_app:
        filled = add_audio_features(library, providers(client_of(old_app, session), reccobeats), cache)
        assert all(r.status == 200 for r in old_app.requests_to("/v1/audio-features"))
    assert not reccobeats.requests
    assert_features_match(filled, account)
    assert filled.feature_coverage() == 1.0


def test_a_second_run_makes_no_feature_calls(library, client, reccobeats, spotify, cache, account,
                                             unknown_to_reccobeats):
    first = add_audio_features(library, providers(client, reccobeats), cache)
    asked_spotify, asked_reccobeats = len(spotify.requests_to("/v1/audio-features")), len(reccobeats.requests)

    second = add_audio_features(library, providers(client, reccobeats), cache)

    assert len(spotify.requests_to("/v1/audio-features")) == asked_spotify
    assert len(reccobeats.requests) == asked_reccobeats
    assert second.fingerprint() == first.fingerprint()
    assert {w.code: w.count for w in second.warnings}["features_unknown"] == 3  # still reported, from the cache


def test_unknown_tracks_are_asked_about_again_once_their_retry_period_is_over(library, reccobeats, tmp_path,
                                                                                unknown_to_reccobeats):
    cache = FeatureCache(JsonStore(tmp_path / "features.sqlite"), unknown_retry_days=0)
    only_reccobeats = [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)]
    add_audio_features(library, only_reccobeats, cache)
    before = len(reccobeats.asked_ids())

    add_audio_features(library, only_reccobeats, cache)

    assert sorted(reccobeats.asked_ids()[before:]) == sorted(unknown_to_reccobeats)


@pytest.mark.timeout(30)
def test_reccobeats_asking_for_two_hours_stops_cleanly_and_the_next_run_asks_only_for_the_rest(
        library, reccobeats, cache):
    only_reccobeats = [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)]
    reccobeats.fail("/v1/audio-features", 429, retry_after=7200, skip=2)

    with pytest.raises(RateLimited, match="ReccoBeats asks us to wait 120 minutes; progress is saved"):
        add_audio_features(library, only_reccobeats, cache)

    assert [r.status for r in reccobeats.requests] == [200, 200, 429]
    reccobeats.clear_faults()
    add_audio_features(library, only_reccobeats, cache)
    asked = reccobeats.asked_ids()
    assert len(asked) == len(set(asked)) + 40  # only the refused batch was asked twice
    assert sorted(set(asked)) == sorted(library.tracks.index)


def warning(library, code):
    return next(w for w in library.warnings if w.code == code)


def test_reccobeats_failing_for_good_is_reported_and_not_asked_again_after_three_failed_batches(
        library, reccobeats, cache):
    reccobeats.fail("/v1/audio-features", 502, times=None)

    filled = add_audio_features(library, [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)], cache)

    assert len(reccobeats.requests) == GIVE_UP_AFTER_FAILED_BATCHES * (POLICY.retries + 1)
    gap = warning(filled, "features_unreachable")
    assert gap.count == len(library.tracks) and filled.tracks[list(MEASURED)].isna().all().all()
    assert "120: ReccoBeats is not answering properly (HTTP 502; tried 3 times)" in gap.message
    assert f"{len(library.tracks) - 120}: ReccoBeats failed 3 batches in a row" in gap.message
    assert len(cache.store) == 0  # nothing is remembered as missing: the next run asks again


def test_one_reccobeats_batch_failing_for_good_does_not_stop_the_later_batches(library, reccobeats, cache,
                                                                                account, unknown_to_reccobeats):
    only_reccobeats = [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)]
    reccobeats.fail("/v1/audio-features", 500, skip=1, times=POLICY.retries + 1)  # the second batch, every try

    filled = add_audio_features(library, only_reccobeats, cache)

    failed = reccobeats.requests_to("/v1/audio-features")[1].query["ids"].split(",")
    assert_features_match(filled, account, skip=set(failed) | unknown_to_reccobeats)
    gap = warning(filled, "features_unreachable")
    assert gap.count == 40 and "(40: ReccoBeats is not answering properly (HTTP 500; tried 3 times))" in gap.message
    asked = len(reccobeats.asked_ids())

    again = add_audio_features(filled, only_reccobeats, cache)  # the next run asks about the failed batch only

    assert sorted(reccobeats.asked_ids()[asked:]) == sorted(failed)
    assert "features_unreachable" not in {w.code for w in again.warnings}
    assert_features_match(again, account, skip=unknown_to_reccobeats)


@pytest.mark.parametrize("answer", [dict(raw=b"<html>Bad gateway</html>"), dict(body=["not", "features"]),
                                    dict(body={"content": "none"}), dict(body={"content": [42]})],
                         ids=["html", "a list", "no rows", "a row that is a number"])
def test_a_malformed_reccobeats_answer_costs_only_its_batch(library, reccobeats, cache, answer):
    reccobeats.fail("/v1/audio-features", 200, skip=2, **answer)

    filled = add_audio_features(library, [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)], cache)

    gap = warning(filled, "features_unreachable")
    assert gap.count == 40 and "(40: ReccoBeats answered something other than its audio-features JSON)" in gap.message
    assert len(reccobeats.requests) == -(-len(library.tracks) // 40)  # the later batches were asked, once each


def test_spotify_failing_with_5xx_hands_over_to_reccobeats_for_the_rest_of_the_session(
        library, account, session, reccobeats, cache, tmp_path, unknown_to_reccobeats):
    with FakeSpotify(account, audio_features=True) as old_app:
        old_app.fail("/v1/audio-features", 503, skip=1, times=None)  # the first batch answers, then no more
        spotify_first = providers(client_of(old_app, session), reccobeats)

        filled = add_audio_features(library, spotify_first, cache)

        asked = old_app.requests_to("/v1/audio-features")
        assert [r.status for r in asked] == [200] + [503] * (POLICY.retries + 1)
        from_spotify = set(asked[0].query["ids"].split(","))
        assert_features_match(filled, account, skip=unknown_to_reccobeats - from_spotify)
        assert sorted(reccobeats.asked_ids()) == sorted(set(library.tracks.index) - from_spotify)
        handover = warning(filled, "features_fallback")
        assert handover.message == ("Spotify audio-features failed: Spotify is not answering properly (HTTP 503; "
                                    "tried 3 times); audio features come from ReccoBeats for the rest of this session")
        assert handover.count == len(library.tracks) - len(from_spotify)

        add_audio_features(library, spotify_first, FeatureCache(JsonStore(tmp_path / "another.sqlite")))

        assert len(old_app.requests_to("/v1/audio-features")) == len(asked)  # not asked again this session


def test_spotify_asking_for_hours_hands_over_to_reccobeats_at_once(library, account, session, reccobeats, cache,
                                                                    unknown_to_reccobeats):
    with FakeSpotify(account, audio_features=True) as old_app:
        old_app.fail("/v1/audio-features", 429, retry_after=7200, times=None)

        filled = add_audio_features(library, providers(client_of(old_app, session), reccobeats), cache)

        assert len(old_app.requests_to("/v1/audio-features")) == 1
    assert_features_match(filled, account, skip=unknown_to_reccobeats)
    assert warning(filled, "features_fallback").message == (
        "Spotify audio-features failed: Spotify asks us to wait 120 minutes; audio features come from ReccoBeats "
        "for the rest of this session")


def test_with_no_provider_answering_the_library_is_returned_with_a_warning(library, client, cache, tmp_path):
    refused = SpotifyAudioFeatures(client)
    filled = add_audio_features(library, [refused], cache)
    assert refused.refused and filled.tracks[list(MEASURED)].isna().all().all()
    assert {w.code: w.count for w in filled.warnings}["features_unreachable"] == len(library.tracks)
    assert len(cache.store) == 0  # nothing was learned, so nothing is cached as "unknown"


def test_spotify_ids_are_read_from_ids_uris_and_links():
    bare = "4uLU6hMCjMI75M1A2tKUQC"
    assert spotify_track_id(bare) == bare
    assert spotify_track_id(f"spotify:track:{bare}") == bare
    assert spotify_track_id(f"https://open.spotify.com/intl-de/track/{bare}?si=abc") == bare
    assert spotify_track_id("spotify:local:Artist::Title:200") is None
    assert spotify_track_id("demo-track-17") is None


def test_cli_features_fills_a_saved_library(library, spotify, reccobeats, tmp_path, account, unknown_to_reccobeats):
    native.save_library(library, tmp_path / "no-features")
    env = cli_env(spotify, reccobeats, tmp_path / "data")

    done = run_cli("features", "--library", str(tmp_path / "no-features"), "--out", str(tmp_path / "filled"),
                   env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    filled = native.load_saved_library(tmp_path / "filled")
    assert_features_match(filled, account, skip=unknown_to_reccobeats)
    assert not spotify.requests_to("/v1/audio-features")  # ReccoBeats only: no login needed
    assert "3 track(s) unknown to every audio-feature provider" in done.stdout
    assert np.isclose(filled.feature_coverage(), 1 - 3 / len(library.tracks))
    assert set(AUDIO_FEATURES) <= set(filled.tracks.columns)


def test_a_real_library_gets_its_features_back_from_reccobeats_by_spotify_id(tmp_path, shared_data):
    """Real track ids from a real Exportify export, features blanked, refilled through the id in ``href``."""
    from pipeline.library import build_library
    from pipeline.sources import load_library
    from tests.fakes.reccobeats import FakeReccoBeats

    real = load_library(shared_data("exportify-deadda7a-2021"))
    blank = real.tracks.copy()
    blank[list(MEASURED)] = np.nan
    bare = build_library(blank.reset_index(), real.memberships, real.liked, real.source)
    known = {track_id: row[list(MEASURED)].to_dict() for track_id, row in real.tracks.iterrows()}

    with FakeReccoBeats(known) as reccobeats:
        filled = add_audio_features(bare, [ReccoBeatsAudioFeatures(reccobeats.api_url, POLICY)],
                                    FeatureCache(JsonStore(tmp_path / "features.sqlite")))
        assert len(reccobeats.requests) == -(-len(real.tracks) // 40)

    pd.testing.assert_frame_equal(filled.tracks[list(AUDIO_FEATURES)], real.tracks[list(AUDIO_FEATURES)])
