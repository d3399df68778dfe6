"""The score, vectorised and pure (no I/O): actors become bit masks and codes in numpy arrays, and
every part of every seeker × provider pair is computed at once (a seeker against 100,000 actors, or a
round's 5,000 × 250). Explanations (`explain`) reuse the same arrays for the pairs shown, so a
sentence never disagrees with a value.

Vocabularies mirror the registry's taxonomy codes; a code matching does not know scores nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pycountry

from sihub_matching.scoring.profile import Geography, PartName, Profile

CAPABILITIES = (
    "funding",
    "investment_readiness",
    "mentoring",
    "space",
    "business_model_support",
    "market_access_procurement",
    "technology",
    "data",
    "research",
    "policy_support",
    "volunteers_talent",
    "networks",
)
ISSUE_AREAS = (
    "income_disparity",
    "environment_climate",
    "education",
    "employment",
    "ageing_care",
    "health",
    "housing",
    "gender",
    "local_economy_regeneration",
    "food",
    "digital_inclusion",
    "migration",
)
_CAPABILITY_BIT = {code: i for i, code in enumerate(CAPABILITIES)}
_ISSUE_BIT = {code: i for i, code in enumerate(ISSUE_AREAS)}
FUNDING_BIT = 1 << _CAPABILITY_BIT["funding"]


@dataclass(frozen=True)
class ActorFacts:
    """What scoring reads of one actor."""

    id: str
    name: str
    kind: str
    sector: str
    country: str
    region: str | None
    issue_areas: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    illustrative: bool = False


def _mask(codes: Sequence[str], bits: Mapping[str, int]) -> int:
    return sum(1 << bits[code] for code in set(codes) if code in bits)


def _codes(values: Sequence[str | None], vocabulary: dict[str, int]) -> np.ndarray:
    return np.fromiter(
        (vocabulary.setdefault(v, len(vocabulary)) if v is not None else -1 for v in values),
        dtype=np.int32,
        count=len(values),
    )


@dataclass
class ActorTable:
    """Actors as arrays, row i = facts[i]. Codes share one vocabulary per column across subsets."""

    facts: list[ActorFacts]
    ids: np.ndarray
    kind: np.ndarray
    sector: np.ndarray
    country: np.ndarray
    region: np.ndarray
    issues: np.ndarray
    offers: np.ndarray
    needs: np.ndarray
    vocabularies: dict[str, dict[str, int]] = field(default_factory=dict)
    row_of: dict[str, int] = field(default_factory=dict)
    _funders: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # 1 / the number of needs (of issue areas), 0 for none: shares become one multiplication.
        self.need_inverse = _inverse(self.needs)
        self.issue_inverse = _inverse(self.issues)

    def funds(self, funder_kinds: tuple[str, ...]) -> np.ndarray:
        """Which actors are funders (of `funder_kinds`) offering funding (kept per kinds)."""
        if funder_kinds not in self._funders:
            codes = [
                code for kind, code in self.vocabularies["kind"].items() if kind in funder_kinds
            ]
            self._funders[funder_kinds] = np.isin(self.kind, codes) & (
                (self.offers & FUNDING_BIT) > 0
            )
        return self._funders[funder_kinds]

    @classmethod
    def build(
        cls, facts: Sequence[ActorFacts], vocabularies: dict[str, dict[str, int]] | None = None
    ) -> ActorTable:
        """`vocabularies` to share codes with another table (new values are added to them)."""
        facts = list(facts)
        if vocabularies is None:
            vocabularies = {"kind": {}, "sector": {}, "country": {}, "region": {}}
        return cls(
            facts=facts,
            ids=np.array([f.id for f in facts], dtype=object),
            kind=_codes([f.kind for f in facts], vocabularies["kind"]),
            sector=_codes([f.sector for f in facts], vocabularies["sector"]),
            country=_codes([f.country for f in facts], vocabularies["country"]),
            region=_codes([f.region for f in facts], vocabularies["region"]),
            issues=np.array([_mask(f.issue_areas, _ISSUE_BIT) for f in facts], dtype=np.uint16),
            offers=np.array([_mask(f.offers, _CAPABILITY_BIT) for f in facts], dtype=np.uint16),
            needs=np.array([_mask(f.needs, _CAPABILITY_BIT) for f in facts], dtype=np.uint16),
            vocabularies=vocabularies,
            row_of={f.id: i for i, f in enumerate(facts)},
        )

    def __len__(self) -> int:
        return len(self.facts)

    def take(self, rows: np.ndarray | Sequence[int]) -> ActorTable:
        rows = np.asarray(rows, dtype=np.intp)
        facts = [self.facts[i] for i in rows]
        return ActorTable(
            facts=facts,
            ids=self.ids[rows],
            kind=self.kind[rows],
            sector=self.sector[rows],
            country=self.country[rows],
            region=self.region[rows],
            issues=self.issues[rows],
            offers=self.offers[rows],
            needs=self.needs[rows],
            vocabularies=self.vocabularies,
            row_of={f.id: i for i, f in enumerate(facts)},
        )

    def updated(self, upserts: Sequence[ActorFacts], changed: set[str]) -> ActorTable:
        """This table without the actors in `changed` (changed or deleted), plus `upserts` (their
        new state, and new actors): what a rebuild from scratch would hold, in another row order."""
        keep = np.ones(len(self), dtype=bool)
        keep[[self.row_of[i] for i in changed if i in self.row_of]] = False
        kept, added = self.take(np.flatnonzero(keep)), ActorTable.build(upserts, self.vocabularies)
        facts = kept.facts + added.facts
        columns = ("ids", "kind", "sector", "country", "region", "issues", "offers", "needs")
        return ActorTable(
            facts=facts,
            **{c: np.concatenate([getattr(kept, c), getattr(added, c)]) for c in columns},
            vocabularies=self.vocabularies,
            row_of={f.id: i for i, f in enumerate(facts)},
        )

    def code(self, column: str, value: str) -> int:
        """The code of `value` in a column (-2, matching nothing, for a value no actor has)."""
        return self.vocabularies[column].get(value, -2)


class Severities:
    """Severity (0–1) and its band per geography and issue area, from the indicators' events."""

    def __init__(self, values: Mapping[tuple[str, str], tuple[float, str | None]],
                 illustrative: Iterable[tuple[str, str]] = ()) -> None:
        """`illustrative`: the (geography, theme) whose severity was computed from invented data."""
        self.by_geography: dict[str, np.ndarray] = {}
        self.values = dict(values)
        self.illustrative = frozenset(illustrative)
        for (geography, theme), (severity, _band) in values.items():
            if theme in _ISSUE_BIT:
                row = self.by_geography.setdefault(geography, np.full(len(ISSUE_AREAS), np.nan))
                row[_ISSUE_BIT[theme]] = severity

    def weighs_by_illustrative(self, region: str | None, country: str, themes: Iterable[str]) -> bool:
        """Whether the severity one of `themes` is weighed by in this place (the region's, else the
        country's, as `value` reads it) was computed from invented data."""
        for theme in themes:
            known = self.value(region, country, theme)
            if known is not None and (known[2], theme) in self.illustrative:
                return True
        return False

    def of(self, region: str | None, country: str) -> np.ndarray:
        """Per issue area: the region's severity, else the country's, else NaN."""
        result = np.full(len(ISSUE_AREAS), np.nan)
        for geography in (country, region):
            if geography is not None and geography in self.by_geography:
                known = ~np.isnan(self.by_geography[geography])
                result[known] = self.by_geography[geography][known]
        return result

    def value(
        self, region: str | None, country: str, theme: str
    ) -> tuple[float, str | None, str] | None:
        """(severity, band, geography) of the region, else of the country; None without data."""
        for geography in (region, country):
            if geography is not None and (geography, theme) in self.values:
                severity, band = self.values[(geography, theme)]
                return severity, band, geography
        return None


def _inverse(masks: np.ndarray) -> np.ndarray:
    counts = np.bitwise_count(masks).astype(np.float64)
    return np.divide(1.0, counts, out=np.zeros(len(masks)), where=counts > 0)


@dataclass(frozen=True)
class PairScores:
    """Every part of both sides for seekers (rows) × providers (columns)."""

    seeker_parts: dict[PartName, np.ndarray]
    provider_parts: dict[PartName, np.ndarray]
    seeker_score: np.ndarray
    provider_score: np.ndarray
    score: np.ndarray


def _weighted(parts: Mapping[PartName, np.ndarray], profile: Profile) -> np.ndarray:
    total_weight = sum(p.weight for p in profile.parts)
    result = sum(p.weight * parts[p.name] for p in profile.parts if p.weight > 0)
    return np.asarray(result, dtype=np.float64) / total_weight


def theme_weights(seekers: ActorTable, severities: Severities, profile: Profile) -> np.ndarray:
    """(seekers × issue areas): a shared issue area's value, higher where it is more severe."""
    severity = np.array([severities.of(f.region, f.country) for f in seekers.facts]).reshape(
        len(seekers), -1
    )
    severity = np.where(np.isnan(severity), profile.unknown_severity, severity)
    return (1 - profile.severity_weight) + profile.severity_weight * severity


_COLUMNS = (
    "sector",
    "country",
    "region",
    "issues",
    "offers",
    "needs",
    "need_inverse",
    "issue_inverse",
)


Parts = dict[PartName, np.ndarray]


def part_values(
    seekers: ActorTable,
    providers: ActorTable,
    severities: Severities,
    profile: Profile,
    *,
    aligned: bool = False,
) -> tuple[Parts, Parts]:
    """Each part of both sides for every seeker × every provider (arrays seekers × providers);
    with `aligned`, seeker i with provider i only (arrays of one dimension). The two sides share
    arrays where a part reads the same from both (geography, sectors, needs met one way or the other)."""
    if aligned:
        s = {name: getattr(seekers, name) for name in _COLUMNS}
        p = {name: getattr(providers, name) for name in _COLUMNS}
    else:
        s = {name: getattr(seekers, name)[:, None] for name in _COLUMNS}
        p = {name: getattr(providers, name)[None, :] for name in _COLUMNS}
    needs_met = np.bitwise_count(s["needs"] & p["offers"]) * s["need_inverse"]
    needs_served = np.bitwise_count(p["needs"] & s["offers"]) * p["need_inverse"]

    # Shared issue areas, each worth its weight in the seeker's place: one pass per issue area
    # that some seeker works on (a single seeker has one to three).
    weights = theme_weights(seekers, severities, profile)
    shape = np.broadcast_shapes(s["issues"].shape, p["issues"].shape)
    weighted_shared = np.zeros(shape)
    any_shared = np.zeros(shape, dtype=bool)
    present = int(np.bitwise_or.reduce(seekers.issues)) if len(seekers) else 0
    for bit in (b for b in range(len(ISSUE_AREAS)) if present >> b & 1):
        both = (
            (s["issues"] >> np.uint16(bit)) & (p["issues"] >> np.uint16(bit)) & np.uint16(1)
        ).astype(bool)
        weighted_shared += both * (weights[:, bit] if aligned else weights[:, bit : bit + 1])
        any_shared |= both
    seeker_shared = weighted_shared * s["issue_inverse"]
    provider_shared = weighted_shared * p["issue_inverse"]

    table = profile.geography_values[profile.prefer]
    same_region = (s["region"] == p["region"]) & (s["region"] >= 0)
    same_country = s["country"] == p["country"]
    geography = np.where(
        same_region,
        table[Geography.SAME_REGION],
        np.where(same_country, table[Geography.SAME_COUNTRY], table[Geography.CROSS_BORDER]),
    )
    cross_sector = (s["sector"] != p["sector"]).astype(np.float64)

    seeker_funds = seekers.funds(profile.funder_kinds)
    provider_funds = providers.funds(profile.funder_kinds)
    if not aligned:
        seeker_funds, provider_funds = seeker_funds[:, None], provider_funds[None, :]
    needs_met = np.broadcast_to(needs_met, shape)
    needs_served = np.broadcast_to(needs_served, shape)
    geography = np.broadcast_to(geography, shape)
    cross_sector = np.broadcast_to(cross_sector, shape)
    any_shared = any_shared.astype(np.float64)

    seeker_parts = {
        PartName.NEEDS_MET: needs_met,
        PartName.NEEDS_SERVED: needs_served,
        PartName.SHARED_ISSUES: seeker_shared,
        PartName.GEOGRAPHY: geography,
        PartName.CROSS_SECTOR: cross_sector,
        PartName.FUNDING: provider_funds * any_shared,
    }
    provider_parts = {
        PartName.NEEDS_MET: needs_served,
        PartName.NEEDS_SERVED: needs_met,
        PartName.SHARED_ISSUES: provider_shared,
        PartName.GEOGRAPHY: geography,
        PartName.CROSS_SECTOR: cross_sector,
        PartName.FUNDING: seeker_funds * any_shared,
    }
    return seeker_parts, provider_parts


def score_pairs(
    seekers: ActorTable,
    providers: ActorTable,
    severities: Severities,
    profile: Profile,
    *,
    aligned: bool = False,
) -> PairScores:
    """Both sides' parts and scores and the pair's score (see `part_values`)."""
    seeker_parts, provider_parts = part_values(
        seekers, providers, severities, profile, aligned=aligned
    )
    seeker_score = _weighted(seeker_parts, profile)
    provider_score = _weighted(provider_parts, profile)
    score = profile.seeker_share * seeker_score + (1 - profile.seeker_share) * provider_score
    return PairScores(seeker_parts, provider_parts, seeker_score, provider_score, score)


def combined_scores(
    seekers: ActorTable, providers: ActorTable, severities: Severities, profile: Profile
) -> np.ndarray:
    """Only the pair's score (what ranking needs): `score_pairs(...).score` with each shared
    array weighted once, for both sides' weights together."""
    seeker_parts, provider_parts = part_values(seekers, providers, severities, profile)
    total_weight = sum(p.weight for p in profile.parts)
    coefficients: dict[int, tuple[np.ndarray, float]] = {}
    for part in profile.parts:
        for values, share in (
            (seeker_parts[part.name], profile.seeker_share),
            (provider_parts[part.name], 1 - profile.seeker_share),
        ):
            held = coefficients.get(id(values), (values, 0.0))
            coefficients[id(values)] = (values, held[1] + share * part.weight / total_weight)
    result = np.zeros(np.broadcast_shapes(*(v.shape for v, _ in coefficients.values())))
    for values, coefficient in coefficients.values():
        if coefficient:
            result += coefficient * values
    return result


# --- explanations ------------------------------------------------------------------------------


def place_name(code: str | None) -> str:
    if code is None:
        return "an unnamed place"
    place = (
        pycountry.subdivisions.get(code=code)
        if "-" in code
        else pycountry.countries.get(alpha_2=code)
    )
    return f"{place.name} ({code})" if place is not None else code


def _label(code: str) -> str:
    return code.replace("_", " ")


def with_article(label: str) -> str:
    """The label with its article, by its first letter: "an impact investor", "a foundation",
    "a university research" (the only kind starting with a "u" says it "you"; none has a silent h)."""
    return ("an " if label[:1] in ("a", "e", "i", "o") else "a ") + label


def _listed(codes: Sequence[str]) -> str:
    labels = [_label(c) for c in codes]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass(frozen=True)
class Part:
    name: PartName
    value: float
    weight: float
    sentence: str


def explain_side(
    you: ActorFacts,
    them: ActorFacts,
    seeker: ActorFacts,
    values: Mapping[PartName, float],
    severities: Severities,
    profile: Profile,
) -> list[Part]:
    """Each part of one side (`you`'s view of `them`) with its value, weight and why, in words.
    Severities are those of the seeker's place, where the pair's work is expected to happen."""
    sentences: dict[PartName, str] = {}
    met = sorted(set(you.needs) & set(them.offers))
    sentences[PartName.NEEDS_MET] = (
        f"offers {_listed(met)}, which you need"
        if met
        else "offers none of what you need"
        if you.needs
        else "you list no needs"
    )
    served = sorted(set(them.needs) & set(you.offers))
    sentences[PartName.NEEDS_SERVED] = (
        f"needs {_listed(served)}, which you offer"
        if served
        else "needs none of what you offer"
        if them.needs
        else "lists no needs"
    )
    shared = sorted(set(you.issue_areas) & set(them.issue_areas))
    if shared:
        notes = []
        for theme in shared:
            known = severities.value(seeker.region, seeker.country, theme)
            if known is not None:
                severity, band, where = known
                notes.append(
                    f"{_label(theme)} is {band or 'rated'} in {place_name(where)} (severity {severity:.2f})"
                )
        sentences[PartName.SHARED_ISSUES] = f"both work on {_listed(shared)}" + (
            ", and " + "; ".join(notes) if notes else ", with no severity data for the place"
        )
    else:
        sentences[PartName.SHARED_ISSUES] = "no issue area in common"
    if you.region is not None and you.region == them.region:
        relation = f"in the same region, {place_name(you.region)}"
    elif you.country == them.country:
        relation = f"in the same country, {place_name(you.country)}"
    else:
        relation = f"across borders ({you.country}–{them.country})"
    sentences[PartName.GEOGRAPHY] = f"{relation}; this profile prefers {_label(profile.prefer)}"
    sentences[PartName.CROSS_SECTOR] = (
        f"a different sector: {them.sector}, you are {you.sector}"
        if you.sector != them.sector
        else f"the same sector ({you.sector})"
    )
    funds = them.kind in profile.funder_kinds and "funding" in them.offers
    common = sorted(set(you.issue_areas) & set(them.issue_areas))
    sentences[PartName.FUNDING] = (
        f"{with_article(_label(them.kind))} offering funding on {_listed(common)}"
        if funds and common
        else f"{with_article(_label(them.kind))} offering funding, but not on your issue areas"
        if funds
        else "offers no funding as a funder or impact investor"
    )
    return [
        Part(
            name=p.name,
            value=round(float(values[p.name]), 6),
            weight=p.weight,
            sentence=sentences[p.name],
        )
        for p in profile.parts
    ]
