"""Catch-all playlists are suggested for leaving out: by name, and by size in any language."""

from __future__ import annotations

from pipeline.recommended import catch_alls
from pipeline.sources import load_library
from tests.toy_libraries import library_of, track_id

T = [track_id(n) for n in range(100)]


def test_a_playlist_holding_nearly_every_track_is_suggested_whatever_its_name(shared_data):
    library = load_library(str(shared_data("exportify-deadda7a-2021")))
    found = catch_alls(library)
    assert [c.playlist_name for c in found] == ["gemischte_playlist"]
    assert found[0].reason == "holds 98% of your tracks and, on average, 97% of each of your other playlists"


def test_a_playlist_holding_most_of_the_other_playlists_is_suggested_though_it_holds_under_half():
    a, b, c, d, e = T[:10], T[10:20], T[20:30], T[30:50], T[50:70]
    library = library_of({"Everything": [*a, *b, *c], "A": a, "B": b, "C": c, "D": d, "E": e})
    found = catch_alls(library)
    assert [f.playlist_name for f in found] == ["Everything"]
    assert found[0].share_of_tracks < 0.5
    assert found[0].reason == "holds, on average, 60% of each of your other playlists"


def test_names_that_mean_everything_goes_here_are_suggested_and_say_so():
    library = library_of({"Liked from Radio": T[:5], "Rock": T[5:15], "Jazz": T[15:25], "Soul": T[25:35]})
    found = catch_alls(library)
    assert [(f.playlist_name, f.reason) for f in found] == [("Liked from Radio", "its name looks like a catch-all")]


def test_ordinary_playlists_are_not_suggested():
    assert catch_alls(load_library("demo")) == []


def test_nothing_is_suggested_when_fewer_than_two_playlists_would_be_left():
    assert catch_alls(library_of({"Rock": T[:60], "Jazz": T[60:100]})) == []
