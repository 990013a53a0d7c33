"""Suggestions: for a playlist, your liked songs that fit it, why, and a CSV of the ones you accept."""

import streamlit as st

from dashboard import work
from dashboard.suggestion_picks import PICKED_SUGGESTIONS, USE_PICKS, picks_frame, table_for, updated_picks
from dashboard.sidebar import current_selection, switch_page
from pipeline.csv_export import to_csv_bytes

selection = current_selection()
library, config = selection.library, selection.config

st.title("Suggestions")
st.caption(f"{config.label()}, trained on all {len(library.playlists())} playlists · every liked song scored "
           f"against every playlist · the sidebar changes the model")

key = work.suggestions_key(selection, config)
suggestions = work.stored_suggestions(selection, config)
work.show_failures([key])
if work.running_jobs([key]):
    work.show_progress([key])
    st.stop()
if suggestions is None:
    st.info("Suggestions come from the sidebar's configuration fitted on all your playlists; it takes about as "
            "long as one fold of training. They are stored, so this runs once.", icon=":material/info:")
    if st.button("Make suggestions", type="primary", key="suggest_run", icon=":material/auto_awesome:"):
        work.start_suggestions(selection, config)
        st.rerun()
    st.stop()

playlists = library.playlists()
names = dict(zip(playlists["playlist_id"], playlists["playlist_name"]))
sizes = dict(zip(playlists["playlist_id"], playlists["size"]))
picks_key = f"picks:{selection.fingerprint}:{config.key()}"
picks = st.session_state.setdefault(picks_key, {})

choose, scope = st.columns([3, 2], vertical_alignment="bottom")
playlist_id = choose.selectbox("Playlist", list(names), format_func=lambda p: f"{names[p]} ({sizes[p]} tracks)",
                               key="suggest_playlist", persist_state="session")
unfiled_only = scope.toggle("Only liked songs in no playlist yet", value=True, key="suggest_unfiled",
                            persist_state="session")
filed = set(library.liked_in_playlists())
unfiled = set(library.liked["track_id"]) - filed if unfiled_only else None

table = table_for(suggestions, playlist_id, picks, unfiled)
if table.empty:
    st.info(f"No liked songs left to suggest for {names[playlist_id]}.", icon=":material/info:")
else:
    edited = st.data_editor(
        table, key=f"suggest_editor:{playlist_id}", hide_index=True, width="stretch",
        disabled=[c for c in table.columns if c not in ("accept", "runner_up_instead")],
        column_order=[c for c in table.columns if c != "track_id"],
        column_config={
            "accept": st.column_config.CheckboxColumn("Add", help="Add this song to the playlist", width="small"),
            "rank": st.column_config.NumberColumn("#", width="small"),
            "track_name": st.column_config.TextColumn("Song"),
            "artists": st.column_config.TextColumn("Artists"),
            "score": st.column_config.ProgressColumn("Confidence", format="percent", min_value=0.0, max_value=1.0,
                                                     help="The model's probability that the song belongs here"),
            "runner_up": st.column_config.TextColumn("Runner-up", help="The song's best other playlist"),
            "runner_up_instead": st.column_config.CheckboxColumn(
                "Send there", help="Send the song to its runner-up playlist instead", width="small"),
            "runner_up_score": st.column_config.ProgressColumn("Runner-up confidence", format="percent",
                                                               min_value=0.0, max_value=1.0),
            "similar_tracks": st.column_config.TextColumn("Why: most similar songs already in it", width="large"),
            "closest_features": st.column_config.TextColumn("Fits on", help="Features closest to the playlist's"),
            "furthest_features": st.column_config.TextColumn("Differs on", help="Features furthest from it"),
        })
    picks = st.session_state[picks_key] = updated_picks(picks, playlist_id, edited)

accepted = picks_frame(suggestions, picks, {name: pid for pid, name in names.items()})
st.divider()
summary, download, spotify = st.columns([3, 1, 1], vertical_alignment="center")
if accepted.empty:
    summary.markdown("Tick **Add** (or **Send there** for the runner-up playlist) on the songs you want; they "
                     "collect here across playlists.")
else:
    summary.markdown(f"**{len(accepted)} song{'s' if len(accepted) != 1 else ''} picked** for "
                     f"{accepted['playlist'].nunique()} playlist{'s' if accepted['playlist'].nunique() != 1 else ''}: "
                     + ", ".join(f"{n} ({c})" for n, c in accepted['playlist'].value_counts().items()))
download.download_button("Download CSV", to_csv_bytes(accepted), file_name="accepted_suggestions.csv",
                         mime="text/csv", on_click="ignore", key="suggest_download", type="primary",
                         icon=":material/download:", disabled=accepted.empty, width="stretch")
if spotify.button("Add to Spotify", key="suggest_spotify", disabled=accepted.empty, icon=":material/queue_music:",
                  help="Opens the Spotify page with these picks: it shows what would be added to which "
                       "playlist, skips songs already there, and adds nothing until you confirm.",
                  width="stretch"):
    st.session_state[PICKED_SUGGESTIONS] = {"name": "accepted_suggestions.csv", "csv": to_csv_bytes(accepted),
                                            "playlists": list(dict.fromkeys(accepted["playlist"])),
                                            "songs": len(accepted)}
    st.session_state[USE_PICKS] = True
    switch_page("app_pages/spotify.py")
if not accepted.empty:
    with st.expander("Picked songs"):
        st.dataframe(accepted.drop(columns=["accepted", "already_in_playlist"]), hide_index=True,
                     key="suggest_picked")
