"""Names from a library shown in Markdown read as typed: no image, link, HTML or formatting."""

import html
import re

import pytest
from markdown_it import MarkdownIt

from dashboard.markdown_text import escape_markdown

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
NAMES = ["![x](https://example.org/t.png)", "[click](https://example.org)", "<img src=https://example.org/t.png>",
         "<https://example.org>", "**Gym** mix", "_chill_", "a__b__c", "`code`", "~~gone~~", "# Heading",
         "1. Intro", "2) Outro", "- item", "+ plus", "> quote", "===", "    four spaces", "\tTabbed", "R&amp;B",
         "&#91;x&#93;(https://example.org)", "C:\\Users\\me", "x | y", "line\nbreak"]
PLAIN = ["Road Trip", "track_id", "accepted_suggestions.csv", "Simon & Garfunkel", "2024 hits", "Rock (live)",
         "Spotify refused this account (HTTP 403 on /me): see User Management"]


def rendered(markdown: str) -> str:
    return MARKDOWN.render(markdown)


def shown_text(markdown: str) -> str:
    """What a reader sees: the rendered paragraph's text."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered(markdown))).strip()


@pytest.mark.parametrize("name", NAMES)
def test_a_name_that_looks_like_markdown_shows_as_typed(name):
    escaped = escape_markdown(name)
    assert re.fullmatch(r"<p>.*</p>\n", rendered(escaped), flags=re.S), "one paragraph, no image, link or tag"
    assert shown_text(escaped) == " ".join(name.replace("\n", " ").split())


@pytest.mark.parametrize("name", NAMES)
def test_inside_a_sentence_a_name_cannot_take_the_sentence_over(name):
    sentence = f"Intro\n\n**1 song picked** for {escape_markdown(name)} (1)"
    html_out = rendered(sentence)
    assert html_out.count("<strong>") == 1 and "<img" not in html_out and "<a " not in html_out


def test_streamlit_math_gets_no_dollar_to_open():
    assert escape_markdown("$5 songs $") == "\\$5 songs \\$"


@pytest.mark.parametrize("text", PLAIN)
def test_ordinary_names_and_messages_are_left_as_they_are(text):
    assert escape_markdown(text) == text
