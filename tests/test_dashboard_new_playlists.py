"""The New playlists page (Streamlit AppTest): leftover liked songs grouped into proposed playlists."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard import picks_store
from dashboard.suggestion_picks import PICKED_SUGGESTIONS
from pipeline.discover import DEFAULT_MIN_PRECISION
from pipeline.library import AUDIO_FEATURES, Library, build_library
from pipeline.sources.native import save_library
from pipeline.spotify.export import read_suggestions, select_suggestions
from tests.test_dashboard_apptest import chart, fresh_server, open_app, small_library, wait_until  # noqa: F401
from tests.test_dashboard_misfits import downloaded, downloads, with_spotify_ids  # noqa: F401
from tests.test_discover import library_with_two_kinds_of_unfiled_songs

FOLK = 20


def small_library_with_a_folk_corner(seed: int = 1) -> Library:
    """`small_library` and twenty liked songs in none of its playlists: late-90s indie folk, alike in every
    feature and halfway between the playlists' sound, so no playlist claims them."""
    library = small_library()
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(FOLK):
        features = {f: float(np.clip(rng.normal(0.5, 0.03), 0, 1)) for f in AUDIO_FEATURES}
        features.update(energy=float(rng.normal(0.6, 0.03)), valence=float(rng.normal(0.55, 0.03)), key=5.0,
                        mode=1.0, tempo=float(rng.normal(120, 2)), loudness=float(rng.normal(-8, 0.3)),
                        duration_ms=float(rng.normal(2e5, 3e3)))
        rows.append({"track_id": f"folk{i:03d}", "name": f"Folk song {i}", "artists": "Folk band",
                     "genres": "indie folk", "release_date": "1997-05-01", **features})
    folk = build_library(pd.DataFrame(rows), pd.DataFrame(columns=["playlist_id", "playlist_name", "track_id"]),
                         pd.DataFrame({"track_id": [r["track_id"] for r in rows], "added_at": "2023-01-01"}), "folk")
    return with_spotify_ids(replace(library, tracks=pd.concat([library.tracks, folk.tracks]),
                                    liked=pd.concat([library.liked, folk.liked], ignore_index=True)))


@pytest.fixture(scope="module")
def folk_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("folk") / "library"
    save_library(small_library_with_a_folk_corner(), folder)
    return folder


@pytest.fixture(scope="module")
def everything_fits_folder(tmp_path_factory):
    """Two playlists and liked songs that all score high enough for one of them."""
    folder = tmp_path_factory.mktemp("fits") / "library"
    save_library(library_with_two_kinds_of_unfiled_songs(), folder)
    return folder


ASKED = 85
"""The precision the tests ask for: on the folk library, 80% still lets the model claim some folk songs."""


def proposals_page(folder, precision: int = ASKED):
    at = open_app("new_playlists", path=folder, model="logreg")
    at.slider(key="discover_min_precision").set_value(precision).run()
    at.button(key="discover_run").click().run()
    return wait_until(at, lambda at: at.metric)


def folk_ids() -> set[str]:
    return {f"folk{i:03d}".ljust(22, "0") for i in range(FOLK)}


def drop(at, number: int, rows: list[int]):
    """Untick Keep on the song list's rows, as a click in the browser does."""
    key = f"proposal_songs:{number}"
    at.session_state[key] = {"edited_rows": {i: {"keep": False} for i in rows}, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_leftover_songs_become_a_named_proposal_with_its_sound_and_typical_songs(folk_folder):
    at = open_app("new_playlists", path=folk_folder, model="logreg")
    assert at.slider(key="discover_min_precision").value == DEFAULT_MIN_PRECISION * 100
    assert at.button(key="discover_run"), "offers to compute first"

    at = proposals_page(folk_folder)

    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Leftover songs"]) >= FOLK and int(metrics["Grouped"]) >= FOLK
    names = [t.value for t in at.text_input if (t.key or "").startswith("proposal_name:")]
    assert "Late-90s indie folk" in names
    number = 1 + names.index("Late-90s indie folk")
    listed = next(e for e in at.data_editor if e.key == f"proposal_songs:{number}").value
    assert set(listed["track_id"]) == folk_ids() and listed["keep"].all()
    folk_names = {f"Folk song {i}" for i in range(FOLK)}
    typical = [d.value for d in at.dataframe if list(d.value.columns) == ["track_name", "artists"]
               and set(d.value["track_name"]) <= folk_names]
    assert len(typical) == 1 and len(typical[0]) == 5, "its five most typical songs"
    assert list(typical[0]["track_name"]) == list(listed["track_name"][:5]), "the first in its song list"
    spec = chart(at, f"proposal_chart:{number}")
    traces = [trace["name"] for trace in spec["data"]]
    assert traces[-1] == "Late-90s indie folk (proposed)" and len(traces) == 4, "beside the three closest playlists"
    assert set(traces[:-1]) <= {"Workout", "Chill", "Jazz", "Party"}


def test_a_renamed_proposal_with_dropped_songs_downloads_under_its_new_name_without_them(folk_folder, downloads,
                                                                                         tmp_path):
    at = proposals_page(folk_folder)
    at.text_input(key="proposal_name:1").set_value("Folk corner").run()
    listed = next(e for e in at.data_editor if e.key == "proposal_songs:1").value
    dropped = set(listed["track_id"].iloc[[0, 3]])
    at = drop(at, 1, [0, 3])
    assert any(c.value.startswith(f"{len(listed) - 2} of {len(listed)} songs") for c in at.caption)

    name, data = downloaded(at, "proposal_download:1", downloads)
    path = tmp_path / name
    path.write_bytes(data)
    frame = read_suggestions(path)

    assert name == "new-playlist-folk-corner.csv"
    assert set(frame["playlist"]) == {"Folk corner"}
    assert set(frame["track_id"]) == set(listed["track_id"]) - dropped
    assert [s.track_id for s in select_suggestions(frame, "Folk corner")] == \
        [t for t in listed["track_id"] if t not in dropped], "most typical first"

    reloaded = open_app("new_playlists", path=folk_folder, model="logreg")  # a new browser session
    reloaded.slider(key="discover_min_precision").set_value(ASKED).run()
    assert not reloaded.exception
    assert reloaded.text_input(key="proposal_name:1").value == "Folk corner"
    kept = next(e for e in reloaded.data_editor if e.key == "proposal_songs:1").value
    assert set(kept.loc[~kept["keep"], "track_id"]) == dropped


def test_create_on_spotify_hands_the_edited_playlist_over_to_be_created(folk_folder, monkeypatch):
    for variable in ("SPOTIFY_CLIENT_ID", "SPOTIFY_ACCESS_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    at = proposals_page(folk_folder)
    at.text_input(key="proposal_name:1").set_value("Folk corner").run()
    at = drop(at, 1, [1])

    at.button(key="proposal_spotify:1").click().run()

    assert not at.exception and at.title[0].value == "Spotify"
    handed = at.session_state[PICKED_SUGGESTIONS]
    assert handed["create"] is True and handed["playlists"] == ["Folk corner"]
    assert handed["from_page"] == "new_playlists"
    rows = pd.read_csv(io.BytesIO(handed["csv"]))
    assert handed["songs"] == len(rows) and set(rows["playlist"]) == {"Folk corner"}
    assert picks_store.read_handed_over()["create"] is True


def test_a_name_one_of_your_playlists_has_warns_and_is_not_created(folk_folder):
    at = proposals_page(folk_folder)
    at.text_input(key="proposal_name:1").set_value("chill ").run()

    assert any("You already have a playlist named 'chill'" in w.value for w in at.warning)
    assert at.button(key="proposal_spotify:1").disabled
    at.text_input(key="proposal_name:1").set_value("  ").run()
    assert any("Give the playlist a name first" in w.value for w in at.warning)
    assert next(b for b in at.get("download_button") if b.key == "proposal_download:1").proto.disabled


def test_a_library_where_every_liked_song_fits_proposes_nothing_and_says_so_as_good_news(everything_fits_folder):
    at = proposals_page(everything_fits_folder, round(DEFAULT_MIN_PRECISION * 100))

    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Leftover songs"] == "0"
    assert any("Good news: every liked song fits one of your playlists" in s.value for s in at.success)
    assert not [t for t in at.text_input if (t.key or "").startswith("proposal_name:")]


def test_every_page_opens_without_an_exception(folk_folder):
    at = open_app(path=folk_folder, model="logreg")
    for page in ("library", "train", "compare", "suggestions", "misfits", "new_playlists"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
    assert json.dumps([t.value for t in at.title]) == '["New playlists"]'
