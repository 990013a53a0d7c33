"""The one base class for problems the user can fix (bad input, bad config, expired login).

The CLI prints these as one line and exits 2; the dashboard shows them as a message.
Anything else is a bug and keeps its traceback.
"""

import re


class UserError(ValueError):
    """A problem in what the user gave us, with a message that says what to fix."""

    def __str__(self) -> str:
        return repaired(super().__str__())


QUOTE_LIMIT = 80
"""How much of a bad value an error message shows."""
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")  # all that str.splitlines breaks at


def one_line(text: str) -> str:
    """``text`` with every line break (any that `str.splitlines` knows) as a space."""
    return _LINE_BREAKS.sub(" ", text)
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def repaired(text: str) -> str:
    """``text`` with every lone surrogate (a JSON ``"\\ud83d"`` escape, an undecodable file name) as U+FFFD,
    so it can be printed, written as UTF-8 and stored by pyarrow."""
    return _LONE_SURROGATES.sub(REPLACEMENT, text)


def shortened(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` for an error message: on one line (line breaks shown as a space), at most ``limit``
    characters of it, ``…`` where it was cut, so a 120 KB cell never floods the terminal."""
    text = one_line(repaired(str(value)))
    return f"{text[:limit]}…" if len(text) > limit else text


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``'value'``: `shortened`, in quotes."""
    return f"'{shortened(value, limit)}'"
