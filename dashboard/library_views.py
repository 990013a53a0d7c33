"""Tables the Library page draws, derived from a `Library` (plain pandas, no Streamlit)."""

from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd

from pipeline.baseline import LibraryBaseline, track_shares
from pipeline.library import AUDIO_FEATURES, Library
from pipeline.recommended import CATCH_ALL_NAMES, CatchAll

PROFILE_FEATURES: tuple[str, ...] = tuple(f for f in AUDIO_FEATURES if f not in ("key", "mode"))
"""Features that read as "more or less" (key and mode are categories, not amounts)."""



def playlist_order(library: Library) -> list[str]:
    """Playlist names largest first: the order colours are handed out in."""
    return library.playlists()["playlist_name"].tolist()


def library_counts(library: Library) -> dict[str, int | float]:
    """The headline numbers of the Library page."""
    filed = len(library.liked_in_playlists())
    return {"playlists": len(library.playlists()), "tracks": int(library.memberships["track_id"].nunique()),
            "liked": len(library.liked), "liked_filed": filed, "liked_unsorted": len(library.liked) - filed,
            "feature_coverage": library.feature_coverage()}


def tracks_with_playlist(library: Library, playlists: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (playlist, track) membership with the track's name and audio features."""
    rows = library.memberships[["playlist_name", "track_id"]]
    if playlists is not None:
        rows = rows[rows["playlist_name"].isin(playlists)]
    columns = ["name", *AUDIO_FEATURES]
    return rows.join(library.tracks[columns], on="track_id").reset_index(drop=True)


def feature_profile(library: Library, playlists: Sequence[str]) -> pd.DataFrame:
    """Per playlist, the median of each `PROFILE_FEATURES` as a percentile of all playlist tracks.

    0.5 is the library's typical track; a playlist at 0.9 on energy is more energetic than nine
    in ten of your tracks. Percentiles put tempo, loudness and duration on one 0-1 scale honestly.
    """
    tracks = library.tracks.loc[library.memberships["track_id"].unique(), list(PROFILE_FEATURES)]
    medians = tracks_with_playlist(library, playlists).groupby("playlist_name", sort=False)[
        list(PROFILE_FEATURES)].median()
    percentile = {feature: percentile_of(tracks[feature].dropna(), medians[feature])
                  for feature in PROFILE_FEATURES}
    return pd.DataFrame(percentile, index=medians.index).reindex(list(playlists)).dropna(how="all")


def percentile_of(population: pd.Series, values: pd.Series) -> pd.Series:
    ordered = population.sort_values().to_numpy()
    if len(ordered) == 0:
        return values * float("nan")
    return values.map(lambda v: float((ordered < v).mean() + 0.5 * (ordered == v).mean()))


def scatter_points(library: Library, playlists: Sequence[str], features: Sequence[str],
                   limit: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Membership rows of ``playlists`` with ``features`` present, sampled to at most ``limit``
    (a browser draws thousands of SVG dots slowly; the sample keeps every playlist's shape)."""
    points = tracks_with_playlist(library, playlists).dropna(subset=list(features))
    if len(points) > limit:
        points = points.sample(n=limit, random_state=seed)
    order = {name: i for i, name in enumerate(playlists)}
    return points.sort_values("playlist_name", key=lambda s: s.map(order), kind="stable")


def playlist_table(library: Library) -> pd.DataFrame:
    """Playlists largest first with the share of all playlist tracks each holds (the imbalance, as a
    table; shared tracks count in every playlist that holds them, so shares can add up past 1)."""
    table = library.playlists()
    table["share"] = track_shares(library)
    return table


def baseline_sentence(baseline: LibraryBaseline) -> str:
    """The Library page's words for the baseline: the numbers Train and Compare score it at."""
    return (f"Always answering with your largest playlist, {_code(baseline.largest)}, is right for "
            f"{baseline.accuracy:.0%} of your tracks, and the largest three hold {baseline.top3:.0%} of them: "
            "accuracy alone flatters any model that leans towards them. That is the baseline beside every score "
            "on the Train & tune and Compare pages.")


def catch_all_text(found: Sequence[CatchAll]) -> str:
    """Why each of ``found`` is suggested for leaving out, as a short Markdown list."""
    lines = "\n".join(f"- {_code(c.playlist_name)} {c.reason}" for c in found)
    return ("**Suggested for leaving out.** A playlist that everything goes into teaches the model little about "
            "where a song belongs, and a big one sets the baseline out of reach:\n\n" + lines)


def _code(name: str) -> str:
    """A playlist name as inline code, so Markdown in it is shown, not rendered."""
    return "`" + name.replace("`", "'") + "`"
