"""The HTML rendering of a build: one self-contained file (inline CSS and SVG, no script, no
request to anything outside it), readable offline and printable. A pure function of the JSON."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from sihub_reports.render.charts import bar_chart, line_chart
from sihub_reports.render.text import (
    BANNER,
    EVIDENCE_SHOWN,
    absolute,
    attributes_text,
    number,
    positions_text,
    shown_evidence,
    title_of,
)

FONTS = '"Noto Sans CJK KR","Noto Sans CJK JP","Noto Sans CJK SC","Noto Sans Thai",sans-serif'
CSS = """
body{font-family:FONTS;
margin:2rem auto;max-width:60rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:2px solid #2b6cb0;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ccd;padding:.25rem .4rem;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
.banner{background:#fff4d6;border:1px solid #d9a300;padding:.6rem .8rem;font-weight:600}
.tag{font-size:.75rem;background:#fde2b0;padding:0 .3rem;border-radius:.2rem}
.chart text{font-size:11px}
.evidence a{margin-right:.3rem}table.grid td{font-size:.8rem}caption{text-align:left;color:#555}.meta{color:#555;font-size:.85rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}
a{color:inherit;text-decoration:none}.banner{border-width:2px}}
""".replace("FONTS", FONTS)
# The printed edition's rules, after the screen's (cheap to lay out: WeasyPrint's time goes to tables).
PRINT_CSS = """
body{font-size:9.5pt;margin:0;max-width:none}
table{table-layout:fixed}
p.figure{margin:0;padding:.1rem 0 .1rem 1rem;text-indent:-1rem;border-bottom:.5pt solid #ccd;break-inside:avoid}
table.grid,table.grid td,table.grid th{font-size:7pt}
/* The columns of a fixed layout are as wide as the page allows: a theme name longer than its
   column wraps inside it instead of running over its neighbours. */
table.grid th{overflow-wrap:anywhere}
/* A table runs on over pages row by row (kept whole, one longer than a page was laid out, pushed to
   the next page and laid out again, leaving a blank one); separate borders, a rule under each row:
   nothing to resolve between neighbouring cells. */
table{break-inside:auto;border-collapse:separate;border-spacing:0}
th,td{border:none;border-bottom:.5pt solid #ccd}
tr{break-inside:avoid}
"""


@dataclass(frozen=True)
class Medium:
    """Screen HTML, or the HTML a PDF is laid out from: the same content in markup that is cheap to
    lay out (one anchor where the screen has many, no hover titles, evidence lists summarised with
    a link to the JSON build, which has every record)."""

    fonts: str = FONTS
    printed: bool = False
    json_link: str | None = None
    base_url: str = ""  # the public address links are made absolute on (text.absolute)

    def link(self, path: str) -> str:
        return escape(absolute(path, self.base_url))

    def json_build(self, text: str = "the JSON build") -> str:
        return f'<a href="{self.link(self.json_link)}">{text}</a>' if self.json_link else text


SCREEN = Medium()


def _evidence(f: dict[str, Any], medium: Medium) -> str:
    shown, more = shown_evidence(f)
    if medium.printed and more:
        return f'<a href="{medium.link(shown[0])}">[1]</a> of {len(f["evidence"]):,}'
    evidence = "".join(f'<a href="{medium.link(link)}">[{i + 1}]</a>' for i, link in enumerate(shown))
    return evidence + (f"<span> +{more} in the JSON build</span>" if more else "")


def _figures_table(figures: list[dict[str, Any]], medium: Medium = SCREEN, prefix: str = "") -> str:
    """`prefix` goes before each figure's id in the page: a comparative report holds every country's
    report, whose figures have the same ids."""
    if not figures:
        return "<p><em>No figures.</em></p>"
    if medium.printed:  # a paragraph a figure: a table's layout costs WeasyPrint several times as much
        return (f'<p class="meta">Each figure: label, value (* illustrative), detail, evidence (the records it is '
                f"computed from: up to {EVIDENCE_SHOWN} linked, else the first, every one in "
                f"{medium.json_build()}), figure id.</p>" + "".join(
                    f'<p class="figure" id="{prefix}{escape(f["id"])}">{escape(f["label"])}: '
                    f'{escape(number(f["value"], f["unit"]))}{"*" if f["illustrative"] else ""} {escape(f["unit"])}'
                    + (f"; {escape(text)}" if (text := attributes_text(f)) else "")
                    + (f"; evidence {_evidence(f, medium)}" if f["evidence"] else "; no records")
                    + f'; {escape(f["id"])}</p>' for f in figures))
    rows = []
    for f in figures:
        tag = '<span class="tag">illustrative</span>' if f["illustrative"] else ""
        rows.append(f'<tr id="{prefix}{escape(f["id"])}"><td>{escape(f["label"])}<br><code>{escape(f["id"])}</code></td>'
                    f'<td class="num">{escape(number(f["value"], f["unit"]))}</td><td>{escape(f["unit"])}</td>'
                    f'<td>{escape(attributes_text(f))}</td><td class="evidence">{_evidence(f, medium)}</td>'
                    f"<td>{tag}</td></tr>")
    return ("<table><thead><tr><th>figure</th><th>value</th><th>unit</th><th>detail</th><th>evidence</th>"
            "<th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


# Region × theme figures read best (and lay out fastest in a PDF) as one grid per kind.
GRIDS = ("issues.region.", "data_gaps.coverage.")


def _grid(figures: list[dict[str, Any]], medium: Medium = SCREEN, prefix: str = "") -> str:
    cells = {(f["attributes"]["geography"], f["attributes"]["theme"]): f for f in figures}
    geographies, themes = sorted({g for g, _ in cells}), sorted({t for _, t in cells})
    rows = []
    for geography in geographies:
        out = [f"<th>{escape(geography)}</th>"]
        for theme in themes:
            f = cells.get((geography, theme))
            if f is None:
                out.append("<td>–</td>")
                continue
            attributes = f["attributes"]
            rank = (f'r {attributes["rank_best"]}–{attributes["rank_worst"]}'
                    if attributes.get("rank_best") is not None else "")
            trend = f'{attributes["trend_per_year"]:+.2f}/yr' if attributes.get("trend_per_year") is not None else ""
            small = " · ".join(x for x in (rank, trend, attributes.get("band") or "") if x)
            value = f'{escape(number(f["value"], f["unit"]))}{"*" if f["illustrative"] else ""}'
            if medium.printed:  # one text per cell; the evidence by figure id in the JSON build
                out.append(f'<td id="{prefix}{escape(f["id"])}">{value}' + (f"<br>{escape(small)}" if small else "") + "</td>")
                continue
            out.append(f'<td class="num" id="{prefix}{escape(f["id"])}" title="{escape(f["label"])}: '
                       f'{escape(attributes_text(f))}"><a href="{medium.link(f["evidence"][0])}">'
                       f'{escape(number(f["value"], f["unit"]))}</a>{"*" if f["illustrative"] else ""}'
                       + (f"<br><small>{escape(small)}</small>" if small else "") + "</td>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    unit, kind = figures[0]["unit"], figures[0]["id"].rsplit(".", 2)[0]
    evidence = (f"the evidence of each cell is figure <code>{escape(kind)}.&lt;region&gt;.&lt;theme&gt;</code> "
                f"in {medium.json_build()}" if medium.printed
                else "each cell links its evidence (all of it in the JSON build)")
    return (f"<table class=\"grid\"><caption>{escape(unit)} by region (rows) and theme (columns); r: rank "
            f"interval; * illustrative; {evidence}</caption>"
            "<thead><tr><th></th>" + "".join(f"<th>{escape(t)}</th>" for t in themes) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _figures(figures: list[dict[str, Any]], medium: Medium, prefix: str = "") -> str:
    """The region × theme grids, then every other figure in the one table."""
    def in_grid(f: dict[str, Any]) -> bool:
        return f["id"].startswith(GRIDS) and {"geography", "theme"} <= f.get("attributes", {}).keys()

    out = []
    for kind in GRIDS:
        grid = [f for f in figures if f["id"].startswith(kind) and in_grid(f)]
        if grid:
            out.append(_grid(grid, medium, prefix))
    rest = [f for f in figures if not in_grid(f)]
    if rest or not out:
        out.append(_figures_table(rest, medium, prefix))
    return "".join(out)


def _charts(section: dict[str, Any], fonts: str, prefix: str = "") -> str:
    by_id = {f["id"]: f for f in section["figures"]}
    out = []
    for chart in section["charts"]:
        figures = [by_id[i] for i in chart["figures"] if i in by_id]
        if figures:
            draw = line_chart if chart["kind"] == "line" else bar_chart
            out.append(f'<figure id="{prefix}{escape(chart["id"])}">{draw(chart["title"], figures, fonts)}'
                       f'<figcaption>{escape(chart["title"])}</figcaption></figure>')
    return "".join(out)


def _tag(statement: dict[str, Any]) -> str:
    """The mark of an item, finding, option or recommendation that rests on invented data (a build
    of schema /1, made before findings said so, has no flag on them)."""
    return ' <span class="tag">illustrative</span>' if statement.get("illustrative") else ""


def _country_body(document: dict[str, Any], level: int, medium: Medium, prefix: str = "") -> str:
    out = []
    for section in document["sections"]:
        out.append(f'<section id="{prefix}{escape(section["id"])}"><h{level}>{escape(section["title"])}</h{level}>')
        out.append(_charts(section, medium.fonts, prefix))
        out.append(_figures(section["figures"], medium, prefix))
        if section.get("items"):
            out.append("<ul>" + "".join(
                f'<li><a href="{medium.link(i["link"])}">{escape(i["title"])}</a> ({escape(str(i["year"] or "n.d."))}): '
                f'{escape(", ".join(i["issue_areas"]))}; '
                + escape(", ".join(a["name"] for a in i["actors"]) or "no actors named")
                + _tag(i) + "</li>"
                for i in section["items"]) + "</ul>")
        out.append("</section>")
    out.append(f"<h{level}>Findings</h{level}><ul>" + "".join(
        f'<li><strong>{escape(f["id"])}</strong>: {escape(f["text"])} '
        + " ".join(f'<a href="#{prefix}{escape(i)}">{escape(i)}</a>' for i in f["figures"]) + _tag(f) + "</li>"
        for f in document["findings"]) + "</ul>")
    out.append(f"<h{level}>Policy options</h{level}><ul>" + "".join(
        f'<li><strong>{escape(o["rule"])}</strong>: {escape(o["text"])} (rests on: '
        f'{escape(", ".join(o["findings"]))}){_tag(o)}</li>' for o in document["policy_options"]) + "</ul>")
    return "".join(out)


def _comparative_body(document: dict[str, Any], medium: Medium) -> str:
    codes = [c["code"] for c in document["countries"]]
    out = []
    for section in document["comparison"]:
        head = "".join(f"<th>{escape(c)}</th>" for c in codes)
        rows = "".join(
            f'<tr><td><code>{escape(r["id"])}</code></td><td>{escape(r["unit"])}</td>' + "".join(
                _side_by_side_cell(r["values"][c], r["unit"]) if c in r["values"] else "<td>–</td>" for c in codes)
            + "</tr>" for r in section["rows"])
        out.append(f'<section id="{escape(section["id"])}"><h2>{escape(section["title"])}</h2><table>'
                   "<caption>* illustrative; each value links its figure in the country's report below</caption>"
                   f"<thead><tr><th>figure</th><th>unit</th>{head}</tr></thead><tbody>{rows}</tbody></table></section>")
    out.append("<h2>Recommendations across countries</h2><ul>" + "".join(
        f'<li><strong>{escape(r["rule"])}</strong> ({escape(", ".join(r["countries"]))}): {escape(r["text"])}'
        f"{_tag(r)}</li>" for r in document["recommendations"]) + "</ul>")
    out.append("<h2>Cross-border collaboration suggestions</h2>" + _figures_table(document["cross_border"], medium))
    for code in codes:
        report = document["country_reports"][code]
        out.append(f'<h2 id="country-{escape(code)}">{escape(title_of(report))}</h2>')
        out.append(_country_body(report, 3, medium, prefix=f"{code}-"))
    return "".join(out)


def _side_by_side_cell(value: dict[str, Any], unit: str) -> str:
    """A country's value, linked to its figure in that country's report below (`KR:<figure id>` is
    at `#KR-<figure id>`), * when illustrative."""
    anchor = value["figure"].replace(":", "-", 1)
    return (f'<td class="num"><a href="#{escape(anchor)}">{escape(number(value["value"], unit))}</a>'
            f'{"*" if value["illustrative"] else ""}</td>')


def render_html(document: dict[str, Any], medium: Medium = SCREEN) -> str:
    """`medium`: the screen's, or the PDF's (its fonts for the charts, its cheaper markup)."""
    title = title_of(document)
    banner = f'<p class="banner" role="note">{escape(BANNER)}</p>' if document["illustrative"] else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in document["notes"])
    body = _country_body(document, 2, medium) if document["kind"] == "country" else _comparative_body(document, medium)
    lang = "en"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}{PRINT_CSS if medium.printed else ''}</style></head><body>"
            f"<h1>{escape(title)}</h1>{banner}<ul>{notes}</ul>"
            f'<p class="meta">Built from {escape(positions_text(document))}; policy rules '
            f'{escape(document["methods"]["policy_rules"])}, white-space method '
            f'{escape(document["methods"]["white_space"])}.</p>{_printed_note(medium)}{body}</body></html>')


def _printed_note(medium: Medium) -> str:
    if not medium.printed:
        return ""
    return (f'<p class="meta">In this printed edition a figure resting on more than {EVIDENCE_SHOWN} records links '
            f"the first and gives their number, and region × theme grids name each cell's figure instead of "
            f"linking it: every record of every figure is listed in {medium.json_build()} of this report.</p>")
