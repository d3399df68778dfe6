"""Recomputing theme indices and severities, and reading them back.

A recompute works per comparison set and frequency (the regions of one country, or the countries,
over all periods of one frequency): it loads the set's current observations, computes with
`compute.py`, and — only where the results differ from the stored ones — replaces them, records
one `index.recomputed` (in parts when large) and one `severity.changed` per geography and theme
whose severity, band or illustrative flag changed. Recomputing unchanged data writes nothing.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import repeat

import numpy as np
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.catalogue.models import Indicator
from sihub_indicators.catalogue.repository import CatalogueRepository
from sihub_indicators.events.contracts import IndexRecomputed, SeverityChanged, ThemeIndexValue
from sihub_indicators.geography import GeographyError, lookup, members_of, resolve, validate_comparison_set
from sihub_indicators.indices.compute import (
    IndicatorMeta,
    SetResults,
    ThemeSeverity,
    compute_set,
    nullable,
    theme_severities,
)
from sihub_indicators.indices.method import DEFAULT_METHOD, Direction, Method
from sihub_indicators.indices.models import IndexSetRow, SeverityRow, ThemeIndexRow
from sihub_indicators.indices.repository import IndexRepository, PlaceFilter
from sihub_indicators.indices.schemas import (
    ComparisonSetPublic,
    RankEntry,
    RankTable,
    RecomputeSummary,
    SeverityPublic,
    ThemeIndexPoint,
    ThemeIndexSeries,
)
from sihub_indicators.observations.repository import ObservationRepository
from sihub_indicators.periods import Frequency
from sihub_shared.errors import ProblemError
from sihub_shared.events.outbox import record, record_all

# Differences below this are floating-point noise, not a change.
CHANGE_TOLERANCE = 1e-9
# Latest indices per index.recomputed event: keeps each message well under NATS' 1 MB limit.
VALUES_PER_EVENT = 1000
SetKey = tuple[str, str]  # (comparison set, frequency)


class _IndexTable:
    """A set's theme indices as rows for the `theme_index` table (in THEME_INDEX_COLUMNS order),
    built from the result arrays without an object per index, with a digest of the results.

    A theme without a single input in a period is a coverage gap, not an index: it is left out.
    """

    def __init__(self, results: SetResults, key: SetKey, computed_at: datetime) -> None:
        arrays = results.arrays
        stored = arrays.inputs > 0
        g, k, t = np.nonzero(stored)
        self.geographies = sorted({results.geographies[n] for n in set(g.tolist())})
        self.themes = sorted({arrays.themes[n] for n in set(k.tolist())})
        self.periods = sorted({results.periods[n] for n in set(t.tolist())})
        self.illustrative = int(arrays.illustrative[stored].sum())
        ranks = [arrays.rank[stored], arrays.rank_best[stored], arrays.rank_worst[stored]]
        columns = [
            np.array(results.geographies, dtype=object)[g].tolist(),
            np.array(arrays.themes, dtype=object)[k].tolist(),
            np.array(results.periods, dtype=object)[t].tolist(),
            nullable(arrays.index[stored]),
            arrays.coverage[stored].tolist(),
            arrays.inputs[stored].tolist(),
            *(nullable(rank, as_int=True) for rank in ranks),
            arrays.ranked_among[k, t].tolist(),
            arrays.illustrative[stored].tolist(),
        ]
        constant = (repeat(key[0]), repeat(key[1]))
        stamp = (repeat(results.method_version), repeat(computed_at))
        self.rows = list(zip(*columns[:3], *constant, *columns[3:], *stamp))  # noqa: B905 - repeat() is endless
        self._position = {row[:3]: n for n, row in enumerate(self.rows)}
        self._rank_illustrative = {
            (theme, period): bool(arrays.rank_illustrative[k, t])
            for k, theme in enumerate(arrays.themes) for t, period in enumerate(results.periods)
        }

        # Floats to 9 decimals (below is rounding noise), NaN as a fixed number: equal results,
        # equal digest, whatever the order the observations were read in.
        digest = hashlib.sha256(results.method_version.encode())
        for labels in (results.geographies, arrays.themes, results.periods):
            digest.update("\x1f".join(labels).encode() + b"\x1e")
        for array in (arrays.index, arrays.coverage, arrays.rank, arrays.rank_best, arrays.rank_worst):
            digest.update(np.nan_to_num(np.round(array, 9), nan=-1.0).tobytes())
        for array in (arrays.inputs, arrays.illustrative, arrays.ranked_among):
            digest.update(np.ascontiguousarray(array).tobytes())
        self.digest = digest.hexdigest()

    def ranks_at(self, geography: str, theme: str, period: str) -> dict[str, int | bool | None]:
        row = self.rows[self._position[(geography, theme, period)]]
        ranks: dict[str, int | bool | None] = dict(
            zip(("rank", "rank_best", "rank_worst", "ranked_among"), row[8:12], strict=True))
        return ranks | {"rank_illustrative": self._rank_illustrative[(theme, period)]}


_EMPTY_DIGEST = hashlib.sha256(b"no results").hexdigest()


def _severity_changed(old: SeverityRow | None, new: ThemeSeverity | None) -> bool:
    if old is None or new is None:
        return old is not new
    return (
        abs(old.severity - new.severity) > CHANGE_TOLERANCE
        or old.band != new.band
        or bool(old.illustrative) != new.illustrative
    )


def checked_places(country: str | None, geography: str | None, geography_field: str = "geography") -> PlaceFilter:
    """Query parameters naming a country and a geography, validated (problem+json)."""
    for field, code, level in (("country", country, "country"), (geography_field, geography, None)):
        if code is None:
            continue
        try:
            place = resolve(code)
        except GeographyError as exc:
            raise ProblemError.for_field(field, str(exc)) from None
        if level is not None and place.level != level:
            raise ProblemError.for_field(field, f"{code} is a region; give its country ({place.country})")
    return PlaceFilter(country=country, geography=geography)


def checked_set(comparison_set: str | None, frequency: str | None) -> tuple[str | None, str | None]:
    """Query parameters naming a comparison set and a frequency, validated (problem+json)."""
    if comparison_set is not None:
        try:
            validate_comparison_set(comparison_set)
        except GeographyError as exc:
            raise ProblemError.for_field("comparison_set", str(exc)) from None
    if frequency is not None and frequency not in Frequency.__members__.values():
        raise ProblemError.for_field("frequency", f"{frequency!r} is not one of {', '.join(Frequency)}")
    return comparison_set, frequency


class IndexService:
    def __init__(self, session: AsyncSession, method: Method = DEFAULT_METHOD) -> None:
        self.session = session
        self.method = method
        self.indices = IndexRepository(session)
        self.observations = ObservationRepository(session)
        self.catalogue = CatalogueRepository(session)

    # --- recompute ------------------------------------------------------------------------------

    async def recompute(
        self, comparison_sets: Iterable[SetKey] | None = None, *, cause: str = "recompute requested"
    ) -> list[RecomputeSummary]:
        """Recompute the given (comparison set, frequency) pairs, or every set with observations."""
        await self.observations.lock_ingest()  # one writer of observations and results at a time
        if comparison_sets is None:
            sets = await self.observations.all_sets()
        else:
            sets = sorted(set(comparison_sets))
        catalogue = await self.catalogue.all_by_code()
        return [await self._recompute_set(key, catalogue, cause) for key in sets]

    async def recompute_where(
        self, comparison_set: str | None, frequency: str | None, *, cause: str
    ) -> list[RecomputeSummary]:
        """Recompute the sets with observations of this comparison set and/or frequency (all if None)."""
        await self.observations.lock_ingest()  # a set an ingest is adding is listed once it has committed
        sets = [
            (cs, f) for cs, f in await self.observations.all_sets()
            if comparison_set in (None, cs) and frequency in (None, f)
        ]
        return await self.recompute(sets, cause=cause)

    async def _recompute_set(self, key: SetKey, catalogue: dict[str, Indicator], cause: str) -> RecomputeSummary:
        started = time.perf_counter()
        comparison_set, frequency = key
        computed_at = datetime.now(UTC)
        columns = await self.indices.observation_columns(comparison_set, frequency)
        codes = sorted(set(columns.indicator_codes)) if columns else []
        indicators = [
            IndicatorMeta(code, str(catalogue[code].theme), Direction(catalogue[code].direction)) for code in codes
        ]
        results = compute_set(columns, indicators, self.method) if columns else None
        stored = await self.indices.index_set(comparison_set, frequency)
        table = _IndexTable(results, key, computed_at) if results else None
        digest = table.digest if table else _EMPTY_DIGEST
        severities = theme_severities(results) if results else []
        summary = RecomputeSummary(
            comparison_set=comparison_set, frequency=frequency,
            geographies=len(results.geographies) if results else 0, indicators=len(indicators),
            periods=len(table.periods) if table else 0, theme_indices=len(table.rows) if table else 0,
            severities=len(severities), severity_changes=0,
            illustrative_results=(table.illustrative if table else 0) + sum(s.illustrative for s in severities),
            seconds=0.0,
        )
        if (stored.digest if stored else _EMPTY_DIGEST) == digest:
            summary.seconds = round(time.perf_counter() - started, 4)
            return summary

        previous = {(s.geography, s.theme): s for s in await self.indices.severity_rows(comparison_set, frequency)}
        index_set = IndexSetRow(
            comparison_set=comparison_set, frequency=frequency, geographies=summary.geographies,
            indicators=summary.indicators, themes=len(table.themes), first_period=table.periods[0],
            last_period=table.periods[-1], method_version=self.method.version, digest=digest, computed_at=computed_at,
        ) if table and table.rows else None
        await self.indices.replace_set(
            comparison_set, frequency, table.rows if table else [],
            [self._severity_row(s, key, computed_at) for s in severities], index_set,
        )
        self._record_recomputed(key, table, severities, cause, computed_at)
        current = {(s.geography, s.theme): s for s in severities}
        changes = []
        for geography, theme in sorted(previous.keys() | current.keys()):
            old, new = previous.get((geography, theme)), current.get((geography, theme))
            if _severity_changed(old, new):
                changes.append((self._severity_changed(key, geography, theme, old, new, computed_at), geography))
        await record_all(self.session, changes)
        summary.severity_changes = len(changes)
        summary.seconds = round(time.perf_counter() - started, 4)
        return summary

    def _severity_row(self, severity: ThemeSeverity, key: SetKey, computed_at: datetime) -> tuple:
        """A severity in SEVERITY_COLUMNS order."""
        return (severity.geography, severity.theme, key[1], key[0], severity.period, severity.index,
                severity.severity, severity.band, severity.trend_per_year, severity.coverage, severity.inputs,
                severity.illustrative, self.method.version, computed_at)

    def _record_recomputed(
        self, key: SetKey, table: _IndexTable | None, severities: list[ThemeSeverity], cause: str,
        computed_at: datetime,
    ) -> None:
        values = [
            ThemeIndexValue(
                geography=s.geography, theme=s.theme, period=s.period, index=s.index,
                **table.ranks_at(s.geography, s.theme, s.period), trend_per_year=s.trend_per_year,
                coverage=s.coverage, illustrative=s.illustrative,
            )
            for s in severities
        ] if table else []
        parts = max(1, math.ceil(len(values) / VALUES_PER_EVENT))
        members = [g.code for g in members_of(key[0])]
        for part in range(parts):
            record(self.session, IndexRecomputed(
                comparison_set=key[0], frequency=key[1], method_version=self.method.version, cause=cause,
                periods=table.periods if table else [], geographies=table.geographies if table else [],
                themes=table.themes if table else [], part=part + 1, parts=parts, members=members,
                values=values[part * VALUES_PER_EVENT:(part + 1) * VALUES_PER_EVENT], computed_at=computed_at,
            ), subject=key[0])

    def _severity_changed(
        self, key: SetKey, geography: str, theme: str, old: SeverityRow | None, new: ThemeSeverity | None,
        computed_at: datetime,
    ) -> SeverityChanged:
        return SeverityChanged(
            geography=geography, theme=theme, frequency=key[1], comparison_set=key[0],
            period=new.period if new else None, index=new.index if new else None,
            severity=new.severity if new else None, band=new.band if new else None,
            trend_per_year=new.trend_per_year if new else None, coverage=new.coverage if new else None,
            # A severity withheld now: the flag of the figures the event still carries (previous_*).
            illustrative=new.illustrative if new else bool(old and old.illustrative),
            previous_severity=old.severity if old else None, previous_band=old.band if old else None,
            method_version=self.method.version, computed_at=computed_at,
        )

    # --- reads ----------------------------------------------------------------------------------

    async def index_series(
        self,
        places: PlaceFilter,
        *,
        theme: str | None,
        comparison_set: str | None,
        frequency: str | None,
        period: str | None,
        history: bool,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[ThemeIndexSeries]:
        """Index series by (geography, theme, frequency); each with its latest point only, the
        given period only, or its whole history."""
        keys = await self.indices.series_keys(
            places, theme=theme, comparison_set=comparison_set, frequency=frequency, period=period, after=after,
            limit=limit,
        )
        points: dict[tuple[str, str, str], list[ThemeIndexRow]] = {key: [] for key in keys}
        for row in await self.indices.points_of(keys):
            points[(row.geography, row.theme, row.frequency)].append(row)
        trends = {(s.geography, s.theme, s.frequency): s.trend_per_year for s in await self.indices.severities_of(keys)}
        illustrative_rankings = await self.indices.illustrative_rankings(sorted({
            (row.comparison_set, row.frequency, row.theme) for rows in points.values() for row in rows}))
        series = []
        for key, rows in points.items():
            if period is not None:
                shown = [row for row in rows if row.period == period]
            elif history:
                shown = rows
            else:
                shown = rows[-1:]
            if not shown:
                continue
            latest = rows[-1]
            series.append(ThemeIndexSeries(
                geography=key[0], theme=key[1], comparison_set=latest.comparison_set, frequency=key[2],
                trend_per_year=trends.get(key), illustrative=any(row.illustrative for row in rows),
                method_version=latest.method_version, computed_at=latest.computed_at,
                points=[ThemeIndexPoint(period=row.period, index=row.value, coverage=row.coverage,
                                        inputs=row.inputs, rank=row.rank, rank_best=row.rank_best,
                                        rank_worst=row.rank_worst, ranked_among=row.ranked_among,
                                        illustrative=row.illustrative,
                                        rank_illustrative=(row.comparison_set, row.frequency, row.theme, row.period)
                                        in illustrative_rankings) for row in shown],
            ))
        return series

    async def comparison_sets(self) -> list[ComparisonSetPublic]:
        rows = await self.indices.index_sets()
        return [ComparisonSetPublic.model_validate(row, from_attributes=True) for row in rows]

    async def severities(
        self,
        places: PlaceFilter,
        *,
        theme: str | None,
        band: str | None,
        frequency: str | None,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[SeverityPublic]:
        rows = await self.indices.find_severities(
            places, theme=theme, band=band, frequency=frequency, after=after, limit=limit
        )
        return [SeverityPublic.model_validate(row, from_attributes=True) for row in rows]

    async def robustness(
        self, comparison_set: str, frequency: str, theme: str | None, period: str | None
    ) -> list[RankTable]:
        rows = await self.indices.rank_rows(comparison_set, frequency, theme, period)
        tables: dict[str, RankTable] = {}
        for row in rows:
            table = tables.get(row.theme)
            if table is None:
                table = tables[row.theme] = RankTable(
                    comparison_set=comparison_set, frequency=frequency, theme=row.theme, period=row.period,
                    ranked_among=row.ranked_among, rank_illustrative=False, method_version=row.method_version,
                    variations=self.method.rank_variations(), ranks=[],
                )
            place = lookup(row.geography)
            table.ranks.append(RankEntry(
                geography=row.geography, name=row.geography if isinstance(place, str) else place.name,
                index=row.value, rank=row.rank, rank_best=row.rank_best, rank_worst=row.rank_worst,
                illustrative=row.illustrative,
            ))
            if row.illustrative and row.value is not None:  # every rank of the table rests on it
                table.rank_illustrative = True
        return list(tables.values())
