"""The report's HTML pieces: the page's look (CSS, the plotly theme), escaped text and tables, figures.

Everything from the library is text: `text` escapes it, `table` escapes every cell, and `markdown`
turns the few Markdown marks `dashboard.story` writes into HTML around escaped text.
"""

from __future__ import annotations

import html
import re
from typing import Iterable

import plotly.graph_objects as go

from dashboard import charts

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}  # no logo: it links to plotly.com

BACKGROUND, PANEL, TEXT, GRID = "#0E1018", "#181B27", "#E7E9F2", "#2A2F42"  # the dashboard's theme

LOOK = go.layout.Template(layout=dict(
    paper_bgcolor=BACKGROUND, plot_bgcolor=PANEL, colorway=list(charts.PALETTE),
    font=dict(color=TEXT, family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"),
    title=dict(x=0.01, xanchor="left"), xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True),
    yaxis=dict(gridcolor=GRID, zerolinecolor=GRID, automargin=True),
    polar=dict(angularaxis=dict(gridcolor=GRID), radialaxis=dict(gridcolor=GRID))))
"""The dashboard's dark theme, which Streamlit lays over every chart there (long titles start at the left)."""


class Figures:
    """Each figure as a div and its ``Plotly.newPlot`` call, numbered in order (so ids repeat run to run)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, figure: go.Figure, caption: str = "") -> str:
        self.count += 1
        figure.update_layout(template=LOOK)
        drawn = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{self.count}",
                               config=PLOTLY_CONFIG)
        return f"<figure class='chart'>{drawn}{f'<figcaption>{caption}</figcaption>' if caption else ''}</figure>"


def table(head: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A table of text cells, every cell escaped."""
    header = "".join(f"<th>{text(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<div class='wide'><table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>"


def text(value) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and value != value) else str(value))


CODE, BOLD, ITALIC = re.compile(r"`([^`]*)`"), re.compile(r"\*\*(.+?)\*\*"), re.compile(r"\*([^*]+)\*")


def markdown(text: str) -> str:
    """The Markdown the story writes (``**bold**``, ``*italic*``, ```code```) as escaped HTML."""
    pieces = CODE.split(text)  # odd pieces are code: a name inside stays as typed
    return "".join(f"<code>{html.escape(piece)}</code>" if i % 2 else
                   ITALIC.sub(r"<em>\1</em>", BOLD.sub(r"<strong>\1</strong>", html.escape(piece)))
                   for i, piece in enumerate(pieces))


CSS = f"""
:root {{ color-scheme: dark; }}
body {{ margin: 0; background: {BACKGROUND}; color: {TEXT}; line-height: 1.5;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 1rem; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ border-bottom: 1px solid {GRID}; padding-bottom: .3rem; margin-top: 2.5rem; }}
a {{ color: #7F8CFF; }} nav {{ margin: 1rem 0; }} .meta {{ color: #A7ACBF; }}
code {{ background: {PANEL}; padding: 0 .25em; border-radius: 4px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: .6rem; }}
.card {{ background: {PANEL}; border: 1px solid {GRID}; border-radius: 8px; padding: .5rem .8rem; min-width: 9rem; }}
.card span {{ display: block; font-size: .85rem; color: #A7ACBF; }} .card b {{ font-size: 1.5rem; }}
.wide, .chart {{ overflow-x: auto; max-width: 100%; }} .chart {{ margin: 1rem 0; }}
figcaption {{ font-size: .9rem; color: #A7ACBF; }}
table {{ border-collapse: collapse; margin: .5rem 0; font-size: .92rem; }}
th, td {{ border-bottom: 1px solid {GRID}; padding: .3rem .6rem; text-align: left; vertical-align: top; }}
.scores td small {{ display: block; }} .below {{ color: #E8556D; }} .above {{ color: #3DC6A8; }}
.columns {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 1rem; }}
.missing, .warning {{ border-left: 4px solid #F2A541; background: {PANEL}; padding: .5rem .8rem; }}
@media print {{
  :root {{ color-scheme: light; }} body {{ background: #fff; color: #000; }} nav {{ display: none; }}
  .card, code, .missing, .warning {{ background: #fff; }} a {{ color: #000; }}
  .chart {{ break-inside: avoid; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  section {{ break-before: page; }} .meta, figcaption, .card span {{ color: #333; }}
}}
"""
