"""The country report, built by pure functions of an `Ecosystem`: the same projection always gives
the same document (every collection sorted), so a rebuild is byte-identical.

Sections: ecosystem profile, social-issue profile, white spaces, collaboration, funding, case
studies, data gaps; then findings (each naming its figures) and policy options (each naming its
findings, from the rule set in documents.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pycountry

from sihub_reports.content import documents
from sihub_reports.content.figures import (
    coverage_link,
    figure,
    index_link,
    observations_link,
    record_link,
    round_link,
    severity_link,
    share,
)
from sihub_reports.ecosystem.schemas import ActorView, IndexValueView, PartnershipView
from sihub_reports.ecosystem.service import Ecosystem

COUNTRIES_SET = "countries"
FUNDING = "funding"
# /2: findings, policy options and recommendations carry `illustrative`; severity evidence links
# name `region`. /3: the data gaps count regions scored only for an earlier period than their
# theme's latest. A build keeps the schema it was made with; its rebuild says when they differ.
SCHEMA = "sihub.report/3"


def country_name(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


def display_name(actor: ActorView) -> str:
    english = [n.value for n in actor.names if n.lang == "en"]
    return (english or [n.value for n in actor.names] or [actor.id])[0]


def _frequency(ecosystem: Ecosystem, comparison_set: str) -> str | None:
    """Annual indices where the set has them, otherwise its first frequency in name order."""
    frequencies = sorted(f for s, f in ecosystem.indices if s == comparison_set)
    if not frequencies:
        return None
    return "annual" if "annual" in frequencies else frequencies[0]


class CountryFacts:
    """The records of one country, looked up once, that every section reads."""

    def __init__(self, ecosystem: Ecosystem, country: str) -> None:
        self.ecosystem = ecosystem
        self.country = country
        self.actors = {a.id: a for a in sorted(ecosystem.actors.values(), key=lambda a: a.id)
                       if a.country == country}
        self.partnerships = sorted(
            (p for p in ecosystem.partnerships.values() if any(i in self.actors for i in p.actor_ids)),
            key=lambda p: p.id)
        self.confirmed = [p for p in self.partnerships if p.confirmed]
        self.hubs = [a for a in self.actors.values() if a.kind == "hub_intermediary"]
        self.regions_set = f"regions:{country}"
        self.frequency = _frequency(ecosystem, self.regions_set) or "annual"
        key = (self.regions_set, self.frequency)
        self.region_indices = dict(sorted(ecosystem.indices.get(key, {}).items()))
        self.index_scope = ecosystem.index_scopes.get(key, (set(), set()))
        self.severities = {(g, t): s for (g, t, f), s in sorted(ecosystem.severities.items())
                           if f == self.frequency and (g == country or g.startswith(country + "-"))}

    def sectors_of(self, partnership: PartnershipView) -> list[str]:
        return sorted({self.ecosystem.actors[i].sector for i in partnership.actor_ids if i in self.ecosystem.actors})

    def invented(self, partnerships: Iterable[PartnershipView]) -> bool:
        """Whether a figure over these partnerships rests on invented data: a partnership's own
        record, or an actor it names (whose sector, region and issues the figures read)."""
        actors = self.ecosystem.actors
        return any(p.illustrative or any(i in actors and actors[i].illustrative for i in p.actor_ids)
                   for p in partnerships)


def ecosystem_section(facts: CountryFacts) -> dict[str, Any]:
    actors = list(facts.actors.values())
    total = len(actors)
    all_links = [record_link("actor", a.id) for a in actors]
    figures = [figure("ecosystem.actors.total", "Actors", total, "actors", all_links, any(a.illustrative for a in actors))]
    for dimension, key in (("sector", lambda a: a.sector), ("kind", lambda a: a.kind),
                           ("region", lambda a: a.region or "unknown")):
        groups: dict[str, list[ActorView]] = defaultdict(list)
        for actor in actors:
            groups[key(actor)].append(actor)
        for value, members in sorted(groups.items()):
            figures.append(figure(f"ecosystem.actors.{dimension}.{value}", f"Actors, {dimension} {value}",
                                  len(members), "actors", [record_link("actor", a.id) for a in members],
                                  any(a.illustrative for a in members), share=share(len(members), total)))
    certified: dict[str, list[ActorView]] = defaultdict(list)
    for actor in actors:
        for scheme in sorted({c.scheme for c in actor.certifications}):
            certified[scheme].append(actor)
    for scheme, members in sorted(certified.items()):
        figures.append(figure(f"ecosystem.certifications.{scheme}", f"Actors certified, {scheme}", len(members),
                              "actors", [record_link("actor", a.id) for a in members],
                              any(a.illustrative for a in members), share=share(len(members), total)))
    figures += _hub_figures(facts)
    figures += _growth_figures(actors)
    return {"id": "ecosystem", "title": "Ecosystem profile", "figures": figures,
            "charts": [{"id": "ecosystem.chart.regions", "kind": "bar", "title": "Actors by region",
                        "figures": [f["id"] for f in figures if f["id"].startswith("ecosystem.actors.region.")]},
                       {"id": "ecosystem.chart.growth", "kind": "line", "title": "Actors founded, by year",
                        "figures": [f["id"] for f in figures if f["id"].startswith("ecosystem.growth.year.")]}]}


def _hub_figures(facts: CountryFacts) -> list[dict[str, Any]]:
    eco = facts.ecosystem
    figures = [figure("ecosystem.hubs.total", "Hubs", len(facts.hubs), "hubs",
                      [record_link("actor", h.id) for h in facts.hubs], any(h.illustrative for h in facts.hubs))]
    hub_ids = {h.id for h in facts.hubs}
    by_hub: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for name, records in (("programmes", eco.programmes), ("cohorts", eco.cohorts), ("members", eco.memberships)):
        for record in sorted(records.values(), key=lambda r: r.id):
            if record.hub_id in hub_ids and getattr(record, "confirmed", True):
                if name == "members" and record.actor_id not in eco.actors:
                    continue  # a deleted actor keeps its membership record, but is no member now
                by_hub[record.hub_id][name].append(record)
    for hub in facts.hubs:
        programmes, cohorts, members = (by_hub[hub.id][k] for k in ("programmes", "cohorts", "members"))
        evidence = ([record_link("actor", hub.id)] + [record_link("programme", p.id) for p in programmes]
                    + [record_link("cohort", c.id) for c in cohorts] + [record_link("membership", m.id) for m in members])
        records = [hub, *programmes, *cohorts, *members]
        figures.append(figure(f"ecosystem.hub.{hub.id}", f"Members of {display_name(hub)}", len(members), "members",
                              evidence, any(r.illustrative for r in records), hub=display_name(hub),
                              region=hub.region, programmes=len(programmes), cohorts=len(cohorts),
                              programme_names=sorted(p.names[0].value if p.names else p.id for p in programmes)))
    return figures


def _growth_figures(actors: list[ActorView]) -> list[dict[str, Any]]:
    """Actors founded each year (the evidence: those actors), and the running total beside it."""
    by_year: dict[int, list[ActorView]] = defaultdict(list)
    unknown = [a for a in actors if a.founded_year is None]
    for actor in actors:
        if actor.founded_year is not None:
            by_year[actor.founded_year].append(actor)
    figures, running = [], 0
    for year, founded in sorted(by_year.items()):
        running += len(founded)
        figures.append(figure(f"ecosystem.growth.year.{year}", f"Actors founded in {year}", len(founded), "actors",
                              [record_link("actor", a.id) for a in founded], any(a.illustrative for a in founded),
                              cumulative=running))
    if unknown:
        figures.append(figure("ecosystem.growth.unknown", "Actors with no founding year", len(unknown), "actors",
                              [record_link("actor", a.id) for a in unknown], any(a.illustrative for a in unknown)))
    return figures


def issues_section(facts: CountryFacts) -> dict[str, Any]:
    figures = []
    for (geography, theme), value in facts.region_indices.items():
        severity = facts.severities.get((geography, theme))
        figures.append(figure(
            f"issues.region.{geography}.{theme}", f"{theme} index, {geography}", value.index, "index (0–100, 100 best)",
            [index_link(facts.regions_set, geography, theme), severity_link(geography, theme),
             observations_link(geography)],
            value.illustrative or value.rank_illustrative or bool(severity and severity.illustrative),
            geography=geography, theme=theme, period=value.period, rank=value.rank, rank_best=value.rank_best,
            rank_worst=value.rank_worst, ranked_among=value.ranked_among, trend_per_year=value.trend_per_year,
            severity=severity.severity if severity else None, band=severity.band if severity else None))
    eco = facts.ecosystem
    frequency = _frequency(eco, COUNTRIES_SET)
    countries = eco.indices.get((COUNTRIES_SET, frequency or ""), {})
    themes_here = {t for (g, t) in countries if g == facts.country}
    for (geography, theme), value in sorted(countries.items()):
        if theme not in themes_here:
            continue
        figures.append(figure(
            f"issues.country.{geography}.{theme}", f"{theme} index, {geography}", value.index, "index (0–100, 100 best)",
            [index_link(COUNTRIES_SET, geography, theme), observations_link(geography)],
            value.illustrative or value.rank_illustrative,  # the figure shows the rank too
            geography=geography, theme=theme, period=value.period, rank=value.rank, rank_best=value.rank_best,
            rank_worst=value.rank_worst, ranked_among=value.ranked_among, trend_per_year=value.trend_per_year))
    themes = sorted({t for (_, t) in facts.region_indices})
    charts = [{"id": f"issues.chart.{theme}", "kind": "bar", "title": f"{theme}: index by region",
               "figures": [f"issues.region.{g}.{t}" for (g, t) in facts.region_indices if t == theme]}
              for theme in themes]
    return {"id": "social_issues", "title": "Social-issue profile", "figures": figures, "charts": charts,
            "method_versions": sorted(set(eco.index_methods.values()))}


def _theme_actors(facts: CountryFacts) -> dict[tuple[str, str], list[ActorView]]:
    cells: dict[tuple[str, str], list[ActorView]] = defaultdict(list)
    for actor in facts.actors.values():
        for theme in sorted(set(actor.issue_areas)):
            if actor.region:
                cells[(actor.region, theme)].append(actor)
    return cells


def white_spaces_section(facts: CountryFacts) -> dict[str, Any]:
    cells = _theme_actors(facts)
    partnerships: dict[tuple[str, str], list[PartnershipView]] = defaultdict(list)
    for partnership in facts.confirmed:
        touched = set()
        for actor_id in partnership.actor_ids:
            actor = facts.actors.get(actor_id)
            if actor is not None and actor.region:
                touched.update((actor.region, t) for t in actor.issue_areas)
        for cell in sorted(touched):
            partnerships[cell].append(partnership)
    ranked = []
    for (geography, theme), severity in facts.severities.items():
        if geography == facts.country or severity.severity is None or severity.severity < documents.MIN_SEVERITY:
            continue
        actors, links = cells.get((geography, theme), []), partnerships.get((geography, theme), [])
        actor_gap = 1 - min(len(actors), documents.ACTOR_SATURATION) / documents.ACTOR_SATURATION
        partnership_gap = 1 - min(len(links), documents.PARTNERSHIP_SATURATION) / documents.PARTNERSHIP_SATURATION
        score = severity.severity * (actor_gap + partnership_gap) / 2
        if score > 0:
            ranked.append((-round(score, 9), geography, theme, severity, actors, links, score))
    figures = []
    for rank, (_, geography, theme, severity, actors, links, score) in enumerate(sorted(ranked, key=lambda r: r[:3]), 1):
        figures.append(figure(
            f"white_spaces.{geography}.{theme}", f"White space: {theme} in {geography}", score, "score (0–1)",
            [severity_link(geography, theme)] + [record_link("actor", a.id) for a in actors]
            + [record_link("partnership", p.id) for p in links],
            severity.illustrative or any(a.illustrative for a in actors) or facts.invented(links),
            rank=rank, geography=geography, theme=theme, severity=severity.severity, band=severity.band,
            actors=len(actors), partnerships=len(links)))
    return {"id": "white_spaces", "title": "White spaces", "figures": figures, "charts": [],
            "method_version": documents.WHITE_SPACE_VERSION}


def collaboration_section(facts: CountryFacts) -> dict[str, Any]:
    confirmed = facts.confirmed
    total = len(confirmed)

    def group(name: str, key: Any, records: list[PartnershipView]) -> list[dict[str, Any]]:
        groups: dict[str, list[PartnershipView]] = defaultdict(list)
        for p in records:
            groups[key(p)].append(p)
        return [figure(f"collaboration.partnerships.{name}.{value}", f"Confirmed partnerships, {name} {value}",
                       len(members), "partnerships", [record_link("partnership", p.id) for p in members],
                       facts.invented(members), share=share(len(members), total))
                for value, members in sorted(groups.items())]

    cross = [p for p in confirmed if len(facts.sectors_of(p)) > 1]
    unconfirmed = [p for p in facts.partnerships if not p.confirmed]
    figures = [figure("collaboration.partnerships.total", "Confirmed partnerships", total, "partnerships",
                      [record_link("partnership", p.id) for p in confirmed], facts.invented(confirmed)),
               figure("collaboration.partnerships.unconfirmed", "Partnerships awaiting confirmation (not counted)",
                      len(unconfirmed), "partnerships", [record_link("partnership", p.id) for p in unconfirmed],
                      facts.invented(unconfirmed)),
               figure("collaboration.partnerships.cross_sector", "Share of confirmed partnerships across sectors",
                      share(len(cross), total), "share", [record_link("partnership", p.id) for p in confirmed],
                      facts.invented(confirmed), cross_sector=len(cross))]
    figures += group("type", lambda p: p.type or "unknown", confirmed)
    figures += group("status", lambda p: p.status or "unknown", confirmed)
    figures += group("sectors", lambda p: "+".join(facts.sectors_of(p)) or "unknown", confirmed)
    figures += _matching_figures(facts)
    return {"id": "collaboration", "title": "Collaboration", "figures": figures, "charts": [
        {"id": "collaboration.chart.types", "kind": "bar", "title": "Confirmed partnerships by type",
         "figures": [f["id"] for f in figures if f["id"].startswith("collaboration.partnerships.type.")]}]}


def _matching_figures(facts: CountryFacts) -> list[dict[str, Any]]:
    eco = facts.ecosystem
    hub_ids = {h.id for h in facts.hubs}
    rounds = sorted((r for r in eco.rounds.values() if r.hub_id in hub_ids), key=lambda r: r.round_id)
    accepted = sorted((m for m in eco.accepted.values() if m.hub_id in hub_ids), key=lambda m: m.match_ref)
    by_match = {p.match_ref: p for p in facts.confirmed if p.match_ref}
    converted = [m for m in accepted if m.match_ref in by_match]
    round_links = [round_link(r.round_id) for r in rounds]
    return [
        figure("collaboration.matching.rounds", "Matching rounds published", len(rounds), "rounds", round_links,
               any(r.illustrative for r in rounds)),
        figure("collaboration.matching.proposed", "Matches proposed", sum(len(r.proposals) for r in rounds), "matches",
               round_links, any(r.illustrative for r in rounds)),
        figure("collaboration.matching.accepted", "Matches accepted", len(accepted), "matches",
               [round_link(m.round_id) for m in accepted], any(m.illustrative for m in accepted)),
        figure("collaboration.matching.converted", "Accepted matches now confirmed partnerships", len(converted),
               "matches", [record_link("partnership", by_match[m.match_ref].id) for m in converted],
               # a share of every accepted match, each converted one read through its partnership
               any(m.illustrative for m in accepted) or facts.invented(by_match[m.match_ref] for m in converted),
               share=share(len(converted), len(accepted))),
    ]


def _offers(actor: ActorView, capability: str) -> bool:
    return any(c.capability == capability for c in actor.offers)


def _needs(actor: ActorView, capability: str) -> bool:
    return any(c.capability == capability for c in actor.needs)


def funding_section(facts: CountryFacts) -> dict[str, Any]:
    actors = list(facts.actors.values())
    funders = [a for a in actors if _offers(a, FUNDING)]
    seekers = [a for a in actors if _needs(a, FUNDING)]
    general = [f for f in funders if not f.issue_areas]  # a funder naming no issue area funds any
    by_issue: dict[str, list[ActorView]] = defaultdict(list)
    for funder in funders:
        for theme in set(funder.issue_areas):
            by_issue[theme].append(funder)
    unmet = [s for s in seekers
             if not any(f.id != s.id for f in general)
             and not any(f.id != s.id for t in s.issue_areas for f in by_issue.get(t, []))]

    def links(records: list[ActorView]) -> list[str]:
        return [record_link("actor", a.id) for a in records]

    figures = [
        figure("funding.funders.total", "Actors offering funding", len(funders), "actors", links(funders),
               any(a.illustrative for a in funders)),
        figure("funding.seekers.total", "Actors needing funding", len(seekers), "actors", links(seekers),
               any(a.illustrative for a in seekers)),
        figure("funding.unmet.total", "Seekers with no funder on their issue in the country", len(unmet), "actors",
               links(seekers) + links(funders), any(a.illustrative for a in seekers + funders),
               share=share(len(unmet), len(seekers))),
    ]
    for dimension, keys in (("region", lambda a: [a.region or "unknown"]), ("issue", lambda a: sorted(set(a.issue_areas)))):
        offered: dict[str, list[ActorView]] = defaultdict(list)
        needed: dict[str, list[ActorView]] = defaultdict(list)
        missing: dict[str, list[ActorView]] = defaultdict(list)
        for a in funders:
            for k in keys(a):
                offered[k].append(a)
        for a in seekers:
            for k in keys(a):
                needed[k].append(a)
        for a in unmet:
            for k in keys(a):
                missing[k].append(a)
        for key in sorted(set(offered) | set(needed)):
            records = offered[key] + needed[key]
            figures.append(figure(f"funding.{dimension}.{key}", f"Funding seekers, {dimension} {key}", len(needed[key]),
                                  "actors", links(records), any(a.illustrative for a in records),
                                  funders=len(offered[key]), unmet=len(missing[key])))
    return {"id": "funding", "title": "Funding", "figures": figures, "charts": [
        {"id": "funding.chart.regions", "kind": "bar", "title": "Funding seekers by region",
         "figures": [f["id"] for f in figures if f["id"].startswith("funding.region.")]}]}


def case_studies_section(facts: CountryFacts) -> dict[str, Any]:
    eco = facts.ecosystem
    studies = sorted((c for c in eco.case_studies.values() if c.confirmed and (
        c.country == facts.country or (c.country is None and any(i in facts.actors for i in c.actor_ids)))),
        key=lambda c: c.id)
    items = []
    for study in studies:
        actors = [eco.actors[i] for i in sorted(set(study.actor_ids)) if i in eco.actors]
        titles = {t.lang: t.value for t in study.title}
        items.append({"id": study.id, "title": titles.get("en") or next(iter(sorted(titles.values())), study.id),
                      "titles": dict(sorted(titles.items())), "year": study.year, "region": study.region,
                      "issue_areas": sorted(set(study.issue_areas)), "source_url": study.source_url,
                      "link": record_link("case_study", study.id), "illustrative": study.illustrative,
                      "actors": [{"id": a.id, "name": display_name(a), "link": record_link("actor", a.id)}
                                 for a in actors]})
    figures = [figure("case_studies.total", "Case studies", len(studies), "case studies",
                      [record_link("case_study", c.id) for c in studies], any(c.illustrative for c in studies))]
    return {"id": "case_studies", "title": "Case studies", "figures": figures, "charts": [], "items": items}


def data_gaps_section(facts: CountryFacts) -> dict[str, Any]:
    geographies, themes = facts.index_scope
    regions = sorted(g for g in geographies if g != facts.country)
    figures = []
    for (geography, theme), value in facts.region_indices.items():
        figures.append(figure(f"data_gaps.coverage.{geography}.{theme}", f"Indicator coverage, {theme} in {geography}",
                              value.coverage, "share", [coverage_link(facts.country), index_link(facts.regions_set, geography, theme)],
                              value.illustrative, geography=geography, theme=theme, period=value.period))
    coverages = [v.coverage for v in facts.region_indices.values()]
    figures.append(figure("data_gaps.coverage.mean", "Mean indicator coverage", sum(coverages) / len(coverages)
                          if coverages else 0.0, "share", [coverage_link(facts.country)],
                          any(v.illustrative for v in facts.region_indices.values()), cells=len(coverages)))
    unscored_total, unscored_illustrative = 0, False
    for theme in sorted(themes):
        missing = sorted(g for g in regions if (g, theme) not in facts.region_indices
                         or (facts.severities.get((g, theme)) is not None
                             and facts.severities[(g, theme)].severity is None))
        # A gap is counted in the set's data: where that data is invented, so is the gap (the demo
        # leaves values out on purpose). The theme's indices say; a theme with none, the set's.
        of_theme = [v for (_, t), v in facts.region_indices.items() if t == theme]
        illustrative = any(v.illustrative for v in of_theme or facts.region_indices.values())
        unscored_total += len(missing)
        if missing:
            unscored_illustrative |= illustrative
            figures.append(figure(f"data_gaps.unscored.{theme}", f"Regions with no {theme} score", len(missing),
                                  "regions", [coverage_link(facts.country)] + [severity_link(g, theme) for g in missing],
                                  illustrative, regions=missing))
    figures.append(figure("data_gaps.unscored.total", "Region × theme cells with no score (too much missing)",
                          unscored_total, "cells", [coverage_link(facts.country)], unscored_illustrative))
    # A region whose latest period was withheld (too much missing) shows an earlier score than other
    # regions have for the theme: a gap too. (A theme whose data ends earlier is not one.)
    latest: dict[str, str] = {}
    for (_, theme), value in facts.region_indices.items():
        latest[theme] = max(latest.get(theme, value.period), value.period)
    stale: dict[str, list[IndexValueView]] = defaultdict(list)
    for (_, theme), value in facts.region_indices.items():
        if value.period < latest[theme]:
            stale[theme].append(value)
    for theme, values in sorted(stale.items()):
        figures.append(figure(
            f"data_gaps.stale.{theme}", f"Regions with no {theme} score for {latest[theme]} (an earlier one shown)",
            len(values), "regions", [coverage_link(facts.country)]
            + [index_link(facts.regions_set, v.geography, theme) for v in values],
            any(v.illustrative for v in values), regions=[v.geography for v in values],
            periods=[v.period for v in values], latest=latest[theme]))
    figures.append(figure("data_gaps.stale.total", "Region × theme cells scored only for an earlier period than "
                          "their theme's latest", sum(map(len, stale.values())), "cells", [coverage_link(facts.country)],
                          any(v.illustrative for values in stale.values() for v in values)))
    return {"id": "data_gaps", "title": "Data gaps", "figures": figures, "charts": []}


def _by_id(sections: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for s in sections for f in s["figures"]}


def findings_and_options(facts: CountryFacts, sections: list[dict[str, Any]]) -> tuple[list, list]:
    figures = _by_id(sections)
    value = lambda figure_id: figures[figure_id]["value"]
    findings: list[dict[str, Any]] = []
    options: list[dict[str, Any]] = []

    def found(finding_id: str, text: str, figure_ids: list[str], fires: bool, reads: Iterable[str] = ()) -> None:
        # A finding cites its figures and may also read others it does not list (a count over all
        # white spaces, a share of every region): invented when one of those is, and so is an option
        # resting on it.
        illustrative = any(figures[i]["illustrative"] for i in [*figure_ids, *reads])
        findings.append({"id": finding_id, "text": text, "figures": figure_ids, "illustrative": illustrative})
        if fires:
            rule = next(r for r in documents.POLICY_RULES["rules"] if r["finding"] == finding_id)
            options.append({"id": f"{rule['id']}.{facts.country}", "rule": rule["id"], "text": rule["option"],
                            "findings": [finding_id], "illustrative": illustrative})

    spaces = [f for f in figures.values() if f["id"].startswith("white_spaces.")]
    top = sorted(spaces, key=lambda f: f["attributes"]["rank"])[:3]
    found("white_spaces", f"{len(spaces)} white spaces; the top: " + (", ".join(
        f"{f['attributes']['theme']} in {f['attributes']['geography']} ({f['value']:.2f})" for f in top) or "none"),
        [f["id"] for f in top], bool(spaces), reads=[f["id"] for f in spaces])
    unmet_share = figures["funding.unmet.total"]["attributes"]["share"]
    found("unmet_funding", f"{value('funding.unmet.total')} of {value('funding.seekers.total')} funding seekers "
          f"({unmet_share:.0%}) have no funder on their issue in the country",
          ["funding.unmet.total", "funding.seekers.total", "funding.funders.total"],
          value("funding.seekers.total") > 0 and unmet_share >= documents.rule("PR-2")["threshold"])
    cross = value("collaboration.partnerships.cross_sector")
    found("cross_sector", f"{cross:.0%} of {value('collaboration.partnerships.total')} confirmed partnerships "
          "join two or more sectors", ["collaboration.partnerships.cross_sector", "collaboration.partnerships.total"],
          bool(facts.actors) and cross < documents.rule("PR-3")["threshold"])
    mean = value("data_gaps.coverage.mean")
    unscored = value("data_gaps.unscored.total")
    stale = value("data_gaps.stale.total")
    cells = figures["data_gaps.coverage.mean"]["attributes"]["cells"]
    found("data_gaps", f"{cells} region × theme cells scored, {unscored} without a score, {stale} scored only for "
          f"an earlier period than their theme's latest; mean coverage of the scores shown {mean:.0%}",
          ["data_gaps.unscored.total", "data_gaps.stale.total", "data_gaps.coverage.mean"],
          unscored > 0 or stale > 0 or (bool(facts.actors) and not cells)
          or (cells > 0 and mean < documents.rule("PR-4")["threshold"]))
    regional = sorted((f for f in figures.values() if f["id"].startswith("ecosystem.actors.region.")
                       and not f["id"].endswith(".unknown")), key=lambda f: (-f["value"], f["id"]))
    known = sum(f["value"] for f in regional)
    top_share = share(regional[0]["value"], known) if regional else 0.0
    found("regional_concentration", f"the largest region holds {top_share:.0%} of actors with a known region",
          [f["id"] for f in regional[:1]], len(regional) >= 2 and top_share > documents.rule("PR-5")["threshold"],
          reads=[f["id"] for f in regional])
    accepted = value("collaboration.matching.accepted")
    converted = figures["collaboration.matching.converted"]["attributes"]["share"]
    found("match_follow_up", f"{value('collaboration.matching.converted')} of {accepted} accepted matches became "
          "confirmed partnerships", ["collaboration.matching.accepted", "collaboration.matching.converted"],
          accepted > 0 and converted < documents.rule("PR-6")["threshold"])
    return findings, options


def build_country(ecosystem: Ecosystem, country: str) -> dict[str, Any]:
    facts = CountryFacts(ecosystem, country)
    sections = [ecosystem_section(facts), issues_section(facts), white_spaces_section(facts),
                collaboration_section(facts), funding_section(facts), case_studies_section(facts),
                data_gaps_section(facts)]
    findings, options = findings_and_options(facts, sections)
    empty = not facts.actors and not facts.region_indices and not facts.severities
    illustrative = any(f["illustrative"] for s in sections for f in s["figures"]) or any(
        i["illustrative"] for s in sections for i in s.get("items", []))
    notes = []
    if empty:
        notes.append(f"No data for {country} yet: no actors in the registry and no indices from the indicators.")
    if illustrative:
        notes.append("Some figures are built from illustrative (invented demonstration) data; they are marked.")
    return {
        "schema": SCHEMA,
        "kind": "country",
        "country": {"code": country, "name": country_name(country)},
        "positions": ecosystem.positions,
        "methods": {"policy_rules": documents.POLICY_RULES_VERSION, "white_space": documents.WHITE_SPACE_VERSION},
        "illustrative": illustrative,
        "empty": empty,
        "notes": notes,
        "sections": sections,
        "findings": findings,
        "policy_options": options,
    }
