"""Compare: two imbalance strategies side by side on your playlists, and the leaky mistake if asked."""

import logging
from dataclasses import replace

import streamlit as st

from dashboard import charts, report, story, verdict, work
from dashboard.confusion_view import draw_confusion
from dashboard.markdown_text import escape_markdown
from dashboard.score_cards import score_cards
from dashboard.sidebar import SIDEBAR_STRATEGIES, current_selection
from pipeline import confusion
from pipeline.config import MODEL_LABELS, STRATEGY_LABELS
from pipeline.errors import UserError

selection = current_selection()

st.title("Compare imbalance strategies")
st.caption(f"{MODEL_LABELS[selection.config.model]} on {selection.library.source} · {selection.folds}-fold "
           "cross-validation split by track · the model's default parameters in every column, so only the "
           "strategy and its own setting differ (each column names what it used)")


@st.cache_data(max_entries=2, show_spinner="Writing the report…")
def report_file(_library, _config, fingerprint: str, names: tuple[str, ...], config_key: str, folds: int,
                stamps: tuple) -> bytes:
    """The report of the stored results; ``stamps`` (the stored files' times) make a new one when they change."""
    return report.build_report(_library, fingerprint, _config, folds).encode("utf-8")


def report_download() -> None:
    """"Download report": the stored results as one HTML file (nothing is trained for it), and what it lacks."""
    config, folds = selection.config, selection.folds
    paths = report.result_paths(selection.fingerprint, config, folds)
    stamps = tuple((key, path.stat().st_mtime_ns if path.exists() else None) for key, path in paths.items())
    names = (selection.library.source, *selection.library.playlists()["playlist_name"])
    try:
        document = report_file(selection.library, config, selection.fingerprint, names, config.key(), folds, stamps)
    except UserError as error:
        st.error(f"The report could not be written: {escape_markdown(error)}", icon=":material/error:")
        return
    except Exception as error:  # noqa: BLE001 - a page shows a sentence, the server log the traceback
        logging.getLogger(__name__).exception("the report could not be written")
        st.error(f"The report could not be written ({type(error).__name__}).", icon=":material/error:")
        return
    button, caption = st.columns([1, 4], vertical_alignment="center")
    button.download_button("Download report", document, file_name="playlist-report.html", mime="text/html",
                           on_click="ignore", key="compare_report", icon=":material/download:",
                           help="One HTML file of the results stored so far: it opens from disk, with no network.")
    by_place: dict[str, list[str]] = {}
    for missing in report.missing_results(selection.fingerprint, config, folds):
        by_place.setdefault(missing.where, []).append(missing.what)
    if by_place:
        caption.caption("Not in the report yet: " + "; ".join(
            f"{story.join_words(whats)}{f' ({where})' if where else ''}" for where, whats in by_place.items())
            + f". `{report.COMMAND}` computes everything missing.")


report_download()

left_pick, right_pick, leak_pick = st.columns([2, 2, 3], vertical_alignment="bottom")
first = left_pick.selectbox("Left", SIDEBAR_STRATEGIES, index=SIDEBAR_STRATEGIES.index("class_weights"),
                            format_func=STRATEGY_LABELS.get, key="compare_left", persist_state="session")
second = right_pick.selectbox("Right", SIDEBAR_STRATEGIES, index=SIDEBAR_STRATEGIES.index("oversample"),
                              format_func=STRATEGY_LABELS.get, key="compare_right", persist_state="session")
show_leak = leak_pick.toggle("Show the leaky mistake", key="compare_leaky", persist_state="session",
                             help="Adds leaky oversampling: copies made before the split, as in many tutorials. "
                                  "Clearly marked, and explained below.")

strategies = list(dict.fromkeys([first, second] + (["leaky"] if show_leak else [])))
configs = {strategy: story.column_config(selection.config, strategy) for strategy in strategies}
keys = [work.evaluation_key(selection, config) for config in configs.values()]
results = {strategy: work.stored_evaluation(selection, config) for strategy, config in configs.items()}
missing = [strategy for strategy, result in results.items() if result is None]

work.show_failures(keys)
if work.running_jobs(keys):
    work.show_progress(keys)
    st.stop()
if missing:
    names = ", ".join(STRATEGY_LABELS[s] for s in missing)
    st.info(f"Not evaluated yet on this library: {names}. Each evaluation trains the model once per fold "
            "and once more for the backtest; it runs in the background and is stored, so you can look at "
            "other pages meanwhile.", icon=":material/info:")
    if st.button(f"Evaluate {len(missing)} configuration{'s' if len(missing) > 1 else ''}", type="primary",
                 key="compare_run", icon=":material/play_arrow:"):
        for strategy in missing:
            work.start_evaluation(selection, configs[strategy])
        st.rerun()
    st.stop()

labels = {strategy: "Leaky oversampling" if strategy == "leaky" else STRATEGY_LABELS[strategy]
          for strategy in strategies}
honest = [s for s in strategies if s != "leaky"]
columns = [(labels[s], results[s]) for s in strategies]

with st.container(border=True, key="verdict"):
    st.markdown("#### What your numbers say")
    if len(honest) == 2:
        st.markdown(story.verdict_sentence(story.compare(results[honest[0]], results[honest[1]]),
                                           labels[honest[0]], labels[honest[1]]))
        st.markdown(story.cost_sentence(labels[honest[0]], results[honest[0]], labels[honest[1]],
                                        results[honest[1]]))
    for strategy in honest:
        st.markdown(story.spread_sentence(labels[strategy], results[strategy]))
    if calibration := story.calibration_sentence([(labels[s], results[s]) for s in honest]):
        st.markdown(calibration)
    if "leaky" in strategies:
        reference = "oversample" if "oversample" in honest else honest[0]
        st.markdown(":red[**Leaky:**] " + story.leak_sentence(results["leaky"], results[reference],
                                                                labels[reference]))

st.plotly_chart(charts.scores_figure(story.score_rows(columns)), key="compare_scores")
st.caption("Bars are cross-validated scores; the white tick is the baseline that always answers with the "
           "largest playlist. Hatched bars come from the leaky set-up and are not real.")

shares = story.share_rows([(labels[s], results[s]) for s in honest])
playlists = shares["playlist_name"].nunique()
every_share = playlists > charts.SHARE_ROWS and st.toggle(f"Show all {playlists} playlists", key="compare_shares_all",
                                                          help=f"The chart shows the {charts.SHARE_ROWS} largest.")
st.plotly_chart(charts.share_figure(shares, top=None if every_share else charts.SHARE_ROWS), key="compare_shares")
st.caption("Grey bars: each playlist's share of the tracks. Markers: its share of each configuration's "
           "predictions. Markers right of the bars at the top mean the model leans on your biggest playlists.")


def parameters_used(config) -> str:
    """What one column ran with: the strategy's own setting from the sidebar (tuned or not), the
    model's defaults for everything else."""
    own = [f"{name}={value:.3g} ({'tuned' if name in selection.tuned else 'set in the sidebar'})"
           for name, value in config.params]
    if not own:
        return "Used: the model's and the strategy's default parameters."
    return f"Used: {'; '.join(own)}; the model's default parameters otherwise."


def draw_column(strategy: str, result) -> None:
    if strategy == "leaky":
        st.markdown(f"#### :red[{labels[strategy]}]")
        st.badge("inflated", icon=":material/warning:", color="red",
                 help="Copies of songs were made before the split, so they sit on both sides of it.")
    else:
        st.markdown(f"#### {labels[strategy]}")
        st.badge("honest", icon=":material/verified:", color="blue",
                 help="Folds split by track; any resampling happens inside the training fold only.")
    st.caption(parameters_used(configs[strategy]))
    score_cards(result, st.columns(2), describe_baseline=len(strategies) == 2)
    pairs = confusion.most_confused_pairs(result.confusion_labels, confusion.counts_of(result), top=5)
    st.markdown("**Mixed up most**")
    if pairs.empty:
        st.caption("No song was predicted into a playlist that does not hold it.")
    else:
        st.dataframe(pairs.assign(share_of_true=100 * pairs["share_of_true"]), hide_index=True,
                     key=f"pairs_{strategy}",
                     column_config={"true_playlist": "Songs of", "predicted_playlist": "predicted as",
                                    "songs": st.column_config.NumberColumn("Songs", format="%.0f"),
                                    "share_of_true": st.column_config.NumberColumn("Share", format="%.0f%%")})
    draw_reliability(strategy, result)


def draw_reliability(strategy: str, result) -> None:
    check = story.confidence_check(result)
    if check is None:
        st.info("The confidence check needs a fresh evaluation: this result was stored before confidence was "
                "measured.", icon=":material/info:")
        if st.button("Evaluate again", key=f"compare_recheck_{strategy}", icon=":material/refresh:"):
            work.start_evaluation(selection, configs[strategy])
            st.rerun()
        return
    st.plotly_chart(charts.reliability_figure(result.reliability["before"], result.reliability["after"],
                                              charts.STRATEGY_COLORS.get(strategy, charts.ACCENT),
                                              "Confidence against share right"), key=f"reliability_{strategy}")
    st.caption(story.ece_caption(check))


for column, strategy in zip(st.columns(len(strategies), gap="large"), strategies):
    with column:
        draw_column(strategy, results[strategy])

st.subheader("Which playlists get mixed up")
for tab, strategy in zip(st.tabs([labels[s] for s in strategies]), strategies):
    with tab:
        draw_confusion(results[strategy], key=f"confusion_{strategy}")

if "leaky" in strategies:
    st.warning(story.LEAK_EXPLAINED, icon=":material/report:")


def neighbour_results(sampler: str) -> tuple | None:
    """The nearest-neighbour model's stored (class weights, ``sampler``) results, when both are stored
    and the page's own model is another one (for KNN, the columns above are that pair already)."""
    if selection.config.model == "knn":
        return None
    knn = replace(selection.config, model="knn")
    pair = tuple(work.stored_evaluation(selection, story.column_config(knn, s)) for s in ("class_weights", sampler))
    return pair if all(r is not None for r in pair) else None


samplers = [s for s in honest if s in ("oversample", "smote")]
if "class_weights" in honest and samplers:
    with st.container(border=True, key="decided"):
        st.subheader("What decided it")
        for sentence in verdict.what_decided_it(labels["class_weights"], results["class_weights"],
                                              labels[samplers[0]], results[samplers[0]],
                                              neighbours=neighbour_results(samplers[0])):
            st.markdown(sentence)
