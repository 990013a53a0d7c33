"""Adding accepted suggestions to a Spotify playlist: preview, batches, no duplicates, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pandas as pd
import pytest

from pipeline.csv_export import write_csv
from pipeline.errors import UserError
from pipeline.spotify.export import (ExportInterrupted, ExportLog, PlaylistGone, Suggestion, apply_export,
                                     plan_export, read_suggestions, select_suggestions)
from pipeline.library import LibraryError
from tests.fakes.fixtures import (REPO, account, cli_env, client, private_data_dir, reccobeats, run_cli,
                                  session, settings, spotify, unknown_to_reccobeats, writer)
from tests.fakes.spotify_api import WRITE_SCOPE

ADD = r"/v1/playlists/[^/]+/items"


@pytest.fixture
def road_trip(account):
    return next(p for p in account.playlists if p.name == "Road Trip")


@pytest.fixture
def suggestions(account, road_trip) -> pd.DataFrame:
    """150 suggestions for Road Trip, best first: 140 new to it, 10 it already holds."""
    holds = [t for _, t in road_trip.items if t.kind == "track" and t.playable]
    elsewhere = [t for t in account.tracks().values() if t.playable and t.id not in set(road_trip.track_ids())]
    picked = holds[:10] + elsewhere[:140]
    return pd.DataFrame({
        "track_id": [t.id for t in picked], "track_name": [t.name for t in picked],
        "artists": [", ".join(n for _, n in t.artists) for t in picked],
        "playlist": "Road Trip", "playlist_id": road_trip.id,
        "score": [1 - i / 200 for i in range(len(picked))], "rank": range(1, len(picked) + 1),
        "already_in_playlist": False})


def ids(suggestions: pd.DataFrame) -> list[Suggestion]:
    return select_suggestions(suggestions, "Road Trip")


def assert_added_once(road_trip, before: list[str], wanted: list[str]):
    counts = Counter(road_trip.track_ids())
    assert all(counts[t] == 1 for t in wanted)
    assert road_trip.track_ids() == before + [t for t in wanted if t not in before]


def test_a_dry_run_shows_what_would_change_and_writes_nothing(client, suggestions, spotify, road_trip):
    plan = plan_export(client, ids(suggestions), "road trip")

    assert plan.playlist_id == road_trip.id and plan.playlist_name == "Road Trip"
    assert len(plan.to_add) == 140 and len(plan.already_there) == 10
    assert not spotify.requests_to(ADD, "POST")


def test_apply_adds_only_missing_tracks_in_batches_of_100_and_logs_each(writer, suggestions, spotify, road_trip):
    before = road_trip.track_ids()
    plan = plan_export(writer, ids(suggestions), road_trip.id)

    result = apply_export(writer, plan)

    posts = spotify.requests_to(ADD, "POST")
    assert [len(r.body) for r in posts] == [100, 40]
    assert_added_once(road_trip, before, [s.track_id for s in plan.to_add])
    assert result.snapshot_ids[-1] == road_trip.snapshot_id and len(result.snapshot_ids) == 2
    logged = ExportLog().entries(road_trip.id)
    assert [len(e["track_ids"]) for e in logged] == [100, 40]
    assert [e["snapshot_id"] for e in logged] == list(result.snapshot_ids)


def test_an_export_interrupted_after_the_first_batch_resumes_with_exactly_the_missing_tracks(
        writer, suggestions, spotify, road_trip):
    before = road_trip.track_ids()
    spotify.fail(ADD, 500, method="POST", skip=1, times=None)

    with pytest.raises(ExportInterrupted, match="added 100 of 140 tracks to 'Road Trip'") as stopped:
        apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))

    assert "running the same export again adds only the rest" in str(stopped.value)
    assert len(spotify.requests_to(ADD, "POST")) == 2  # a failed write is never blindly repeated
    spotify.clear_faults()
    plan = plan_export(writer, ids(suggestions), "Road Trip")
    assert len(plan.to_add) == 40
    apply_export(writer, plan)
    assert_added_once(road_trip, before, [s.track_id for s in ids(suggestions)])


def test_the_log_prevents_a_duplicate_while_spotify_has_not_caught_up(writer, suggestions, spotify, road_trip):
    before = road_trip.track_ids()
    spotify.fail(ADD, 500, method="POST", skip=1)
    with pytest.raises(ExportInterrupted):
        apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))
    written, road_trip.items = road_trip.items[len(before):], road_trip.items[:len(before)]  # a lagging read

    plan = plan_export(writer, ids(suggestions), "Road Trip")
    apply_export(writer, plan)
    road_trip.items[len(before):len(before)] = written  # Spotify catches up

    assert len(plan.to_add) == 40 and len(plan.already_there) == 110
    assert_added_once(road_trip, before, [s.track_id for s in ids(suggestions)])


def test_a_write_whose_answer_was_lost_is_not_duplicated_by_the_rerun(writer, suggestions, spotify, road_trip):
    before = road_trip.track_ids()
    spotify.fail(ADD, 502, method="POST", applied=True)  # Spotify added the tracks, then the answer was lost

    with pytest.raises(ExportInterrupted, match="added 0 of 140"):
        apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))

    apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))
    assert_added_once(road_trip, before, [s.track_id for s in ids(suggestions)])


def test_a_rate_limited_write_is_sent_again_after_waiting(writer, suggestions, spotify, road_trip):
    before = road_trip.track_ids()
    spotify.fail(ADD, 429, method="POST", retry_after=0)

    apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))

    assert [r.status for r in spotify.requests_to(ADD, "POST")] == [429, 201, 201]
    assert_added_once(road_trip, before, [s.track_id for s in ids(suggestions)])


def test_a_new_playlist_is_created_once_even_when_the_first_export_is_interrupted(writer, suggestions, spotify,
                                                                                  account):
    spotify.fail(ADD, 500, method="POST")
    plan = plan_export(writer, ids(suggestions), "Road Trip finds", create=True)
    assert plan.creates_playlist and len(plan.to_add) == 150

    with pytest.raises(ExportInterrupted):
        apply_export(writer, plan)
    again = plan_export(writer, ids(suggestions), "Road Trip finds", create=True)
    result = apply_export(writer, again)

    created = [p for p in account.playlists if p.name == "Road Trip finds"]
    assert len(created) == 1 and not again.creates_playlist and not result.created
    assert sorted(created[0].track_ids()) == sorted(s.track_id for s in ids(suggestions))
    assert len(spotify.requests_to("/v1/me/playlists", "POST")) == 1


def test_writing_without_permission_to_change_playlists_says_how_to_get_it(client, suggestions, road_trip):
    with pytest.raises(ExportInterrupted, match="HTTP 403.*login --write"):
        apply_export(client, plan_export(client, ids(suggestions), "Road Trip"))


def test_an_unknown_playlist_needs_create(client, suggestions):
    with pytest.raises(UserError, match="no playlist of yours is named 'Nope'.*add --create"):
        plan_export(client, ids(suggestions), "Nope")


# ----- which rows are exported ------------------------------------------------------------------
def test_only_accepted_rows_for_the_named_playlist_are_exported_best_first(tmp_path, suggestions):
    frame = pd.concat([suggestions.head(6), suggestions.head(3).assign(playlist="Gym Bangers", playlist_id="g")])
    frame["accepted"] = ["yes", "no", "TRUE", "", "1", "x", "yes", "yes", "yes"]
    frame["rank"] = [5, 6, 1, 2, 3, 4, 1, 2, 3]
    frame["already_in_playlist"] = ["False"] * 5 + ["True"] + ["False"] * 3
    write_csv(frame, tmp_path / "s.csv")

    chosen = select_suggestions(read_suggestions(tmp_path / "s.csv"), "Road Trip")

    rows = suggestions.head(6)["track_id"].tolist()
    assert [s.track_id for s in chosen] == [rows[2], rows[4], rows[0]]


def test_rows_all_for_one_other_playlist_go_to_the_target(suggestions):
    chosen = select_suggestions(suggestions.head(4), "Road Trip finds")
    assert [s.track_id for s in chosen] == suggestions.head(4)["track_id"].tolist()


def test_rows_for_several_other_playlists_are_an_error(suggestions):
    mixed = pd.concat([suggestions.head(2), suggestions.tail(2).assign(playlist="Gym Bangers")])
    with pytest.raises(UserError, match="no suggestions for playlist 'Chill'.*Gym Bangers, Road Trip"):
        select_suggestions(mixed, "Chill")


def test_spreadsheet_escapes_are_removed_and_duplicates_counted_once(tmp_path, suggestions):
    frame = pd.concat([suggestions.head(2), suggestions.head(1)])
    frame["track_name"] = ["=HYPERLINK(1)", "'Til Tuesday", "again"]
    write_csv(frame, tmp_path / "s.csv")

    chosen = select_suggestions(read_suggestions(tmp_path / "s.csv"), "Road Trip")

    assert [s.track_name for s in chosen] == ["=HYPERLINK(1)", "'Til Tuesday"]


def test_a_bad_track_id_names_file_row_and_column(tmp_path, suggestions):
    frame = suggestions.head(3).copy()
    frame.loc[frame.index[1], "track_id"] = "not a track"
    write_csv(frame, tmp_path / "s.csv")
    with pytest.raises(LibraryError, match=r"s\.csv, row 3, column 'track_id': 'not a track' is not a Spotify"):
        select_suggestions(read_suggestions(tmp_path / "s.csv"), "Road Trip", file=str(tmp_path / "s.csv"))


def test_a_misfits_file_exports_the_rows_whose_better_playlist_is_the_target(suggestions):
    misfits = suggestions.head(4).assign(playlist="Gym Bangers", playlist_id="gym-id", rank=[4, 3, 2, 1],
                                         better_playlist=["Road Trip", "Chill Evenings", "Road Trip", "Road Trip"],
                                         better_playlist_id=["rt-id", "ch-id", "rt-id", "rt-id"])

    chosen = select_suggestions(misfits, "road trip")

    rows = misfits["track_id"].tolist()
    assert [s.track_id for s in chosen] == [rows[3], rows[2], rows[0]]
    assert [s.track_id for s in select_suggestions(misfits, "ch-id")] == [rows[1]]
    with pytest.raises(UserError, match="no suggestions for playlist 'Gym Bangers'"):
        select_suggestions(misfits, "Gym Bangers")  # the playlist they are in now is not a target


def test_every_log_entry_gets_its_own_id_and_a_removed_track_is_no_longer_counted_as_added(tmp_path):
    log = ExportLog(tmp_path / "log.jsonl")
    added = log.record("added", "p", "P", track_ids=["a", "b"], snapshot_id="s1")
    removed = log.record("removed", "p", "P", tracks=[{"track_id": "a", "positions": [0]}], snapshot_id="s2")

    assert added.startswith("a-") and removed.startswith("r-") and added[2:] != removed[2:]
    assert [e["entry"] for e in log.entries()] == [added, removed]
    assert log.recently_added("p") == {"b"}


def test_a_file_without_a_track_id_column_is_refused(tmp_path):
    (tmp_path / "s.csv").write_text("name,playlist\nx,y\n")
    with pytest.raises(LibraryError, match="column 'track_id'"):
        read_suggestions(tmp_path / "s.csv")


# ----- the command line ----------------------------------------------------------------------------
def test_cli_export_is_a_dry_run_until_apply(spotify, reccobeats, suggestions, road_trip, tmp_path):
    write_csv(suggestions, tmp_path / "suggestions.csv")
    token = spotify.grant(WRITE_SCOPE)["access_token"]
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=token)
    before = road_trip.track_ids()
    command = ("export", "--suggestions", str(tmp_path / "suggestions.csv"), "--playlist", "Road Trip")

    dry = run_cli(*command, env=env, cwd=tmp_path)

    assert dry.returncode == 0, dry.stderr
    assert "140 track(s) to add to 'Road Trip'; 10 already there" in dry.stdout
    assert "Dry run: nothing changed" in dry.stdout
    assert road_trip.track_ids() == before and not spotify.requests_to(ADD, "POST")

    applied = run_cli(*command, "--apply", env=env, cwd=tmp_path)

    assert applied.returncode == 0, applied.stderr
    assert f"Added 140 track(s) to 'Road Trip' ({road_trip.id}); snapshot {road_trip.snapshot_id}" in applied.stdout
    assert len(road_trip.track_ids()) == len(before) + 140 == len(set(road_trip.track_ids()))
    assert token not in applied.stdout + applied.stderr + dry.stderr


def test_a_folder_or_a_named_pipe_given_as_the_suggestions_file_is_refused_without_reading_it(tmp_path):
    import os
    pipe = tmp_path / "suggestions.csv"
    os.mkfifo(pipe)                                   # reading it would wait forever for a writer
    for path in (tmp_path, pipe):
        with pytest.raises(LibraryError, match="not a regular file"):
            read_suggestions(path)


# ----- the target playlist disappearing, and interruptions on the command line ----------------------
def test_a_target_playlist_deleted_after_the_preview_is_named_and_nothing_is_written(writer, suggestions, spotify,
                                                                                     account, road_trip):
    plan = plan_export(writer, ids(suggestions), "Road Trip")
    account.playlists.remove(road_trip)  # deleted in another app while the preview was open

    with pytest.raises(PlaylistGone, match="the playlist 'Road Trip' is not on Spotify any more.*--create"):
        apply_export(writer, plan)

    assert not spotify.requests_to(ADD, "POST")


def test_a_target_playlist_deleted_while_planning_is_named(client, suggestions, spotify, road_trip):
    spotify.delete_when_listed(road_trip.id)

    with pytest.raises(PlaylistGone, match="'Road Trip' is not on Spotify any more"):
        plan_export(client, ids(suggestions), "Road Trip")


def test_a_target_playlist_deleted_between_batches_stops_the_export_naming_it(writer, suggestions, spotify,
                                                                             road_trip):
    spotify.fail(ADD, 404, method="POST", skip=1, times=None)

    with pytest.raises(ExportInterrupted, match="added 100 of 140 tracks to 'Road Trip', then: the playlist "
                                                "'Road Trip' is not on Spotify any more") as stopped:
        apply_export(writer, plan_export(writer, ids(suggestions), "Road Trip"))

    assert len(stopped.value.added) == 100 and len(stopped.value.left) == 40


def export_command(tmp_path, suggestions, *extra: str) -> tuple[str, ...]:
    write_csv(suggestions, tmp_path / "suggestions.csv")
    return ("export", "--suggestions", str(tmp_path / "suggestions.csv"), "--playlist", "Road Trip", *extra)


def test_cli_export_to_a_playlist_deleted_meanwhile_is_one_line_naming_it(spotify, reccobeats, suggestions,
                                                                          road_trip, tmp_path):
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=spotify.grant()["access_token"])
    spotify.delete_when_listed(road_trip.id)

    done = run_cli(*export_command(tmp_path, suggestions), env=env, cwd=tmp_path)

    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [f"error: {PlaylistGone('Road Trip')}"]


def test_cli_export_with_a_folder_as_the_suggestions_file_is_one_line(spotify, reccobeats, tmp_path):
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=spotify.grant()["access_token"])

    done = run_cli("export", "--suggestions", str(tmp_path), "--playlist", "Road Trip", env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {tmp_path}: not a regular file (a suggestions CSV written by "
                                        "'suggest' is expected)"]
    assert not spotify.requests, "nothing is asked of Spotify for a file that cannot be read"


def added_and_left(stdout: str) -> Counter:
    return Counter(line.split()[0] for line in stdout.splitlines() if line.startswith("  "))


def test_cli_export_interrupted_by_spotify_prints_what_was_added_and_what_is_left(spotify, reccobeats, suggestions,
                                                                                  road_trip, tmp_path):
    token = spotify.grant(WRITE_SCOPE)["access_token"]
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=token)
    spotify.fail(ADD, 503, method="POST", skip=1, times=None)

    done = run_cli(*export_command(tmp_path, suggestions, "--apply"), env=env, cwd=tmp_path)

    assert done.returncode == 2
    assert "140 track(s) to add to 'Road Trip'; 10 already there" in done.stdout
    assert added_and_left(done.stdout) == {"added": 100, "left": 40}
    assert "Stopped after adding 100 of 140 track(s); 40 left. Run the same command again to add the rest." \
        in done.stdout
    assert done.stderr.splitlines()[-1].startswith("error: added 100 of 140 tracks to 'Road Trip', then: Spotify is "
                                                   "not answering properly")


def test_cli_export_stopped_with_ctrl_c_prints_what_was_added_and_what_is_left(spotify, reccobeats, suggestions,
                                                                               road_trip, tmp_path):
    token = spotify.grant(WRITE_SCOPE)["access_token"]
    env = cli_env(spotify, reccobeats, tmp_path / "data", SPOTIFY_ACCESS_TOKEN=token)
    spotify.fail(ADD, None, method="POST", skip=1, delay=60)  # the second batch hangs until Ctrl-C
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "PLAYLIST_ENHANCER_"))}
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *export_command(tmp_path, suggestions, "--apply")],
                               cwd=tmp_path, env={**base, "PYTHONPATH": str(REPO), "HOME": str(tmp_path), **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        while len(spotify.requests_to(ADD, "POST")) < 2 and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()

    assert process.returncode == 130, stderr
    assert added_and_left(stdout) == {"added": 100, "left": 40}
    assert "Run the same command again to add the rest." in stdout
    assert stderr.splitlines()[-1] == "interrupted" and "Traceback" not in stderr
