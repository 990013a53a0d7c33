"""The New playlists page's proposals as the user edits them (plain pandas, no Streamlit).

A proposal (`pipeline.discover.Proposal`) can be renamed and lose songs; an `Edit` holds both,
keyed by the proposal's number. The CSV of an edited proposal is `pipeline.discover.proposals_table`'s
rows for it, under the new name and without the dropped songs: the format the Spotify export reads.
Its sound is drawn as the Library page draws a playlist's (`dashboard.library_views.feature_profile`):
each feature's median as a percentile of all playlist tracks, so both sit on one scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pandas as pd

from dashboard.library_views import PROFILE_FEATURES, percentile_of, feature_profile
from pipeline.discover import Discovery, Proposal, proposals_table
from pipeline.library import Library

NEAREST_PLAYLISTS = 3
"""Existing playlists drawn beside a proposal by default: the ones whose sound is closest to it."""


@dataclass(frozen=True)
class Edit:
    """The user's name for a proposal and the songs dropped from it."""

    name: str
    dropped: frozenset[str] = field(default_factory=frozenset)


Edits = dict[int, Edit]


def edit_for(edits: Mapping[int, Edit], proposal: Proposal) -> Edit:
    """The proposal as the user left it: unedited, its proposed name and every song."""
    return edits.get(proposal.number, Edit(proposal.name))


def songs_table(library: Library, proposal: Proposal, edit: Edit) -> pd.DataFrame:
    """Every song of the proposal, most typical first, with ``keep`` false for the dropped ones."""
    rows = _rows_of(library, proposal)
    return rows.assign(keep=~rows["track_id"].isin(edit.dropped))[
        ["keep", "rank", "track_name", "artists", "typical", "track_id"]]


def dropped_songs(edited: pd.DataFrame) -> frozenset[str]:
    """The track ids a `songs_table` the user edited no longer keeps."""
    return frozenset(edited.loc[~edited["keep"].astype(bool), "track_id"])


def proposal_csv(library: Library, proposal: Proposal, edit: Edit) -> pd.DataFrame:
    """The proposal's rows in the `proposals_table` format, named ``edit.name``, dropped songs left out."""
    rows = _rows_of(library, proposal)
    return rows[~rows["track_id"].isin(edit.dropped)].assign(playlist=edit.name.strip()).reset_index(drop=True)


def _rows_of(library: Library, proposal: Proposal) -> pd.DataFrame:
    table = proposals_table(library, Discovery((proposal,), len(proposal.track_ids), 0, None))
    return table.reset_index(drop=True)


def typical_songs(library: Library, proposal: Proposal) -> pd.DataFrame:
    """The proposal's most typical songs (nearest its centre), as song and artists."""
    rows = _rows_of(library, proposal)
    return rows[rows["typical"]][["track_name", "artists"]].reset_index(drop=True)


def kept_count(proposal: Proposal, edit: Edit) -> int:
    return sum(track not in edit.dropped for track in proposal.track_ids)


def name_problem(name: str, existing: Sequence[str]) -> str | None:
    """Why the name needs a second look, in words for the user; None when it is fine. An empty name
    cannot be created; a name one of the user's playlists already has would add the songs to that one."""
    if not name.strip():
        return "Give the playlist a name first."
    if name.strip().casefold() in {str(e).strip().casefold() for e in existing}:
        return (f"You already have a playlist named '{name.strip()}': on Spotify the songs would be added to "
                "that one. Rename it to create a new playlist.")
    return None


def csv_file_name(name: str) -> str:
    """A download file name from the playlist's name: letters, digits and dashes only."""
    slug = re.sub(r"[^\w]+", "-", name.strip().casefold(), flags=re.ASCII).strip("-_")
    return f"new-playlist-{slug or 'songs'}.csv"


def proposal_profile(library: Library, track_ids: Sequence[str]) -> pd.Series:
    """The songs' median of each `PROFILE_FEATURES` as a percentile of all playlist tracks (0.5 = typical)."""
    population = library.tracks.loc[library.memberships["track_id"].unique(), list(PROFILE_FEATURES)]
    medians = library.tracks.reindex(list(track_ids))[list(PROFILE_FEATURES)].median()
    return pd.Series({feature: float("nan") if pd.isna(medians[feature]) else
                      float(percentile_of(population[feature].dropna(), pd.Series([medians[feature]])).iloc[0])
                      for feature in PROFILE_FEATURES})


def playlist_profiles(library: Library) -> pd.DataFrame:
    """Every playlist's profile on the scale of `proposal_profile`, indexed by name."""
    return feature_profile(library, library.playlists()["playlist_name"].tolist())


def nearest_playlists(profile: pd.Series, playlists: pd.DataFrame, count: int = NEAREST_PLAYLISTS) -> list[str]:
    """The names of the ``count`` playlists whose profile is closest to ``profile`` (features both have)."""
    shared = [f for f in profile.index if f in playlists.columns and pd.notna(profile[f])]
    if not shared or playlists.empty:
        return []
    distance = ((playlists[shared] - profile[shared]) ** 2).sum(axis=1, min_count=1)
    return distance.dropna().sort_values(kind="stable").index[:count].tolist()


def edits_document(edits: Mapping[int, Edit], proposals: Sequence[Proposal]) -> dict:
    """JSON-ready edits, each with the proposed name it was made on."""
    names = {p.number: p.name for p in proposals}
    return {"edits": [{"number": number, "proposed": names.get(number, ""), "name": edit.name,
                       "dropped": sorted(edit.dropped)} for number, edit in edits.items()]}


def edits_from_document(document: dict | None, proposals: Sequence[Proposal]) -> Edits:
    """Edits read back; one made on another proposal of that number (a changed result) is dropped."""
    names = {p.number: p.name for p in proposals}
    try:
        return {int(row["number"]): Edit(str(row["name"]), frozenset(str(t) for t in row["dropped"]))
                for row in document["edits"] if names.get(int(row["number"])) == row["proposed"]}
    except (KeyError, TypeError, ValueError):
        return {}
