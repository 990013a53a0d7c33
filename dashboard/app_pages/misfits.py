"""Misfits: songs already in a playlist that another of your playlists fits better, and what to do with them.

Scores are out-of-fold (`pipeline.misfits`): the model that scores a song never saw its playlists.
Every misfit is kept unless the user chooses Move (`dashboard.misfit_moves`); choices are kept on disk
(`dashboard.picks_store`), so a reload finds them. Moving on Spotify adds the song to the better
playlist; removing it from the old one happens only if asked, previewed and confirmed there.
"""

import streamlit as st

from dashboard import picks_store, work
from dashboard.markdown_text import escape_markdown
from dashboard.misfit_moves import (CHOICES, DEFAULT_MIN_CONFIDENCE, TABLE_COLUMNS, known_moves, moves_frame,
                                    moves_summary, playlists_with_misfits, shown_misfits, table_for, updated_moves)
from dashboard.percent_columns import as_percents, percent_bar
from dashboard.sidebar import current_selection, switch_page
from dashboard.spotify_panel import REMOVE_FROM_OLD
from dashboard.suggestion_picks import PICKED_SUGGESTIONS, USE_PICKS
from pipeline.csv_export import to_csv_bytes
from pipeline.misfits import misfit_sentence


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


selection = current_selection()
library, config = selection.library, selection.config

st.title("Misfits")
st.caption(f"{config.label()} · every playlist song scored by a model that never saw it ({selection.folds} folds) "
           "· the sidebar changes the model and the folds")

key = work.misfits_key(selection, config)
stored = work.stored_misfits(selection, config)
work.show_failures([key])
if work.running_jobs([key]):
    work.show_progress([key])
    st.stop()
if stored is None:
    st.info("Misfits are songs in one of your playlists that the model places low there and high in another. "
            f"Each song is scored by a model trained without it ({selection.folds} folds, from the sidebar), so "
            "a song cannot vouch for the playlist it sits in. The result is stored, so this runs once.",
            icon=":material/info:")
    if st.button("Find misfits", type="primary", key="misfits_run", icon=":material/rule:"):
        work.start_misfits(selection, config)
        st.rerun()
    st.stop()
if stored.empty:
    st.success("No misfits: every playlist song scores highest in a playlist that holds it.",
               icon=":material/check_circle:")
    st.stop()

moves_key = f"misfit_moves:{selection.fingerprint}:{config.key()}:{selection.folds}"
if moves_key not in st.session_state:
    st.session_state[moves_key] = known_moves(
        picks_store.read_misfit_moves(selection.fingerprint, config, selection.folds), stored)
moves = st.session_state[moves_key]

sit = "sits" if len(stored) == 1 else "sit"
st.markdown(f"**{plural(len(stored), 'song')}** {sit} in a playlist another fits better, in "
            f"**{plural(stored['playlist_id'].nunique(), 'playlist')}** of your {len(library.playlists())}.")
level, where = st.columns([3, 2], vertical_alignment="bottom")
min_confidence = level.slider(
    "Minimum confidence in the better playlist", min_value=0, max_value=95, value=round(DEFAULT_MIN_CONFIDENCE * 100),
    step=5, format="%d%%", key="misfits_min_confidence", persist_state="session",
    help=f"Lists a misfit only when the playlist that fits it better scores at least this much. The default, "
         f"{DEFAULT_MIN_CONFIDENCE:.0%}, keeps the songs the model thinks more likely than not belong there; "
         "scores are calibrated: of songs at 70%, about 70 in 100 belong.")
origins = playlists_with_misfits(stored)
counts = {pid: (name, count) for pid, name, count in origins}
playlist_id = where.selectbox(
    "In playlist", [None, *counts], key="misfits_playlist", persist_state="session",
    format_func=lambda p: f"All playlists ({len(stored)})" if p is None else f"{counts[p][0]} ({counts[p][1]})")
rows = shown_misfits(stored, min_confidence / 100, playlist_id)

if rows.empty:
    st.info(f"No misfits reach {min_confidence}% here: lower the minimum confidence to see the less sure ones.",
            icon=":material/info:")
else:
    st.markdown(f"{plural(len(rows), 'misfit')} at {min_confidence}% or more, surest first. The surest: "
                f"*{escape_markdown(misfit_sentence(rows.iloc[0]))}*")
    edited = st.data_editor(
        as_percents(table_for(rows, moves), ["score_here", "score_there"]),
        key=f"misfits_editor:{playlist_id}:{min_confidence}", hide_index=True, width="stretch",
        disabled=[c for c in TABLE_COLUMNS if c != "choice"],
        column_order=["choice", "rank", "track_name", "playlist", "better_playlist", "score_here", "score_there",
                      "artists", "similar_tracks", "closest_features", "furthest_features"],
        column_config={
            "choice": st.column_config.SelectboxColumn(
                "Choice", options=CHOICES, required=True, width=90,
                help="Keep: leave the song where it is. Move: add it to the playlist that fits it better (removing "
                     "it from its current one is a separate, confirmed step on the Spotify page)."),
            "rank": st.column_config.NumberColumn("#", width=40),
            "track_name": st.column_config.TextColumn("Song", width=200),
            "playlist": st.column_config.TextColumn("In", width=140, help="The playlist the song is in now"),
            "better_playlist": st.column_config.TextColumn("Fits better", width=140,
                                                           help="The playlist the model places it highest in"),
            "score_here": percent_bar("Score in", width=110,
                                      help="Calibrated probability that its current playlist holds the song"),
            "score_there": percent_bar("Score there", width=110,
                                       help="Calibrated probability that the better playlist holds the song"),
            "artists": st.column_config.TextColumn("Artists"),
            "similar_tracks": st.column_config.TextColumn("Why: most similar songs in the better playlist",
                                                          width="large"),
            "closest_features": st.column_config.TextColumn("Fits on",
                                                            help="Features closest to the better playlist's"),
            "furthest_features": st.column_config.TextColumn("Differs on", help="Features furthest from it"),
        })
    changed = updated_moves(moves, edited)
    if changed != moves:
        st.session_state[moves_key] = changed
        picks_store.write_misfit_moves(selection.fingerprint, config, selection.folds, changed)
        st.rerun()  # the summary below is drawn from the moves

chosen = moves_frame(stored, moves)
st.divider()
remove_from_old = st.checkbox(
    "Also remove them from their current playlist", value=False, key="misfits_remove_from_old", disabled=chosen.empty,
    help="Off: the songs are only added to the playlist that fits them better. On: once they are added, the Spotify "
         "page shows what would be removed from each current playlist, asks you to type its name to confirm, and "
         "logs the removal so you can undo it.")
summary, download, spotify = st.columns([3, 1, 1], vertical_alignment="center")
if chosen.empty:
    summary.markdown("Every misfit is kept where it is. Choose **Move** on the songs you want in the playlist that "
                     "fits them better; your choices collect here across playlists.")
else:
    summary.markdown(f"**{plural(len(chosen), 'move')} chosen**: " + ", ".join(
        f"{escape_markdown(here)} → {escape_markdown(there)} ({count})"
        for here, there, count in moves_summary(chosen)))
download.download_button("Download moves (CSV)", to_csv_bytes(chosen), file_name="misfits_moves.csv", mime="text/csv",
                         on_click="ignore", key="misfits_download", type="primary", icon=":material/download:",
                         disabled=chosen.empty, width="stretch",
                         help="The chosen moves with accepted = true: `python -m pipeline export --suggestions "
                              "misfits_moves.csv --playlist NAME` adds them to NAME.")
if spotify.button("Send to Spotify", key="misfits_spotify", disabled=chosen.empty, icon=":material/queue_music:",
                  help="Opens the Spotify page with these moves: it shows what would be added to which playlist, "
                       "skips songs already there, and changes nothing until you confirm.", width="stretch"):
    handed_over = {"name": "misfits_moves.csv", "csv": to_csv_bytes(chosen),
                   "playlists": list(dict.fromkeys(chosen["better_playlist"])), "songs": len(chosen),
                   "from_page": picks_store.MISFITS, "create": False, "remove_from_old": bool(remove_from_old)}
    st.session_state[PICKED_SUGGESTIONS] = handed_over
    picks_store.write_handed_over(handed_over)  # the Spotify login comes back in a new session
    st.session_state[USE_PICKS] = True
    st.session_state[REMOVE_FROM_OLD] = bool(remove_from_old)
    switch_page("app_pages/spotify.py")
if not chosen.empty:
    with st.expander("Chosen moves"):
        st.dataframe(chosen[["track_name", "artists", "playlist", "better_playlist"]], hide_index=True,
                     key="misfits_chosen", width="stretch", column_config={
                         "track_name": st.column_config.TextColumn("Song"),
                         "artists": st.column_config.TextColumn("Artists"),
                         "playlist": st.column_config.TextColumn("From"),
                         "better_playlist": st.column_config.TextColumn("To")})
