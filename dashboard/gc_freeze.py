"""One `gc.freeze` per server process, so the collection Streamlit runs after every script run stays cheap.

Streamlit calls ``gc.collect(2)`` after each run (``runner.postScriptGC``): a full collection walks
every object the process tracks, and the dashboard's imports (pandas, scikit-learn, plotly,
Optuna) are hundreds of thousands of them, so each redraw paid ~130 ms for objects that live as
long as the server. At the start of the second run, everything alive then — modules, cached
libraries, the first page's state — goes to the permanent generation that collections skip;
Streamlit's collection after the first run has just cleared the garbage, so nothing collectable
is frozen. Objects made later are collected as before (`bench/dashboard_speed.py` measures it).
"""

from __future__ import annotations

import gc

from streamlit import runtime

_runs_started = 0


def freeze_after_first_run() -> None:
    """Call at the top of every script run: freezes once, when the second run starts. Only in a
    server (``streamlit run``): a test process running the app in-process keeps its own collector."""
    global _runs_started
    if not runtime.exists():
        return
    _runs_started += 1
    if _runs_started == 2 and not gc.get_freeze_count():
        gc.freeze()
