"""Charts as inline SVG (no script, no request): horizontal bars and a line, from figures. The
font is an attribute of each chart: PDF layout does not apply the page's CSS inside an SVG."""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, BAR, GAP, LABEL = 640, 18, 6, 170
# Colours as attributes, not CSS: PDF layout styles SVG by its attributes only.
BAR_FILL, ILLUSTRATIVE = "#2b6cb0", "#d9a300"


def bar_chart(title: str, figures: list[dict[str, Any]], font_family: str) -> str:
    values = [float(f["value"] or 0) for f in figures]
    top = max(values, default=0) or 1.0
    height = len(figures) * (BAR + GAP) + 30
    parts = [(f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'font-family="{escape(font_family)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>')]
    for i, (f, value) in enumerate(zip(figures, values, strict=True)):
        y = 20 + i * (BAR + GAP)
        width = (WIDTH - LABEL - 60) * value / top
        label = f["id"].rsplit(".", 1)[-1] if f.get("attributes", {}).get("geography") is None \
            else f["attributes"]["geography"]
        parts.append(f'<text x="{LABEL - 6}" y="{y + BAR - 5}" text-anchor="end">{escape(label)}</text>'
                     f'<rect class="bar" fill="{ILLUSTRATIVE if f["illustrative"] else BAR_FILL}" x="{LABEL}" y="{y}" '
                     f'width="{width:.1f}" height="{BAR}"><title>{escape(f["label"])}: {value:g}</title></rect>'
                     f'<text x="{LABEL + width + 4:.1f}" y="{y + BAR - 5}">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, figures: list[dict[str, Any]], font_family: str) -> str:
    height, pad = 220, 40
    values = [float(f["value"] or 0) for f in figures]
    top = max(values, default=0) or 1.0
    step = (WIDTH - 2 * pad) / max(len(values) - 1, 1)
    xy = [(pad + i * step, height - pad - (height - 2 * pad) * v / top) for i, v in enumerate(values)]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    # Each point a dot, in the illustrative colour where its figure is invented (as the bars are).
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ILLUSTRATIVE if f["illustrative"] else BAR_FILL}">'
                   f'<title>{escape(f["label"])}: {v:g}{" (illustrative)" if f["illustrative"] else ""}</title></circle>'
                   for (x, y), f, v in zip(xy, figures, values, strict=True))
    labels = "".join(f'<text x="{pad + i * step:.1f}" y="{height - pad + 16}" text-anchor="middle">'
                     f'{escape(f["id"].rsplit(".", 1)[-1])}</text>'
                     for i, f in enumerate(figures) if i in (0, len(figures) - 1) or i % 5 == 0)
    return (f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'font-family="{escape(font_family)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
            f'<polyline class="line" fill="none" stroke="{BAR_FILL}" stroke-width="2" points="{points}"/>{dots}{labels}'
            f'<text x="{pad}" y="{pad - 10}">{top:g}</text></svg>')
