"""The Spotify page's last step for moved misfits: take them out of their old playlist, and put them back.

Drawn per old playlist once the songs are in the new one (`dashboard.app_pages.spotify`): a preview of
what would be removed, a text input where the user types the playlist's name, a Remove button disabled
until it matches (`pipeline.spotify.removal.apply_removal` checks it again and sends nothing otherwise),
then the log entry with Spotify's snapshot id and an Undo button (`undo_removal`).
"""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from dashboard.markdown_text import escape_markdown
from dashboard.spotify_panel import removal_table
from pipeline.errors import UserError
from pipeline.spotify.removal import UNDO_COMMAND, RemovalInterrupted, RemovalPlan, apply_removal, undo_removal

REMOVED, UNDONE = "spotify_removed", "spotify_undone"
"""Session keys: section -> `RemovalResult` (or the `RemovalInterrupted` it ended in); removal entry ->
`UndoResult`."""


def removal_section(plan: RemovalPlan, section: str, writer: Callable[[], Any]) -> None:
    """One old playlist: what would be removed, the typed confirmation, then the result and its Undo.
    ``section`` keys its widgets and results; ``writer()`` is a client allowed to change playlists."""
    removed = st.session_state.setdefault(REMOVED, {})
    old = escape_markdown(plan.playlist_name)
    result = removed.get(section)
    if isinstance(result, RemovalInterrupted):  # some songs may be out: the log entry puts them back
        st.error(escape_markdown(result), icon=":material/error:")
        undo_button(result.entry, section, old, writer)
        return
    if result is None:
        if not plan.items:
            st.info(f"Nothing to remove from '{old}': none of these songs is in it.", icon=":material/info:")
            return
        st.markdown(f"**{len(plan.items)} song(s) would be removed from '{old}'** (every place each one sits). "
                    f"Type **{old}** below to confirm.")
        st.dataframe(removal_table(plan), hide_index=True, width="stretch", key=f"spotify_removal_table:{section}")
        if plan.not_there:
            st.caption(f"{len(plan.not_there)} of the moved songs are not in '{old}' any more: nothing to remove.")
        typed = st.text_input("Type the playlist name to confirm", key=f"spotify_removal_confirm:{section}",
                              live=True)  # the Remove button wakes up as the name is typed
        if st.button("Remove", key=f"spotify_removal_apply:{section}", type="primary",
                     icon=":material/playlist_remove:", disabled=not plan.confirmed_by(typed)):
            try:
                removed[section] = apply_removal(writer(), plan, confirmation=typed)
            except RemovalInterrupted as error:
                if error.entry is None:  # nothing was removed
                    st.error(escape_markdown(error), icon=":material/error:")
                    return
                removed[section] = error
            except UserError as error:
                st.error(escape_markdown(error), icon=":material/error:")
                return
            st.rerun()
        return
    if result.entry is None:
        st.info(f"Nothing was removed from '{old}': none of these songs was in it any more.", icon=":material/info:")
        return
    st.success(f"Removed {len(result.removed)} song(s) from '{old}'. Logged as entry `{result.entry}`, with "
               f"Spotify's snapshot id `{result.snapshot_id}`.", icon=":material/check_circle:")
    if result.replanned:
        st.caption("The playlist had changed since the preview: only the planned songs still in it were removed, "
                   "from where they sit now.")
    undo_button(result.entry, section, old, writer)


def undo_button(entry: str, section: str, old: str, writer: Callable[[], Any]) -> None:
    """Undo for the logged removal ``entry`` from the playlist ``old`` (escaped), or what the undo did."""
    undone = st.session_state.setdefault(UNDONE, {})
    undo = undone.get(entry)
    if undo is not None:
        st.success(f"Undone: put {len(undo.put_back)} song(s) back in '{old}' where they were "
                   f"(log entry `{undo.entry}`).", icon=":material/undo:")
        return
    if st.button("Undo", key=f"spotify_removal_undo:{section}", icon=":material/undo:",
                 help="Puts the removed songs back at their old places in the playlist."):
        try:
            undone[entry] = undo_removal(writer(), entry)
        except UserError as error:
            st.error(escape_markdown(error), icon=":material/error:")
        else:
            st.rerun()
    st.caption(f"Or later, from a terminal: `{UNDO_COMMAND.format(entry=entry)}`")
