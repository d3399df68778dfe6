"""The comparative report: the country reports' figures side by side, recommendations across
countries, and cross-border collaboration suggestions. Pure functions, like country.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sihub_reports.content import documents
from sihub_reports.content.country import SCHEMA, build_country, country_name, display_name
from sihub_reports.content.figures import figure, record_link, round_link
from sihub_reports.ecosystem.schemas import ActorView
from sihub_reports.ecosystem.service import Ecosystem

DEFAULT_COUNTRIES = ("CN", "JP", "KR", "SG", "TH")
# Cross-border suggestions: the best few per seeker, and in all; candidates looked at per
# (capability, issue area) are capped so that a large ecosystem stays fast (ties by id).
SUGGESTIONS = 50
CANDIDATES_PER_KEY = 200
NEEDS_WEIGHT, ISSUES_WEIGHT = 0.6, 0.4

ROWS: list[tuple[str, str, list[str]]] = [
    ("size", "Ecosystem size and mix", ["ecosystem.actors.total", "ecosystem.actors.sector.*"]),
    ("hubs", "Hubs", ["ecosystem.hubs.total"]),
    ("issues", "Theme indices among countries (rank interval)", ["issues.country.{country}.*"]),
    ("collaboration", "Collaboration", ["collaboration.partnerships.total", "collaboration.partnerships.cross_sector",
                                        "collaboration.matching.rounds", "collaboration.matching.proposed",
                                        "collaboration.matching.accepted", "collaboration.matching.converted"]),
    ("funding", "Funding", ["funding.funders.total", "funding.seekers.total", "funding.unmet.total"]),
    ("data_gaps", "Data gaps", ["data_gaps.coverage.mean", "data_gaps.unscored.total"]),
]


def _matches(pattern: str, figure_id: str, country: str) -> str | None:
    """The row key of `figure_id` under `pattern` (a trailing * matches the rest), or None."""
    pattern = pattern.replace("{country}", country)
    if pattern.endswith("*"):
        if figure_id.startswith(pattern[:-1]):
            return pattern.replace("." + country + ".", ".")[:-1] + figure_id[len(pattern) - 1:]
        return None
    return figure_id if figure_id == pattern else None


def side_by_side(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    sections = []
    for section_id, title, patterns in ROWS:
        rows: dict[str, dict[str, Any]] = defaultdict(dict)
        units: dict[str, str] = {}
        for country, report in reports.items():
            for section in report["sections"]:
                for f in section["figures"]:
                    for pattern in patterns:
                        key = _matches(pattern, f["id"], country)
                        if key is not None:
                            rows[key][country] = {"value": f["value"], "figure": f"{country}:{f['id']}",
                                                  "illustrative": f["illustrative"],
                                                  **{k: v for k, v in f.get("attributes", {}).items()
                                                     if k in ("rank", "rank_best", "rank_worst", "share")}}
                            units[key] = f["unit"]
        sections.append({"id": section_id, "title": title,
                         "rows": [{"id": key, "unit": units[key], "values": dict(sorted(values.items()))}
                                  for key, values in sorted(rows.items())]})
    return sections


def recommendations(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    fired: dict[str, list[str]] = defaultdict(list)
    for country, report in reports.items():
        for option in report["policy_options"]:
            fired[option["rule"]].append(country)
    result = []
    for rule_id, countries in sorted(fired.items()):
        rule = documents.rule(rule_id)
        result.append({"id": f"{rule_id}.cross_country", "rule": rule_id, "countries": sorted(countries),
                       "shared": len(countries) >= 2,
                       "text": (f"Shared agenda for {', '.join(sorted(countries))}: " if len(countries) >= 2 else "")
                       + rule["option"],
                       "options": [f"{c}:{rule_id}.{c}" for c in sorted(countries)]})
    return result


def cross_border(ecosystem: Ecosystem, countries: list[str]) -> list[dict[str, Any]]:
    """Pairs of actors in different countries where one offers what the other needs on an issue
    area they share: from matching's published proposals (their score), and found here (score =
    0.6 × share of the seeker's needs the provider offers + 0.4 × issue-area overlap, Jaccard)."""
    actors = {a.id: a for a in sorted(ecosystem.actors.values(), key=lambda a: a.id) if a.country in countries}
    suggestions: dict[tuple[str, str], dict[str, Any]] = {}
    for published in sorted(ecosystem.rounds.values(), key=lambda r: r.round_id):
        for proposal in sorted(published.proposals, key=lambda p: p.proposal_id):
            seeker, provider = actors.get(proposal.seeker_id), actors.get(proposal.provider_id)
            if seeker and provider and seeker.country != provider.country:
                suggestions[(seeker.id, provider.id)] = _suggestion(
                    seeker, provider, proposal.score, "matching", [round_link(published.round_id)],
                    published.illustrative)
    providers: dict[tuple[str, str], list[ActorView]] = defaultdict(list)
    for actor in actors.values():
        for claim in actor.offers:
            for theme in sorted(set(actor.issue_areas)):
                if len(providers[(claim.capability, theme)]) < CANDIDATES_PER_KEY:
                    providers[(claim.capability, theme)].append(actor)
    for seeker in actors.values():
        needs = sorted({c.capability for c in seeker.needs})
        best: tuple[float, str] | None = None
        for capability in needs:
            for theme in sorted(set(seeker.issue_areas)):
                for provider in providers.get((capability, theme), []):
                    if provider.country == seeker.country or (seeker.id, provider.id) in suggestions:
                        continue
                    offered = {c.capability for c in provider.offers}
                    met = len(offered.intersection(needs)) / len(needs)
                    shared = set(seeker.issue_areas) & set(provider.issue_areas)
                    overlap = len(shared) / len(set(seeker.issue_areas) | set(provider.issue_areas))
                    score = round(NEEDS_WEIGHT * met + ISSUES_WEIGHT * overlap, 6)
                    if best is None or (-score, provider.id) < (-best[0], best[1]):
                        best = (score, provider.id)
        if best is not None:
            provider = actors[best[1]]
            suggestions[(seeker.id, provider.id)] = _suggestion(seeker, provider, best[0], "reports", [],
                                                                seeker.illustrative or provider.illustrative)
    ranked = sorted(suggestions.values(), key=lambda s: (-s["value"], s["id"]))
    for rank, suggestion in enumerate(ranked[:SUGGESTIONS], 1):
        suggestion["attributes"]["rank"] = rank
    return ranked[:SUGGESTIONS]


def _suggestion(seeker: ActorView, provider: ActorView, score: float, scored_by: str, extra: list[str],
                illustrative: bool) -> dict[str, Any]:
    offered = {c.capability for c in provider.offers}
    met = sorted(offered & {c.capability for c in seeker.needs})
    shared = sorted(set(seeker.issue_areas) & set(provider.issue_areas))
    explanation = (f"{display_name(provider)} ({provider.country}) offers {', '.join(met) or 'nothing listed'} that "
                   f"{display_name(seeker)} ({seeker.country}) needs; shared issue areas: {', '.join(shared) or 'none'}")
    return figure(f"cross_border.{seeker.id}.{provider.id}", explanation, score, "score (0–1)",
                  [record_link("actor", seeker.id), record_link("actor", provider.id), *extra], illustrative,
                  seeker=seeker.id, seeker_country=seeker.country, provider=provider.id,
                  provider_country=provider.country, needs_met=met, shared_issue_areas=shared, scored_by=scored_by,
                  parts={"needs_met": {"weight": NEEDS_WEIGHT}, "issue_overlap": {"weight": ISSUES_WEIGHT}}
                  if scored_by == "reports" else {})


def build_comparative(ecosystem: Ecosystem, countries: list[str]) -> dict[str, Any]:
    countries = sorted(set(countries))
    reports = {country: build_country(ecosystem, country) for country in countries}
    suggestions = cross_border(ecosystem, countries)
    illustrative = any(r["illustrative"] for r in reports.values()) or any(s["illustrative"] for s in suggestions)
    notes = [f"No data for {c} yet." for c, r in reports.items() if r["empty"]]
    if illustrative:
        notes.append("Some figures are built from illustrative (invented demonstration) data; they are marked.")
    return {
        "schema": SCHEMA,
        "kind": "comparative",
        "countries": [{"code": c, "name": country_name(c)} for c in countries],
        "positions": ecosystem.positions,
        "methods": {"policy_rules": documents.POLICY_RULES_VERSION, "white_space": documents.WHITE_SPACE_VERSION},
        "illustrative": illustrative,
        "empty": all(r["empty"] for r in reports.values()),
        "notes": notes,
        "comparison": side_by_side(reports),
        "recommendations": recommendations(reports),
        "cross_border": suggestions,
        "country_reports": reports,
    }
