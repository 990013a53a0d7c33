"""The saved library folder: what goes in comes back out, exactly."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from pipeline.library import LibraryError, build_library
from pipeline.sources import read_source
from pipeline.sources.exportify import read_exportify
from pipeline.sources.native import is_saved_library, load_saved_library, save_library


def assert_same_library(left, right) -> None:
    for table in ("tracks", "memberships", "liked"):
        pd.testing.assert_frame_equal(getattr(left, table), getattr(right, table))
    assert (left.source, left.warnings, left.fingerprint()) == (right.source, right.warnings, right.fingerprint())


def test_a_real_exportify_library_round_trips(shared_data, tmp_path):
    library = read_exportify(shared_data("exportify-deadda7a-2021"))
    save_library(library, tmp_path / "saved")
    assert is_saved_library(tmp_path / "saved")
    assert_same_library(load_saved_library(tmp_path / "saved"), library)


def test_awkward_values_survive_the_round_trip(tmp_path):
    tracks = pd.DataFrame({
        "track_id": ["0000000000000000000001", "NA", "0000000000000000000003"],
        "name": ['Verse, "Chorus"\nand coda', "NA", ""],
        "artists": [("Earth, Wind & Fire", "Ramsey Lewis"), ("None",), ()],
        "genres": [("[jazz]", 'say "hi"'), (), ("null",)],
        "release_date": ["1975", "", "2020-02-29"],
        "energy": [0.1 + 0.2, np.nan, 1e-300],
        "tempo": [120.0, np.nan, -0.0],
    })
    memberships = pd.DataFrame({"playlist_id": ["007", "007"], "playlist_name": ["Bond, James", "Bond, James"],
                                "track_id": ["0000000000000000000001", "NA"],
                                "added_at": ["2020-08-03T15:31:28.123456Z", None]})
    liked = pd.DataFrame({"track_id": ["0000000000000000000003"], "added_at": ["2021-01-01T00:00:00+02:00"]})
    library = build_library(tracks, memberships, liked, "hand-made")
    save_library(library, tmp_path / "saved")
    back = load_saved_library(tmp_path / "saved")
    assert_same_library(back, library)
    assert back.tracks.loc["0000000000000000000001", "energy"] == 0.1 + 0.2
    assert back.tracks.loc["0000000000000000000001", "year"] == 1975


def test_the_dispatcher_finds_a_saved_library(shared_data, tmp_path):
    library = read_exportify(shared_data("exportify-deadda7a-2021"))
    save_library(library, tmp_path / "saved")
    assert read_source(tmp_path / "saved").fingerprint() == library.fingerprint()


def test_saving_again_replaces_the_previous_save(shared_data, tmp_path):
    first = read_exportify(shared_data("exportify-deadda7a-2021"))
    save_library(first, tmp_path / "saved")
    smaller = first.exclude(["gemischte_playlist"])
    save_library(smaller, tmp_path / "saved")
    assert load_saved_library(tmp_path / "saved").fingerprint() == smaller.fingerprint()
    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == [
        "library.json", "liked.csv", "memberships.csv", "tracks.csv"]


def test_it_will_not_write_into_a_folder_holding_other_things(shared_data, tmp_path):
    (tmp_path / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(LibraryError, match="holds other files"):
        save_library(read_exportify(shared_data("exportify-deadda7a-2021")), tmp_path)
    assert (tmp_path / "thesis.docx").read_bytes() == b"precious"


def test_a_save_from_a_newer_version_is_refused_clearly(shared_data, tmp_path):
    save_library(read_exportify(shared_data("exportify-deadda7a-2021")), tmp_path / "saved")
    manifest = tmp_path / "saved" / "library.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "version": 99}))
    with pytest.raises(LibraryError, match=r"library\.json: saved by a newer version of Playlist Enhancer \(format '99'\)"):
        load_saved_library(tmp_path / "saved")


def test_a_hand_edited_list_cell_is_pointed_at(shared_data, tmp_path):
    save_library(read_exportify(shared_data("exportify-deadda7a-2021")), tmp_path / "saved")
    tracks_csv = tmp_path / "saved" / "tracks.csv"
    table = pd.read_csv(tracks_csv, dtype=object, keep_default_na=False)
    table.loc[4, "genres"] = "rock, pop"
    table.to_csv(tracks_csv, index=False)
    with pytest.raises(LibraryError, match=r"tracks\.csv, row 6, column 'genres': 'rock, pop' is not a JSON list"):
        load_saved_library(tmp_path / "saved")


def test_a_library_without_dates_or_features_round_trips(tmp_path):
    tracks = pd.DataFrame({"track_id": ["4uLU6hMCjMI75M1A2tKUQC"], "name": ["September"],
                           "artists": [("Earth, Wind & Fire",)]})
    library = build_library(tracks, pd.DataFrame({"playlist_id": ["Road Trip"], "track_id": tracks["track_id"]}),
                            pd.DataFrame({"track_id": tracks["track_id"]}), "Spotify account export: x")
    save_library(library, tmp_path / "saved")
    back = load_saved_library(tmp_path / "saved")
    assert_same_library(back, library)
    assert [w.code for w in back.warnings] == ["no_features"]


@pytest.fixture
def saved(tmp_path):
    """A small saved library to hand-edit."""
    tracks = pd.DataFrame({"track_id": ["4uLU6hMCjMI75M1A2tKUQC", "0000000000000000000002"],
                           "name": ["September", "Boogie Wonderland"], "artists": [("Earth, Wind & Fire",)] * 2,
                           "release_date": ["1978", "1979"], "energy": [0.8, 0.9]})
    library = build_library(tracks, pd.DataFrame({"playlist_id": ["Road Trip"] * 2, "track_id": tracks["track_id"]}),
                            pd.DataFrame({"track_id": tracks["track_id"][:1]}), "hand-made")
    save_library(library, tmp_path / "saved")
    return tmp_path / "saved"


def edit_cell(folder, column: str, value: str) -> None:
    table = pd.read_csv(folder / "tracks.csv", dtype=object, keep_default_na=False)
    table.loc[1, column] = value
    table.to_csv(folder / "tracks.csv", index=False)


def edit_manifest(folder, **changes) -> None:
    manifest = folder / "library.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), **changes}))


@pytest.mark.parametrize("column, value, problem", [
    ("artists", "[" * 50_000 + "]" * 50_000, "is not a JSON list of names"),
    ("artists", '[{"name": "Earth"}]', "is not a JSON list of names"),
    ("genres", "[NaN]", "is not a JSON list of names"),
    ("year", "1.5", "'1.5' is not a whole year"),
    ("energy", "inf", "'inf' is not a finite number"),
    ("tempo", "1e400", "'1e400' is not a finite number"),
])
def test_a_malformed_cell_is_named_with_its_row_and_column(saved, column, value, problem):
    edit_cell(saved, column, value)
    with pytest.raises(LibraryError, match=rf"tracks\.csv, row 3, column '{column}': .*{re.escape(problem)}"):
        load_saved_library(saved)


@pytest.mark.parametrize("text", [
    '{"format": "playlist-enhancer-library", "version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"format": "playlist-enhancer-library", "version": ' + "9" * 5000 + "}",
    '{"format": "playlist-enhancer-library", "version": 1, "warnings": [{"code": "x", "message": "y", '
    '"count": Infinity}]}',
])
def test_a_manifest_nested_too_deep_or_with_huge_numbers_is_refused_in_one_line(saved, text):
    (saved / "library.json").write_text(text)
    with pytest.raises(LibraryError, match=r"^library\.json: cannot read the saved library's manifest") as caught:
        load_saved_library(saved)
    assert len(str(caught.value)) < 200 and "\n" not in str(caught.value)


@pytest.mark.parametrize("warnings", [
    "abc", [{"code": "x", "message": "y", "count": 1.5}], [{"code": "x", "message": "y", "count": True}],
    [{"code": "x", "message": "y", "count": -2}], [{"code": 3, "message": "y"}], [["x", "y", 1]],
])
def test_a_malformed_warnings_list_is_named(saved, warnings):
    edit_manifest(saved, warnings=warnings)
    with pytest.raises(LibraryError, match=r"library\.json, column 'warnings': malformed warnings list"):
        load_saved_library(saved)


def test_lone_surrogates_in_names_and_source_are_repaired_so_info_prints(saved):
    edit_manifest(saved, source="my \ud83d library", warnings=[{"code": "x", "message": "odd \udc80", "count": 1}])
    edit_cell(saved, "artists", '["Earth \\ud83d"]')
    library = load_saved_library(saved)
    assert library.source == "my \ufffd library"
    assert library.tracks["artists"].iloc[1] == ("Earth \ufffd",)
    assert [w.message for w in library.warnings][0] == "odd \ufffd"
    library.summary()
    json.dumps(library.summary(), ensure_ascii=False).encode("utf-8")  # would raise on a surrogate
    save_library(library, saved)  # and so would writing it again


def test_a_liked_song_missing_from_tracks_csv_is_named_with_its_file_and_row(saved):
    (saved / "liked.csv").write_text("track_id,added_at\n4uLU6hMCjMI75M1A2tKUQC,\nnot-a-listed-track,\n")
    with pytest.raises(LibraryError, match=r"^liked\.csv, row 3, column 'track_id': 'not-a-listed-track' is not in "
                                           r"tracks\.csv"):
        load_saved_library(saved)


@pytest.mark.parametrize("version", [{"9" * 500: None}, "1", True, 0, 1.0])
def test_a_version_that_is_not_a_whole_number_is_named_in_one_short_line(saved, version):
    edit_manifest(saved, version=version)
    with pytest.raises(LibraryError, match=r"^library\.json, column 'version': .* is not a format version") as caught:
        load_saved_library(saved)
    assert len(str(caught.value)) < 150
