"""Train & tune: cross-validated scores of the sidebar's configuration, and an Optuna study for it, read
live from its storage (this computer's SQLite file, or a database that other machines tune it in too)."""

import pandas as pd
import streamlit as st

from dashboard import charts, story, work
from dashboard.confusion_view import draw_confusion
from dashboard.markdown_text import escape_markdown
from dashboard.percent_columns import as_percents, percent_number
from dashboard.score_cards import baselines, score_cards
from dashboard.sidebar import current_selection
from pipeline import confusion
from pipeline.config import MODEL_LABELS
from pipeline.errors import UserError
from pipeline.study_storage import default_storage, redacted, with_password_of
from pipeline.tuning import IMPORTANCE_MIN_TRIALS, OBJECTIVES

PER_PLAYLIST_SCORES = {"precision": "Precision", "recall": "Recall", "f1": "F1", "ap": "Average precision",
                       "true_share": "True share", "predicted_share": "Predicted share"}
REFRESH_SECONDS = 3


def listing(params: dict, tuned: dict | None = None) -> str:
    """``k=v`` pairs, each tuned one marked."""
    tuned = tuned or {}
    return ", ".join((f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}") + (" (tuned)" if k in tuned else "")
                     for k, v in sorted(params.items()))


def draw_mix_ups(result) -> None:
    """The pairs of playlists mixed up most, a labelled matrix of the playlists in them, and the
    full matrix on demand: readable at four playlists and at a hundred."""
    labels, counts = result.confusion_labels, confusion.counts_of(result)
    pairs = confusion.most_confused_pairs(labels, counts, top=10)
    if pairs.empty:
        st.success("No song was predicted into a playlist that does not hold it.", icon=":material/check_circle:")
        return
    st.dataframe(pairs.assign(share_of_true=100 * pairs["share_of_true"]), hide_index=True, key="train_pairs",
                 column_config={"true_playlist": "Songs of", "predicted_playlist": "predicted as",
                                "songs": st.column_config.NumberColumn("Songs", format="%.0f"),
                                "share_of_true": st.column_config.NumberColumn("Share of its songs", format="%.0f%%")})
    st.caption("Out-of-fold predictions, most songs first. A song in several playlists counts as a share of one "
               "in each, so counts are rounded.")
    draw_confusion(result, key="train_confusion")


def storage_url() -> str:
    """The study storage typed in (default: this computer's SQLite file). A password typed into it is kept
    aside and the box shows ``***`` instead, so it is never drawn again."""
    shown = st.text_input("Study storage", value=default_storage(), key="tune_storage", persist_state="session",
                          on_change=_keep_password_aside,
                          help="A SQLAlchemy URL. A PostgreSQL one (postgresql+psycopg://USER@HOST/DB) shows and adds "
                               "to a study that other machines tune too (docs/tuning.md); keep its password in "
                               "~/.pgpass rather than in the URL.")
    typed = st.session_state.get("_tune_storage_url")
    return typed if typed is not None and redacted(typed) == shown else shown


def _keep_password_aside() -> None:
    typed = with_password_of(st.session_state["tune_storage"], st.session_state.get("_tune_storage_url") or "")
    st.session_state["_tune_storage_url"] = typed
    st.session_state["tune_storage"] = redacted(typed)


def draw_study(result, objective: str, storage: str) -> None:
    """What the study holds now, whoever added it: cards, the trial history, importances, best parameters."""
    try:
        tuning = work.stored_tuning(selection, config, objective, storage)
    except UserError as error:  # the database went away between two refreshes
        st.warning(escape_markdown(error), icon=":material/sync_problem:")
        return
    name = work.tuning_study_name(selection, config, objective)
    running = 0 if tuning is None else sum(t["state"] == "RUNNING" for t in tuning.trials)
    st.caption(f"Study `{name}` in `{redacted(storage)}`" + (f" · {running} trial{'s' if running != 1 else ''} "
               "running now" if running else "") + ". Other machines add theirs with `python -m pipeline tune "
               f"--study {name} --storage URL` and this configuration's flags.")
    if tuning is None or tuning.best_value is None:
        return
    cards = {f"Best {charts.SCORE_LABELS[objective]}": (f"{tuning.best_value:.1%}", None)}
    if result is not None:
        cards["Baseline"] = (f"{getattr(result.baseline, objective):.1%}",
                             "Always answering with the largest playlist.")
    cards["Trials"] = (f"{tuning.n_finished:,}", "Finished or pruned, by any worker; a stopped, failed or "
                                                 "running trial does not count.")
    for column, (label, (value, help_text)) in zip(st.columns(len(cards)), cards.items()):
        column.metric(label, value, border=True, help=help_text)
    trials_frame = tuning.trials_frame()
    history_column, importance_column = st.columns([3, 2])
    history_column.plotly_chart(charts.trial_history_figure(trials_frame, objective), key="tune_history")
    if tuning.importances:
        importance_column.plotly_chart(charts.importances_figure(tuning.importances), key="tune_importances")
    elif (finished := int((trials_frame["state"] == "COMPLETE").sum())) < IMPORTANCE_MIN_TRIALS:
        importance_column.info(f"Parameter importances appear after {IMPORTANCE_MIN_TRIALS} finished trials "
                               f"({finished} so far): with fewer, which parameter matters is mostly noise.",
                               icon=":material/hourglass_top:")
    else:
        importance_column.info("Parameter importances could not be estimated from these trials.",
                               icon=":material/info:")
    st.dataframe(trials_frame, hide_index=True, key="tune_trials_table",
                 column_config={"number": "Trial", "state": "State", "worker": "Worker (host:pid)",
                                "value": st.column_config.NumberColumn(charts.SCORE_LABELS[objective], format="%.3f"),
                                "seconds": st.column_config.NumberColumn("Seconds", format="%.1f")})
    st.markdown(f"**Best parameters:** `{listing(tuning.best_params)}`")
    if config.param_dict == tuning.best_params:
        st.success("The sidebar configuration already uses these parameters.", icon=":material/check_circle:")
    elif st.button("Use these parameters", key="tune_adopt", icon=":material/done:", on_click=work.adopt_params,
                   args=(selection, config, tuning.best_params),
                   help="Puts them in the sidebar, where you can still change each one."):
        st.rerun()  # the whole page: the sidebar, outside this fragment, shows them now


selection = current_selection()
config = selection.config
params = listing(config.param_dict, selection.tuned) or "defaults"

st.title("Train & tune")
st.caption(f"{config.label()} · parameters: {params} · seed {config.seed} · change any of them in the sidebar")

# ----- cross-validated scores ----------------------------------------------------------------
st.subheader("Cross-validated scores")
evaluation_key = work.evaluation_key(selection, config)
result = work.stored_evaluation(selection, config)
work.show_failures([evaluation_key])
if work.running_jobs([evaluation_key]):
    work.show_progress([evaluation_key])
elif result is None:
    st.info(f"{selection.folds}-fold cross-validation split by track, then a backtest on the liked songs you "
            "already filed. Results are stored, so this runs once per configuration.", icon=":material/info:")
    if st.button("Train and evaluate", type="primary", key="train_run", icon=":material/play_arrow:"):
        work.start_evaluation(selection, config)
        st.rerun()
else:
    score_cards(result, st.columns(len(story.headline_values(result))), border=True, describe_baseline=False)
    st.caption(f"Green: points above the baseline that always answers with the largest playlist ({baselines(result)})."
               f" {result.n_items:,} tracks scored once each · median fit {result.fit_seconds:.1f} s per fold · "
               f"backtest on {result.backtest.n:,} liked songs already in playlists.")
    if result.history:
        st.plotly_chart(charts.training_curve_figure(result.history), key="train_curve")
    per_playlist = st.expander("Per playlist", key="train_per_playlist_open", on_change="rerun")
    if per_playlist.open:
        table = pd.DataFrame([vars(p) for p in result.per_playlist]).drop(columns=["playlist_id"])
        per_playlist.dataframe(as_percents(table, PER_PLAYLIST_SCORES), hide_index=True, key="train_per_playlist",
                               column_config={"playlist_name": "Playlist", "size": "Tracks",
                                              **{c: percent_number(label) for c, label in PER_PLAYLIST_SCORES.items()}})
    st.subheader("Which playlists get mixed up")
    draw_mix_ups(result)

# ----- tuning -----------------------------------------------------------------------------------
st.subheader("Tune with Optuna")
if config.model == "dummy":
    st.info(f"{MODEL_LABELS['dummy']} has nothing to tune: pick a model in the sidebar.", icon=":material/info:")
    st.stop()

objective_column, trials_column, start_column = st.columns([2, 1, 1], vertical_alignment="bottom")
objective = objective_column.selectbox("Optimise", OBJECTIVES, format_func=charts.SCORE_LABELS.get,
                                       key="tune_objective", persist_state="session",
                                       help="Macro-F1 and macro-AP weigh every playlist equally; accuracy "
                                            "favours the big ones.")
trials = int(trials_column.number_input("Trials to add", min_value=1, max_value=500, value=20, key="tune_trials",
                                        persist_state="session"))
storage = storage_url()
tuning_key = work.tuning_key(selection, config, objective, storage)
try:
    tuning = work.stored_tuning(selection, config, objective, storage)
except UserError as error:
    st.error(escape_markdown(error), icon=":material/error:")
    st.stop()
work.show_failures([tuning_key])
if work.running_jobs([tuning_key]):
    work.show_progress([tuning_key])
elif start_column.button("Resume the study" if tuning else "Start tuning", type="primary", key="tune_run",
                         icon=":material/tune:"):
    work.start_tuning(selection, config, objective, trials, storage)
    st.rerun()
st.caption("Each trial cross-validates one parameter set (3 folds; weak trials are pruned after a fold). The "
           "study is stored: starting again adds trials to it instead of starting over. Stop ends the running "
           "trial before its next fit.")
follow = st.toggle("Follow the study live", value=True, key="tune_follow", persist_state="session",
                   help=f"Read the study again every {REFRESH_SECONDS} s, so trials that other machines add appear.")
st.fragment(draw_study, run_every=REFRESH_SECONDS if follow else None)(result, objective, storage)
