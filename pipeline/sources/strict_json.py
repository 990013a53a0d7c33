"""JSON as a library file must be: standard (no ``NaN``/``Infinity``), every number readable, nesting
Python can parse. The account export and the saved folder read theirs through `loads`."""

from __future__ import annotations

import json


class NotStrictJson(ValueError):
    """Text that `json.loads` would accept or choke on, but a library file must not hold; the message
    is a short reason ("NaN is not a JSON value", "a number 5,000 digits long")."""


class NestedTooDeeply(NotStrictJson):
    """Nesting deeper than Python's parser can follow (it would raise `RecursionError`)."""


def loads(text: str) -> object:
    """`json.loads`, strictly. Raises `json.JSONDecodeError` for bad JSON and `NotStrictJson` for the rest."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_integer)
    except RecursionError:
        raise NestedTooDeeply("nested too deeply") from None


def _refuse_constant(name: str) -> object:
    raise NotStrictJson(f"{name} is not a JSON value")


def _integer(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:   # Python refuses to read integers of more than 4,300 digits
        raise NotStrictJson(f"a number {len(digits):,} digits long") from None
