"""Proposed playlists as the user edits them, without Streamlit: names, dropped songs, CSV and sound."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard.charts import proposal_profile_figure
from dashboard.library_views import PROFILE_FEATURES
from dashboard.proposal_edits import (Edit, csv_file_name, dropped_songs, edit_for, edits_document,
                                      edits_from_document, kept_count, name_problem, nearest_playlists,
                                      playlist_profiles, proposal_csv, proposal_profile, songs_table, typical_songs)
from pipeline import discover as D
from tests.test_discover import library_with_two_kinds_of_unfiled_songs, unfiled


@pytest.fixture(scope="module")
def found():
    library = library_with_two_kinds_of_unfiled_songs()
    return library, D.discover(library, unfiled(library))


def test_an_unedited_proposal_keeps_its_name_and_every_song(found):
    library, discovery = found
    quiet = discovery.proposals[0]
    edit = edit_for({}, quiet)
    assert edit == Edit(quiet.name) and kept_count(quiet, edit) == len(quiet.track_ids)
    table = songs_table(library, quiet, edit)
    assert list(table["track_id"]) == list(quiet.track_ids) and table["keep"].all()
    assert list(typical_songs(library, quiet)["track_name"]) == list(table["track_name"][:D.TYPICAL])


def test_the_csv_of_an_edited_proposal_is_renamed_and_leaves_the_dropped_songs_out(found):
    library, discovery = found
    quiet = discovery.proposals[0]
    table = songs_table(library, quiet, Edit(quiet.name))
    edited = table.assign(keep=[i not in (0, 2) for i in range(len(table))])
    edit = Edit(" Folk corner ", dropped_songs(edited))
    rows = proposal_csv(library, quiet, edit)
    assert set(rows["playlist"]) == {"Folk corner"}
    assert list(rows["track_id"]) == [t for i, t in enumerate(quiet.track_ids) if i not in (0, 2)]
    assert list(rows.columns) == list(D.proposals_table(library, discovery).columns)
    assert kept_count(quiet, edit) == len(quiet.track_ids) - 2


def test_an_empty_name_or_one_of_your_playlists_names_is_a_problem():
    assert "name" in name_problem("  ", ["Chill"])
    assert "already have a playlist named 'chill'" in name_problem("chill ", ["Chill"])
    assert name_problem("Chill finds", ["Chill"]) is None


def test_the_file_name_keeps_only_safe_characters():
    assert csv_file_name("Late-90s mellow / acoustic <folk>") == "new-playlist-late-90s-mellow-acoustic-folk.csv"
    assert csv_file_name("???") == "new-playlist-songs.csv"


def test_the_profile_is_on_the_playlists_scale_and_the_nearest_playlists_are_found(found):
    library, discovery = found
    quiet = discovery.proposals[0]
    profile = proposal_profile(library, quiet.track_ids)
    playlists = playlist_profiles(library)
    assert list(profile.index) == list(PROFILE_FEATURES) and list(playlists.columns) == list(PROFILE_FEATURES)
    assert profile["energy"] < 0.1 and profile["acousticness"] > 0.9, "quieter and more acoustic than them all"
    assert sorted(nearest_playlists(profile, playlists)) == ["Centre", "Middle"]
    assert nearest_playlists(profile, playlists, count=1) in (["Centre"], ["Middle"])


def test_edits_read_back_only_for_the_proposal_they_were_made_on(found):
    _, discovery = found
    quiet, loud = discovery.proposals
    edits = {quiet.number: Edit("Folk corner", frozenset({quiet.track_ids[0]})), loud.number: Edit("Loud")}
    document = json.loads(json.dumps(edits_document(edits, discovery.proposals)))
    assert edits_from_document(document, discovery.proposals) == edits
    renamed = (D.Proposal(quiet.number, "Another group", quiet.track_ids, quiet.typical, quiet.profile), loud)
    assert edits_from_document(document, renamed) == {loud.number: Edit("Loud")}
    assert edits_from_document(None, discovery.proposals) == {}


def test_the_chart_draws_the_proposal_on_top_of_the_playlists_and_escapes_names():
    profile = pd.Series({"energy": 0.2, "valence": 0.8})
    playlists = pd.DataFrame({"energy": [0.5], "valence": [0.5]}, index=["<b>Gym</b>"])
    figure = proposal_profile_figure("<i>Folk</i>", profile, playlists, {"<b>Gym</b>": "#112233"})
    assert [trace.name for trace in figure.data] == ["&lt;b&gt;Gym&lt;/b&gt;", "&lt;i&gt;Folk&lt;/i&gt; (proposed)"]
    assert list(figure.data[-1].r) == [0.2, 0.8, 0.2] and figure.data[-1].fill == "toself"
    assert figure.data[0].line.color == "#112233"
