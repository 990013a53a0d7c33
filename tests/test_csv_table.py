"""One Exportify CSV, as a user's editor may have left it: odd encodings, headers and cells."""

from __future__ import annotations

import codecs
import csv
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.library import AUDIO_FEATURES, LibraryError
from pipeline.sources.exportify import read_exportify

ID_A, ID_B, ID_C = "4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp"
HEADER = "Track URI,Track Name,Artist Name(s),Danceability,Energy"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(folder, name, text.encode(encoding))


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_missing_feature_columns_load_with_a_warning(tmp_path):
    path = write(tmp_path, "road_trip.csv", f"Track URI,Track Name,Artist Name(s)\nspotify:track:{ID_A},One,A\n")
    library = read_exportify(path)
    assert library.tracks.loc[ID_A, "name"] == "One"
    assert library.tracks[list(AUDIO_FEATURES)].isna().all().all()
    assert [w.code for w in library.warnings] == ["no_features"]
    assert "no audio features" in str(library.warnings[0])


def test_a_word_in_a_feature_column_names_file_row_and_column(tmp_path):
    # Row 2 spans two lines; the user's spreadsheet still shows the bad cell on row 3.
    text = (f'{HEADER}\nspotify:track:{ID_A},"Two\nlines",A,0.5,0.7\n'
            f"spotify:track:{ID_B},Bad,B,0.5,abc\n")
    with pytest.raises(LibraryError) as caught:
        read_exportify(write(tmp_path, "auto.csv", text))
    assert str(caught.value) == "auto.csv, row 3, column 'Energy': 'abc' is not a number"


@pytest.mark.parametrize("value", ["1,5", "inf", "0.5.1", "--"])
def test_other_non_numbers_in_feature_columns_are_errors(tmp_path, value):
    text = f'{HEADER}\nspotify:track:{ID_A},One,A,"{value}",0.7\n'
    with pytest.raises(LibraryError, match=rf"auto\.csv, row 2, column 'Danceability': '{value}' is not a number"):
        read_exportify(write(tmp_path, "auto.csv", text))


def test_blank_and_null_feature_cells_mean_unknown(tmp_path):
    text = f"{HEADER}\nspotify:track:{ID_A},One,A,,0.7\nspotify:track:{ID_B},Two,B,null,0.2\n"
    library = read_exportify(write(tmp_path, "road_trip.csv", text))
    assert library.tracks["danceability"].isna().all()
    assert library.tracks["energy"].tolist() == [0.7, 0.2]


def test_an_empty_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(LibraryError, match=r"^road_trip\.csv: the file is empty$"):
        read_exportify(write(tmp_path, "road_trip.csv", ""))


def test_windows_1252_bytes_are_read_with_a_warning(tmp_path):
    text = f"{HEADER}\nspotify:track:{ID_A},Café Del Mar,Energy 52,0.5,0.7\n"
    library = read_exportify(write(tmp_path, "chill.csv", text, encoding="cp1252"))
    assert library.tracks.loc[ID_A, "name"] == "Café Del Mar"
    assert any(w.code == "encoding" and "chill.csv" in str(w) for w in library.warnings)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    text = f"{HEADER}\nspotify:track:{ID_A},Šum,Ćiro,0.5,0.7\n"
    library = read_exportify(write(tmp_path, "excel.csv", text, encoding="utf-16"))
    assert library.tracks.loc[ID_A, ["name", "artists"]].tolist() == ["Šum", ("Ćiro",)]
    assert not any(w.code == "encoding" for w in library.warnings)


def test_utf16_without_a_byte_order_mark_is_a_clear_error(tmp_path):
    with pytest.raises(LibraryError, match=r"excel\.csv: not a text CSV .*UTF-16"):
        read_exportify(write(tmp_path, "excel.csv", f"{HEADER}\n", encoding="utf-16-le"))


def test_a_utf8_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + f'"Track URI","Track Name"\nspotify:track:{ID_A},One\n'.encode())
    assert list(read_exportify(path).tracks.index) == [ID_A]


def test_a_duplicated_header_name_is_an_error_naming_it(tmp_path):
    text = f"Track URI,Track Name,Energy,energy \nspotify:track:{ID_A},One,0.1,0.2\n"
    with pytest.raises(LibraryError, match=r"twice\.csv, row 1, column 'Energy': .*more than once"):
        read_exportify(write(tmp_path, "twice.csv", text))


def test_a_header_without_a_track_id_column_says_what_it_expected(tmp_path):
    text = "Title,Artist\nOne,A\n"
    with pytest.raises(LibraryError, match=r"songs\.csv, row 1: no track id column: expected .*'Track URI'"):
        read_exportify(write(tmp_path, "songs.csv", text))


def test_a_header_in_the_wrong_encoding_is_named_in_one_short_line(tmp_path):
    # A UTF-16 byte-order mark on 8-bit text: the whole file decodes to one cell of CJK characters.
    text = HEADER + "".join(f"\nspotify:track:{ID_A},Song {i},Artist,0.5,0.7" for i in range(50))
    data = text.encode() + b" " * (len(text) % 2)   # UTF-16 reads byte pairs
    with pytest.raises(LibraryError) as raised:
        read_exportify(write_bytes(tmp_path, "songs.csv", codecs.BOM_UTF16_BE + data))
    message = str(raised.value)
    assert message.startswith("songs.csv, row 1: no track id column") and len(message) < 250


def test_a_long_duplicated_header_name_is_cut_short(tmp_path):
    name = "Energy" + " level" * 100
    text = f"Track URI,{name},{name}\nspotify:track:{ID_A},0.1,0.2\n"
    with pytest.raises(LibraryError, match=r"^twice\.csv, row 1, column 'Energy level level.{60,80}…': .*more than"):
        read_exportify(write(tmp_path, "twice.csv", text))


def test_a_cell_that_is_not_a_track_id_is_pointed_at(tmp_path):
    text = f"{HEADER}\nspotify:track:{ID_A},One,A,0.5,0.7\nnot-an-id,Two,B,0.5,0.7\n"
    with pytest.raises(LibraryError, match=r"odd\.csv, row 3, column 'Track URI': 'not-an-id' is not a Spotify"):
        read_exportify(write(tmp_path, "odd.csv", text))


def test_a_row_longer_than_the_header_is_pointed_at(tmp_path):
    text = f"{HEADER}\nspotify:track:{ID_A},One,A,0.5,0.7\nspotify:track:{ID_B},Two,B,0.5,0.7,surprise\n"
    with pytest.raises(LibraryError, match=r"long\.csv, row 3: this row has more cells"):
        read_exportify(write(tmp_path, "long.csv", text))


def test_multi_line_quoted_names_and_blank_lines_survive(tmp_path):
    text = (f'{HEADER}\r\nspotify:track:{ID_A},"Verse, ""Chorus""\r\nand coda",A,0.5,0.7\r\n\r\n'
            f"spotify:track:{ID_B},Two,B,0.5,0.7\r\n")
    library = read_exportify(write(tmp_path, "songs.csv", text))
    assert library.tracks.loc[ID_A, "name"] == 'Verse, "Chorus"\r\nand coda'
    assert list(library.memberships["track_id"]) == [ID_A, ID_B]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300)
       | st.text(st.sampled_from(f'{HEADER},"\n\r\t;x0.5\ufeff\x00'), max_size=300)
       | st.text(st.sampled_from(',"\n\r\t;xé0.5\\\x00'), max_size=200).map(
           lambda body: f"{HEADER}\nspotify:track:{ID_A}," + body))
def test_whatever_the_bytes_the_only_failure_is_a_library_error(tmp_path, content):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    try:
        read_exportify(path)
    except LibraryError as error:
        assert "fuzz.csv" in str(error)


# ----- property: whatever Exportify variant wrote the rows, they read back the same ----------------
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
FEATURE_TITLES = {feature: feature.title() for feature in AUDIO_FEATURES if feature != "duration_ms"}
VARIANTS = {
    # header of (id, name, artist names, artist ids or None), duration title, artist joiner, escapes commas
    "exportify.app 2021": (("Track URI", "Track Name", "Artist Name", "Artist URI"), "Track Duration (ms)", ", ", True),
    "exportify.app": (("Track URI", "Track Name", "Artist Name(s)", "Artist URI(s)"), "Track Duration (ms)", ", ",
                      True),
    "exportify.net 2024": (("Track ID", "Track Name", "Artist Name(s)", None), "Duration (ms)", ",", False),
    "exportify.net": (("Spotify ID", "Track Name", "Artist Name(s)", "Artist IDs"), "Duration (ms)", ",", False),
}
text_cell = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from([",", '"', "\n", " "]),
                    max_size=25)
word = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=",\\"), min_size=1,
               max_size=12).map(str.strip).filter(bool)
# Names that each exporter can write unambiguously: exportify.app escapes commas; exportify.net joins with a bare
# "," so a name may hold ", " (Earth, Wind & Fire) but not ",x".
escaped_artist = st.lists(word, min_size=1, max_size=3).map(",".join)
tight_artist = st.lists(word, min_size=1, max_size=2).map(", ".join)
feature_value = st.none() | st.floats(-1e6, 1e6, allow_nan=False) | st.integers(0, 11).map(float)


@st.composite
def exportify_files(draw):
    variant = draw(st.sampled_from(sorted(VARIANTS)))
    (id_title, name_title, artist_title, artist_id_title), duration_title, joiner, escapes = VARIANTS[variant]
    ids = draw(st.lists(st.text(BASE62, min_size=22, max_size=22), min_size=1, max_size=6, unique=True))
    tracks = [{"id": track_id, "name": draw(text_cell),
               "artists": draw(st.lists(escaped_artist if escapes else tight_artist, min_size=1, max_size=3)),
               "features": {f: draw(feature_value) for f in AUDIO_FEATURES}} for track_id in ids]
    titles = {"id": id_title, "name": name_title, "artists": artist_title, **FEATURE_TITLES,
              "duration_ms": duration_title, **({"artist_ids": artist_id_title} if artist_id_title else {})}
    if variant == "exportify.net 2024":
        titles["danceability"] = "\t\t\t\tDanceability"
    order = draw(st.permutations(sorted(titles)))
    return tracks, _csv_text(tracks, titles, order, joiner, escapes, id_title == "Track URI"), draw(st.booleans())


def _csv_text(tracks, titles, order, joiner, escapes, as_uri) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([titles[key] for key in order])
    for track in tracks:
        names = [a.replace(",", "\\,") if escapes else a for a in track["artists"]]
        cells = {"id": f"spotify:track:{track['id']}" if as_uri else track["id"], "name": track["name"],
                 "artists": joiner.join(names),
                 "artist_ids": joiner.join(f"spotify:artist:{i:022d}" for i in range(len(names))),
                 **{f: "" if v is None else repr(v) for f, v in track["features"].items()}}
        writer.writerow([cells[key] for key in order])
    return buffer.getvalue()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exportify_files())
def test_exportify_rows_round_trip_whatever_the_variant(tmp_path, generated):
    tracks, text, with_bom = generated
    path = tmp_path / "generated.csv"
    path.write_bytes((codecs.BOM_UTF8 if with_bom else b"") + text.encode("utf-8"))
    library = read_exportify(path)
    assert list(library.memberships["track_id"]) == [track["id"] for track in tracks]
    for track in tracks:
        read = library.tracks.loc[track["id"]]
        assert read["name"] == track["name"]
        assert read["artists"] == tuple(track["artists"])
        for feature, value in track["features"].items():
            assert math.isnan(read[feature]) if value is None else read[feature] == value


def test_an_error_quotes_a_huge_or_multi_line_bad_cell_on_one_short_line(tmp_path):
    from pipeline.sources import read_source
    huge, multi_line = "x" * 120_000, "not\na\r\nnumber"
    for name, cell in (("huge.csv", huge), ("lines.csv", multi_line)):
        path = tmp_path / name
        path.write_text('Track URI,Track Name,Energy\nspotify:track:4uLU6hMCjMI75M1A2tKUQC,One,"' + cell + '"\n')
        with pytest.raises(LibraryError) as caught:
            read_source(path)
        message = str(caught.value)
        assert "\n" not in message and "\r" not in message and len(message) < 200
        assert f"{name}, row 2, column 'Energy'" in message
    assert "'not a number' is not a number" in message
