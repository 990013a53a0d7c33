"""Suggestions: for a playlist, your liked songs that fit it, why, and a CSV of the ones you accept.

A minimum precision holds back songs that fit none of the playlists well enough; the threshold is read
from the stored run (`dashboard.suggestion_threshold`), so moving the slider refits nothing. Picks are
kept on disk (`dashboard.picks_store`), so a reload finds them again.
"""

import streamlit as st

from dashboard import picks_store, work
from dashboard.markdown_text import escape_markdown
from dashboard.percent_columns import as_percents, percent_bar
from dashboard.suggestion_picks import PICKED_SUGGESTIONS, USE_PICKS, picks_frame, table_for, updated_picks
from dashboard.suggestion_threshold import fits_none, suggested, threshold_for, threshold_sentence
from dashboard.sidebar import current_selection, switch_page
from pipeline.csv_export import to_csv_bytes

selection = current_selection()
library, config = selection.library, selection.config

st.title("Suggestions")
st.caption(f"{config.label()}, trained on all {len(library.playlists())} playlists · every liked song scored "
           f"against every playlist · the sidebar changes the model")

key = work.suggestions_key(selection, config)
stored = work.stored_suggestions(selection, config)
work.show_failures([key])
if work.running_jobs([key]):
    work.show_progress([key])
    st.stop()
if stored is None:
    st.info("Suggestions come from the sidebar's configuration fitted on all your playlists, a few times over: "
            "once per inner fold to calibrate its confidence on songs it has not seen, then once on everything. "
            "They are stored, so this runs once.", icon=":material/info:")
    if st.button("Make suggestions", type="primary", key="suggest_run", icon=":material/auto_awesome:"):
        work.start_suggestions(selection, config)
        st.rerun()
    st.stop()

playlists = library.playlists()
names = dict(zip(playlists["playlist_id"], playlists["playlist_name"]))
sizes = dict(zip(playlists["playlist_id"], playlists["size"]))
picks_key = f"picks:{selection.fingerprint}:{config.key()}"
if picks_key not in st.session_state:
    st.session_state[picks_key] = picks_store.read_picks(selection.fingerprint, config)
picks = st.session_state[picks_key]

choose, scope = st.columns([3, 2], vertical_alignment="bottom")
playlist_id = choose.selectbox("Playlist", list(names), format_func=lambda p: f"{names[p]} ({sizes[p]} tracks)",
                               key="suggest_playlist", persist_state="session")
unfiled_only = scope.toggle("Only liked songs in no playlist yet", value=True, key="suggest_unfiled",
                            persist_state="session")
filed = set(library.liked_in_playlists())
unfiled = set(library.liked["track_id"]) - filed if unfiled_only else None

hold, level = st.columns([2, 3], vertical_alignment="bottom")
hold_back = hold.toggle("Hold back songs that fit no playlist", value=False, key="suggest_hold_back",
                        persist_state="session",
                        help="Off: nothing is held back, every liked song gets its best playlist suggested. On: "
                             "a song is suggested only when its confidence reaches the level at which suggestions "
                             "were right as often as you ask.")
min_precision = level.slider("Minimum precision", min_value=50, max_value=95, value=80, step=5, format="%d%%",
                             key="suggest_min_precision", persist_state="session", disabled=not hold_back,
                             help="How often suggestions must be right, measured on playlist songs the model had "
                                  "not seen. Asking for more holds back more songs.")
threshold = threshold_for(stored, min_precision / 100 if hold_back else None)
with st.container(key="suggest_threshold"):
    st.markdown(threshold_sentence(stored, threshold))

held_back = fits_none(stored, threshold)
if unfiled is not None:
    held_back = held_back[held_back["track_id"].isin(unfiled)]
suggestions_tab, fits_none_tab = st.tabs(["Suggestions per playlist", "Fits none of your playlists"])

with suggestions_tab:
    table = table_for(suggested(stored.table, threshold), playlist_id, picks, unfiled)
    if table.empty:
        reason = " at this confidence" if threshold is not None else ""
        st.info(f"No liked songs left to suggest for {escape_markdown(names[playlist_id])}{reason}.",
                icon=":material/info:")
    else:
        here = escape_markdown(names[playlist_id])
        # a new table (other playlist, threshold or scope) gets a fresh editor, filled from the picks;
        # the ticks and where they send the song come first, in widths that fit beside the sidebar at 1400 px
        # (the editable columns' headers carry a pencil, hence 70 and 110)
        edited = st.data_editor(
            as_percents(table, ["score", "runner_up_score"]), key=f"suggest_editor:{playlist_id}:{unfiled_only}:{threshold.value if threshold else None}",
            hide_index=True, width="stretch",
            disabled=[c for c in table.columns if c not in ("accept", "runner_up_instead")],
            column_order=[c for c in table.columns if c != "track_id"],
            column_config={
                "accept": st.column_config.CheckboxColumn("Add", help=f"Add this song to {here}", width=70),
                "rank": st.column_config.NumberColumn("#", width=40),
                "track_name": st.column_config.TextColumn("Song", width=200),
                "score": percent_bar(
                    "Confidence", width=110,
                    help="Calibrated probability that the playlist holds the song: of songs at 70%, about 70 in "
                         "100 belong (checked on playlist songs the model had not seen)"),
                "runner_up": st.column_config.TextColumn("Runner-up", help="The song's best other playlist",
                                                         width=140),
                "runner_up_instead": st.column_config.CheckboxColumn(
                    "Send there", width=110,
                    help=f"Send the song to its runner-up playlist instead of {here}: with both ticks it goes "
                         "to the runner-up only"),
                "goes_to": st.column_config.TextColumn(
                    "Goes to", width=140, help="The playlist a ticked song goes to: this one, or its runner-up "
                                               "when Send there is ticked"),
                "artists": st.column_config.TextColumn("Artists"),
                "runner_up_score": percent_bar(
                    "Runner-up confidence",
                    help="Calibrated probability that the runner-up playlist holds the song"),
                "similar_tracks": st.column_config.TextColumn("Why: most similar songs already in it", width="large"),
                "closest_features": st.column_config.TextColumn("Fits on", help="Features closest to the playlist's"),
                "furthest_features": st.column_config.TextColumn("Differs on", help="Features furthest from it"),
            })
        changed = updated_picks(picks, playlist_id, edited)
        if changed != picks:
            st.session_state[picks_key] = changed
            picks_store.write_picks(selection.fingerprint, config, changed)
            st.rerun()  # "Goes to" and the picked songs below are drawn from the picks

with fits_none_tab:
    scope_words = "liked songs in no playlist yet" if unfiled_only else "liked songs"
    if threshold is None:
        st.info("Nothing is held back. Turn on **Hold back songs that fit no playlist** to list the songs whose "
                "best playlist is below the confidence your minimum precision needs.", icon=":material/info:")
    elif held_back.empty:
        st.info(f"All your {scope_words} reach the threshold for some playlist.", icon=":material/info:")
    else:
        why = (f"score below {threshold.value:.1%} for every playlist" if threshold.value is not None
               else "are held back, as no threshold reaches your minimum precision")
        st.caption(f"{len(held_back):,} {scope_words} {why}, so no playlist's table suggests them: here is the "
                   "playlist that came closest, and how close.")
        st.dataframe(
            as_percents(held_back, ["score"]), key="suggest_fits_none", hide_index=True, width="stretch",
            column_order=["track_name", "artists", "playlist", "score"],
            column_config={
                "track_name": st.column_config.TextColumn("Song"),
                "artists": st.column_config.TextColumn("Artists"),
                "playlist": st.column_config.TextColumn("Closest playlist"),
                "score": percent_bar(
                    "Confidence", help="Calibrated probability that the closest playlist holds the song"),
            })

accepted = picks_frame(stored.table, picks, {name: pid for pid, name in names.items()})
st.divider()
summary, download, spotify = st.columns([3, 1, 1], vertical_alignment="center")
if accepted.empty:
    summary.markdown("Tick **Add** (or **Send there** for the runner-up playlist) on the songs you want; they "
                     "collect here across playlists.")
else:
    per_playlist = accepted["playlist"].value_counts()
    summary.markdown(f"**{len(accepted)} song{'s' if len(accepted) != 1 else ''} picked** for "
                     f"{len(per_playlist)} playlist{'s' if len(per_playlist) != 1 else ''}: "
                     + ", ".join(f"{escape_markdown(name)} ({count})" for name, count in per_playlist.items()))
download.download_button("Download CSV", to_csv_bytes(accepted), file_name="accepted_suggestions.csv",
                         mime="text/csv", on_click="ignore", key="suggest_download", type="primary",
                         icon=":material/download:", disabled=accepted.empty, width="stretch")
if spotify.button("Add to Spotify", key="suggest_spotify", disabled=accepted.empty, icon=":material/queue_music:",
                  help="Opens the Spotify page with these picks: it shows what would be added to which "
                       "playlist, skips songs already there, and adds nothing until you confirm.",
                  width="stretch"):
    handed_over = {"name": "accepted_suggestions.csv", "csv": to_csv_bytes(accepted),
                   "playlists": list(dict.fromkeys(accepted["playlist"])), "songs": len(accepted)}
    st.session_state[PICKED_SUGGESTIONS] = handed_over
    picks_store.write_handed_over(handed_over)  # the Spotify login comes back in a new session
    st.session_state[USE_PICKS] = True
    switch_page("app_pages/spotify.py")
if not accepted.empty:
    with st.expander("Picked songs"):
        st.dataframe(accepted[["track_name", "artists", "playlist"]], hide_index=True, key="suggest_picked",
                     width="stretch", column_config={
                         "track_name": st.column_config.TextColumn("Song"),
                         "artists": st.column_config.TextColumn("Artists"),
                         "playlist": st.column_config.TextColumn("Goes to")})
