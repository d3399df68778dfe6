"""What the Markdown, HTML and PDF renderers share: how a value reads, and the evidence shown."""

from __future__ import annotations

from typing import Any

# A figure of 10,000 actors links 10,000 records: the full list is in the JSON build; documents
# meant for reading show the first few.
EVIDENCE_SHOWN = 5
BANNER = ("This report uses illustrative (invented demonstration) data; figures built from it are "
          "marked “illustrative”.")


def number(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "share" and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def attributes_text(figure: dict[str, Any]) -> str:
    attributes = figure.get("attributes", {})
    parts = []
    if "share" in attributes:
        parts.append(f"{attributes['share']:.0%}")
    if attributes.get("rank") is not None and "ranked_among" in attributes:
        parts.append(f"rank {attributes['rank']} ({attributes.get('rank_best')}–{attributes.get('rank_worst')}) "
                     f"of {attributes['ranked_among']}")
    if attributes.get("trend_per_year") is not None:
        parts.append(f"trend {attributes['trend_per_year']:+.2f}/yr")
    if attributes.get("band"):
        parts.append(f"severity {attributes.get('severity'):.2f} {attributes['band']}")
    for key in ("actors", "partnerships", "funders", "unmet", "programmes", "cohorts"):
        if key in attributes:
            parts.append(f"{key} {attributes[key]}")
    return "; ".join(parts)


def shown_evidence(figure: dict[str, Any]) -> tuple[list[str], int]:
    evidence = figure["evidence"]
    return evidence[:EVIDENCE_SHOWN], max(0, len(evidence) - EVIDENCE_SHOWN)


def absolute(link: str, base_url: str) -> str:
    """A record's link (`/api/v1/...`, as the JSON document holds it) on the public address the
    report was asked on, so that a saved HTML, Markdown or PDF file still leads to its evidence."""
    return base_url + link if link.startswith("/") else link


def title_of(document: dict[str, Any]) -> str:
    if document["kind"] == "country":
        country = document["country"]
        return f"Country report: {country['name'] or country['code']} ({country['code']})"
    return "Comparative report: " + ", ".join(c["code"] for c in document["countries"])


def positions_text(document: dict[str, Any]) -> str:
    return ", ".join(f"{stream} @ {sequence}" for stream, sequence in sorted(document["positions"].items())) or "none"
