"""The shared sidebar (Streamlit AppTest): it starts where the CLI's recommended default is, and its
widgets become the `RunConfig` every page uses."""

import streamlit as st
from streamlit.runtime.state.common import TESTING_KEY
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState

from dashboard import results_store, work
from pipeline.config import Encoding
from pipeline.recommended import recommended_config
from tests.test_dashboard_apptest import fresh_server, open_app  # noqa: F401


def selected_config(at):
    return at.session_state["_selection"].config


def test_a_first_visit_runs_the_recommended_configuration():
    at = open_app()
    assert selected_config(at) == recommended_config()


def test_the_class_weight_strength_is_offered_only_with_class_weights():
    at = open_app()
    at.sidebar.slider(key="class_weight_power").set_value(1.0).run()
    assert selected_config(at).param_dict == {"class_weight_power": 1.0}
    at.sidebar.selectbox(key="strategy").set_value("oversample").run()
    assert not [s for s in at.sidebar.slider if s.key == "class_weight_power"]
    assert selected_config(at).param_dict == {}


def test_encoding_widgets_become_the_encoding():
    at = open_app()
    at.sidebar.toggle(key="splines").set_value(False)
    at.sidebar.toggle(key="album").set_value(False)
    at.sidebar.selectbox(key="scaler").set_value("maxabs").run()
    assert selected_config(at).encoding == Encoding(scaler="maxabs", splines=False, album=False)


TUNED = {"C": 3.0, "class_weight_power": 0.55}


def open_app_with_tuned_parameters():
    """A fresh session on the demo after ``TUNED`` was adopted on the Train & tune page."""
    selection = open_app().session_state["_selection"]
    results_store.write_json(results_store.chosen_params_path(selection.fingerprint, selection.config),
                             {"params": TUNED})
    return open_app()


def badges(at) -> list[str]:
    return [m.value for m in at.sidebar.markdown if "-badge[" in m.value]


def test_a_fresh_session_shows_the_tuned_values_it_uses():
    at = open_app_with_tuned_parameters()
    assert at.sidebar.slider(key="class_weight_power").value == 0.55
    assert any("tuned" in b for b in badges(at))
    assert at.sidebar.toggle(key="use_tuned").value
    assert "Tuned, in use: C=3, class_weight_power=0.55." in at.sidebar.caption[0].value
    assert selected_config(at).param_dict == TUNED == at.session_state["_selection"].tuned


def test_moving_a_tuned_slider_uses_the_new_value_and_drops_its_tuned_mark():
    at = open_app_with_tuned_parameters()
    at.sidebar.slider(key="class_weight_power").set_value(0.8).run()
    assert selected_config(at).param_dict == {"C": 3.0, "class_weight_power": 0.8}
    assert at.session_state["_selection"].tuned == {"C": 3.0}
    assert not badges(at)
    caption = at.sidebar.caption[0].value
    assert "Tuned, in use: C=3." in caption and "Your class_weight_power=0.8 replaces the tuned 0.55." in caption


def test_turning_tuned_parameters_off_puts_the_defaults_back_on_the_widgets():
    at = open_app_with_tuned_parameters()
    at.sidebar.toggle(key="use_tuned").set_value(False).run()
    assert at.sidebar.slider(key="class_weight_power").value == 0.5
    assert selected_config(at) == recommended_config() and not at.session_state["_selection"].tuned
    assert "not in use" in at.sidebar.caption[0].value and not badges(at)
    at.sidebar.toggle(key="use_tuned").set_value(True).run()
    assert at.sidebar.slider(key="class_weight_power").value == 0.55
    assert selected_config(at).param_dict == TUNED


def reconnect_after_a_restart(at):
    """What a tab does when the server restarts: it sends the same URL and the values its widgets show
    to a new server, in a new, empty session. (AppTest keeps one session; it is swapped for a new one,
    made as ``AppTest.__init__`` makes it.)"""
    browser_values = at._tree.get_widget_states()
    work.job_board.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    session = SessionState()
    session[TESTING_KEY] = {}
    at._session_state = SafeSessionState(session, lambda: None)
    at.session_state = type(at.session_state)(at._session_state)
    return at._run(browser_values)


def test_a_tab_that_reconnects_after_a_restart_keeps_the_playlists_left_out():
    at = open_app()
    at.sidebar.multiselect(key="exclude").set_value(["Gym", "Road Trip"])
    at.sidebar.selectbox(key="artist").set_value("hashing").run()
    before = at.session_state["_selection"]
    assert at.query_params["exclude"] == ["Gym", "Road Trip"]
    reconnect_after_a_restart(at)
    assert not at.exception
    assert at.sidebar.multiselect(key="exclude").value == ["Gym", "Road Trip"]
    after = at.session_state["_selection"]
    assert (after.fingerprint, after.config, after.folds) == (before.fingerprint, before.config, before.folds)
    assert at.query_params["exclude"] == ["Gym", "Road Trip"]
