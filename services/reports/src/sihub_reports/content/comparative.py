"""The comparative report: the country reports' figures side by side, recommendations across
countries, and cross-border collaboration suggestions. Pure functions, like country.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from sihub_reports.content import documents
from sihub_reports.content.country import SCHEMA, build_country, country_name, display_name
from sihub_reports.content.figures import figure, record_link, round_link
from sihub_reports.ecosystem.schemas import ActorView
from sihub_reports.ecosystem.service import Ecosystem

DEFAULT_COUNTRIES = ("CN", "JP", "KR", "SG", "TH")
# Cross-border suggestions: the best provider of each seeker, the best of those in all (ties by id).
SUGGESTIONS = 50
NEEDS_WEIGHT, ISSUES_WEIGHT = 0.6, 0.4

ROWS: list[tuple[str, str, list[str]]] = [
    ("size", "Ecosystem size and mix", ["ecosystem.actors.total", "ecosystem.actors.sector.*"]),
    ("hubs", "Hubs", ["ecosystem.hubs.total"]),
    ("issues", "Theme indices among countries (rank interval)", ["issues.country.{country}.*"]),
    ("collaboration", "Collaboration", ["collaboration.partnerships.total", "collaboration.partnerships.cross_sector",
                                        "collaboration.matching.rounds", "collaboration.matching.proposed",
                                        "collaboration.matching.accepted", "collaboration.matching.converted"]),
    ("funding", "Funding", ["funding.funders.total", "funding.seekers.total", "funding.unmet.total"]),
    ("data_gaps", "Data gaps", ["data_gaps.coverage.mean", "data_gaps.unscored.total", "data_gaps.stale.total"]),
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
    invented: set[str] = set()
    for country, report in reports.items():
        for option in report["policy_options"]:
            fired[option["rule"]].append(country)
            if option["illustrative"]:
                invented.add(option["rule"])
    result = []
    for rule_id, countries in sorted(fired.items()):
        rule = documents.rule(rule_id)
        result.append({"id": f"{rule_id}.cross_country", "rule": rule_id, "countries": sorted(countries),
                       "shared": len(countries) >= 2,
                       "text": (f"Shared agenda for {', '.join(sorted(countries))}: " if len(countries) >= 2 else "")
                       + rule["option"],
                       "options": [f"{c}:{rule_id}.{c}" for c in sorted(countries)],
                       "illustrative": rule_id in invented})
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
                # Its label and evidence are the actors as held now: invented since, it is invented.
                suggestions[(seeker.id, provider.id)] = _suggestion(
                    seeker, provider, proposal.score, "matching", [round_link(published.round_id)],
                    published.illustrative or seeker.illustrative or provider.illustrative)
    found = _best_providers(list(actors.values()), suggestions)
    for score, seeker_id, provider_id in sorted(found, key=lambda f: (-f[0], f[1], f[2]))[:SUGGESTIONS]:
        seeker, provider = actors[seeker_id], actors[provider_id]
        suggestions[(seeker_id, provider_id)] = _suggestion(seeker, provider, score, "reports", [],
                                                            seeker.illustrative or provider.illustrative)
    ranked = sorted(suggestions.values(), key=lambda s: (-s["value"], s["id"]))[:SUGGESTIONS]
    for rank, suggestion in enumerate(ranked, 1):
        suggestion["attributes"]["rank"] = rank
    return ranked


def _best_providers(actors: list[ActorView], taken: Mapping[tuple[str, str], Any]) -> list[tuple[float, str, str]]:
    """(score, seeker id, provider id): each seeker's best provider in another country.

    The score depends only on what the two need and offer and on their issue areas, so actors
    alike ("profiles") are scored once, all pairs of profiles at a time (numpy); each seeker then
    takes the best-scored profile with a provider outside its country (ties by provider id)."""
    capabilities = sorted({c.capability for a in actors for c in (*a.offers, *a.needs)})
    themes = sorted({t for a in actors for t in a.issue_areas})
    column = {name: i for i, name in enumerate(capabilities)} | {name: i for i, name in enumerate(themes)}

    def profile(claims: Iterable[str], issues: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(claims), frozenset(issues)

    providers: dict[tuple[frozenset[str], frozenset[str]], list[ActorView]] = defaultdict(list)
    seekers: dict[tuple[frozenset[str], frozenset[str]], list[ActorView]] = defaultdict(list)
    for actor in actors:  # in id order
        if actor.offers and actor.issue_areas:
            providers[profile((c.capability for c in actor.offers), actor.issue_areas)].append(actor)
        if actor.needs and actor.issue_areas:
            seekers[profile((c.capability for c in actor.needs), actor.issue_areas)].append(actor)
    if not providers or not seekers:
        return []

    def matrix(profiles: list[tuple[frozenset[str], frozenset[str]]], part: int, width: int) -> np.ndarray:
        values = np.zeros((len(profiles), width))
        for row, entry in enumerate(profiles):
            values[row, [column[name] for name in entry[part]]] = 1.0
        return values

    offer_profiles, need_profiles = list(providers), list(seekers)
    offers, needs = matrix(offer_profiles, 0, len(capabilities)), matrix(need_profiles, 0, len(capabilities))
    provider_issues, seeker_issues = matrix(offer_profiles, 1, len(themes)), matrix(need_profiles, 1, len(themes))
    met = needs @ offers.T
    shared = seeker_issues @ provider_issues.T
    union = seeker_issues.sum(1)[:, None] + provider_issues.sum(1)[None, :] - shared
    scores = np.round(NEEDS_WEIGHT * met / needs.sum(1)[:, None] + ISSUES_WEIGHT * shared / union, 6)
    scores[(met == 0) | (shared == 0)] = -1.0  # nothing needed is offered, or no issue area shared
    first_ids = np.array([providers[p][0].id for p in offer_profiles])
    found = []
    for row, need_profile in enumerate(need_profiles):
        order = np.lexsort((first_ids, -scores[row]))  # best score first, then the provider's id
        for seeker in seekers[need_profile]:
            for index in order:
                if scores[row, index] < 0:
                    break
                provider = next((p for p in providers[offer_profiles[index]] if p.country != seeker.country), None)
                if provider is not None and (seeker.id, provider.id) not in taken:
                    found.append((float(scores[row, index]), seeker.id, provider.id))
                    break
    return found


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
