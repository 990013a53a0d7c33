"""The Library page and the shared sidebar, as a user drives them (Streamlit AppTest)."""

import json

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard import charts
from dashboard.library_views import playlist_order
from pipeline.baseline import DEFINITION, library_baseline
from pipeline.sources.demo import demo_library
from tests.test_dashboard_apptest import APP, chart, fresh_server, metric, wait_until  # noqa: F401


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def bar_names(trace: dict) -> list[str]:
    """The playlist names along a bar chart's category axis, whichever way the bars lie."""
    return trace["y"] if trace.get("orientation") == "h" else trace["x"]


def use_path(at: AppTest, path) -> AppTest:
    at.sidebar.radio(key="source").set_value("path").run()
    return at.sidebar.text_input(key="path").set_value(str(path)).run()


def with_nothing_left_out(at: AppTest) -> AppTest:
    """Put back what the sidebar suggested leaving out (the user decides)."""
    return at.sidebar.multiselect(key="exclude").set_value([]).run()


def test_the_demo_library_opens_with_its_counts_and_the_imbalance(app):
    demo = demo_library()
    assert not app.exception and not app.error
    shown = metrics(app)
    assert shown["Playlists"] == str(len(demo.playlists()))
    assert shown["Liked songs"] == f"{len(demo.liked):,}"
    assert shown["Unsorted liked songs"] == f"{len(demo.liked) - len(demo.liked_in_playlists()):,}"
    sizes = chart(app, "sizes_chart")["data"][0]
    largest = playlist_order(demo)[:3]
    assert bar_names(sizes)[:3] == largest
    assert sizes["marker"]["color"][:3] == list(charts.PALETTE[:3])
    assert set(sizes["marker"]["color"][3:]) == {charts.MUTED}
    share = library_baseline(demo).top3
    assert chart(app, "sizes_chart")["layout"]["title"]["text"] == (
        f"The largest 3 playlists hold {share:.0%} of your tracks")
    assert f"{share:.0%}" in " ".join(c.value for c in app.caption), "the same share as the baseline caption"


def test_profiles_and_scatter_draw_the_chosen_playlists_in_the_same_colours_as_the_bars(app):
    names = playlist_order(demo_library())
    profile = chart(app, "profile_chart")["data"]
    assert [t["name"] for t in profile] == names[:5]
    assert profile[1]["line"]["color"] == charts.PALETTE[1]
    app.multiselect(key="library_playlists").set_value([names[7], names[2]]).run()
    assert [t["name"] for t in chart(app, "profile_chart")["data"]] == [names[7], names[2]]
    scatter = chart(app, "scatter_chart")
    assert {t["name"]: t["marker"]["color"] for t in scatter["data"]} == {names[7]: charts.PALETTE[7],
                                                                        names[2]: charts.PALETTE[2]}
    app.selectbox(key="library_x").set_value("danceability").run()
    assert chart(app, "scatter_chart")["layout"]["xaxis"]["title"]["text"] == "danceability"


def test_leaving_out_a_playlist_removes_it_everywhere_but_keeps_colours(app):
    names = playlist_order(demo_library())
    app.sidebar.multiselect(key="exclude").set_value([names[0]]).run()
    assert metrics(app)["Playlists"] == str(len(names) - 1)
    sizes = chart(app, "sizes_chart")["data"][0]
    assert names[0] not in bar_names(sizes)
    assert sizes["marker"]["color"][0] == charts.PALETTE[1], "the second playlist keeps its colour"


def test_catch_all_playlists_are_suggested_for_leaving_out_and_the_user_decides(app, shared_data):
    use_path(app, shared_data("exportify-seankmchenry-2024"))
    suggested = app.sidebar.multiselect(key="exclude").value
    assert {"starred_", "sort_needed_", "my_shazam_tracks", "your_top_songs_2022", "downloads_"} <= set(suggested)
    assert "bluegrass_" not in suggested
    kept = int(metrics(app)["Playlists"])
    app.sidebar.multiselect(key="exclude").set_value([]).run()
    assert int(metrics(app)["Playlists"]) == kept + len(suggested)


def test_the_baseline_reads_the_same_here_as_on_train_and_says_what_it_is(app, shared_data):
    at = with_nothing_left_out(use_path(app, shared_data("exportify-deadda7a-2021")))
    baseline = next(c for c in at.caption if c.value.startswith("Always answering with your largest playlist"))
    assert "`gemischte_playlist`, is right for 98% of your tracks, and the largest three hold 98%" in baseline.value
    assert baseline.proto.help == DEFINITION
    liked = next(c.value for c in at.caption if "liked songs already sit in a playlist" in c.value)
    assert "always answering with the largest playlist gets 100% of them" in liked

    at.sidebar.selectbox(key="model").set_value("dummy")
    at.sidebar.number_input(key="folds").set_value(3)
    at.switch_page("app_pages/train.py").run()
    at.button(key="train_run").click().run()
    wait_until(at, lambda at: at.metric)
    assert "Baseline (always the largest playlist): 97.7%" in metric(at, "Accuracy").help
    assert DEFINITION in metric(at, "Accuracy").help
    train = next(c.value for c in at.caption if "points above the baseline" in c.value)
    assert "Accuracy 98%, Top-3 98%" in train and "backtest 100%" in train


def test_a_playlist_holding_nearly_every_track_is_suggested_for_leaving_out_with_its_share(app, shared_data):
    at = with_nothing_left_out(use_path(app, shared_data("exportify-deadda7a-2021")))
    suggestion = next(m.value for m in at.markdown if "Suggested for leaving out" in m.value)
    assert "`gemischte_playlist` holds 98% of your tracks" in suggestion
    at.button(key="library_leave_out").click().run()
    assert at.sidebar.multiselect(key="exclude").value == ["gemischte_playlist"]
    assert metrics(at)["Playlists"] == "11"
    assert not [m for m in at.markdown if "Suggested for leaving out" in m.value]
    assert "`regentage`, is right for 16% of your tracks" in " ".join(c.value for c in at.caption)


def test_a_catch_all_found_by_size_is_left_out_from_the_start(app, shared_data):
    at = use_path(app, shared_data("exportify-deadda7a-2021"))
    assert at.sidebar.multiselect(key="exclude").value == ["gemischte_playlist"]


def test_a_real_export_on_the_server_shows_its_own_numbers(app, shared_data):
    with_nothing_left_out(use_path(app, shared_data("exportify-deadda7a-2021")))
    assert metrics(app)["Playlists"] == "12"
    assert metrics(app)["Liked songs"] == "420"
    assert bar_names(chart(app, "sizes_chart")["data"][0])[0] == "gemischte_playlist"
    assert any("local files" in w.value for w in app.warning)


def test_a_malformed_file_on_the_server_is_an_error_message_not_a_traceback(app, tmp_path):
    broken = tmp_path / "my_export.csv"
    broken.write_text("Name;Artist\nSong;Someone\n")
    use_path(app, broken)
    assert not app.exception
    assert len(app.error) == 1
    assert "my_export.csv" in app.error[0].value
    assert not app.metric


def test_a_bad_upload_is_named_and_taken_out_so_the_next_upload_reads_alone(app):
    app.sidebar.radio(key="source").set_value("upload").run()
    assert "Upload an Exportify" in app.info[0].value
    app.sidebar.file_uploader(key="upload:0").set_value(("notes.csv", b"hello,world\n1,2\n", "text/csv")).run()
    assert not app.exception
    assert "notes.csv" in app.error[0].value and "taken out of the uploader" in app.error[0].value
    uploader = app.sidebar.file_uploader(key="upload:1")
    assert not uploader.value, "a fresh, empty uploader: the refused file would spoil the next upload"
    assert "notes.csv" in app.error[0].value, "the reason stays on screen until the next upload"

    good = (b"Track URI,Track Name,Artist Name(s),Danceability,Energy\n"
            b"spotify:track:4uLU6hMCjMI75M1A2tKUQC,Song,Band,0.5,0.4\n")
    uploader.set_value(("road_trip.csv", good, "text/csv")).run()
    assert not app.exception and not app.error
    assert metric(app, "Playlists").value == "1"


def test_my_spotify_library_before_any_fetch_points_to_the_spotify_page(app):
    app.sidebar.radio(key="source").set_value("spotify").run()
    assert not app.exception
    assert "fetch your library on the **Spotify** page" in app.info[0].value


def test_the_playlist_table_appears_only_once_opened(app):
    assert not app.dataframe
    app.session_state["library_table"] = True
    app.run()
    table = app.dataframe[0].value
    demo = demo_library()
    assert list(table["playlist_name"]) == playlist_order(demo)
    assert table["share"].iloc[0] == pytest.approx(100 * library_baseline(demo).accuracy), \
        "a share of tracks (not rows), as a percent"
    assert json.loads(app.dataframe[0].proto.columns)["share"]["type_config"]["format"] == "%.1f%%"


def test_an_export_without_a_loudness_column_says_what_is_absent_and_how_to_get_it(app, tmp_path):
    from tests.toy_libraries import EXPORTIFY_HEADER, track_id, write_exportify_folder
    import csv
    songs = [{"id": track_id(n), "name": f"Song {n}", "artist": f"Band {n % 4}", "energy": 0.1 * n}
             for n in range(12)]
    folder = write_exportify_folder(tmp_path / "export", {"calm": songs[:6], "loud": songs[6:],
                                                           "liked": songs[:2]})
    for path in folder.glob("*.csv"):                     # the export has no Loudness column at all
        rows = list(csv.reader(path.open(encoding="utf-8")))
        drop = EXPORTIFY_HEADER.index("Loudness")
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([row[:drop] + row[drop + 1:] for row in rows])
    at = use_path(app, folder)
    assert not at.exception and not at.error
    coverage = next(m for m in at.metric if m.label == "Audio-feature coverage")
    assert coverage.value == "100%" and "1 of 12 features absent" in str(coverage.delta)
    warning = next(w.value for w in at.warning if "loudness" in w.value)
    assert "left out of the model" in warning and "python -m pipeline features" in warning


def test_a_source_and_warnings_named_like_markdown_show_as_text(app, tmp_path):
    folder = tmp_path / "[click](javascript:alert(1))"
    folder.mkdir()
    (folder / "![x](https:__example.org_t.png).csv").write_text(
        "Track URI,Track Name\nspotify:track:4uLU6hMCjMI75M1A2tKUQC,September\n"
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC,September\n")
    (folder / "road.csv").write_text("Track URI,Track Name\nspotify:track:7GhIk7Il098yCjg4BQjzvb,Bodies\n")
    at = use_path(app, folder)
    assert not at.exception
    shown = [c.value for c in at.caption] + [w.value for w in at.warning]
    assert "Exportify: \\[click\\](javascript:alert(1))" in shown
    rendered = [MarkdownIt().render(text) for text in shown]
    assert not [html for html in rendered if "<a " in html or "<img" in html]
