"""Header names and cells as the different Exportify versions write them."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.library import LibraryError
from pipeline.sources.csv_columns import map_columns, parse_track_ids, split_artists, split_genres


def test_headers_map_by_meaning_whatever_their_spelling():
    header = ["\ufeffTrack ID", "Track Name", "Artist Name(s)", "\t\t\t\tDanceability", "Duration (ms)",
              "Release Date", "Genres"]
    mapping = map_columns(header, "x.csv")
    assert mapping == {"track_id": 0, "name": 1, "artists": 2, "danceability": 3, "duration_ms": 4,
                       "release_date": 5, "genres": 6}
    tidy = map_columns(["track_id", "track_name", "track_artist", "playlist_name", "playlist_id", "duration_ms"],
                       "songs.csv")
    assert tidy == {"track_id": 0, "name": 1, "artists": 2, "playlist_name": 3, "playlist_id": 4,
                    "duration_ms": 5}


def test_a_duplicate_after_folding_is_still_a_duplicate():
    with pytest.raises(LibraryError, match="column 'Track Name'"):
        map_columns(["Track URI", "Track Name", "track_name"], "x.csv")


def test_track_ids_and_what_is_not_a_track():
    cells = pd.Series(["spotify:track:4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb",
                       "https://open.spotify.com/track/0eFvoRSTTaR2q8bSWVjwfp?si=x", "spotify:local:a:b:c:12",
                       "", "spotify:episode:512ojhOuo1ktJprKbVcKyQ", "hello"])
    ids, kind = parse_track_ids(cells)
    assert ids[:3].tolist() == ["4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp"]
    assert kind.tolist() == ["", "", "", "local", "local", "other", "invalid"]


@pytest.mark.parametrize(("names", "uris", "expected"), [
    # exportify.app: ", " joins, commas inside a name escaped
    ("Crosby\\, Stills\\, Nash & Young", "spotify:artist:1", ("Crosby, Stills, Nash & Young",)),
    ("The Killers, Lou Reed", "spotify:artist:1, spotify:artist:2", ("The Killers", "Lou Reed")),
    # exportify.net: "," joins, ", " belongs to a name
    ("Earth, Wind & Fire,Ramsey Lewis", None, ("Earth, Wind & Fire", "Ramsey Lewis")),
    ("Grover Washington, Jr.", None, ("Grover Washington, Jr.",)),
    ("Erik Satie,Frédéric Schubert", "a1,a2", ("Erik Satie", "Frédéric Schubert")),
    # an export that joined with ", " and did not escape: the id count decides
    ("Simon, Garfunkel", "a1, a2", ("Simon", "Garfunkel")),
    ("", None, ()),
])
def test_artists_split_as_each_exporter_joined_them(names, uris, expected):
    uri_column = None if uris is None else pd.Series([uris])
    assert split_artists(pd.Series([names]), uri_column).tolist() == [expected]


def test_genres_are_split_and_deduplicated_in_order():
    assert split_genres(pd.Series(["rock,hard rock,rock, glam metal", ""])).tolist() == [
        ("rock", "hard rock", "glam metal"), ()]
