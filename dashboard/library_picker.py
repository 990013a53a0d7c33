"""The sidebar's library: where it comes from (demo, upload, path, the fetched Spotify library) and
which playlists are left out.

Libraries are read once and shared between reruns and sessions (``st.cache_resource``): nothing
changes a `Library` in place, and unpickling one on every redraw (``st.cache_data``) cost more than
the rest of the sidebar. A refused upload leaves the uploader, its reason kept on screen.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from dashboard.library_source import UPLOAD_TYPES, library_from_path, library_from_upload
from pipeline.errors import UserError
from pipeline.library import Library
from pipeline.paths import fetched_library_dir
from pipeline.recommended import catch_alls
from pipeline.sources import DEMO, read_source
from pipeline.sources.native import is_saved_library

SOURCES = {"demo": "Demo library", "upload": "Upload an Exportify export", "path": "A path on this machine",
           "spotify": "My Spotify library"}
BOUND = "query-params"


def library_widgets() -> tuple[Library | None, str, str | None, str | None]:
    """The full library, a key naming its content, and a problem or a notice for the page."""
    source = st.radio("Source", list(SOURCES), format_func=SOURCES.get, key="source", bind=BOUND,
                      label_visibility="collapsed")
    try:
        if source == "demo":
            return load_demo(), "demo", None, None
        if source == "upload":
            return _uploaded_library()
        if source == "path":
            path = st.text_input("Folder, .zip or CSV on this machine", key="path", bind=BOUND,
                                 placeholder="~/exports/spotify_playlists.zip")
            if not path.strip():
                return None, "", None, "Type the path of an Exportify folder, .zip or CSV in the sidebar."
            stamp = _stamp(path)
            return load_path(path, stamp), f"path:{path}:{stamp}", None, None
        folder = fetched_library_dir()
        if not is_saved_library(folder):
            return None, "", None, ("Log in and fetch your library on the **Spotify** page (top right); it is "
                                    "saved on this machine and opens here from then on.")
        stamp = _stamp(str(folder))
        return load_path(str(folder), stamp), f"spotify:{stamp}", None, None
    except UserError as error:
        return None, "", str(error), None


UPLOAD_ROUND, UPLOAD_REJECTED = "_upload_round", "_upload_rejected"
"""Session keys: which file uploader is drawn (a new one is empty), and why the last upload was refused."""


def _uploaded_library() -> tuple[Library | None, str, str | None, str | None]:
    """The uploaded library. A refused upload is taken out of the uploader (a fresh, empty one is
    drawn) and its reason kept on screen until the next upload: left in, it would join the next
    file and refuse that one too."""
    files = st.file_uploader("Exportify .zip or playlist CSVs", type=list(UPLOAD_TYPES), accept_multiple_files=True,
                             key=f"upload:{st.session_state.get(UPLOAD_ROUND, 0)}",
                             help="From exportify.app: 'Export All' gives one .zip with a CSV per playlist "
                                  "(liked songs included).")
    if not files:
        rejected = st.session_state.get(UPLOAD_REJECTED)
        return None, "", rejected, None if rejected else "Upload an Exportify .zip (or the CSV files inside it) to begin."
    st.session_state.pop(UPLOAD_REJECTED, None)
    digest = _digest(files)
    try:
        return load_upload(digest, [(f.name, f.getvalue()) for f in files]), f"upload:{digest}", None, None
    except UserError as error:
        st.session_state[UPLOAD_REJECTED] = f"Not read, so taken out of the uploader: {error}"
        st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
        st.rerun()


@st.cache_resource(show_spinner="Making the demo library…", max_entries=1)
def load_demo() -> Library:
    return read_source(DEMO)


@st.cache_resource(show_spinner="Reading the library…", max_entries=4)
def load_path(path: str, stamp: str) -> Library:
    """``stamp`` changes when the files do, so an edited export is read again."""
    return library_from_path(path)


@st.cache_resource(show_spinner="Reading your upload…", max_entries=4)
def load_upload(digest: str, _files: list[tuple[str, bytes]]) -> Library:
    return library_from_upload(_files)


@st.cache_resource(max_entries=16)
def excluded(_library: Library, source_key: str, names: tuple[str, ...]) -> tuple[Library, str]:
    """The library without ``names``, and its fingerprint (``source_key`` names the full library)."""
    library = _library.exclude(names)
    return library, library.fingerprint()


def exclusion_widget(full: Library, names: list[str], source_key: str) -> list[str]:
    """The playlists left out: ``names`` are ``full``'s, largest first."""
    if "_exclude_for" not in st.session_state and "exclude" in st.query_params:
        # A new session with a URL (a reload, a shared link, a tab reconnecting after a server restart):
        # the URL says what is left out. A reconnecting tab also sends its widgets' old values, which win
        # over the URL and which a new session cannot read before the widget is drawn: so set it here.
        st.session_state["exclude"] = [n for n in st.query_params.get_all("exclude") if n in names]
    elif st.session_state.get("_exclude_for") != source_key:
        # A new library: suggest leaving out its catch-alls.
        st.session_state["exclude"] = [found.playlist_name for found in catch_alls(full)]
    else:
        st.session_state["exclude"] = [n for n in st.session_state.get("exclude", []) if n in names]
    st.session_state["_exclude_for"] = source_key
    return st.multiselect("Playlists to leave out", names, key="exclude", bind=BOUND,
                          placeholder="none left out",
                          help="Catch-all playlists (liked, starred, top songs, Shazam ...) teach the model "
                               "little; ones named like catch-alls or holding most of your tracks are "
                               "suggested. You decide.")


def _digest(files) -> str:
    digest = hashlib.sha256()
    for uploaded in files:
        digest.update(uploaded.name.encode() + b"\0" + hashlib.sha256(uploaded.getvalue()).digest())
    return digest.hexdigest()


def _stamp(path: str) -> str:
    target = Path(path.strip().strip("\"'")).expanduser()
    try:
        files = [target, *target.iterdir()] if target.is_dir() else [target]
        return ";".join(f"{f.name}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files)
    except OSError:
        return "missing"
