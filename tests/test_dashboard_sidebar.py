"""The shared sidebar (Streamlit AppTest): it starts where the CLI's recommended default is, and its
widgets become the `RunConfig` every page uses."""

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
