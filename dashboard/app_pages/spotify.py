"""Spotify: log in, fetch your library for the sidebar, and add accepted suggestions to a playlist.

Songs arrive from the Suggestions, Misfits or New playlists page (kept on disk, as a login comes back in a
new session) or as an uploaded CSV. Moves from the Misfits page can, once added, also leave their old
playlist: only when asked, previewed, confirmed by typing the playlist's name, logged and undoable.
Names from the library and Spotify's error messages go through `escape_markdown`: they show as typed.
"""

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.markdown_text import escape_markdown
from dashboard.picks_store import read_handed_over
from dashboard.spotify_panel import (REMOVE_FROM_OLD, configured_settings, fetch_and_save, handed_over_label,
                                     is_logged_in, is_moves_file, login_link, plan_summary, plan_table,
                                     preview_blocker, redirect_uri_for, removal_plans, spotify_client,
                                     uploaded_suggestions)
from dashboard.spotify_removal import removal_section
from dashboard.sidebar import switch_page
from dashboard.suggestion_picks import PICKED_SUGGESTIONS, USE_PICKS
from pipeline.errors import UserError
from pipeline.spotify.export import apply_export, plan_export
from pipeline.spotify.auth import READ_SCOPES, WRITE_SCOPES, SpotifyNotConfigured, finish_login

README_SECTION = "README.md#use-your-own-spotify-library"
PLAN, RESULT, CONFIRM = "spotify_export_plan", "spotify_export_result", "spotify_confirm"
DONE_FOR = "spotify_export_done_for"
"""The inputs (file, target, create) the last add was done for: removal follows only that add."""
REMOVALS = "spotify_removal_plans"
"""(inputs, a `RemovalPlan` per old playlist of the moves just added)."""
OPEN_LIBRARY = "spotify_open_library_next"


def secrets_section() -> dict | None:
    """``[spotify]`` from st.secrets; None (read the files directly) when Streamlit has no secrets."""
    try:
        return dict(st.secrets.get("spotify", {}))
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None


def progress_reporter(bar, share: tuple[float, float]):
    start, width = share
    return lambda fraction, message: bar.progress(min(1.0, start + width * fraction), text=message)


if st.session_state.pop(OPEN_LIBRARY, False):  # "Open my library" was pressed: the sidebar now shows it
    switch_page("app_pages/library.py")

st.title("Spotify")
port = st.get_option("server.port")
# handed over by the Suggestions, Misfits or New playlists page; kept on disk, as a login comes back in a new session
picked = st.session_state.get(PICKED_SUGGESTIONS) or read_handed_over()
try:
    settings = configured_settings(secrets_section(), port)
except SpotifyNotConfigured:
    if picked:
        songs = f"{picked['songs']} picked song{'s are' if picked['songs'] != 1 else ' is'}"
        st.warning(f"**Nothing was sent to Spotify:** it is not set up yet. Your {songs} kept here: set Spotify "
                   "up as below and they will be waiting, or download them as CSV on the page you picked them on.",
                   icon=":material/warning:")
    st.info("**Spotify is not set up yet.** To use your own library:\n\n"
            "1. Create an app at https://developer.spotify.com/dashboard (tick *Web API*).\n"
            f"2. Add the redirect URI `{redirect_uri_for(port)}` exactly: this dashboard runs on port {port}. "
            "If you register another address, set it as `redirect_uri` under `[spotify]` too "
            "(or in `SPOTIFY_REDIRECT_URI`).\n"
            "3. Put its client ID in `.streamlit/secrets.toml` under `[spotify]` as `client_id = \"...\"` "
            "and restart the dashboard.\n\n"
            f"Details: the section *Use your own Spotify library* in the project's README (`{README_SECTION}`).",
            icon=":material/info:")
    st.stop()
except UserError as error:
    st.error(escape_markdown(error), icon=":material/error:")
    st.stop()

# Spotify sends the browser back to the redirect URI with ?code=...&state=...
params = st.query_params
if "code" in params and "state" in params:
    try:
        finish_login(settings, params["code"], params["state"], st.session_state)
    except UserError as error:
        st.error(escape_markdown(error), icon=":material/error:")
    finally:
        st.query_params.clear()

# ----- login ---------------------------------------------------------------------------------
st.subheader("Connection")
if is_logged_in(settings, st.session_state, READ_SCOPES):
    how = "with the access token from SPOTIFY_ACCESS_TOKEN" if settings.access_token else "in this session"
    st.success(f"Connected to Spotify {how}.", icon=":material/check_circle:")
    logged_in = True
else:
    st.write("Log in to let Playlist Enhancer read your playlists and liked songs.")
    try:
        st.link_button("Log in to Spotify", login_link(settings, st.session_state, READ_SCOPES),
                       icon=":material/login:")
    except UserError as error:
        st.error(escape_markdown(error), icon=":material/error:")
    st.caption(f"Spotify sends you back to {escape_markdown(settings.redirect_uri)} (the `redirect_uri` setting); "
               "your Spotify app's redirect URIs must list exactly that address.")
    logged_in = False

# ----- fetching --------------------------------------------------------------------------------
st.subheader("Fetch your library")
st.caption("Your own and collaborative playlists, your liked songs and their audio features. Pages already "
           "fetched are kept, so an interrupted fetch resumes.")
if st.button("Fetch my library", key="spotify_fetch", type="primary", disabled=not logged_in,
             icon=":material/cloud_download:"):
    bar = st.progress(0.0, text="Connecting to Spotify")
    try:
        library, folder = fetch_and_save(spotify_client(settings, st.session_state, READ_SCOPES), settings,
                                         progress_reporter(bar, (0.0, 0.8)), progress_reporter(bar, (0.8, 0.2)))
    except UserError as error:
        bar.empty()
        st.error(escape_markdown(error), icon=":material/error:")
    else:
        bar.empty()
        st.success(f"Saved {len(library.playlists())} playlists and {len(library.liked)} liked songs on this "
                   f"machine ({escape_markdown(folder)}). They open as **My Spotify library** in the sidebar.",
                   icon=":material/check_circle:")
        st.button("Open my library", key="spotify_open_library", icon=":material/library_music:",
                  on_click=lambda: st.session_state.update({"source": "spotify", OPEN_LIBRARY: True}))
        for warning in library.warnings:
            st.warning(escape_markdown(warning.message), icon=":material/warning:")

# ----- exporting -------------------------------------------------------------------------------
st.subheader("Add accepted suggestions to a playlist")
use_picks = picked is not None and st.radio(
    "Songs to add", [True, False], key=USE_PICKS, horizontal=True,
    format_func=lambda picks: handed_over_label(picked) if picks else "A suggestions CSV file")
if use_picks:
    name, content = picked["name"], picked["csv"]
    target = st.selectbox("Playlist", picked["playlists"], key="spotify_picked_target",
                          help="The picks go to one playlist at a time; come back for the next.")
else:
    upload = st.file_uploader("Suggestions CSV (the Suggestions page's download, or any suggestions CSV)",
                              type=["csv"], key="spotify_suggestions")
    name, content = (upload.name, upload.getvalue()) if upload else (None, None)
    target = st.text_input("Playlist (name, id or link)", key="spotify_target")
if use_picks and picked.get("create"):  # a proposed new playlist: created unless one of that name exists
    create = st.checkbox("Create the playlist if I have none of that name", value=True, key="spotify_picked_create")
else:
    create = st.checkbox("Create the playlist if I have none of that name", key="spotify_create")
moves = is_moves_file(name or "", content)
if moves:
    if REMOVE_FROM_OLD not in st.session_state:  # a new session: as the Misfits page handed it over
        st.session_state[REMOVE_FROM_OLD] = bool(use_picks and picked.get("remove_from_old"))
    remove_from_old = st.checkbox(
        "Also remove them from their current playlist", key=REMOVE_FROM_OLD,
        help="Off: the songs are only added. On: once they are added, you see what would be removed from each "
             "old playlist and type its name to confirm; each removal is logged and can be undone.")
else:
    remove_from_old = False
inputs = (name, hash(content), target.strip(), create)

blocker = preview_blocker(logged_in, bool(content), target.strip())
previewing = st.button("Preview", key="spotify_preview", disabled=blocker is not None, icon=":material/preview:")
if blocker:
    st.caption(blocker)
if previewing:
    st.session_state.pop(PLAN, None)
    st.session_state.pop(RESULT, None)
    st.session_state.pop(CONFIRM, None)
    try:
        suggestions = uploaded_suggestions(name, content, target.strip())
        plan = plan_export(spotify_client(settings, st.session_state, READ_SCOPES), suggestions, target.strip(),
                           create=create)
    except UserError as error:
        st.error(escape_markdown(error), icon=":material/error:")
    else:
        st.session_state[PLAN] = (inputs, plan)

stored = st.session_state.get(PLAN)
if stored and stored[0] == inputs:
    plan = stored[1]
    st.markdown(f"**{escape_markdown(plan_summary(plan))}**")
    st.dataframe(plan_table(plan), hide_index=True, width="stretch")
    if not plan.to_add:
        st.info("Nothing to add: every one of these songs is already in the playlist.", icon=":material/info:")
    elif not is_logged_in(settings, st.session_state, WRITE_SCOPES):
        st.write("Playlist Enhancer needs your permission to change playlists.")
        try:
            st.link_button("Log in to Spotify with permission to change playlists",
                           login_link(settings, st.session_state, WRITE_SCOPES), icon=":material/login:")
        except UserError as error:
            st.error(escape_markdown(error), icon=":material/error:")
    else:
        confirmed = st.checkbox(f"I want to add these {len(plan.to_add)} songs to "
                                f"{escape_markdown(plan.playlist_name)}", key=CONFIRM)
        if st.button("Add to Spotify", key="spotify_apply", type="primary", disabled=not confirmed,
                     icon=":material/playlist_add:"):
            bar = st.progress(0.0, text="Adding songs")
            try:
                result = apply_export(spotify_client(settings, st.session_state, WRITE_SCOPES), plan,
                                      progress=progress_reporter(bar, (0.0, 1.0)))
            except UserError as error:
                st.error(escape_markdown(error), icon=":material/error:")
            else:
                st.session_state[RESULT] = (plan, result)
                st.session_state[DONE_FOR] = inputs
                del st.session_state[PLAN]
            bar.empty()

done = st.session_state.get(RESULT)
if done:
    plan, result = done
    names = {s.track_id: s for s in plan.to_add}
    created = " (created it)" if result.created else ""
    st.success(f"Added {len(result.added)} song(s) to '{escape_markdown(result.playlist_name)}'{created}.",
               icon=":material/check_circle:")
    st.dataframe([{"song": names[t].track_name if t in names else "", "artists": names[t].artists if t in names
                   else "", "track_id": t} for t in result.added], hide_index=True, width="stretch")
    st.caption("Spotify snapshot id(s) after each batch:")
    st.code("\n".join(result.snapshot_ids) or "(none: nothing was added)", language=None)

# ----- removing moved songs from their old playlists -------------------------------------------
landed = None  # the songs now in the target playlist, once the add is done (or had nothing to add)
if done and st.session_state.get(DONE_FOR) == inputs:
    landed = [s.track_id for s in done[0].to_add + done[0].already_there]
elif stored and stored[0] == inputs and not stored[1].to_add:
    landed = [s.track_id for s in stored[1].already_there]
if moves and remove_from_old and landed is not None:
    st.subheader("Remove the moved songs from their old playlists")
    st.caption("They are in the playlist that fits them better now. Nothing is removed until you type a playlist's "
               "name and press Remove; each removal is logged with Spotify's snapshot id and can be undone.")
    plans = st.session_state.get(REMOVALS)
    if not is_logged_in(settings, st.session_state, WRITE_SCOPES):
        st.write("Playlist Enhancer needs your permission to change playlists.")
        try:
            st.link_button("Log in to Spotify with permission to change playlists",
                           login_link(settings, st.session_state, WRITE_SCOPES), icon=":material/login:",
                           key="spotify_removal_login")
        except UserError as error:
            st.error(escape_markdown(error), icon=":material/error:")
    elif plans is None or plans[0] != inputs:
        try:
            found = removal_plans(spotify_client(settings, st.session_state, READ_SCOPES), name, content,
                                  target.strip(), landed)
        except UserError as error:
            st.error(escape_markdown(error), icon=":material/error:")
        else:
            st.session_state[REMOVALS] = plans = (inputs, found)
    if plans is not None and plans[0] == inputs and is_logged_in(settings, st.session_state, WRITE_SCOPES):
        for number, old_plan in enumerate(plans[1]):
            with st.container(border=True, key=f"spotify_removal_{number}"):
                removal_section(old_plan, f"{abs(hash(inputs))}:{old_plan.playlist_id}",
                                lambda: spotify_client(settings, st.session_state, WRITE_SCOPES))
