"""Long CSVs (one row per playlist and track): TidyTuesday's file and small hand-made ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.library import LibraryError
from pipeline.sources import read_source
from pipeline.sources.long_csv import is_long_csv, read_long_csv

ID_A, ID_B, ID_C = "4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp"
TIDY = ("tidytuesday-2020-01-21", "spotify_songs.csv")


@pytest.fixture(scope="module")
def tidytuesday(shared_data):
    return read_source(shared_data(*TIDY))


def test_tidytuesday_reads_471_playlists_keyed_by_id(tidytuesday):
    summary = tidytuesday.summary()
    assert tidytuesday.source.startswith("long CSV")
    assert summary["playlists"] == 471
    # 32,833 rows, of which 582 repeat a (playlist, track) pair already seen.
    assert summary["memberships"] == 32251
    assert next(w.count for w in tidytuesday.warnings if w.code == "duplicate_rows") == 582
    assert summary["tracks"] == 28356
    assert summary["liked"] == 0
    assert tidytuesday.feature_coverage() == 1.0
    in_several = (tidytuesday.memberships.groupby("track_id")["playlist_id"].nunique() > 1).sum()
    assert in_several == 2818   # as the data's README says


def test_tidytuesday_shows_every_playlist_under_its_own_name(tidytuesday):
    names = list(tidytuesday.playlist_names.values())
    assert len({name.casefold() for name in names}) == 471
    # Eight playlists are called "Permanent Wave" in some capitalisation; ids decide who keeps the plain name.
    waves = sorted(name for name in names if name.casefold().rstrip(" (0123456789)") == "permanent wave")
    assert len(waves) == 8 and "Permanent Wave" in waves
    assert tidytuesday.playlist_names["03qQtbNHoJuFezRu2CnLuF"] == "Permanent Wave"


def test_duplicate_names_are_numbered_the_same_way_every_time(shared_data, tidytuesday):
    again = read_long_csv(shared_data(*TIDY))
    assert again.playlist_names == tidytuesday.playlist_names


def test_a_numbered_name_can_be_left_out(tidytuesday):
    kept = tidytuesday.exclude(["Permanent Wave (3)"])
    assert len(kept.playlists()) == 470


def test_the_header_decides_what_is_a_long_csv(tmp_path, shared_data):
    assert is_long_csv(shared_data(*TIDY))
    assert not is_long_csv(shared_data("exportify-deadda7a-2021", "auto.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert not is_long_csv(empty)


def test_without_playlist_ids_playlists_are_keyed_by_name(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(f"playlist,track_id,track_name\nRoad Trip,{ID_A},One\nRoad Trip,{ID_B},Two\n"
                    f"Rainy Days,{ID_B},Two\n")
    library = read_source(path)
    assert library.playlist_names == {"Road Trip": "Road Trip", "Rainy Days": "Rainy Days"}
    assert library.playlists()["size"].tolist() == [2, 1]


def test_a_liked_column_marks_liked_songs_even_outside_playlists(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(f"playlist_name,playlist_id,track_id,liked\nRoad Trip,p1,{ID_A},true\n"
                    f"Road Trip,p1,{ID_B},false\n,,{ID_C},TRUE\n")
    library = read_long_csv(path)
    assert list(library.liked["track_id"]) == [ID_A, ID_C]
    assert list(library.memberships["track_id"]) == [ID_A, ID_B]
    assert list(library.liked_in_playlists()) == [ID_A]


def test_a_liked_value_that_is_not_yes_or_no_is_pointed_at(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(f"playlist,track_id,Liked\nRoad Trip,{ID_A},true\nRoad Trip,{ID_B},maybe\n")
    with pytest.raises(LibraryError, match=r"mine\.csv, row 3, column 'Liked': 'maybe' is not true or false"):
        read_long_csv(path)


def test_a_bad_feature_in_a_long_csv_names_row_and_column(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(f"playlist,track_id,energy\nRoad Trip,{ID_A},0.5\nRoad Trip,{ID_B},loud\n")
    with pytest.raises(LibraryError, match=r"mine\.csv, row 3, column 'energy': 'loud' is not a number"):
        read_long_csv(path)


def test_a_long_csv_of_liked_songs_filed_nowhere_loads_with_no_playlists(tmp_path):
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text(f"track_id,track_name,playlist,liked\n{ID_A},One,,true\n{ID_B},Two,,yes\n")
    library = read_long_csv(csv_file)
    assert library.summary()["playlists"] == 0 and library.summary()["liked"] == 2
    assert "no_playlists" in {w.code for w in library.warnings}


def test_a_long_csv_over_the_size_limit_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    from pipeline.sources import archive
    monkeypatch.setattr(archive, "LIBRARY_LIMIT", 10_000)
    path = tmp_path / "mine.csv"
    path.write_text("playlist,track_id\n" + f"Road Trip,{ID_A}\n" * 1_000)   # 33 KB
    read_whole: list[Path] = []
    monkeypatch.setattr(archive, "open", lambda file, mode: read_whole.append(file), raising=False)
    with pytest.raises(LibraryError, match=r"^mine\.csv: 33 KB is more than the 10 KB limit for a library$"):
        read_source(path)
    assert read_whole == []


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_a_long_csv_whose_name_is_not_utf8_loads_under_a_printable_name(tmp_path):
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/M\xfcsik.csv"))
    path.write_text(f"playlist,track_id\nRoad Trip,{ID_A}\n")
    assert read_source(path).source == "long CSV: Müsik.csv"
