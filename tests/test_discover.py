"""New playlists from the leftovers: clusters of liked songs that fit none of the playlists."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import discover as D
from pipeline.csv_export import write_csv
from pipeline.library import AUDIO_FEATURES, Library, build_library
from pipeline.recommended import recommended_config
from pipeline.spotify.export import read_suggestions, select_suggestions
from pipeline.suggest import choose_threshold, lowest_suggested_score, score_liked_songs
from tests.test_dashboard_apptest import small_library

GROUPS = {  # name -> (songs, energy, acousticness, year, genre)
    "quiet": (24, 0.15, 0.9, 1997, "indie folk"),
    "loud": (18, 0.95, 0.05, 2012, "metalcore"),
}


def spotify_id(short: str) -> str:
    """A 22-character id, as Spotify's (so the export path accepts it): 'qui003' -> 'qui0030000000000000000'."""
    return short.ljust(22, "0")


def library_with_two_kinds_of_unfiled_songs(strays: int = 0, seed: int = 0) -> Library:
    """Two playlists of middling songs, and liked songs in none of them: a quiet acoustic 90s
    folk group, a loud electric 2010s metal group, and ``strays`` songs scattered anywhere."""
    rng = np.random.default_rng(seed)
    tracks, memberships, liked = [], [], []

    def song(track_id: str, energy: float, acoustic: float, year: int, genre: str) -> dict:
        features = {f: float(rng.uniform(0.3, 0.7)) for f in AUDIO_FEATURES}
        features.update(energy=float(np.clip(rng.normal(energy, 0.04), 0, 1)),
                        acousticness=float(np.clip(rng.normal(acoustic, 0.04), 0, 1)),
                        key=float(rng.integers(12)), mode=float(rng.integers(2)), tempo=float(rng.normal(120, 5)),
                        loudness=float(rng.normal(-8, 1)), duration_ms=float(rng.normal(2e5, 1e4)))
        return {"track_id": spotify_id(track_id), "name": f"Song {track_id}", "artists": f"Artist {track_id[:3]}",
                "genres": genre, "release_date": f"{year}-05-01", **features}

    for playlist in ("middle", "centre"):
        for i in range(30):
            track = song(f"{playlist[:3]}{i:03d}", 0.5, 0.5, 2005, "pop")
            tracks.append(track)
            memberships.append({"playlist_id": playlist, "playlist_name": playlist.title(),
                                "track_id": track["track_id"], "added_at": "2022-01-01"})
    for name, (count, energy, acoustic, year, genre) in GROUPS.items():
        for i in range(count):
            tracks.append(song(f"{name[:3]}{i:03d}", energy, acoustic, year, genre))
            liked.append({"track_id": tracks[-1]["track_id"], "added_at": "2023-01-01"})
    for i in range(strays):  # anywhere in every feature, each of its own genre
        stray = song(f"str{i:03d}", float(rng.uniform()), float(rng.uniform()), int(rng.integers(1960, 2024)),
                     f"genre {i}")
        stray.update({f: float(rng.uniform()) for f in ("danceability", "valence", "speechiness", "liveness",
                                                        "instrumentalness")},
                     tempo=float(rng.uniform(60, 200)), loudness=float(rng.uniform(-30, 0)))
        tracks.append(stray)
        liked.append({"track_id": tracks[-1]["track_id"], "added_at": "2023-01-01"})
    return build_library(pd.DataFrame(tracks), pd.DataFrame(memberships), pd.DataFrame(liked), "two kinds")


def unfiled(library: Library) -> list[str]:
    return list(library.liked["track_id"])


def test_two_kinds_of_leftover_songs_become_two_proposed_playlists_named_by_era_mood_and_genre():
    library = library_with_two_kinds_of_unfiled_songs(strays=5)
    found = D.discover(library, unfiled(library))
    assert found.sizes() == [24, 18], "largest first, strays left out"
    quiet, loud = found.proposals
    assert set(quiet.track_ids) == {spotify_id(f"qui{i:03d}") for i in range(24)}
    assert set(loud.track_ids) == {spotify_id(f"lou{i:03d}") for i in range(18)}
    assert quiet.name.startswith("Late-90s") and "acoustic" in quiet.name and quiet.name.endswith("indie folk")
    assert loud.name.startswith("Early-2010s") and "energetic" in loud.name and "metalcore" in loud.name
    assert found.unclustered == 5 and found.leftovers == 47
    assert found.silhouette is not None and found.silhouette > 0.3


def test_the_most_typical_songs_come_first_and_sit_nearest_the_centre():
    library = library_with_two_kinds_of_unfiled_songs()
    quiet = D.discover(library, unfiled(library)).proposals[0]
    assert quiet.typical == quiet.track_ids[:D.TYPICAL]
    space = D.cluster_space(library, list(quiet.track_ids))
    distance = np.linalg.norm(space - space.mean(axis=0), axis=1)
    assert list(distance) == sorted(distance)
    assert quiet.profile["energy"] == pytest.approx(library.tracks.loc[list(quiet.track_ids), "energy"].mean())


def test_the_same_songs_always_give_the_same_proposals():
    library = library_with_two_kinds_of_unfiled_songs(strays=8)
    first, second = D.discover(library, unfiled(library)), D.discover(library, unfiled(library)[::-1])
    assert [(p.name, set(p.track_ids)) for p in first.proposals] == \
        [(p.name, set(p.track_ids)) for p in second.proposals]
    assert D.discover(library, unfiled(library)) == first


def test_stored_proposals_read_back_unchanged(tmp_path):
    library = library_with_two_kinds_of_unfiled_songs(strays=5)
    found = D.discover(library, unfiled(library))
    stored = tmp_path / "discovery.json"
    stored.write_text(json.dumps(found.to_dict(), allow_nan=False))
    assert D.Discovery.from_dict(json.loads(stored.read_text())) == found


def test_when_every_song_fits_somewhere_nothing_is_proposed_and_it_says_why():
    library = library_with_two_kinds_of_unfiled_songs()
    nothing = D.discover(library, [])
    assert nothing.proposals == () and "every liked song fits" in nothing.notes[0]
    few = D.discover(library, unfiled(library)[:3])
    assert few.proposals == () and "too few" in few.notes[0]


def test_scattered_songs_that_share_nothing_propose_no_playlist():
    library = library_with_two_kinds_of_unfiled_songs(strays=40, seed=3)
    strays = [t for t in unfiled(library) if t.startswith("str")]
    found = D.discover(library, strays)
    assert found.proposals == () and found.unclustered == 40
    assert "form no group" in found.notes[0]


@pytest.mark.parametrize("years, era", [([1997, 1998, 1996], "Late-90s"), ([2011, 2012, 2013], "Early-2010s"),
                                        ([1985, 1984, 1986], "Mid-80s"), ([None, None, 2001], "")])
def test_the_era_comes_from_the_median_release_year(years, era):
    assert D.era_of(pd.Series(years, dtype="Int64")) == era


def test_two_proposals_never_share_a_name():
    same = D.Proposal(1, "Mellow pop", ("a",), ("a",), {}), D.Proposal(2, "Mellow pop", ("b",), ("b",), {})
    assert [p.name for p in D._unique_names(same)] == ["Mellow pop", "Mellow pop 2"]


def test_the_proposals_csv_exports_through_the_spotify_export_path_most_typical_first(tmp_path):
    library = library_with_two_kinds_of_unfiled_songs()
    found = D.discover(library, unfiled(library))
    path = tmp_path / "new_playlists.csv"
    write_csv(D.proposals_table(library, found), path)
    loud = found.proposals[1]
    chosen = select_suggestions(read_suggestions(path), loud.name, file=str(path))
    assert [s.track_id for s in chosen] == list(loud.track_ids)


def test_leftovers_are_the_liked_songs_below_the_precision_threshold():
    library = small_library()
    config = recommended_config()
    found = D.discover_new_playlists(library, config, min_precision=0.95)
    scored = score_liked_songs(library, config)
    best = scored.best_scores()
    expected = best[best < lowest_suggested_score(choose_threshold(scored, min_precision=0.95))]
    assert found.leftovers == len(expected) > 0
    assert {t for p in found.proposals for t in p.track_ids} <= set(expected.index)
