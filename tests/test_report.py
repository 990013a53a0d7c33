"""The report to share: one HTML file from stored results, every section, nothing fetched, names escaped.

``python -m pipeline report`` runs once per module on the demo (the baseline model, 2 folds) and
stores what it computes where the dashboard reads it; the other tests start from that store.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import plotly.offline
import pytest

from dashboard import report, results_store, story, tasks, work
from dashboard.worker import Progress
from pipeline.__main__ import main
from pipeline.discover import DEFAULT_MIN_PRECISION
from pipeline.paths import ENV_DATA_DIR
from pipeline.recommended import recommended_config
from pipeline.sources.demo import demo_library
from tests.test_dashboard_apptest import open_app, small_library

FOLDS = 2
CONFIG = replace(recommended_config(), model="dummy")  # what the sidebar holds with the baseline model chosen
CLI_CONFIG = ["--model", "dummy", "--folds", str(FOLDS)]  # the CLI keeps the strategy's own setting too
WHEN = datetime(2024, 5, 17, 9, 30)
TRICKY = {"Workout": '<script>alert("x")</script>', "Chill": 'Rock & "Roll" <b>live</b>',
          "Jazz": "<a href=\"https://evil.example/\">Jazz</a>", "Party": "It's a 'party' &amp; more"}


class Page(HTMLParser):
    """What a browser would make of the document: its tags with their attributes, and its text."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.headings: dict[str, list[str]] = {"h2": [], "h3": [], "h4": []}
        self._open: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data):
        if self._open and self._open[-1] in ("script", "style"):
            return
        self.text.append(data)
        for level in self.headings:
            if self._open and self._open[-1] == level:
                self.headings[level].append(data)

    def all_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> tuple[Path, Path]:
    """A data folder holding everything the demo's report needs, and the report the command wrote."""
    folder, out = tmp_path_factory.mktemp("report-data"), tmp_path_factory.mktemp("report") / "report.html"
    with data_folder(folder):
        assert main(["report", "--library", "demo", *CLI_CONFIG, "--out", str(out)]) == 0
    return folder, out


@pytest.fixture(scope="module")
def tricky_store(tmp_path_factory):
    """A small library whose names are HTML, with every result stored (computed by the dashboard's tasks)."""
    folder = tmp_path_factory.mktemp("tricky-data")
    small = small_library()
    songs = small.tracks.assign(name="<img src=x onerror=alert(1)> " + small.tracks["name"])
    playlists = small.memberships.assign(playlist_name=small.memberships["playlist_name"].map(TRICKY))
    library = replace(small, tracks=songs, memberships=playlists, source='My <b>library</b> & "friends"')
    silent = Progress(str(folder / "no-stop"), open(os.devnull, "w"))
    with data_folder(folder):
        for missing in report.missing_results(library.fingerprint(), CONFIG, FOLDS):
            if missing.kind == "evaluation":
                tasks.evaluate_and_store(library, missing.config, FOLDS, library.fingerprint(), silent)
            elif missing.kind == "suggestions":
                tasks.suggest_and_store(library, missing.config, library.fingerprint(), silent)
            elif missing.kind == "misfits":
                tasks.misfits_and_store(library, missing.config, FOLDS, library.fingerprint(), silent)
            else:
                tasks.discover_and_store(library, missing.config, DEFAULT_MIN_PRECISION, library.fingerprint(),
                                         silent)
        document = report.build_report(library, library.fingerprint(), CONFIG, FOLDS)
    return library, document


class data_folder:
    """``PLAYLIST_ENHANCER_DATA_DIR`` set to ``folder`` inside the ``with``."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.saved = folder, os.environ.get(ENV_DATA_DIR)

    def __enter__(self):
        os.environ[ENV_DATA_DIR] = str(self.folder)

    def __exit__(self, *exc):
        if self.saved is None:
            os.environ.pop(ENV_DATA_DIR, None)
        else:
            os.environ[ENV_DATA_DIR] = self.saved


def demo_report(folder: Path, **options) -> str:
    demo = demo_library()
    with data_folder(folder):
        return report.build_report(demo, demo.fingerprint(), CONFIG, FOLDS, **options)


def test_the_command_writes_every_section_with_every_result(demo_store):
    _, out = demo_store
    page = Page(out.read_text(encoding="utf-8"))
    assert page.headings["h2"] == list(report.SECTIONS.values())
    assert {"What your numbers say", "Does the confidence mean what it says?", "Which playlists get mixed up",
            "What decided it"} <= set(page.headings["h3"])
    text = page.all_text()
    assert "Not computed yet" not in text
    assert "Computed locally on your own data" in text
    assert f"seed {CONFIG.seed}" in text and CONFIG.label() in text and demo_library().source in text
    assert "Why the leaky column looks so good" in text
    assert "Most typical" in text or "no group" in text  # proposed playlists, or why there are none
    charts = [attrs for tag, attrs in page.tags if tag == "div" and "plotly-graph-div" in attrs.get("class", "")]
    assert len(charts) >= 10  # sizes, profile, liked, scores, shares, three reliability, three confusions


def test_the_report_asks_nothing_of_any_server(demo_store):
    document = demo_store[1].read_text(encoding="utf-8")
    page = Page(document)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "data", "poster"):
            target = (attrs.get(name) or "").strip().lower()
            assert not target or target.startswith("#"), f"<{tag} {name}={target!r}>"
    assert not {tag for tag, _ in page.tags} & {"link", "img", "iframe", "object", "embed", "base"}
    assert document.count(plotly.offline.get_plotlyjs()) == 1, "plotly's JavaScript, inlined once"
    assert "MathJax" not in document.replace(plotly.offline.get_plotlyjs(), "")
    assert '"displaylogo": false' in document  # the modebar's logo would link to plotly.com


def test_scores_are_the_ones_stored_written_as_the_dashboard_writes_them(demo_store):
    folder, out = demo_store
    demo = demo_library()
    with data_folder(folder):
        stored = report.stored_results(demo.fingerprint(), CONFIG, FOLDS).evaluations
    document = out.read_text(encoding="utf-8")
    for strategy, result in stored.items():
        cell = re.search(rf"data-strategy='{strategy}' data-score='macro_f1'>([^<]+)<", document)
        assert cell and cell.group(1) == f"{result.metrics.macro_f1:.1%}"
    weights, oversampling = stored["class_weights"], stored["oversample"]
    sentence = story.verdict_sentence(story.compare(weights, oversampling), "Class weights", "Random oversampling")
    assert re.sub(r"\*\*(.+?)\*\*", r"\1", sentence) in Page(document).all_text()


def test_the_same_stored_results_give_the_same_report(demo_store):
    folder, _ = demo_store
    first, second = demo_report(folder, generated_at=WHEN), demo_report(folder, generated_at=WHEN)
    assert first == second
    later = demo_report(folder, generated_at=datetime(2025, 1, 2, 3, 4))
    assert later.replace("02 January 2025, 03:04", "17 May 2024, 09:30") == first


def test_names_from_the_library_come_out_as_text(tricky_store):
    library, document = tricky_store
    page = Page(document)
    text = page.all_text()
    for name in [*TRICKY.values(), library.source]:
        assert name in text  # shown as typed...
        assert name not in document  # ...because it was escaped
    assert "<img src=x onerror=alert(1)> " in text
    assert not [tag for tag, _ in page.tags if tag == "img"]
    assert all(attrs["href"].startswith("#") for tag, attrs in page.tags if tag == "a")
    assert sum(tag == "script" for tag, _ in page.tags) == 1 + sum(
        "plotly-graph-div" in attrs.get("class", "") for tag, attrs in page.tags)


def test_a_result_not_stored_says_how_to_compute_it(tmp_path):
    document = demo_report(tmp_path, generated_at=WHEN)
    page = Page(document)
    assert page.headings["h2"] == list(report.SECTIONS.values())
    text = page.all_text()
    assert text.count("Not computed yet") == 6  # three evaluations, suggestions, misfits, new playlists
    assert "Not computed yet: Random oversampling evaluated (2 folds)" in text
    assert "python -m pipeline report --library SOURCE" in text and "Suggestions page" in text
    with data_folder(tmp_path):
        missing = report.missing_results(demo_library().fingerprint(), CONFIG, FOLDS)
    assert [m.kind for m in missing] == ["evaluation"] * 3 + ["suggestions", "misfits", "discovery"]
    assert [m.config.strategy for m in missing[:3]] == ["class_weights", "oversample", "leaky"]


def test_a_partly_stored_library_reports_what_it_has(demo_store, tmp_path):
    folder, _ = demo_store
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    demo = demo_library()
    with data_folder(tmp_path):
        results_store.evaluation_path(demo.fingerprint(), story.column_config(CONFIG, "oversample"), FOLDS).unlink()
    text = Page(demo_report(tmp_path)).all_text()
    assert text.count("Not computed yet") == 1 and "What decided it" not in text
    assert "Class weights sends" in text and "Leaky oversampling reports" in text


def test_no_compute_on_an_empty_store_says_what_is_missing(tmp_path, capsys):
    out = tmp_path / "report.html"
    with data_folder(tmp_path / "data"):
        assert main(["report", "--library", "demo", *CLI_CONFIG, "--no-compute", "--out", str(out)]) == 0
    errors = capsys.readouterr().err
    assert "not computed yet: Class weights evaluated (2 folds)" in errors
    assert "not computed yet: the misfits (2 folds)" in errors and "without --no-compute" in errors
    assert Page(out.read_text(encoding="utf-8")).all_text().count("Not computed yet") == 6
    assert not list((tmp_path / "data").glob("results/*/*.json")), "nothing was trained"


def test_folds_below_two_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", "--library", "demo", "--folds", "1", "--out", str(tmp_path / "r.html")])
    assert "at least 2" in capsys.readouterr().err


def test_the_compare_page_offers_the_report_of_what_is_stored(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path))
    work.job_board.clear()
    at = open_app("compare", model="dummy", folds=FOLDS)
    assert [b.proto.label for b in at.get("download_button")] == ["Download report"]
    caption = next(c.value for c in at.caption if c.value.startswith("Not in the report yet"))
    assert "Class weights evaluated (2 folds) and Random oversampling evaluated (2 folds)" in caption
    assert "python -m pipeline report --library SOURCE" in caption

    shutil.copytree(demo_store[0], tmp_path, dirs_exist_ok=True)
    at = open_app("compare", model="dummy", folds=FOLDS)
    assert not at.exception and not at.error
    assert [b.proto.label for b in at.get("download_button")] == ["Download report"]
    assert not [c for c in at.caption if c.value.startswith("Not in the report yet")]


def test_a_stored_result_of_an_older_format_counts_as_not_computed(demo_store, tmp_path):
    shutil.copytree(demo_store[0], tmp_path, dirs_exist_ok=True)
    demo = demo_library()
    with data_folder(tmp_path):
        path = report.result_paths(demo.fingerprint(), CONFIG, FOLDS)["evaluation:class_weights"]
        path.write_text('{"config": {}}', encoding="utf-8")
        assert [m.config.strategy for m in report.missing_results(demo.fingerprint(), CONFIG, FOLDS)] == \
            ["class_weights"]
