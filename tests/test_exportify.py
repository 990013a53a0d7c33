"""Exportify exports as users have them: real folders, zips of them, liked files, junk, broken zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.library import AUDIO_FEATURES, LibraryError
from pipeline.sources import read_source
from pipeline.sources.exportify import is_liked_file, read_exportify

HEADER = "Track URI,Track Name,Artist Name(s),Danceability,Energy\n"


def row(track_id: str, name: str = "Song", artist: str = "Artist", energy: str = "0.5") -> str:
    return f"spotify:track:{track_id},{name},{artist},0.4,{energy}\n"


ID_A, ID_B, ID_C = "4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp"


@pytest.fixture(scope="module")
def deadda7a(shared_data):
    return read_exportify(shared_data("exportify-deadda7a-2021"))


@pytest.fixture(scope="module")
def seankmchenry(shared_data):
    return read_exportify(shared_data("exportify-seankmchenry-2024"))


# ----- real exports ----------------------------------------------------------------------------
def test_deadda7a_reads_twelve_playlists_and_the_liked_list(deadda7a):
    summary = deadda7a.summary()
    # Counts checked once by hand with the csv module: unique (file, track) pairs without local files.
    assert summary["playlists"] == 12
    assert "liked" not in deadda7a.playlist_names
    assert summary["liked"] == 420
    assert summary["memberships"] == 1992
    assert summary["liked_in_playlists"] == 256
    assert summary["playlist_sizes"]["gemischte_playlist"] == 1091   # 1,092 rows, one a local file


def test_deadda7a_carries_features_genres_and_years(deadda7a):
    jungle = deadda7a.tracks.loc["0eFvoRSTTaR2q8bSWVjwfp"]   # Guns N' Roses, Welcome To The Jungle
    assert jungle["name"] == "Welcome To The Jungle"
    assert jungle["artists"] == ("Guns N' Roses",)
    assert jungle["genres"] == ("glam metal", "hard rock", "rock")
    assert jungle["year"] == 2004
    assert jungle["energy"] == pytest.approx(0.978)
    assert deadda7a.feature_coverage() == 1.0


def test_deadda7a_skips_local_files_with_a_warning(deadda7a):
    local = [w for w in deadda7a.warnings if w.code == "local_files"]
    assert [w.message for w in local] == ["6 local files without Spotify ids skipped"]


def test_escaped_commas_keep_artist_names_whole(deadda7a):
    by_first_artist = {artists[0]: artists for artists in deadda7a.tracks["artists"] if artists}
    assert by_first_artist["Crosby, Stills, Nash & Young"] == ("Crosby, Stills, Nash & Young",)
    assert any(a == ("Wolfgang Amadeus Mozart", "Choir of King's College, Cambridge", "Stephen Cleobury")
               for a in deadda7a.tracks["artists"])


def test_seankmchenry_reads_ninety_nine_playlists_with_bare_ids_and_tabbed_header(seankmchenry):
    summary = seankmchenry.summary()
    # The folder holds 100 CSVs: 99 playlists plus liked_songs.csv, which is the liked list.
    assert summary["playlists"] == 99
    assert "liked_songs" not in seankmchenry.playlist_names
    assert summary["liked"] == 6576
    assert summary["memberships"] == 11986
    assert summary["liked_in_playlists"] == 2889
    assert seankmchenry.tracks.index.str.fullmatch(r"[0-9A-Za-z]{22}").all()
    # "\t\t\t\tDanceability" in the header still means danceability.
    assert seankmchenry.tracks["danceability"].notna().mean() > 0.99


def test_seankmchenry_keeps_earth_wind_and_fire_in_one_piece(seankmchenry):
    artists = set(seankmchenry.tracks["artists"])
    assert ("Earth, Wind & Fire",) in artists
    assert ("Earth, Wind & Fire", "Ramsey Lewis") in artists


def test_leaving_out_catch_alls_by_name_and_prefix(seankmchenry):
    kept = seankmchenry.exclude(["starred_", "your_top_songs_*"])
    names = set(kept.playlist_names.values())
    assert len(names) == 96
    assert not {"starred_", "your_top_songs_2022", "your_top_songs_2023"} & names
    sizes = seankmchenry.summary()["playlist_sizes"]
    dropped = sizes["starred_"] + sizes["your_top_songs_2022"] + sizes["your_top_songs_2023"]
    assert len(kept.memberships) == len(seankmchenry.memberships) - dropped


# ----- zips --------------------------------------------------------------------------------------
def zip_folder(folder: Path, target: Path, prefix: str = "", extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, prefix + file.name)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


def test_a_zip_of_the_folder_gives_the_same_library(deadda7a, shared_data, tmp_path):
    archive = zip_folder(shared_data("exportify-deadda7a-2021"), tmp_path / "export.zip", "spotify_playlists/")
    zipped = read_source(archive)
    for table in ("tracks", "memberships", "liked"):
        pd.testing.assert_frame_equal(getattr(zipped, table), getattr(deadda7a, table))
    assert zipped.fingerprint() == deadda7a.fingerprint()


def test_junk_in_a_zip_is_ignored_and_only_the_users_own_files_are_named(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("playlists/road_trip.csv", HEADER + row(ID_A))
        zipped.writestr("__MACOSX/playlists/._road_trip.csv", b"\x00\x05\x16\x07junk")
        zipped.writestr("playlists/.DS_Store", b"\x00\x00\x00\x01Bud1")
        zipped.writestr("playlists/README.txt", "exported with exportify")
    library = read_exportify(archive)
    assert list(library.playlist_names.values()) == ["road_trip"]
    ignored = next(w for w in library.warnings if w.code == "ignored_files")
    assert ignored.count == 1 and "README.txt" in str(ignored)   # macOS metadata is not worth a word


def test_a_zip_without_csv_files_is_an_error(tmp_path):
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("holiday.jpg", b"\xff\xd8\xff")
    with pytest.raises(LibraryError, match=r"photos\.zip: no Exportify CSV files"):
        read_exportify(archive)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_zip_is_an_error_naming_it(tmp_path, damage):
    archive = tmp_path / "export.zip"
    if damage == "garbage":
        archive.write_bytes(b"PK\x03\x04 this is not really a zip file")
    else:
        zip_folder_data = tmp_path / "good.zip"
        with zipfile.ZipFile(zip_folder_data, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("road_trip.csv", HEADER + row(ID_A) * 50)
        archive.write_bytes(zip_folder_data.read_bytes()[:-40])
    with pytest.raises(LibraryError, match=r"export\.zip: not a readable zip file"):
        read_exportify(archive)


# ----- folders: liked files, empty playlists, local files -----------------------------------------
@pytest.mark.parametrize("liked_name", ["liked.csv", "liked_songs.csv", "Liked_Songs.csv", "Liked Songs.csv",
                                        "LIKED SONGS.csv"])
def test_the_liked_file_becomes_the_liked_list(tmp_path, liked_name):
    (tmp_path / "road_trip.csv").write_text(HEADER + row(ID_A) + row(ID_B))
    (tmp_path / liked_name).write_text(HEADER + row(ID_B) + row(ID_C))
    library = read_exportify(tmp_path)
    assert list(library.playlist_names) == ["road_trip"]
    assert list(library.liked["track_id"]) == [ID_B, ID_C]
    assert list(library.liked_in_playlists()) == [ID_B]


def test_liked_file_names_are_recognised_loosely():
    assert is_liked_file("Liked Songs") and is_liked_file("liked__songs") and is_liked_file("LIKED")
    assert not is_liked_file("liked_in_2020") and not is_liked_file("disliked")


def test_a_playlist_with_a_header_but_no_rows_is_a_warning(tmp_path):
    (tmp_path / "road_trip.csv").write_text(HEADER + row(ID_A))
    (tmp_path / "someday.csv").write_text(HEADER)
    library = read_exportify(tmp_path)
    assert list(library.playlist_names) == ["road_trip"]
    empty = next(w for w in library.warnings if w.code == "empty_playlist")
    assert "someday" in empty.message and "empty playlist" in empty.message


def test_local_files_and_empty_ids_are_skipped_with_a_count(tmp_path):
    local = "spotify:local:Der+wahre+Heino:Deutschland:Deutschland:156,Deutschland,Heino,,\n"
    (tmp_path / "mixed.csv").write_text(HEADER + row(ID_A) + local + ",No id,Someone,,\n")
    library = read_exportify(tmp_path)
    assert list(library.memberships["track_id"]) == [ID_A]
    assert [str(w) for w in library.warnings if w.code == "local_files"] == [
        "2 local files without Spotify ids skipped"]


def test_track_ids_may_be_uris_bare_ids_or_links(tmp_path):
    body = (f"spotify:track:{ID_A},One,A\n{ID_B},Two,B\n"
            f"https://open.spotify.com/intl-de/track/{ID_C}?si=abc123,Three,C\n")
    (tmp_path / "mixed.csv").write_text("Track URI,Track Name,Artist Name(s)\n" + body)
    library = read_exportify(tmp_path / "mixed.csv")
    assert list(library.memberships["track_id"]) == [ID_A, ID_B, ID_C]
    assert [w.code for w in library.warnings] == ["no_features"]


def test_the_same_file_name_in_two_folders_stays_two_playlists(tmp_path):
    for folder, track in (("2023", ID_A), ("2024", ID_B)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "road_trip.csv").write_text(HEADER + row(track))
    library = read_exportify(tmp_path)
    assert sorted(library.playlist_names.values()) == ["road_trip", "road_trip (2)"]


def test_a_single_exportify_csv_goes_through_the_dispatcher(tmp_path):
    csv_file = tmp_path / "road_trip.csv"
    csv_file.write_text(HEADER + row(ID_A) + row(ID_B))
    library = read_source(csv_file)
    assert library.summary()["memberships"] == 2
    assert library.tracks["energy"].tolist() == [0.5, 0.5]
    # Two feature columns of twelve: the library says exactly which ones it lacks.
    incomplete = next(w for w in library.warnings if w.code == "absent_features")
    absent = set(AUDIO_FEATURES) - {"danceability", "energy"}
    assert "incomplete" in str(incomplete) and all(feature.removesuffix("_ms") in str(incomplete) for feature in absent)


# ----- valid files once wrongly refused or mangled (issue 10) -------------------------------------
def test_an_export_of_only_liked_songs_loads_and_says_there_is_nothing_to_learn_from(tmp_path):
    (tmp_path / "liked.csv").write_text(HEADER + row(ID_A) + row(ID_B))
    (tmp_path / "empty_playlist.csv").write_text(HEADER)            # a header-only playlist beside it
    library = read_source(tmp_path)
    assert library.summary()["playlists"] == 0 and library.summary()["liked"] == 2
    warning, = [w for w in library.warnings if w.code == "no_playlists"]
    assert "no playlists to learn from" in str(warning)


def test_upper_case_track_uris_are_tracks_and_a_broken_track_uri_is_named_with_its_row(tmp_path):
    (tmp_path / "loud.csv").write_text(HEADER + row(ID_A).replace("spotify:track:", "SPOTIFY:TRACK:") + row(ID_B))
    assert list(read_source(tmp_path / "loud.csv").memberships["track_id"]) == [ID_A, ID_B]
    (tmp_path / "broken.csv").write_text(HEADER + row(ID_A) + row("abc"))
    with pytest.raises(LibraryError, match=r"broken\.csv, row 3, column 'Track URI'.*not a Spotify track"):
        read_source(tmp_path / "broken.csv")


def test_old_mac_line_endings_are_read(tmp_path):
    (tmp_path / "calm.csv").write_bytes((HEADER + row(ID_A) + row(ID_B)).replace("\n", "\r").encode())
    library = read_source(tmp_path / "calm.csv")
    assert list(library.memberships["track_id"]) == [ID_A, ID_B]


def test_a_zip_is_read_one_playlist_at_a_time(tmp_path, monkeypatch):
    """Each file is parsed before the next is inflated, so memory holds one file's bytes, not the export's."""
    import pipeline.sources.exportify as exportify
    inflated, seen_at_parse = [0], []
    original_read, original_parse = zipfile.ZipExtFile.read, exportify.read_csv_rows

    def counting_read(self, n=-1):
        data = original_read(self, n)
        inflated[0] += len(data)
        return data

    def recording_parse(data, file):
        seen_at_parse.append(inflated[0])
        return original_parse(data, file)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    monkeypatch.setattr(exportify, "read_csv_rows", recording_parse)
    files = {f"{name}.csv": HEADER + row(track) * 100 for name, track in (("a", ID_A), ("b", ID_B), ("c", ID_C))}
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    assert len(read_exportify(archive).playlist_names) == 3
    size = len(files["a.csv"])
    assert seen_at_parse == [size, 2 * size, 3 * size]
