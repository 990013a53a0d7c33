"""Spotify's account data export: liked songs and playlists without audio features."""

from __future__ import annotations

import json
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
