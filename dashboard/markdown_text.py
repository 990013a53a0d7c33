"""Names from a library shown in Markdown as the text they are, never as Markdown or HTML.

Streamlit renders `st.markdown`, `st.caption`, `st.info` / `success` / `warning` / `error`, `st.write`
of a string, and widget labels, as GitHub-flavoured Markdown. A playlist named
``![x](https://example.org/t.png)`` would draw an image fetched from that server, ``[click](…)`` a
link whose text hides where it goes, ``**`` or ``$`` would restyle the sentence around it.
`escape_markdown` puts a backslash before every character that could start such syntax, so the name
reads exactly as typed. Left alone: a bare URL (its text is its target) and emoji shortcodes such as
``:fire:``, which Streamlit may still draw as the emoji (nothing fetched, nothing to click).
"""

from __future__ import annotations

import re

_INLINE = re.compile(
    r"[\\`*~\[\]<>$|]"          # escapes, code, emphasis, strikethrough, links/images, HTML, math, tables
    r"|(?<![^\W_])_|_(?![^\W_])"  # `_` emphasis; an underscore between two letters (track_id) never is
    r"|&(?=#?\w+;)")             # an entity such as &lt; or &#91; would show as another character
_INDENT = re.compile(r"[ \t]+")
_BLOCK_MARKER = re.compile(r"[#+\-=]|\d{1,9}(?=[.)])")
"""A heading, list item, rule or setext underline at the start of a line."""
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def escape_markdown(text: object) -> str:
    """``text`` (a name, a file name, an error message) as Markdown that shows it literally, on one line."""
    text = _INLINE.sub(lambda match: "\\" + match.group(), _LINE_BREAKS.sub(" ", str(text)))
    # four leading spaces (or a tab) would make a code block; the browser shows one space at most anyway
    indent = _INDENT.match(text)
    if indent:
        text = text[indent.end():]
    marker = _BLOCK_MARKER.match(text)
    if marker:
        end = marker.end()  # "1. Intro" would start a numbered list: escape its dot, else the marker
        text = text[:end] + "\\" + text[end:] if marker.group()[0].isdigit() else "\\" + text
    return (" " if indent else "") + text
