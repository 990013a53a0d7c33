"""Unique playlist names: the first keeps its name, repeats count up, and thousands of repeats stay fast."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sources.playlist_names import unique_names


def reference(names: list[str]) -> list[str]:
    """The rule spelled out the slow way: each repeat takes the lowest free "Name (k)"."""
    taken, seen, result = {n.casefold() for n in names}, set(), []
    for name in names:
        unique = name
        if name.casefold() in seen:
            copy = next(k for k in range(2, len(names) + 3) if f"{name} ({k})".casefold() not in taken)
            unique = f"{name} ({copy})"
            taken.add(unique.casefold())
        seen.add(unique.casefold())
        result.append(unique)
    return result


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Mix", "mix", "Mix (2)", "Road", "road (3)", "Mix (3)"]), max_size=30))
def test_names_follow_the_rule_and_never_clash(names):
    result = unique_names(names)
    assert result == reference(names)
    assert len({name.casefold() for name in result}) == len(result)


def test_twenty_thousand_playlists_with_one_name_each_get_their_own():
    # (the quadratic version took ~40 s here; bench numbers, not a timed assertion)
    result = unique_names(["Mix"] * 20_000)
    assert result[:3] == ["Mix", "Mix (2)", "Mix (3)"] and result[-1] == "Mix (20000)"
    assert len(set(result)) == 20_000
