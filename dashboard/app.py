"""Playlist Enhancer dashboard: navigation and the shared sidebar; each page lives in ``app_pages/``.

Run from the repository root: ``streamlit run dashboard/app.py``. The page folder is not called
``pages/``: Streamlit treats a ``pages/`` folder beside the entry file as the old multipage API and
then runs a page opened by URL (``/compare``) without this file, so without the sidebar.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # `streamlit run dashboard/app.py` puts only dashboard/ on the path; pages import pipeline/.
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.gc_freeze import freeze_after_first_run  # noqa: E402
from dashboard.markdown_text import escape_markdown  # noqa: E402
from dashboard.sidebar import remember, render_sidebar  # noqa: E402

freeze_after_first_run()

st.set_page_config(page_title="Playlist Enhancer", page_icon=str(ROOT / "dashboard" / "assets" / "queue_music.svg"),
                   layout="wide")  # the tab icon ships with the app: no request to a font server

# Spotify's login sends the browser back to the root URL with ?code=&state=: open the Spotify page then,
# which finishes the login.
RETURNING_FROM_SPOTIFY = "code" in st.query_params and "state" in st.query_params
SPOTIFY = st.Page("app_pages/spotify.py", title="Spotify", icon=":material/cloud_sync:",
                  default=RETURNING_FROM_SPOTIFY)

PAGES = [
    st.Page("app_pages/library.py", title="Library", icon=":material/library_music:",
            default=not RETURNING_FROM_SPOTIFY),
    st.Page("app_pages/train.py", title="Train & tune", icon=":material/model_training:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("app_pages/suggestions.py", title="Suggestions", icon=":material/playlist_add:"),
    st.Page("app_pages/misfits.py", title="Misfits", icon=":material/swap_horiz:"),
    st.Page("app_pages/new_playlists.py", title="New playlists", icon=":material/library_add:"),
    SPOTIFY,
]
page = st.navigation(PAGES, position="top")
selection = remember(render_sidebar())

if page.url_path == SPOTIFY.url_path:
    page.run()  # logging in and fetching need no library loaded
    st.stop()
if selection.problem:
    st.error(escape_markdown(selection.problem), icon=":material/error:")
    st.stop()
if selection.library is None:
    st.info(selection.notice or "Choose a library in the sidebar.", icon=":material/info:")
    st.stop()
page.run()
