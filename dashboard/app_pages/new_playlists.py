"""New playlists: the liked songs that fit none of your playlists, grouped into proposed new ones.

A minimum precision decides which songs are left over (`pipeline.discover`); each group is a proposal
with a generated name, its sound beside your playlists', and its most typical songs. The user renames
it and drops songs (`dashboard.proposal_edits`, kept on disk by `dashboard.picks_store`), then downloads
it as CSV or creates it on Spotify through the Spotify page's export (previewed, confirmed).
"""

import streamlit as st

from dashboard import charts, picks_store, work
from dashboard.markdown_text import escape_markdown
from dashboard.proposal_edits import (Edit, csv_file_name, dropped_songs, edit_for, edits_document,
                                      edits_from_document, kept_count, name_problem, nearest_playlists,
                                      playlist_profiles, proposal_csv, proposal_profile, songs_table, typical_songs)
from dashboard.sidebar import current_selection, switch_page
from dashboard.suggestion_picks import PICKED_SUGGESTIONS, USE_PICKS
from pipeline.csv_export import to_csv_bytes
from pipeline.discover import DEFAULT_MIN_PRECISION

selection = current_selection()
library, config = selection.library, selection.config

st.title("New playlists")
st.caption(f"{config.label()}, trained on all {len(library.playlists())} playlists · the liked songs that fit none "
           "of them, grouped by sound, era and genre · the sidebar changes the model")

percent = st.slider("Minimum precision", min_value=50, max_value=95, value=round(DEFAULT_MIN_PRECISION * 100),
                    step=5, format="%d%%", key="discover_min_precision", persist_state="session",
                    help="A liked song is left over when its best playlist scores below the confidence at which "
                         "suggestions were right this often on playlist songs the model had not seen (as on the "
                         "Suggestions page). Asking for more leaves more songs over.")
min_precision = percent / 100
key = work.discovery_key(selection, config, min_precision)
discovery = work.stored_discovery(selection, config, min_precision)
work.show_failures([key])
if work.running_jobs([key]):
    work.show_progress([key])
    st.stop()
if discovery is None:
    st.info(f"Every liked song is scored against your playlists; the ones no playlist reaches {percent}% precision "
            "for are grouped into proposed new playlists. The result is stored, so this runs once per precision.",
            icon=":material/info:")
    if st.button("Propose new playlists", type="primary", key="discover_run", icon=":material/auto_awesome:"):
        work.start_discovery(selection, config, min_precision)
        st.rerun()
    st.stop()

leftovers, grouped, unclustered, silhouette = st.columns(4)
leftovers.metric("Leftover songs", f"{discovery.leftovers:,}",
                 help=f"Liked songs whose best playlist is below the confidence {percent}% precision needs")
grouped.metric("Grouped", f"{sum(discovery.sizes()):,}", help="Leftover songs in one of the proposals")
unclustered.metric("Left unclustered", f"{discovery.unclustered:,}",
                   help="Leftover songs too unlike the others to join a group")
silhouette.metric("Silhouette", "–" if discovery.silhouette is None else f"{discovery.silhouette:.2f}",
                  help="How apart the groups are, from -1 to 1 (higher: songs sit nearer their own group than "
                       "the next); needs two proposals or more")
for note in discovery.notes:
    if not discovery.leftovers:
        st.success(f"Good news: {escape_markdown(note)} at {percent}% precision, so no new playlist is needed.",
                   icon=":material/check_circle:")
    else:
        st.info(f"No new playlist to propose: {escape_markdown(note)}.", icon=":material/info:")
if not discovery.proposals:
    st.stop()

edits_key = f"proposal_edits:{selection.fingerprint}:{config.key()}:{min_precision:g}"
if edits_key not in st.session_state:
    st.session_state[edits_key] = edits_from_document(
        picks_store.read_proposal_edits(selection.fingerprint, config, min_precision), discovery.proposals)
edits = st.session_state[edits_key]


def save(number: int, edit: Edit) -> None:
    changed = {**edits, number: edit}
    st.session_state[edits_key] = changed
    picks_store.write_proposal_edits(selection.fingerprint, config, min_precision,
                                     edits_document(changed, discovery.proposals))


existing = library.playlists()["playlist_name"].tolist()
profiles = playlist_profiles(library)
st.markdown(f"**{len(discovery.proposals)} proposed playlist{'s' if len(discovery.proposals) != 1 else ''}**, "
            "largest first. Rename them, untick songs to drop them, then download or create them.")
for proposal in discovery.proposals:
    number, edit = proposal.number, edit_for(edits, proposal)
    with st.container(border=True, key=f"proposal_{number}"):
        name_key = f"proposal_name:{number}"
        if name_key not in st.session_state:
            st.session_state[name_key] = edit.name
        name = st.text_input("Name", key=name_key, max_chars=100,
                             help=f"Proposed from its songs' era, mood and genres: {escape_markdown(proposal.name)}")
        if name != edit.name:
            edit = Edit(name, edit.dropped)
            save(number, edit)
        kept = kept_count(proposal, edit)
        genres = ", ".join(proposal.genres) or "no genre most of them share"
        st.caption(f"{kept} of {len(proposal.track_ids)} songs · {escape_markdown(proposal.era or 'era unknown')} · "
                   f"{escape_markdown(genres)}")

        sound, typical = st.columns([3, 2])
        kept_ids = [t for t in proposal.track_ids if t not in edit.dropped] or list(proposal.track_ids)
        profile = proposal_profile(library, kept_ids)
        compared = sound.multiselect("Compare with", profiles.index.tolist(),
                                     default=nearest_playlists(profile, profiles), key=f"proposal_compare:{number}",
                                     help="Your playlists drawn beside it: by default the three closest in sound")
        sound.plotly_chart(charts.proposal_profile_figure(name or proposal.name, profile, profiles.loc[compared],
                                                          selection.colors), key=f"proposal_chart:{number}")
        typical.markdown("**Most typical songs**")
        typical.dataframe(typical_songs(library, proposal), hide_index=True, width="stretch",
                          key=f"proposal_typical:{number}", column_config={
                              "track_name": st.column_config.TextColumn("Song"),
                              "artists": st.column_config.TextColumn("Artists")})

        with st.expander(f"All {len(proposal.track_ids)} songs: untick the ones to leave out"):
            edited = st.data_editor(
                songs_table(library, proposal, edit), key=f"proposal_songs:{number}", hide_index=True,
                width="stretch", disabled=["rank", "track_name", "artists", "typical", "track_id"],
                column_order=["keep", "rank", "track_name", "artists", "typical"],
                column_config={"keep": st.column_config.CheckboxColumn("Keep", width=60),
                               "rank": st.column_config.NumberColumn("#", width=40,
                                                                     help="1 = the most typical song"),
                               "track_name": st.column_config.TextColumn("Song"),
                               "artists": st.column_config.TextColumn("Artists"),
                               "typical": st.column_config.CheckboxColumn("Typical", width=70)})
        dropped = dropped_songs(edited)
        if dropped != edit.dropped:
            save(number, Edit(edit.name, dropped))
            st.rerun()  # the count, the profile and the downloads follow the kept songs

        problem = name_problem(name, existing)
        empty_name = not name.strip()
        if problem:
            st.warning(escape_markdown(problem), icon=":material/warning:")
        rows = proposal_csv(library, proposal, edit)
        download, spotify = st.columns(2)
        download.download_button("Download CSV", to_csv_bytes(rows), file_name=csv_file_name(name), mime="text/csv",
                                 on_click="ignore", key=f"proposal_download:{number}", icon=":material/download:",
                                 disabled=empty_name or rows.empty, width="stretch")
        if spotify.button("Create on Spotify", key=f"proposal_spotify:{number}", type="primary",
                          icon=":material/playlist_add:", disabled=problem is not None or rows.empty, width="stretch",
                          help="Opens the Spotify page with this playlist: it shows what would be created, and "
                               "creates nothing until you confirm."):
            handed_over = {"name": csv_file_name(name), "csv": to_csv_bytes(rows), "playlists": [name.strip()],
                           "songs": len(rows), "from_page": picks_store.NEW_PLAYLISTS, "create": True,
                           "remove_from_old": False}
            st.session_state[PICKED_SUGGESTIONS] = handed_over
            picks_store.write_handed_over(handed_over)
            st.session_state[USE_PICKS] = True
            switch_page("app_pages/spotify.py")
