"""CSV output that a spreadsheet opens as text, never as a formula."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from pipeline.csv_export import escape_cell, safe_frame, to_csv_bytes, unescape_cell, write_csv


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert escape_cell(text) == "'" + text
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("value", ["Song", "Don't Stop", "'quoted", "", 3, -4.5, None, True])
def test_everything_else_is_left_alone(value):
    assert escape_cell(value) == value
    assert unescape_cell(value) == value


def test_a_written_csv_keeps_numbers_and_escapes_only_dangerous_text(tmp_path):
    frame = pd.DataFrame({"track_name": ["=cmd|' /C calc'!A0", "Fine"], "artists": ["@evil", "Ok, Then"],
                          "score": [-0.5, 0.25], "rank": [1, 2], "already_in_playlist": [False, True]})
    path = tmp_path / "suggestions.csv"
    write_csv(frame, path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [r["track_name"] for r in rows] == ["'=cmd|' /C calc'!A0", "Fine"]
    assert [r["artists"] for r in rows] == ["'@evil", "Ok, Then"]
    assert [r["score"] for r in rows] == ["-0.5", "0.25"]
    assert [r["already_in_playlist"] for r in rows] == ["False", "True"]
    assert path.read_bytes() == to_csv_bytes(frame)
    assert frame.loc[0, "track_name"].startswith("=")                   # the caller's frame is untouched


def test_string_dtype_columns_are_escaped_too_and_unicode_survives():
    frame = pd.DataFrame({"name": pd.Series(["-Björk-", "Sigur Rós"], dtype="string")})
    assert safe_frame(frame)["name"].tolist() == ["'-Björk-", "Sigur Rós"]
    assert "Sigur Rós".encode() in to_csv_bytes(frame)


def test_line_breaks_in_names_cannot_split_a_row_or_smuggle_a_formula_past_the_escaping():
    names = ["One\rTwo", "Three\nFour", "Five\r\nSix", "\r=1+1", "Seven\r=HYPERLINK(\"x\")", "Plain"]
    frame = pd.DataFrame({"track_id": [f"id{i}\r=2+2" if i == 2 else f"id{i}" for i in range(len(names))],
                          "track_name": names, "playlist": ["Road\rTrip"] * len(names), "score": 0.5})
    data = to_csv_bytes(frame)
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert len(back) == len(frame)                                      # one row per row, through pandas
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == len(frame)                                      # and through the csv module
    for cells in (back.to_numpy().ravel().tolist(), [v for r in rows for v in r.values()]):
        assert not any(str(cell).lstrip().startswith(("=", "+", "@")) for cell in cells)
        assert not any("\r" in str(cell) or "\n" in str(cell) for cell in cells)
    assert list(back["track_name"]) == ["One Two", "Three Four", "Five Six", "' =1+1", 'Seven =HYPERLINK("x")',
                                        "Plain"]
    assert unescape_cell("' =1+1") == " =1+1"
