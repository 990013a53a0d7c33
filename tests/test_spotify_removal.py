"""Moving misfits out of their old playlist: confirmed, logged, undone to the exact item, on the command line too."""

from __future__ import annotations

import io
import json
import os
import random
import stat

import pandas as pd
import pytest

from pipeline.__main__ import main
from pipeline.csv_export import write_csv
from pipeline.errors import UserError
from pipeline.misfits import COLUMNS as MISFIT_COLUMNS
from pipeline.spotify.export import ExportLog, Suggestion
from pipeline.spotify.removal import (RemovalInterrupted, UndoInterrupted, apply_removal, plan_removal,
                                      undo_removal)
from tests.fakes.fixtures import (account, cli_env, client, private_data_dir, reccobeats, session, settings,
                                  spotify, unknown_to_reccobeats, writer)
from tests.fakes.spotify_account import make_track
from tests.fakes.spotify_api import WRITE_SCOPE

ITEMS = r"/v1/playlists/[^/]+/items"


@pytest.fixture
def gym(account):
    """Gym Bangers (80 tracks and a podcast episode at 60), with its 6th track in it a second time, at 31."""
    playlist = next(p for p in account.playlists if p.name == "Gym Bangers")
    playlist.items.insert(30, playlist.items[5])
    return playlist


@pytest.fixture
def chill(account):
    return next(p for p in account.playlists if p.name == "Chill Evenings")


def entries_of(playlist) -> list[str]:
    """The playlist as the user sees it: every entry, in order (local files and episodes included)."""
    return [track.id for _, track in playlist.items]


def picked(playlist, *positions: int) -> list[Suggestion]:
    tracks = [playlist.items[p][1] for p in positions]
    return [Suggestion(t.id, t.name, ", ".join(n for _, n in t.artists)) for t in tracks]


def writes(spotify) -> list:
    return [r for r in spotify.requests if r.method != "GET"]


# ----- confirmation -------------------------------------------------------------------------------
def test_removal_without_the_playlist_name_as_confirmation_sends_nothing_and_changes_nothing(writer, spotify, gym):
    plan = plan_removal(writer, picked(gym, 0, 5, 12), "gym bangers")
    before, requests = entries_of(gym), len(spotify.requests)

    for answer in ("", "yes", "Road Trip", "Gym", "Gym Bangers!"):
        with pytest.raises(UserError, match=f"is not the playlist's name 'Gym Bangers': nothing was removed"):
            apply_removal(writer, plan, confirmation=answer)

    assert len(spotify.requests) == requests, "not even a read was sent"
    assert entries_of(gym) == before and ExportLog().entries() == []
    assert plan.confirmation == "Gym Bangers"


def test_the_plan_lists_every_position_of_each_track_and_the_ones_not_there(client, gym, chill):
    plan = plan_removal(client, picked(gym, 0, 5) + picked(chill, 0), "Gym Bangers")

    assert [(i.track_id, i.positions) for i in plan.items] == [(gym.items[0][1].id, (0,)),
                                                               (gym.items[5][1].id, (5, 30))]
    assert [s.track_id for s in plan.not_there] == [chill.items[0][1].id]
    assert plan.snapshot_id == gym.snapshot_id


# ----- removing and undoing -------------------------------------------------------------------------
def test_a_removal_then_its_undo_gives_back_the_exact_items_in_the_exact_order(writer, spotify, gym):
    before, last = entries_of(gym), len(gym.items) - 1
    plan = plan_removal(writer, picked(gym, 0, 5, 10, 11, last), "Gym Bangers")
    snapshot = gym.snapshot_id

    result = apply_removal(writer, plan, confirmation="  gym BANGERS ")

    removed = {item.track_id for item in plan.items}
    assert not removed & set(entries_of(gym)) and len(gym.items) == len(before) - 6
    assert [r.body["snapshot_id"] for r in spotify.requests_to(ITEMS, "DELETE")] == [snapshot]
    assert result.entry.startswith("r-") and result.snapshot_id == gym.snapshot_id and not result.replanned
    assert result.undo_command == f"python -m pipeline export --undo {result.entry}"
    (logged,) = ExportLog().entries()
    assert logged["event"] == "removed" and logged["entry"] == result.entry and logged["complete"]
    assert logged["snapshot_id"] == gym.snapshot_id and logged["playlist_name"] == "Gym Bangers"
    assert [(t["track_id"], t["positions"]) for t in logged["tracks"]] == [(i.track_id, list(i.positions))
                                                                            for i in plan.items]

    undone = undo_removal(writer, result.entry)

    assert entries_of(gym) == before
    adds = spotify.requests_to(ITEMS, "POST")
    assert [(r.query["position"], len(r.body)) for r in adds] == [("0", 1), ("5", 1), ("10", 2), ("30", 1),
                                                                  (str(last), 1)]
    assert undone.removal == result.entry and undone.already_back == 0 and not undone.playlist_changed
    assert ExportLog().entries()[-1] | {"at": None} == {
        "at": None, "event": "undone", "entry": undone.entry, "playlist_id": gym.id, "playlist_name": "Gym Bangers",
        "undoes": result.entry, "snapshot_id": gym.snapshot_id, "complete": True,
        "put_back": [{"position": p, "track_id": t} for p, t in undone.put_back]}


def test_the_log_names_each_removed_track_so_a_person_can_read_it(writer, gym):
    song = gym.items[3][1]

    apply_removal(writer, plan_removal(writer, picked(gym, 3), "Gym Bangers"), confirmation="Gym Bangers")

    (track,) = ExportLog().entries()[0]["tracks"]
    assert track == {"track_id": song.id, "track_name": song.name,
                     "artists": ", ".join(n for _, n in song.artists), "positions": [3]}


def test_a_second_undo_is_refused_and_changes_nothing(writer, spotify, gym):
    result = apply_removal(writer, plan_removal(writer, picked(gym, 2), "Gym Bangers"), confirmation="Gym Bangers")
    undo_removal(writer, result.entry)
    before, requests = entries_of(gym), len(spotify.requests)

    with pytest.raises(UserError, match=f"the removal {result.entry} from 'Gym Bangers' was already undone"):
        undo_removal(writer, result.entry)

    assert entries_of(gym) == before and len(spotify.requests) == requests


def test_an_unknown_entry_id_is_named_and_recent_removals_are_listed(writer, gym):
    result = apply_removal(writer, plan_removal(writer, picked(gym, 2), "Gym Bangers"), confirmation="Gym Bangers")

    with pytest.raises(UserError, match=rf"'r-00000000' is not in the log .*recent removals: {result.entry}$"):
        undo_removal(writer, "r-00000000")


def test_an_entry_that_is_not_a_removal_cannot_be_undone(writer, gym):
    ExportLog().record("added", gym.id, gym.name, track_ids=["x"], snapshot_id="s")
    added = ExportLog().entries()[0]["entry"]

    with pytest.raises(UserError, match=f"'{added}' is a log entry of 'added', not a removal"):
        undo_removal(writer, added)


def test_old_log_entries_without_an_id_stay_readable(writer, gym, private_data_dir):
    private_data_dir.mkdir(parents=True, exist_ok=True)
    (private_data_dir / "spotify-exports.jsonl").write_text(json.dumps(
        {"at": "2020-01-01T00:00:00+00:00", "event": "added", "playlist_id": gym.id, "playlist_name": gym.name,
         "track_ids": ["x"], "snapshot_id": "s"}) + "\n")
    result = apply_removal(writer, plan_removal(writer, picked(gym, 2), "Gym Bangers"), confirmation="Gym Bangers")

    undo_removal(writer, result.entry)
    assert [e.get("entry", "")[:2] for e in ExportLog().entries()] == ["", "r-", "u-"]


# ----- the playlist changing meanwhile ---------------------------------------------------------------
def test_a_playlist_changed_between_plan_and_apply_is_planned_again_from_what_is_there(writer, spotify, gym,
                                                                                       account):
    plan = plan_removal(writer, picked(gym, 4, 9, 20), "Gym Bangers")
    gym.items.insert(0, ("2026-02-01T00:00:00Z", make_track(random.Random(1), "new", [("a", "A")])))
    del gym.items[10]  # the track planned at 9, now at 10, removed in another app
    gym.version += 2
    at_apply = entries_of(gym)

    result = apply_removal(writer, plan, confirmation="Gym Bangers")

    assert result.replanned
    assert [(i.track_id, i.positions) for i in result.removed] == [(plan.items[0].track_id, (5,)),
                                                                   (plan.items[2].track_id, (20,))]
    assert [s.track_id for s in result.plan.not_there] == [plan.items[1].track_id]
    assert spotify.requests_to(ITEMS, "DELETE")[0].body["snapshot_id"] == gym.snapshot_ids()[-2]
    undo_removal(writer, result.entry)
    assert entries_of(gym) == at_apply


def test_undo_after_the_playlist_changed_says_so_and_keeps_the_new_tracks(writer, gym):
    result = apply_removal(writer, plan_removal(writer, picked(gym, 3, 40), "Gym Bangers"), confirmation="Gym Bangers")
    newcomer = gym.items.pop()  # the user removed the last track after our removal
    gym.version += 1

    undone = undo_removal(writer, result.entry)

    assert undone.playlist_changed and newcomer[1].id not in entries_of(gym)
    assert [p for p, _ in undone.put_back] == [3, 40]


def test_a_playlist_deleted_after_the_plan_is_named_and_nothing_is_logged(writer, spotify, gym, account):
    plan = plan_removal(writer, picked(gym, 3), "Gym Bangers")
    account.playlists.remove(gym)

    with pytest.raises(RemovalInterrupted, match="removed 0 of 1 track.*'Gym Bangers' is not on Spotify any more.*"
                                                 "nothing was changed"):
        apply_removal(writer, plan, confirmation="Gym Bangers")

    assert not spotify.requests_to(ITEMS, "DELETE") and ExportLog().entries() == []


# ----- Spotify failing midway ------------------------------------------------------------------------
def test_a_5xx_mid_removal_logs_what_was_removed_and_what_may_have_been_and_undo_restores_it(writer, spotify,
                                                                                              chill):
    before = entries_of(chill)
    tracks = [p for p, (_, t) in enumerate(chill.items) if t.kind == "track"][:110]
    plan = plan_removal(writer, picked(chill, *tracks), "Chill Evenings")
    spotify.fail(ITEMS, 503, method="DELETE", skip=1, times=None)

    with pytest.raises(RemovalInterrupted, match=r"removed 100 of 110 track\(s\) from 'Chill Evenings' \(10 more may "
                                                 r"have been: Spotify's answer was lost\), then: Spotify is not "
                                                 r"answering.*log entry r-\w+ records what was removed") as stopped:
        apply_removal(writer, plan, confirmation="Chill Evenings")

    (logged,) = ExportLog().entries()
    assert logged["entry"] == stopped.value.entry and not logged["complete"]
    assert len(logged["tracks"]) == 100 and len(logged["maybe_removed"]) == 10 and logged["not_removed"] == []
    assert len(entries_of(chill)) == len(before) - 100, "the last batch was not applied"
    spotify.clear_faults()

    undo_removal(writer, stopped.value.entry)
    assert entries_of(chill) == before, "tracks never removed are not added a second time"


def test_a_rate_limit_mid_removal_logs_only_what_was_removed(writer, spotify, chill):
    tracks = [p for p, (_, t) in enumerate(chill.items) if t.kind == "track"][:110]
    plan = plan_removal(writer, picked(chill, *tracks), "Chill Evenings")
    spotify.fail(ITEMS, 429, method="DELETE", skip=1, times=None, retry_after=3600)

    with pytest.raises(RemovalInterrupted, match=r"removed 100 of 110 track\(s\) from 'Chill Evenings', then: "
                                                 r"Spotify asks us to wait"):
        apply_removal(writer, plan, confirmation="Chill Evenings")

    (logged,) = ExportLog().entries()
    assert len(logged["tracks"]) == 100 and logged["maybe_removed"] == [] and len(logged["not_removed"]) == 10


def test_a_first_request_refused_for_lack_of_permission_removes_and_logs_nothing(client, spotify, gym):
    before = entries_of(gym)
    plan = plan_removal(client, picked(gym, 3), "Gym Bangers")  # read-only login

    with pytest.raises(RemovalInterrupted, match="removed 0 of 1 .*HTTP 403.*login --write.*nothing was changed"):
        apply_removal(client, plan, confirmation="Gym Bangers")

    assert entries_of(gym) == before and ExportLog().entries() == []


def test_an_expired_token_mid_removal_is_refreshed_and_the_removal_completes(writer, spotify, gym):
    plan = plan_removal(writer, picked(gym, 3), "Gym Bangers")
    spotify.expire_access_tokens(after_requests=3)  # the re-read (3 requests) passes; the DELETE meets a 401

    result = apply_removal(writer, plan, confirmation="Gym Bangers")

    assert [r.status for r in spotify.requests_to(ITEMS, "DELETE")] == [401, 200]
    assert result.entry and plan.items[0].track_id not in entries_of(gym)


def test_a_5xx_mid_undo_leaves_a_partial_entry_and_the_rerun_puts_back_only_the_rest(writer, spotify, gym):
    before = entries_of(gym)
    result = apply_removal(writer, plan_removal(writer, picked(gym, 1, 20, 40, 70), "Gym Bangers"),
                           confirmation="Gym Bangers")
    spotify.fail(ITEMS, 502, method="POST", skip=1, applied=True)  # the 2nd insertion happens; its answer is lost

    with pytest.raises(UndoInterrupted, match=r"put back 1 of 4 track\(s\) into 'Gym Bangers', then: Spotify is not "
                                              rf"answering.*'python -m pipeline export --undo {result.entry}' again"):
        undo_removal(writer, result.entry)

    partial = ExportLog().entries()[-1]
    assert partial["event"] == "undone" and not partial["complete"] and len(partial["put_back"]) == 1
    undone = undo_removal(writer, result.entry)
    assert entries_of(gym) == before
    assert undone.already_back == 2 and [p for p, _ in undone.put_back] == [40, 70]


def test_a_rate_limit_mid_undo_stops_it_and_the_rerun_finishes(writer, spotify, gym):
    before = entries_of(gym)
    result = apply_removal(writer, plan_removal(writer, picked(gym, 1, 20), "Gym Bangers"), confirmation="Gym Bangers")
    spotify.fail(ITEMS, 429, method="POST", skip=1, retry_after=3600)

    with pytest.raises(UndoInterrupted, match=r"put back 1 of 2 track\(s\) into 'Gym Bangers', then: Spotify asks us "
                                              "to wait 60 minutes"):
        undo_removal(writer, result.entry)

    assert undo_removal(writer, result.entry).already_back == 1 and entries_of(gym) == before


def test_secrets_never_reach_the_log_and_the_log_is_private(writer, spotify, gym, settings):
    result = apply_removal(writer, plan_removal(writer, picked(gym, 1, 2), "Gym Bangers"), confirmation="Gym Bangers")
    undo_removal(writer, result.entry)

    path = ExportLog().path
    text = path.read_text()
    assert spotify.issued and not any(secret in text for secret in spotify.issued)
    assert "Bearer" not in text and settings.client_id not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ----- the command line ---------------------------------------------------------------------------
@pytest.fixture
def cli(spotify, reccobeats, tmp_path, monkeypatch, private_data_dir, capsys):
    """``main([...])`` pointed at the fakes with a login allowed to change playlists; returns (code, stdout, stderr)."""
    env = cli_env(spotify, reccobeats, private_data_dir, SPOTIFY_ACCESS_TOKEN=spotify.grant(WRITE_SCOPE)["access_token"])
    for name in [n for n in os.environ if n.startswith(("SPOTIFY_", "SPOTIPY_"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no secrets.toml of the repository or the user

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


@pytest.fixture
def misfits_csv(tmp_path, gym, account) -> str:
    """Three songs of Gym Bangers (one of them twice in it) that fit Road Trip better."""
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    songs = [gym.items[p][1] for p in (5, 8, 50)]
    frame = pd.DataFrame({
        "rank": [1, 2, 3], "track_id": [t.id for t in songs], "track_name": [t.name for t in songs],
        "artists": [", ".join(n for _, n in t.artists) for t in songs], "playlist": gym.name, "playlist_id": gym.id,
        "score_here": 0.1, "better_playlist": road_trip.name, "better_playlist_id": road_trip.id,
        "score_there": 0.8, "margin": 0.7}).reindex(columns=MISFIT_COLUMNS, fill_value="")
    write_csv(frame, tmp_path / "misfits.csv")
    return str(tmp_path / "misfits.csv")


def move(misfits_csv: str, *extra: str) -> tuple[str, ...]:
    return ("export", "--suggestions", misfits_csv, "--playlist", "Road Trip", "--remove-from-old", *extra)


def test_cli_dry_run_shows_the_add_and_the_removal_and_changes_nothing(cli, misfits_csv, spotify, gym):
    before = entries_of(gym)

    code, out, err = cli(*move(misfits_csv))

    assert code == 0, err
    assert "3 track(s) to add to 'Road Trip'; 0 already there" in out
    assert "3 track(s) to remove from 'Gym Bangers' (now in 'Road Trip'); 0 not in it any more" in out
    assert f"  - {gym.items[5][1].name}" in out and "(position 6, 31)" in out
    assert "Dry run: nothing removed." in out
    assert not writes(spotify) and entries_of(gym) == before and ExportLog().entries() == []


def test_cli_off_a_terminal_without_confirm_refuses_before_anything_is_written(cli, misfits_csv, spotify):
    code, out, err = cli(*move(misfits_csv, "--apply"))

    assert code == 2
    assert err.splitlines() == ["error: removing songs from a playlist needs its name confirmed, and this is not a "
                                "terminal to ask on: add --confirm 'Gym Bangers' (nothing was added or removed)"]
    assert not writes(spotify) and ExportLog().entries() == []


@pytest.mark.parametrize("extra, message", [
    (("--confirm", "Gym Banger"), "error: --confirm 'Gym Banger' names no playlist these moves take songs out of "
                                  "(they are: 'Gym Bangers'; nothing was added or removed)"),
    (("--apply", "--confirm", "Gym Bangers", "--confirm", "Gym"), "error: --confirm 'Gym' names no playlist these "
     "moves take songs out of (they are: 'Gym Bangers'; nothing was added or removed)")])
def test_cli_a_confirm_naming_no_playlist_of_the_moves_is_refused_before_anything_is_written(cli, misfits_csv,
                                                                                          spotify, extra, message):
    code, out, err = cli(*move(misfits_csv, *extra))

    assert code == 2 and err.splitlines() == [message]
    assert not writes(spotify) and ExportLog().entries() == []


def test_cli_confirm_without_remove_from_old_is_refused(cli, misfits_csv, spotify):
    code, out, err = cli("export", "--suggestions", misfits_csv, "--playlist", "Road Trip", "--apply",
                         "--confirm", "Gym Bangers")

    assert code == 2 and "only --remove-from-old does" in err
    assert not writes(spotify) and ExportLog().entries() == []


def test_cli_moves_with_confirm_prints_the_undo_command_and_undo_puts_them_back(cli, misfits_csv, spotify, gym,
                                                                              account):
    before = entries_of(gym)
    road_trip = next(p for p in account.playlists if p.name == "Road Trip")
    moved = {gym.items[p][1].id for p in (5, 8, 50)}

    code, out, err = cli(*move(misfits_csv, "--apply", "--confirm", "gym bangers"))

    assert code == 0, err
    assert moved <= set(road_trip.track_ids()) and not moved & set(entries_of(gym))
    (removal,) = [e for e in ExportLog().entries() if e["event"] == "removed"]
    assert f"Removed 3 track(s) from 'Gym Bangers'; snapshot {gym.snapshot_id}; log entry {removal['entry']}" in out
    assert f"To put them back: python -m pipeline export --undo {removal['entry']}" in out

    code, out, err = cli("export", "--undo", removal["entry"])

    assert code == 0, err
    assert entries_of(gym) == before
    assert "Put back 4 track(s) into 'Gym Bangers' at their old positions" in out
    code, _, err = cli("export", "--undo", removal["entry"])
    assert code == 2 and "already undone" in err


def test_cli_on_a_terminal_asks_for_the_name_and_a_wrong_one_removes_nothing(cli, misfits_csv, spotify, gym,
                                                                           monkeypatch):
    before = entries_of(gym)
    monkeypatch.setattr("sys.stdin", Terminal("Gym\n"))

    code, out, err = cli(*move(misfits_csv, "--apply"))

    assert code == 2 and "Type the playlist name 'Gym Bangers' to remove 3 track(s) from it:" in out
    assert errors(err) == ["error: 'Gym' is not the playlist's name 'Gym Bangers': nothing was removed from it "
                                "(type the name as shown to confirm)"]
    assert entries_of(gym) == before and not spotify.requests_to(ITEMS, "DELETE")

    monkeypatch.setattr("sys.stdin", Terminal("Gym Bangers\n"))
    code, out, err = cli(*move(misfits_csv, "--apply"))
    assert code == 0, err
    assert "Removed 3 track(s) from 'Gym Bangers'" in out


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("[")]  # not the progress lines


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_remove_from_old_needs_a_misfits_file(cli, tmp_path, spotify, gym):
    write_csv(pd.DataFrame({"track_id": [gym.items[1][1].id], "playlist": ["Road Trip"]}), tmp_path / "s.csv")

    code, _, err = cli("export", "--suggestions", str(tmp_path / "s.csv"), "--playlist", "Road Trip",
                       "--remove-from-old")

    assert code == 2 and "--remove-from-old needs a misfits file" in err and not spotify.requests


def test_cli_export_needs_suggestions_or_undo_and_suggestions_need_a_playlist(cli, misfits_csv, capsys):
    with pytest.raises(SystemExit) as rejected:
        main(["export"])
    assert rejected.value.code == 2 and "one of the arguments --suggestions --undo is required" in capsys.readouterr().err

    code, _, err = cli("export", "--suggestions", misfits_csv)
    assert code == 2 and "needs --playlist" in err
