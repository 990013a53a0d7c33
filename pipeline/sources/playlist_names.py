"""Display names for playlists that are unique, so a user can pick and leave out each one by name."""

from __future__ import annotations

from typing import Sequence


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` with later repeats (ignoring case) renamed ``"Name (2)"``, ``"Name (3)"``, ...

    The first occurrence keeps its name and a new name never clashes with any other, so
    the result depends only on the order of ``names``: sort them by a stable key first.
    """
    taken = {name.casefold() for name in names}
    seen: set[str] = set()
    next_copy: dict[str, int] = {}  # per name, the lowest copy number not yet tried: linear, not quadratic
    result = []
    for name in names:
        unique = name
        if name.casefold() in seen:
            copy = next_copy.get(name.casefold(), 2)
            while f"{name} ({copy})".casefold() in taken:
                copy += 1
            next_copy[name.casefold()] = copy + 1
            unique = f"{name} ({copy})"
            taken.add(unique.casefold())
        seen.add(unique.casefold())
        result.append(unique)
    return result
