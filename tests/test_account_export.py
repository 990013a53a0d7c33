"""Spotify's account data export: liked songs and playlists without audio features."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.library import LibraryError
from pipeline.sources.account_export import is_account_export, read_account_export

ID_A, ID_B, ID_C, ID_D = ("4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp",
                          "6LYY1uIKNhs52KCmmBrLxD")


def track_item(track_id: str, name: str, artist: str, added: str = "2024-03-01") -> dict:
    return {"track": {"trackName": name, "artistName": artist, "albumName": "Album",
                      "trackUri": f"spotify:track:{track_id}"},
            "episode": None, "localTrack": None, "audiobook": None, "addedDate": added}


EPISODE = {"track": None, "episode": {"episodeName": "Ep. 12", "showName": "A Podcast",
                                      "episodeUri": "spotify:episode:512ojhOuo1ktJprKbVcKyQ"},
           "localTrack": None, "addedDate": "2024-03-02"}
LOCAL_FILE = {"track": None, "episode": None, "localTrack": {"uri": "spotify:local:Heino:Deutschland::156"},
              "addedDate": "2024-03-03"}


def write_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "YourLibrary.json").write_text(json.dumps({
        "tracks": [{"artist": "Earth, Wind & Fire", "album": "I Am", "track": "September",
                    "uri": f"spotify:track:{ID_A}"},
                   {"artist": "Guns N' Roses", "album": "Greatest Hits", "track": "Welcome To The Jungle",
                    "uri": f"spotify:track:{ID_C}"}],
        "albums": [], "shows": [], "episodes": [], "bannedTracks": [], "artists": []}))
    (folder / "Playlist1.json").write_text(json.dumps({"playlists": [
        {"name": "Road Trip", "lastModifiedDate": "2024-03-04", "description": None, "numberOfFollowers": 0,
         "items": [track_item(ID_A, "September", "Earth, Wind & Fire"), EPISODE, LOCAL_FILE,
                   track_item(ID_B, "Bodies", "Drowning Pool")]},
        {"name": "Road Trip", "lastModifiedDate": "2024-01-01", "items": [track_item(ID_D, "Cradle", "5FDP")]},
    ]}, ensure_ascii=False))
    return folder


def test_an_account_export_folder_is_recognised(tmp_path):
    assert is_account_export(write_export(tmp_path / "Spotify Account Data"))
    assert is_account_export(tmp_path)   # the export's own folder one level down
    assert not is_account_export(tmp_path / "Spotify Account Data" / "YourLibrary.json")


def test_liked_songs_and_playlists_are_read_without_episodes_or_local_files(tmp_path):
    library = read_account_export(write_export(tmp_path / "export"))
    assert library.summary()["liked"] == 2
    assert sorted(library.playlist_names.values()) == ["Road Trip", "Road Trip (2)"]
    assert library.playlists()["size"].tolist() == [2, 1]
    assert list(library.liked_in_playlists()) == [ID_A]
    assert library.tracks.loc[ID_A, "artists"] == ("Earth, Wind & Fire",)
    assert library.memberships["added_at"].iloc[0] == pd.Timestamp("2024-03-01", tz="UTC")
    skipped = next(w for w in library.warnings if w.code == "skipped_items")
    assert skipped.count == 2 and "podcast episodes, local files" in str(skipped)


def test_the_library_says_clearly_that_features_are_missing(tmp_path):
    library = read_account_export(write_export(tmp_path / "export"))
    assert not library.has_features()
    no_features = next(w for w in library.warnings if w.code == "no_features")
    assert "no audio features" in str(no_features) and no_features.count == 4


def test_a_zip_of_the_export_reads_the_same(tmp_path):
    folder = write_export(tmp_path / "Spotify Account Data")
    archive = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in folder.iterdir():
            zipped.write(file, f"Spotify Account Data/{file.name}")
        zipped.writestr("Spotify Account Data/ReadMeFirst.pdf", b"%PDF-1.4")
    assert is_account_export(archive)
    from_zip, from_folder = read_account_export(archive), read_account_export(folder)
    for table in ("tracks", "memberships", "liked"):
        pd.testing.assert_frame_equal(getattr(from_zip, table), getattr(from_folder, table))


def test_broken_json_is_an_error_naming_the_file(tmp_path):
    folder = write_export(tmp_path / "export")
    (folder / "Playlist1.json").write_text('{"playlists": [{"name": "Road Trip", "items": [}')
    with pytest.raises(LibraryError, match=r"Playlist1\.json: not valid JSON \(line 1"):
        read_account_export(folder)


def test_a_file_of_the_wrong_shape_is_an_error_naming_the_field(tmp_path):
    folder = write_export(tmp_path / "export")
    (folder / "YourLibrary.json").write_text('{"tracks": "none"}')
    with pytest.raises(LibraryError, match=r"YourLibrary\.json, column 'tracks': expected .*'tracks' list"):
        read_account_export(folder)


# ----- malformed exports (issue 10) ------------------------------------------------------------------
def write_playlists(folder: Path, text: str) -> Path:
    folder = write_export(folder)
    (folder / "Playlist1.json").write_text(text, encoding="utf-8")
    return folder


def one_playlist(**fields) -> str:
    playlist = {"name": "Road Trip", "items": [track_item(ID_A, "September", "Earth, Wind & Fire")], **fields}
    return json.dumps({"playlists": [playlist]})


@pytest.mark.parametrize("items, kind", [("5", "the number '5'"), ("true", "true"), ("1.5", "the number '1.5'"),
                                         ('"abc"', "the text 'abc'"), ('{"a": 1}', "an object")])
def test_items_that_are_not_a_list_name_the_playlist(tmp_path, items, kind):
    folder = write_playlists(tmp_path / "export", '{"playlists": [{"name": "Road Trip", "items": %s}]}' % items)
    with pytest.raises(LibraryError, match=rf"^Playlist1\.json: playlist 1 \('Road Trip'\): 'items' should be a "
                                           rf"list, not {kind}$"):
        read_account_export(folder)


@pytest.mark.parametrize("item, problem", [
    ([track_item(ID_A, "A", "B")], r"item 1 should be an object, not a list"),
    ({"track": "September"}, r"item 1: 'track' should be an object, not the text 'September'"),
    ({"track": {"trackUri": f"spotify:track:{ID_A}", "trackName": {"x": 1}}},
     r"item 1: 'trackName' should be text, not an object"),
    ({"track": {"trackUri": 42}}, r"item 1: 'trackUri' should be text, not the number '42'"),
    ({"track": {"trackUri": f"spotify:track:{ID_A}"}, "addedDate": [2024]}, r"item 1: 'addedDate' should be text"),
])
def test_an_item_of_the_wrong_shape_names_playlist_item_and_field(tmp_path, item, problem):
    folder = write_playlists(tmp_path / "export", json.dumps({"playlists": [{"name": "Road Trip", "items": [item]}]}))
    with pytest.raises(LibraryError, match=rf"^Playlist1\.json: playlist 1 \('Road Trip'\), {problem}"):
        read_account_export(folder)


def test_a_liked_song_of_the_wrong_shape_is_named_and_one_without_a_uri_is_counted(tmp_path):
    folder = write_export(tmp_path / "export")
    (folder / "YourLibrary.json").write_text(json.dumps({"tracks": [{"track": "No uri"}, {"track": "Also none",
                                                                                          "uri": None}]}))
    skipped = next(w for w in read_account_export(folder).warnings if w.code == "skipped_liked")
    assert skipped.count == 2 and "liked songs skipped" in str(skipped)
    (folder / "YourLibrary.json").write_text(json.dumps({"tracks": [[f"spotify:track:{ID_A}"]]}))
    with pytest.raises(LibraryError, match=r"^YourLibrary\.json: liked song 1 should be an object, not a list$"):
        read_account_export(folder)


def test_a_playlist_named_by_a_number_keeps_its_digits(tmp_path):
    library = read_account_export(write_playlists(tmp_path / "export", one_playlist(name=1999)))
    assert list(library.playlist_names.values()) == ["1999"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path, literal):
    folder = write_playlists(tmp_path / "export", one_playlist().replace('"Road Trip"', literal))
    with pytest.raises(LibraryError, match=rf"^Playlist1\.json: not valid JSON \({literal} is not a JSON value\)$"):
        read_account_export(folder)


def test_a_number_too_long_for_python_is_a_clean_error(tmp_path):
    folder = write_playlists(tmp_path / "export", one_playlist(numberOfFollowers=0).replace(
        '"numberOfFollowers": 0', '"numberOfFollowers": ' + "9" * 5000))
    with pytest.raises(LibraryError, match=r"^Playlist1\.json: not valid JSON \(a number 5,000 digits long\)$"):
        read_account_export(folder)


def test_json_nested_too_deeply_is_a_clean_error(tmp_path):
    folder = write_playlists(tmp_path / "export", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(LibraryError, match=r"^Playlist1\.json: not an account export: its JSON is nested too deeply"):
        read_account_export(folder)


def test_half_an_emoji_in_names_is_mended_and_the_library_hashes_and_saves(tmp_path):
    from pipeline.sources.native import save_library
    folder = write_playlists(tmp_path / "export", json.dumps({"playlists": [{
        "name": "Road \ud83d Trip", "items": [track_item(ID_B, "Sept\udc80ember", "Earth \ud83d")]}]}))
    library = read_account_export(folder)
    assert list(library.playlist_names.values()) == ["Road \ufffd Trip"]
    assert library.tracks.loc[ID_B, "name"] == "Sept\ufffdember"
    assert library.tracks.loc[ID_B, "artists"] == ("Earth \ufffd",)
    assert library.fingerprint()
    save_library(library, tmp_path / "saved")


def test_a_huge_file_of_the_wrong_shape_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    from pipeline.sources import archive
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 100_000)
    folder = write_playlists(tmp_path / "export", json.dumps([0] * 100_000))
    with pytest.raises(LibraryError, match=r"^Playlist1\.json: 300 KB is more than the 100 KB limit for a library$"):
        read_account_export(folder)


def test_a_damaged_member_names_the_zip_and_the_member(tmp_path):
    folder = write_export(tmp_path / "Spotify Account Data")
    export = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_STORED) as zipped:
        zipped.write(folder / "Playlist1.json", "Spotify Account Data/Playlist1.json")
    data = bytearray(export.read_bytes())
    start = data.index(b"PK\x01\x02") + 16   # the CRC-32 the reader checks
    data[start:start + 4] = b"\x00" * 4
    export.write_bytes(bytes(data))
    with pytest.raises(LibraryError, match=r"^my_spotify_data\.zip: not a readable zip file: member "
                                           r"'Spotify Account Data/Playlist1\.json' is damaged \(Bad CRC-32"):
        read_account_export(export)


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_an_export_folder_whose_name_is_not_utf8_loads_and_says_where_it_came_from(tmp_path):
    inner = Path(os.fsdecode(os.fsencode(tmp_path) + b"/Kontodaten \xe9"))
    write_export(inner)
    library = read_account_export(tmp_path)
    assert library.summary()["playlists"] == 2
    (inner / "Playlist1.json").write_text("{")
    with pytest.raises(LibraryError) as raised:
        read_account_export(tmp_path)
    assert str(raised.value).startswith("Kontodaten é/Playlist1.json: not valid JSON")
    assert str(raised.value).encode("utf-8")
