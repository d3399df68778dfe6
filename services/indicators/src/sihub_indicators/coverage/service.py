"""Coverage: which geographies lack which indicators for which periods, per comparison set.

What is expected of a set: every indicator observed anywhere in it, for every period it has data
for, from every geography that belongs to it — for a regions set every subdivision ISO 3166-2
lists (a region without any data is a gap too), for the countries every country with data of its
own or of its regions.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.catalogue.errors import unknown_indicator
from sihub_indicators.catalogue.repository import CatalogueRepository
from sihub_indicators.coverage.repository import CoverageRepository
from sihub_indicators.coverage.schemas import CoverageGap, SetCoverage, WithheldIndex
from sihub_indicators.geography import COUNTRIES, REGIONS_PREFIX, lookup, members_of
from sihub_indicators.observations.repository import ObservationRepository


def _name(code: str) -> str:
    place = lookup(code)
    return code if isinstance(place, str) else place.name


def _country(code: str) -> str:
    return code[:2]  # ISO 3166-2 codes start with their country's alpha-2 code


class CoverageService:
    def __init__(self, session: AsyncSession) -> None:
        self.observations = ObservationRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.repository = CoverageRepository(session)

    async def coverage(
        self, *, country: str | None, indicator: str | None, comparison_set: str | None, frequency: str | None
    ) -> list[SetCoverage]:
        themes = {code: str(row.theme) for code, row in (await self.catalogue.all_by_code()).items()}
        if indicator is not None and indicator not in themes:
            raise unknown_indicator(indicator, "indicator")
        sets = await self.observations.all_sets()
        answer = []
        for cs, f in sets:
            if comparison_set not in (None, cs) or frequency not in (None, f):
                continue
            if cs == COUNTRIES:
                # A country whose regions have data is expected among the countries too.
                extra = {s.removeprefix(REGIONS_PREFIX)[:2] for s, sf in sets if sf == f and s != COUNTRIES}
            else:
                extra = {member.code for member in members_of(cs)}
            coverage = await self._of_set(cs, f, extra, themes, country, indicator)
            if coverage is not None:
                answer.append(coverage)
        return answer

    async def _of_set(
        self, comparison_set: str, frequency: str, expected_geographies: set[str], themes: dict[str, str],
        country: str | None, indicator: str | None,
    ) -> SetCoverage | None:
        keys = await self.observations.current_keys(comparison_set, frequency)
        periods = sorted({period for _, _, period in keys})
        indicators = sorted({code for code, _, _ in keys})
        geographies = expected_geographies | {geography for _, geography, _ in keys}
        if country is not None:
            geographies = {g for g in geographies if _country(g) == country}
        if indicator is not None:
            indicators = [code for code in indicators if code == indicator]
        if not geographies or not indicators:
            return None
        observed: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, geography, period in keys:
            observed[(geography, code)].add(period)
        gaps = []
        found = 0
        for geography in sorted(geographies):
            for code in indicators:
                have = observed.get((geography, code), set())
                found += len(have)
                if len(have) < len(periods):
                    gaps.append(CoverageGap(
                        geography=geography, name=_name(geography), indicator=code, theme=themes.get(code, ""),
                        missing_periods=[period for period in periods if period not in have],
                    ))
        wanted_themes = {themes.get(code) for code in indicators}
        withheld = [
            WithheldIndex(geography=row.geography, theme=row.theme, period=row.period, coverage=row.coverage,
                          inputs=row.inputs)
            for row in await self.repository.withheld_indices(comparison_set, frequency)
            if row.geography in geographies and row.theme in wanted_themes
        ]
        expected = len(geographies) * len(indicators) * len(periods)
        return SetCoverage(
            comparison_set=comparison_set, frequency=frequency, periods=periods, indicators=len(indicators),
            geographies=len(geographies), expected=expected, observed=found,
            share=round(found / expected, 6) if expected else 1.0, gaps=gaps, withheld_indices=withheld,
        )
