"""Generated malformed libraries: every reader either loads them or says in one line what is wrong where.

Hypothesis builds Exportify folders and zips, long CSVs, Spotify account exports and saved folders, starts
from valid files and breaks them the ways real files break (odd cells, lost columns, other encodings,
truncation, wrong JSON types, deep nesting, huge numbers, lone surrogates). Each input goes through the
CLI's own entry point (`pipeline.__main__.main`): it must succeed (and the library must be usable: summary,
fingerprint, save) or exit 2 with one ``error:`` line naming the file. Anything else — a traceback, a
second line, a hang — fails. A few examples also run as real subprocesses under a memory limit.

The suite runs 2,500 generated cases; ``PLAYLIST_ENHANCER_FUZZ_SCALE=4`` runs four times as many (and
``PLAYLIST_ENHANCER_FUZZ_SHRINK=0`` skips shrinking while hunting).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.__main__ import main
from pipeline.library import build_library
from pipeline.sources import load_library
from pipeline.sources.native import save_library

SCALE = float(os.environ.get("PLAYLIST_ENHANCER_FUZZ_SCALE", "1"))
"""Multiplies every case count below (the suite runs 2,500 generated cases at 1)."""
HANG_GUARD_SECONDS = 60
"""Far beyond what any of these small inputs needs: this catches hangs, it does not time anything."""
REPO = Path(__file__).resolve().parents[1]

SHRINK = os.environ.get("PLAYLIST_ENHANCER_FUZZ_SHRINK", "1") != "0"
def fuzz(examples: int) -> settings:
    """Hypothesis settings for ``examples`` (times `SCALE`) reproducible cases."""
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None, derandomize=True, database=None,
                    report_multiple_bugs=False,
                    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.function_scoped_fixture])

TRACK_IDS = ["4uLU6hMCjMI75M1A2tKUQC", "7GhIk7Il098yCjg4BQjzvb", "0eFvoRSTTaR2q8bSWVjwfp", "6LYY1uIKNhs52KCmmBrLxD"]
EXPORTIFY_HEADER = ["Track URI", "Track Name", "Artist URI", "Artist Name", "Album URI", "Album Name",
                    "Album Release Date", "Disc Number", "Track Number", "Track Duration (ms)", "Explicit",
                    "Popularity", "Added By", "Added At", "Artist Genres", "Danceability", "Energy", "Key",
                    "Loudness", "Mode", "Speechiness", "Acousticness", "Instrumentalness", "Liveness", "Valence",
                    "Tempo", "Time Signature"]
HEADER_VARIANTS = ["Spotify ID", "Artist Name(s)", "Genres", "Release Date", "Duration (ms)", "Playlist",
                   "Playlist Name", "Track URI", "track_uri", "\t\tDanceability", "", "Track Name"]

NASTY_CELLS = [
    "", " ", "NaN", "nan", "NA", "null", "None", "inf", "-inf", "Infinity", "1e400", "-1e400", "9" * 5000,
    "-0", "0", "1", "-1", "1.5", "2.", "1,5", "0x1F", "=1+1", "+1", "-1+1", "@SUM(A1)", "\t=cmd", '"', '""',
    '"unclosed', "a\rb", "a\nb", "\r\n", "\x00", "\x00" * 50, "\ufeff", "\u2028", "\ud83d", "\udc80x",
    "spotify:track:", "SPOTIFY:TRACK:4uLU6hMCjMI75M1A2tKUQC", "spotify:track:4uLU6hMCjMI75M1A2tKUQ",
    "spotify:track:4uLU6hMCjMI75M1A2tKUQC?si=x", "spotify:episode:512ojhOuo1ktJprKbVcKyQ",
    "spotify:local:Heino:Deutschland::156", "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    *TRACK_IDS, "x" * 5000, "[", "[]", "[[[[", "{}", "true", "false", "2021-13-45", "0000-00-00T00:00:00Z",
    "2021-01-02T12:14:53Z", "9999-12-31", "1970", "-2000", "Ελληνικά", "日本語", "🎸", "a,b,c",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


def cells() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr),
                     st.integers(-10 ** 30, 10 ** 30).map(str))


@st.composite
def track_row(draw, header: list[str]) -> list[str]:
    """A plausible row for ``header`` with some cells replaced by nasty ones."""
    row = []
    for column in header:
        valid = {"Track URI": f"spotify:track:{draw(st.sampled_from(TRACK_IDS))}", "Track Name": "Song",
                 "Artist Name": "Artist", "Artist Name(s)": "Artist", "Danceability": "0.5", "Energy": "0.7",
                 "Tempo": "120.0", "Playlist": draw(st.sampled_from(["Road Trip", "Focus", "road trip"])),
                 "Album Release Date": "2020-03-19", "Added At": "2021-01-02T12:14:53Z"}.get(column, "1")
        row.append(draw(cells()) if draw(st.integers(0, 5)) == 0 else valid)
    return row


@st.composite
def csv_bytes(draw, header: list[str], max_rows: int = 8) -> bytes:
    """A CSV file: a (maybe mangled) header, rows, an encoding, line endings, maybe truncated or spliced."""
    header = list(header)
    if draw(st.booleans()):
        index = draw(st.integers(0, len(header) - 1))
        header[index] = draw(st.one_of(st.sampled_from(HEADER_VARIANTS), cells()))
    if draw(st.integers(0, 4)) == 0:
        del header[draw(st.integers(0, len(header) - 1))]
    rows = draw(st.lists(track_row(header), max_size=max_rows))
    if draw(st.integers(0, 4)) == 0 and rows:  # a ragged row
        rows[0] = rows[0][: draw(st.integers(0, len(rows[0])))] + draw(st.lists(cells(), max_size=3))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows([header, *rows])
    encoding = draw(st.sampled_from(ENCODINGS)) if draw(st.booleans()) else "utf-8"
    data = buffer.getvalue().encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")
    return mangled(draw, data)


def mangled(draw, data: bytes) -> bytes:
    """Sometimes cut the bytes short or splice random bytes in."""
    choice = draw(st.integers(0, 5))
    if choice == 0 and data:
        return data[: draw(st.integers(0, len(data)))]
    if choice == 1:
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(max_size=40)) + data[at:]
    return data


def json_values(max_leaves: int = 6) -> st.SearchStrategy[object]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(),
                        st.sampled_from(NASTY_CELLS))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=max_leaves)


def replace_somewhere(draw, document: object) -> object:
    """``document`` with one node (chosen by walking down at random) replaced by a random JSON value."""
    if isinstance(document, (list, dict)) and document and draw(st.integers(0, 3)) > 0:
        keys = list(range(len(document))) if isinstance(document, list) else list(document)
        key = draw(st.sampled_from(keys))
        copy = list(document) if isinstance(document, list) else dict(document)
        copy[key] = replace_somewhere(draw, document[key])
        return copy
    return draw(json_values())


def json_bytes(draw, document: object) -> bytes:
    """``document`` broken once or twice, serialised, maybe with a textual mutation on top."""
    for _ in range(draw(st.integers(0, 2))):
        document = replace_somewhere(draw, document)
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    choice = draw(st.integers(0, 7))
    if choice == 0:
        text = "[" * 20_000 + text + "]" * 20_000
    elif choice == 1:
        text = text.replace("0", "9" * 5000, 1)
    elif choice == 2:
        text = text.replace('"Song', '"\\ud83d', 1).replace('"Road', '"\\udc80', 1)
    elif choice == 3:
        text = text.replace("null", "NaN").replace("0", "Infinity", 1)
    return mangled(draw, text.encode("utf-8", "surrogatepass"))


def account_items() -> list[dict]:
    return [{"track": {"trackName": f"Song {i}", "artistName": "Artist", "albumName": "Album",
                       "trackUri": f"spotify:track:{track_id}"}, "episode": None, "localTrack": None,
             "addedDate": "2024-03-01"} for i, track_id in enumerate(TRACK_IDS)]


LIBRARY_JSON = {"tracks": [{"artist": "Artist", "album": "Album", "track": "Song 0",
                            "uri": f"spotify:track:{TRACK_IDS[0]}"}], "albums": [], "artists": []}
PLAYLIST_JSON = {"playlists": [{"name": "Road Trip", "lastModifiedDate": "2024-03-04", "items": account_items()},
                               {"name": "Focus", "items": account_items()[:2]}]}


# ----- the sources ------------------------------------------------------------------------------------------

@st.composite
def exportify_folders(draw) -> dict[str, bytes]:
    names = draw(st.lists(st.sampled_from(["road_trip.csv", "focus.csv", "Liked_Songs.csv", "liked.csv",
                                           "R\u00f6ad.csv", "x.txt", ".hidden.csv", "a b.csv"]),
                          min_size=1, max_size=4, unique=True))
    return {name: draw(csv_bytes(EXPORTIFY_HEADER)) for name in names}


@st.composite
def long_csvs(draw) -> dict[str, bytes]:
    header = ["Playlist", "Track URI", "Track Name", "Artist Name(s)", "Danceability", "Energy", "Tempo"]
    return {"library.csv": draw(csv_bytes(header, max_rows=12))}


@st.composite
def account_exports(draw) -> dict[str, bytes]:
    files = {"YourLibrary.json": json_bytes(draw, LIBRARY_JSON), "Playlist1.json": json_bytes(draw, PLAYLIST_JSON)}
    if draw(st.booleans()):
        del files[draw(st.sampled_from(sorted(files)))]
    return files


def saved_base() -> dict[str, bytes]:
    tracks = pd.DataFrame({"track_id": TRACK_IDS, "name": ["Song"] * 4, "artists": [("Artist",)] * 4,
                           "release_date": ["2020"] * 4, "energy": [0.1, 0.5, 0.7, 0.9]})
    library = build_library(tracks, pd.DataFrame({"playlist_id": ["a", "a", "b"], "track_id": TRACK_IDS[:3]}),
                            pd.DataFrame({"track_id": TRACK_IDS[3:]}), "hand-made")
    with tempfile.TemporaryDirectory() as folder:
        save_library(library, Path(folder) / "saved")
        return {path.name: path.read_bytes() for path in (Path(folder) / "saved").iterdir()}


SAVED = saved_base()


@st.composite
def saved_folders(draw) -> dict[str, bytes]:
    files = dict(SAVED)
    target = draw(st.sampled_from(sorted(files)))
    if target == "library.json":
        files[target] = json_bytes(draw, json.loads(files[target]))
    else:
        table = list(csv.reader(io.StringIO(files[target].decode())))
        for _ in range(draw(st.integers(1, 3))):
            row = draw(st.integers(0, len(table) - 1))
            column = draw(st.integers(0, len(table[0]) - 1))
            if column < len(table[row]):
                table[row][column] = draw(cells())
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(table)
        files[target] = mangled(draw, buffer.getvalue().encode("utf-8", "surrogatepass"))
    if draw(st.integers(0, 9)) == 0:
        del files[draw(st.sampled_from(sorted(files)))]
    return files


# ----- what every input must get ----------------------------------------------------------------------------

@contextlib.contextmanager
def hang_guard():
    def hung(signum, frame):
        raise AssertionError(f"reading the input took over {HANG_GUARD_SECONDS} s: it hangs")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write_input(folder: Path, files: dict[str, bytes], *, as_zip: bool = False, single: bool = False) -> Path:
    if single:
        (name, data), = files.items()
        (folder / name).write_bytes(data)
        return folder / name
    if as_zip:
        with zipfile.ZipFile(folder / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return folder / "export.zip"
    (folder / "library").mkdir()
    for name, data in files.items():
        (folder / "library" / name).write_bytes(data)
    return folder / "library"


def assert_loads_or_refuses_in_one_line(path: Path, files: dict[str, bytes], capsys) -> None:
    """What the CLI's ``info`` makes of ``path``: success with a usable library, or exit 2 and one line."""
    capsys.readouterr()
    with hang_guard():
        code = main(["info", "--library", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), f"exit {code}: {err[-500:]}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err[-500:]
        assert len(lines[0]) <= 400, lines[0][:500]
        assert any(name in lines[0] for name in (path.name, *files)), f"names no file: {lines[0]}"
        return
    summary = json.loads(out)
    assert summary["tracks_total"] >= 1
    with hang_guard():
        library = load_library(path)
    library.fingerprint()
    with tempfile.TemporaryDirectory() as folder:
        save_library(library, Path(folder) / "again")  # e.g. pyarrow refuses lone surrogates


def check(files: dict[str, bytes], capsys, **layout) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert_loads_or_refuses_in_one_line(write_input(Path(folder), files, **layout), files, capsys)


@fuzz(300)
@given(files=exportify_folders(), as_zip=st.booleans())
def test_generated_exportify_exports(files, as_zip, capsys):
    check(files, capsys, as_zip=as_zip)


@fuzz(400)
@given(files=long_csvs())
def test_generated_long_csvs(files, capsys):
    check(files, capsys, single=True)


@fuzz(600)
@given(files=account_exports(), as_zip=st.booleans())
def test_generated_account_exports(files, as_zip, capsys):
    check(files, capsys, as_zip=as_zip)


@fuzz(600)
@given(files=saved_folders())
def test_generated_saved_folders(files, capsys):
    check(files, capsys)


@fuzz(600)
@given(data=st.binary(max_size=300), name=st.sampled_from(["x.csv", "x.zip", "x.json"]))
def test_random_bytes_under_any_name(data, name, capsys):
    check({name: data}, capsys, single=True)


# ----- a few as real processes, under a memory limit ---------------------------------------------------------

MEMORY_LIMIT = 3 * 1024 ** 3


def limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("kind", ["exportify", "account"])
def test_the_real_cli_prints_one_line_and_no_traceback(kind, tmp_path):
    strategy = exportify_folders() if kind == "exportify" else account_exports()
    cases = _fixed_examples(strategy, 4)
    for number, files in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        path = write_input(folder, files, as_zip=number % 2 == 1)
        result = subprocess.run([sys.executable, "-m", "pipeline", "info", "--library", str(path)], cwd=REPO,
                                capture_output=True, text=True, timeout=300, preexec_fn=limited_memory,
                                stdin=subprocess.DEVNULL)
        assert result.returncode in (0, 2) and "Traceback" not in result.stderr, result.stderr[-800:]
        if result.returncode == 2:
            assert len(result.stderr.strip().splitlines()) == 1


def _fixed_examples(strategy: st.SearchStrategy, count: int) -> list:
    """``count`` reproducible draws of ``strategy`` (Hypothesis' ``example()`` is not seeded)."""
    found: list = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        found.append(value)

    collect()
    return found[:count]
