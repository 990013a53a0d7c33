"""The baseline beside every score: always the largest playlists, scored per song like the model.

Whatever page shows it (Library, Train, Compare, the CLI), it is one number per library: the share
of tracks its largest playlists hold, not their share of playlist rows.
"""

from __future__ import annotations

import pytest

from pipeline.__main__ import main
from pipeline.baseline import DEFINITION, library_baseline, track_shares
from pipeline.config import RunConfig
from pipeline.evaluation import evaluate
from pipeline.sources import load_library
from pipeline.sources.native import save_library
from tests.toy_libraries import library_of, track_id

T = [track_id(n) for n in range(40)]


def test_a_track_in_several_playlists_is_right_when_any_of_them_is_named():
    # Mix holds 8 of the 10 tracks; four of them sit in Rock too: Mix has 8 of the 14 rows (57%)
    library = library_of({"Mix": T[:8], "Rock": [*T[:4], T[8]], "Jazz": [T[9]]})
    baseline = library_baseline(library)
    assert baseline.largest == "Mix"
    assert baseline.accuracy == pytest.approx(8 / 10)
    assert baseline.top3 == 1.0
    assert list(track_shares(library)) == pytest.approx([8 / 10, 5 / 10, 1 / 10])


@pytest.mark.parametrize("export", ["demo", "exportify-deadda7a-2021"])
def test_the_library_page_numbers_are_the_ones_evaluation_scores_the_baseline_at(shared_data, export):
    library = load_library("demo" if export == "demo" else str(shared_data(export)))
    shown = library_baseline(library)
    full = evaluate(library, RunConfig(model="dummy", strategy="none"), folds=3, calibrate=False)
    assert (shown.accuracy, shown.top3) == pytest.approx((full.baseline.accuracy, full.baseline.top3), abs=1e-12)
    assert shown.backtest_n == full.backtest.n
    assert (shown.backtest_accuracy, shown.backtest_top3) == pytest.approx(
        (full.baseline_backtest.accuracy, full.baseline_backtest.top3), abs=1e-12)


def test_on_a_real_export_one_catch_all_makes_the_baseline_right_for_nearly_every_track(shared_data):
    library = load_library(str(shared_data("exportify-deadda7a-2021")))
    shown = library_baseline(library)
    assert shown.largest == "gemischte_playlist"
    assert f"{shown.accuracy:.0%}" == "98%"            # its share of rows is 55%: the old, wrong number
    assert f"{shown.top3:.0%}" == "98%"


def test_the_backtest_baseline_ranks_playlists_without_the_liked_songs_it_hides():
    # Rock is the larger playlist only thanks to four liked songs the backtest hides from training
    rock, chill = T[:7], T[10:16]
    library = library_of({"Rock": rock, "Chill": chill}, liked=rock[:4])
    shown = library_baseline(library)
    assert shown.largest == "Rock" and shown.backtest_n == 4
    assert shown.backtest_accuracy == 0.0, "without those songs Chill is the largest, so the baseline names Chill"
    result = evaluate(library, RunConfig(model="dummy", strategy="none"), folds=2, calibrate=False)
    assert result.baseline_backtest.accuracy == 0.0


def test_the_cli_prints_the_baseline_s_definition_beside_its_numbers(tmp_path, capsys):
    library = library_of({"Mix": T[:8], "Rock": [*T[:4], T[8]], "Jazz": [T[9], T[10]]})
    save_library(library, tmp_path / "toy")
    assert main(["evaluate", "--library", str(tmp_path / "toy"), "--model", "dummy", "--strategy", "none",
                 "--folds", "2", "--no-calibration"]) == 0
    printed = capsys.readouterr().out
    accuracy = next(line for line in printed.splitlines() if line.strip().startswith("accuracy"))
    assert accuracy.split()[-1] == f"{library_baseline(library).accuracy:.3f}"
    assert DEFINITION in printed
