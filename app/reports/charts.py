"""Small SVG charts drawn on the server: readable without JavaScript, styled by our CSS, each with a
title and a description for screen readers (and the page shows the same figures as a table)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 28  # the height of one bar and its label
WIDTH = 100  # the longest bar; the view box adds room for its value


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    background: int | None = None  # a lighter bar behind (e.g. started, behind completed)


def bars(items: list[Bar], *, key: str, title: str, description: str, maximum: int | None = None) -> Markup:
    """Horizontal bars, one a row, with the value written at the end. `key` makes the ids unique."""
    top = maximum or max([item.background or item.value for item in items] + [1])
    height = ROW * len(items) + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH + 14} {height}" role="img" '
        f'aria-labelledby="{key}-t {key}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{key}-t">{escape(title)}</title><desc id="{key}-d">{escape(description)}</desc>',
    ]
    for index, item in enumerate(items):
        y = 4 + index * ROW
        if item.background:
            width = WIDTH * item.background / top
            parts.append(f'<rect class="bar-back" x="0" y="{y}" width="{width:.1f}" height="12"/>')
        parts.append(f'<rect class="bar" x="0" y="{y}" width="{WIDTH * item.value / top:.1f}" height="12"/>')
        parts.append(f'<text class="bar-label" x="0" y="{y + 22}">{escape(item.label[:60])}</text>')
        end = WIDTH * (item.background or item.value) / top + 2
        parts.append(f'<text class="bar-value" x="{end:.1f}" y="{y + 10}">{item.value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
