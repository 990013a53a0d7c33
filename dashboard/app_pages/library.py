"""Library: what is in it, how lopsided the playlists are, and what each playlist sounds like."""

import streamlit as st

from dashboard import charts
from dashboard.library_views import (PROFILE_FEATURES, baseline_sentence, catch_all_text, feature_profile,
                                     library_counts, playlist_order, playlist_table, scatter_points)
from dashboard.markdown_text import escape_markdown
from dashboard.percent_columns import as_percents, percent_bar
from dashboard.sidebar import current_selection
from pipeline.baseline import DEFINITION, LibraryBaseline, library_baseline
from pipeline.recommended import CatchAll, catch_alls


@st.cache_data(max_entries=8)
def baseline_and_catch_alls(_library, fingerprint: str, names: tuple[str, ...]) -> tuple[LibraryBaseline | None,
                                                                                       list[CatchAll]]:
    """The library's baseline and the playlists suggested for leaving out (``fingerprint`` and the
    playlist ``names`` key the cache: the fingerprint does not cover names)."""
    return (library_baseline(_library) if len(_library.memberships) else None), catch_alls(_library)


def leave_out(names: list[str]) -> None:
    """Add ``names`` to the sidebar's "Playlists to leave out" (runs before the page redraws)."""
    st.session_state["exclude"] = [*st.session_state.get("exclude", []), *names]


selection = current_selection()
library = selection.library
counts = library_counts(library)

st.title("Your library")
st.caption(escape_markdown(library.source))

columns = st.columns(5)
columns[0].metric("Playlists", f"{counts['playlists']:,}")
columns[1].metric("Tracks in playlists", f"{counts['tracks']:,}")
columns[2].metric("Liked songs", f"{counts['liked']:,}")
columns[3].metric("Unsorted liked songs", f"{counts['liked_unsorted']:,}",
                  help="Liked songs in no playlist yet: the Suggestions page sorts them into your playlists.")
absent = library.absent_features()
columns[4].metric("Audio-feature coverage", f"{counts['feature_coverage']:.0%}",
                  delta=f"{len(absent)} of 12 features absent" if absent else None, delta_color="off",
                  help="Share of tracks with every audio feature this library has; features no track has "
                       "are left out of the model (see the warnings).")

for warning in library.warnings:
    st.warning(escape_markdown(warning), icon=":material/warning:")

names = playlist_order(library)
sizes = playlist_table(library)
baseline, found = baseline_and_catch_alls(library, selection.fingerprint, tuple(names))
st.plotly_chart(charts.playlist_sizes_figure(sizes, selection.colors,
                                             largest_share=baseline.top3 if baseline is not None else None),
                key="sizes_chart")
if baseline is not None:
    st.caption(baseline_sentence(baseline), help=DEFINITION)
if found:
    with st.container(border=True, key="catch_alls"):
        st.markdown(catch_all_text(found))
        leaving = [c.playlist_name for c in found]
        st.button("Leave it out" if len(found) == 1 else f"Leave these {len(found)} out", key="library_leave_out",
                  icon=":material/playlist_remove:", on_click=leave_out, args=(leaving,),
                  help="Adds them to 'Playlists to leave out' in the sidebar; remove them there to bring them back.")

st.subheader("What your playlists sound like")
picked = [name for name in st.session_state.get("library_playlists", names[:5]) if name in names]
st.session_state["library_playlists"] = picked
shown = st.multiselect("Playlists to draw", names, key="library_playlists", persist_state="session",
                       help="The largest five to start with; add or remove any.")
profile_column, liked_column = st.columns([3, 2])
if not shown:
    profile_column.info("Pick one or more playlists to draw their profiles.")
elif library.has_features():
    profile_column.plotly_chart(charts.feature_profile_figure(feature_profile(library, shown), selection.colors),
                                key="profile_chart")
liked_column.plotly_chart(charts.liked_status_figure(counts["liked_filed"], counts["liked_unsorted"]),
                          key="liked_chart")
liked_column.caption(f"{counts['liked_filed']:,} liked songs already sit in a playlist: the backtest hides them "
                     "and checks whether the model would have put them there"
                     + (f"; always answering with the largest playlist gets {baseline.backtest_accuracy:.0%} of them."
                        if baseline is not None and baseline.backtest_n else "."), help=DEFINITION)

if shown and library.has_features():
    features = [f for f in PROFILE_FEATURES]
    x_column, y_column = st.columns(2)
    x = x_column.selectbox("Horizontal axis", features, index=features.index("energy"), key="library_x")
    y = y_column.selectbox("Vertical axis", features, index=features.index("valence"), key="library_y")
    points = scatter_points(library, shown, [x, y])
    st.plotly_chart(charts.feature_scatter_figure(points, x, y, selection.colors), key="scatter_chart")

# The table renders only once opened: its grid is heavy for a browser to load on first paint.
table = st.expander("All playlists as a table", key="library_table", on_change="rerun")
if table.open:
    table.dataframe(as_percents(sizes[["playlist_name", "size", "share"]], ["share"]), hide_index=True,
                    key="playlist_table", column_config={"playlist_name": "Playlist", "size": "Tracks",
                                                         "share": percent_bar("Share of tracks")})
