"""Uploads and server paths as the sidebar hands them over: bytes and a file name, or typed text."""

import io
import zipfile
from pathlib import Path

import pytest

from dashboard.library_source import library_from_path, library_from_upload
from pipeline.errors import UserError

EXPORT = "exportify-deadda7a-2021"


def export_files(shared_data) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted(shared_data(EXPORT).glob("*.csv"))]


def test_a_zipped_exportify_export_becomes_a_library(shared_data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in export_files(shared_data):
            archive.writestr(f"spotify_playlists/{name}", data)
    library = library_from_upload([("spotify_playlists.zip", buffer.getvalue())])
    assert library.source == "upload: spotify_playlists.zip"
    assert len(library.playlists()) == 12
    assert len(library.liked) == 420
    assert library.playlists()["playlist_name"].iloc[0] == "gemischte_playlist"


def test_loose_playlist_csvs_become_one_library_with_the_liked_songs(shared_data):
    files = [f for f in export_files(shared_data) if f[0] in ("auto.csv", "dunkel.csv", "liked.csv")]
    library = library_from_upload(files)
    assert sorted(library.playlists()["playlist_name"]) == ["auto", "dunkel"]
    assert len(library.liked) == 420
    assert library.source == "upload: 3 CSV files"


def test_a_browser_supplied_path_in_a_file_name_is_reduced_to_the_name(shared_data):
    data = dict(export_files(shared_data))["auto.csv"]
    library = library_from_upload([("../../etc/auto.csv", data), ("C:\\Users\\me\\dunkel.csv", data)])
    assert sorted(library.playlists()["playlist_name"]) == ["auto", "dunkel"]


def test_a_csv_that_is_not_an_export_names_the_file_and_not_our_temporary_folder():
    with pytest.raises(UserError) as caught:
        library_from_upload([("broken.csv", b"just,some\n1,2\n")])
    message = str(caught.value)
    assert message.startswith("broken.csv")
    assert "Track URI" in message
    assert "/tmp" not in message and "playlist-enhancer-upload" not in message


@pytest.mark.parametrize("files, words", [
    ([], "no files uploaded"),
    ([("library.xlsx", b"PK")], "library.xlsx"),
    ([("a.zip", b"PK"), ("b.csv", b"x")], "either one .zip or CSV files"),
    ([("empty.csv", b"")], "empty.csv"),
])
def test_uploads_that_cannot_be_read_say_what_to_fix(files, words):
    with pytest.raises(UserError, match=words.replace(".", r"\.")):
        library_from_upload(files)


def test_a_corrupt_zip_is_a_user_error_not_a_crash():
    with pytest.raises(UserError):
        library_from_upload([("export.zip", b"PK\x03\x04 this is not really a zip")])


@pytest.mark.parametrize("text, words", [
    ("   ", "type the path"),
    ("demo", "pick 'Demo library'"),
    ("/no/such/export.zip", "no such file"),
])
def test_paths_that_cannot_be_read_say_what_to_fix(text, words):
    with pytest.raises(UserError, match=words):
        library_from_path(text)


def test_a_path_on_the_server_reads_the_export_there(shared_data):
    library = library_from_path(f'  "{shared_data(EXPORT)}"  ')
    assert len(library.playlists()) == 12
    assert Path(library.source.split(": ", 1)[-1]).name == EXPORT


def test_an_upload_refused_as_a_whole_names_the_files_that_were_refused():
    header_only = b"Track URI,Track Name\n"
    with pytest.raises(UserError, match=r"^road_trip\.csv, focus\.csv: .*no playlists and no liked songs"):
        library_from_upload([("road_trip.csv", header_only), ("focus.csv", header_only)])
    many = [(f"p{number}.csv", header_only) for number in range(5)]
    with pytest.raises(UserError, match=r"^p0\.csv, p1\.csv, p2\.csv and 2 more: "):
        library_from_upload(many)
