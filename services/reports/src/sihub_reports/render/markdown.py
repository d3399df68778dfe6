"""The Markdown rendering of a build: a pure function of the JSON document."""

from __future__ import annotations

from typing import Any

from sihub_reports.render.text import (
    BANNER,
    absolute,
    attributes_text,
    number,
    positions_text,
    shown_evidence,
    title_of,
)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _figures(figures: list[dict[str, Any]], base_url: str) -> list[str]:
    if not figures:
        return ["_No figures._", ""]
    lines = ["| figure | value | unit | detail | evidence | |", "| --- | --- | --- | --- | --- | --- |"]
    for f in figures:
        evidence = _evidence(f, base_url)
        lines.append(f"| {_cell(f['label'])} `{f['id']}` | {number(f['value'], f['unit'])} | {_cell(f['unit'])} "
                     f"| {_cell(attributes_text(f))} | {evidence} | {'illustrative' if f['illustrative'] else ''} |")
    return [*lines, ""]


def _mark(statement: dict[str, Any]) -> str:
    """The mark of an item, finding, option, recommendation or suggestion resting on invented data
    (a build of schema /1, made before findings said so, has no flag on them)."""
    return " — illustrative" if statement.get("illustrative") else ""


def _evidence(figure: dict[str, Any], base_url: str) -> str:
    shown, more = shown_evidence(figure)
    return " ".join(f"[{i + 1}]({absolute(link, base_url)})" for i, link in enumerate(shown)) + (f" +{more}" if more else "")


def _country_body(document: dict[str, Any], level: str, base_url: str) -> list[str]:
    lines: list[str] = []
    for section in document["sections"]:
        lines += [f"{level} {section['title']}", ""]
        lines += _figures(section["figures"], base_url)
        for item in section.get("items", []):
            actors = ", ".join(a["name"] for a in item["actors"]) or "no actors named"
            lines.append(f"- [{_cell(item['title'])}]({absolute(item['link'], base_url)}) ({item['year'] or 'n.d.'}): "
                         f"{', '.join(item['issue_areas'])}; {actors}" + _mark(item))
        if section.get("items"):
            lines.append("")
    lines += [f"{level} Findings", ""]
    lines += [f"- **{f['id']}**: {f['text']} (figures: {', '.join(f['figures']) or 'none'})"
              + _mark(f) for f in document["findings"]]
    lines += ["", f"{level} Policy options", ""]
    lines += [f"- **{o['rule']}**: {o['text']} (rests on: {', '.join(o['findings'])})"
              + _mark(o) for o in document["policy_options"]]
    return [*lines, ""]


def render_markdown(document: dict[str, Any], base_url: str = "") -> str:
    """`base_url`: the public address the links are made absolute on (none: as the document holds them)."""
    lines = [f"# {title_of(document)}", ""]
    if document["illustrative"]:
        lines += [f"> **Illustrative data.** {BANNER}", ""]
    lines += [f"- {note}" for note in document["notes"]]
    lines += ["", (f"Built from: {positions_text(document)}. Methods: policy rules "
              f"{document['methods']['policy_rules']}, white spaces {document['methods']['white_space']}."), ""]
    if document["kind"] == "country":
        lines += _country_body(document, "##", base_url)
        return "\n".join(lines)
    codes = [c["code"] for c in document["countries"]]
    for section in document["comparison"]:
        lines += [f"## {section['title']}", "", "Values marked \\* are illustrative.", "",
                  "| figure | unit | " + " | ".join(codes) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in codes) + " |"]
        for row in section["rows"]:
            values = [number(row["values"][c]["value"], row["unit"]) + ("\\*" if row["values"][c]["illustrative"] else "")
                      if c in row["values"] else "–" for c in codes]
            lines.append(f"| `{row['id']}` | {_cell(row['unit'])} | " + " | ".join(values) + " |")
        lines.append("")
    lines += ["## Recommendations across countries", ""]
    lines += [f"- **{r['rule']}** ({', '.join(r['countries'])}): {r['text']}"
              + _mark(r) for r in document["recommendations"]]
    lines += ["", "## Cross-border collaboration suggestions", ""]
    lines += [f"{s['attributes']['rank']}. {s['label']} `{s['id']}` — score {s['value']:.2f} ({s['attributes']['scored_by']}) "
              f"{_evidence(s, base_url)}" + _mark(s) for s in document["cross_border"]]
    lines.append("")
    for code in codes:
        lines += [f"## {title_of(document['country_reports'][code])}", ""]
        lines += _country_body(document["country_reports"][code], "###", base_url)
    return "\n".join(lines)
