"""Export zips and files as they arrive damaged or hostile: bombs, lies, odd names, broken bytes.

Every outcome is a library or one `LibraryError` naming the zip (and the member where it is known);
nothing is inflated past the limits, which the tests check by counting the bytes zipfile hands out.
"""

from __future__ import annotations

import dataclasses
import os
import random
import zipfile
from pathlib import Path

import pytest

from pipeline.__main__ import main
from pipeline.library import LibraryError
from pipeline.sources import archive, read_source
from pipeline.sources.archive import file_name, open_export, size_text

ID_A, ID_B = "4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb"
HEADER = "Track URI,Track Name,Artist Name(s),Danceability,Energy\n"
ROAD_TRIP = HEADER + f"spotify:track:{ID_A},Song,Artist,0.4,0.5\nspotify:track:{ID_B},Other,Artist,0.5,0.6\n"


def playlist_csv(rows: int) -> str:
    return HEADER + "".join(f"spotify:track:{ID_A},Song {i},Artist,0.4,0.5\n" for i in range(rows))


def make_zip(target: Path, members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(target, "w", compression) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return target


def patch_bytes(path: Path, old: bytes, new: bytes, count: int = -1) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, count))


def central_directory(path: Path) -> int:
    """Offset of the first central directory entry ("PK\\1\\2")."""
    return path.read_bytes().index(b"PK\x01\x02")


def set_bytes(path: Path, offset: int, new: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + len(new)] = new
    path.write_bytes(bytes(data))


@pytest.fixture
def inflated(monkeypatch) -> list[int]:
    """Bytes zipfile has inflated so far, counted on every read of a member."""
    counts: list[int] = []
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        counts.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counts


def error_line(path: Path, capsys) -> str:
    """What ``python -m pipeline info --library PATH`` prints; it must exit 2 with one line."""
    capsys.readouterr()
    assert main(["info", "--library", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


# ----- limits ----------------------------------------------------------------------------------------
def test_a_zip_bomb_of_nuls_is_refused_before_anything_is_inflated(tmp_path, inflated, capsys):
    bomb = make_zip(tmp_path / "export.zip", {"road_trip.csv": b"\x00" * 20_000_000})   # 20 MB in ~20 KB
    line = error_line(bomb, capsys)
    assert "export.zip: member 'road_trip.csv' compresses" in line and "looks like a zip bomb" in line
    assert sum(inflated) == 0


def test_a_zip_declaring_more_than_the_limit_is_refused_before_inflating(tmp_path, monkeypatch, inflated):
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 1_000_000)
    export = make_zip(tmp_path / "export.zip", {"road_trip.csv": playlist_csv(40_000)})   # ~1.8 MB
    with pytest.raises(LibraryError, match=r"^export\.zip: member 'road_trip\.csv' inflates past the 1 MB limit "
                                           r"for a library$"):
        read_source(export)
    assert sum(inflated) == 0


def test_members_that_pass_the_limit_only_together_are_refused_naming_where(tmp_path, monkeypatch, inflated):
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 1_000)
    export = make_zip(tmp_path / "export.zip", {"a.csv": playlist_csv(12), "b.csv": playlist_csv(12)})
    with pytest.raises(LibraryError, match=r"member 'b\.csv' inflates past the 1 KB limit for a library "
                                           r"\(with the members read before it\)"):
        read_source(export)
    assert sum(inflated) == 0


def test_inflating_stops_at_the_limit_even_when_the_declared_size_lies(tmp_path, monkeypatch, inflated):
    # zipfile never hands out more than a member declares; the check while inflating guards the day it would.
    export = make_zip(tmp_path / "export.zip", {"big.csv": os.urandom(8_000_000)})
    with open_export(export) as opened:
        monkeypatch.setattr(archive, "LIBRARY_LIMIT", 3_000_000)   # (the zip itself is already larger)
        lying = [dataclasses.replace(file, size=10) for file in opened.files]
        with pytest.raises(LibraryError, match="inflates past the 3 MB limit"):
            opened.parse_each(lying, lambda file, data: data)
    assert 3_000_000 < sum(inflated) <= 3_000_000 + archive._CHUNK


def test_a_member_that_inflates_like_a_bomb_is_stopped_while_inflating(tmp_path, inflated):
    export = make_zip(tmp_path / "export.zip", {"road_trip.csv": b"\x00" * 30_000_000})
    with open_export(export) as opened:
        lying = [dataclasses.replace(file, size=10) for file in opened.files]
        with pytest.raises(LibraryError, match="looks like a zip bomb"):
            opened.parse_each(lying, lambda file, data: data)
    assert sum(inflated) <= archive.BOMB_FLOOR + archive._CHUNK


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """The files the reader opens, under a 1 KB library limit (none should be, when refused by size)."""
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 1_000)
    files: list[Path] = []
    monkeypatch.setattr(archive, "open", lambda path, mode: files.append(path), raising=False)
    return files


def test_a_single_file_over_the_limit_is_refused_before_it_is_read(tmp_path, opened):
    for name in ("road_trip.csv", "YourLibrary.json"):
        (tmp_path / name).write_text(playlist_csv(80))
        with pytest.raises(LibraryError, match=rf"^{name}: [\d.]+ KB is more than the 1 KB limit for a library$"):
            read_source(tmp_path / name)
    assert opened == []


def test_a_folder_whose_files_pass_the_limit_together_is_refused_before_reading(tmp_path, opened):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(playlist_csv(12))
    with pytest.raises(LibraryError, match=r"the files up to 'b\.csv' hold more than the 1 KB limit"):
        read_source(tmp_path)
    assert opened == []


def test_sizes_are_shown_the_way_file_managers_show_them():
    assert [size_text(n) for n in (999, 1_000, 1_500, 256_000_000, 10 ** 9)] == [
        "999 bytes", "1 KB", "1.5 KB", "256 MB", "1 GB"]


# ----- damaged zips ----------------------------------------------------------------------------------
def test_a_member_name_flagged_utf8_that_is_not_is_named_in_the_error(tmp_path, capsys):
    export = make_zip(tmp_path / "export.zip", {"Café.csv": ROAD_TRIP})   # non-ASCII: zipfile sets the UTF-8 flag
    patch_bytes(export, "Café".encode(), b"Caf\xe9\xe9")                    # same length, invalid UTF-8
    line = error_line(export, capsys)
    assert "export.zip: not a readable zip file: the name of member 'Caf\ufffd\ufffd.csv' is marked as UTF-8" in line


def test_a_member_needing_a_newer_zip_version_is_a_clean_error(tmp_path, capsys):
    export = make_zip(tmp_path / "export.zip", {"road_trip.csv": ROAD_TRIP})
    set_bytes(export, central_directory(export) + 6, (99).to_bytes(2, "little"))   # "version needed to extract"
    assert "export.zip: not a readable zip file (zip file version 9.9)" in error_line(export, capsys)


def test_a_bad_crc_names_the_zip_and_the_member(tmp_path, capsys):
    export = make_zip(tmp_path / "export.zip", {"playlists/road_trip.csv": ROAD_TRIP}, zipfile.ZIP_STORED)
    set_bytes(export, central_directory(export) + 16, b"\x00\x00\x00\x00")   # the CRC-32 zipfile checks
    line = error_line(export, capsys)
    assert "export.zip: not a readable zip file: member 'playlists/road_trip.csv' is damaged (Bad CRC-32" in line


def test_an_encrypted_member_asks_for_a_zip_without_a_password(tmp_path, capsys):
    export = make_zip(tmp_path / "export.zip", {"road_trip.csv": ROAD_TRIP})
    set_bytes(export, central_directory(export) + 8, b"\x01\x00")   # general-purpose flag: encrypted
    line = error_line(export, capsys)
    assert "export.zip: member 'road_trip.csv' cannot be read" in line and "without a password" in line


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_garbled_compressed_data_is_a_clean_error(tmp_path, compression, capsys):
    export = make_zip(tmp_path / "export.zip", {"road_trip.csv": playlist_csv(200)}, compression)
    data = bytearray(export.read_bytes())
    start = data.index(b"road_trip.csv") + len("road_trip.csv") + 20   # inside the compressed bytes
    data[start:start + 40] = bytes(range(40))
    export.write_bytes(bytes(data))
    assert "export.zip: not a readable zip file" in error_line(export, capsys)


@pytest.mark.parametrize("seed", range(60))
def test_zips_damaged_anywhere_load_or_fail_naming_the_zip(tmp_path, seed, capsys):
    """Random byte flips and cuts of an Exportify zip and an account-export zip."""
    rng = random.Random(seed)
    if seed % 2:
        members = {"road_trip.csv": playlist_csv(4), "liked.csv": ROAD_TRIP}
    else:
        members = {"YourLibrary.json": f'{{"tracks": [{{"track": "A", "uri": "spotify:track:{ID_A}"}}]}}',
                   "Playlist1.json": f'{{"playlists": [{{"name": "Road", "items": [{{"track": '
                                     f'{{"trackName": "B", "trackUri": "spotify:track:{ID_B}"}}}}]}}]}}'}
    data = bytearray(make_zip(tmp_path / "good.zip", members).read_bytes())
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[:rng.randrange(len(data))]
    (tmp_path / "export.zip").write_bytes(bytes(data))
    capsys.readouterr()
    code = main(["info", "--library", str(tmp_path / "export.zip")])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: export.zip"), err


# ----- names -----------------------------------------------------------------------------------------
def test_utf8_member_names_without_the_utf8_flag_read_as_meant(tmp_path):
    export = make_zip(tmp_path / "export.zip", {"CafXY.csv": ROAD_TRIP})   # ASCII: no UTF-8 flag is written
    patch_bytes(export, b"CafXY", "Café".encode())                          # what macOS' Archive Utility writes
    assert list(read_source(export).playlist_names) == ["Café"]


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_a_file_name_that_is_not_utf8_becomes_a_playlist_name_that_prints_and_saves(tmp_path):
    from pipeline.sources.native import save_library
    folder = tmp_path / "export"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/Caf\xe9 \x81.csv", "wb") as file:   # Windows-1252 bytes, and a gap in it
        file.write(ROAD_TRIP.encode())
    library = read_source(folder)
    assert list(library.playlist_names) == ["Café \x81"]
    assert library.fingerprint()
    save_library(library, tmp_path / "saved")
    assert str(library.summary()).encode("utf-8")   # prints: a lone surrogate would raise here


def test_file_names_keep_their_utf8_and_mend_the_rest():
    assert file_name("Caf\udce9.csv") == "Café.csv"
    assert file_name("Ελληνικά \udc80.csv") == "Ελληνικά €.csv"
    assert file_name("half \ud83d emoji") == "half \ufffd emoji"
    assert file_name("plain.csv") == "plain.csv"


def test_macos_metadata_is_left_out_of_the_listing(tmp_path):
    export = make_zip(tmp_path / "export.zip", {"a/road_trip.csv": ROAD_TRIP, "__MACOSX/a/._road_trip.csv": b"x",
                                                "a/.DS_Store": b"x", "a/._road_trip.csv": b"x", "a/notes.txt": "x"})
    with open_export(export) as opened:
        assert [file.name for file in opened.files] == ["a/notes.txt", "a/road_trip.csv"]


def test_a_folder_of_more_files_than_any_export_is_refused_without_walking_it_all(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "FILE_LIMIT", 50)
    for number in range(40):
        (tmp_path / "music" / f"album{number}").mkdir(parents=True)
        for track in range(3):
            (tmp_path / "music" / f"album{number}" / f"{track}.csv").write_text("x")
    with pytest.raises(LibraryError, match=r"^music: holds more than 50 files: not an export"):
        read_source(tmp_path / "music")


def test_a_zip_of_more_entries_than_any_export_is_refused_before_they_are_listed(tmp_path, monkeypatch, capsys):
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as zipped:
        for number in range(300):
            zipped.writestr(f"{number}.csv", "")
    monkeypatch.setattr(archive, "FILE_LIMIT", 200)
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *args, **kwargs: pytest.fail("zip was opened"))
    assert error_line(tmp_path / "many.zip", capsys) == "error: many.zip: holds more than 200 files: not an export " \
                                                       "(choose the export's own folder or .zip)"


def test_a_zip_larger_than_the_limit_is_refused_before_it_is_opened(tmp_path, monkeypatch, capsys):
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_STORED) as zipped:
        zipped.writestr("road_trip.csv", os.urandom(5_000))
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 1_000)
    assert "big.zip: the zip alone is 5.12 KB, more than the 1 KB limit" in error_line(tmp_path / "big.zip", capsys)
