"""All SQL of theme indices and severities: the stored results of each comparison set's last
recompute, replaced as a whole (COPY on PostgreSQL, executemany on SQLite), and the queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import or_, text, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.indices.compute import ObservationColumns
from sihub_indicators.indices.models import (
    SEVERITY_COLUMNS,
    THEME_INDEX_COLUMNS,
    IndexSetRow,
    SeverityRow,
    ThemeIndexRow,
)
from sihub_indicators.observations.repository import ObservationRepository


@dataclass(frozen=True, slots=True)
class PlaceFilter:
    """Geographies by country (the country itself and its regions) and/or exact code."""

    country: str | None = None
    geography: str | None = None

    def apply(self, query, geography_column):  # noqa: ANN001, ANN201 - SQLAlchemy select and column
        if self.country is not None:
            query = query.where(
                or_(geography_column == self.country, col(geography_column).startswith(self.country + "-"))
            )
        if self.geography is not None:
            query = query.where(geography_column == self.geography)
        return query


class IndexRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.observations = ObservationRepository(session)

    # --- the results of one comparison set ----------------------------------------------------

    async def observation_columns(self, comparison_set: str, frequency: str) -> ObservationColumns | None:
        """The set's current observations as columns (None if it has none)."""
        where = "comparison_set = {cs} AND frequency = {f} AND superseded_at IS NULL"
        if self.observations.is_postgres:
            # One row of five arrays: several times cheaper to decode than a record per observation.
            driver = await self.observations.driver_connection()
            row = await driver.fetchrow(
                "SELECT array_agg(indicator_code), array_agg(geography), array_agg(period), array_agg(value), "
                "array_agg(illustrative) FROM observation WHERE " + where.format(cs="$1", f="$2"),
                comparison_set, frequency,
            )
            return None if row[0] is None else ObservationColumns(*row)
        result = await self.session.exec(
            text("SELECT indicator_code, geography, period, value, illustrative FROM observation WHERE "
                 + where.format(cs=":cs", f=":f")), params={"cs": comparison_set, "f": frequency},
        )
        rows = result.all()
        return ObservationColumns(*(list(column) for column in zip(*rows, strict=True))) if rows else None

    async def index_set(self, comparison_set: str, frequency: str) -> IndexSetRow | None:
        return await self.session.get(IndexSetRow, (comparison_set, frequency))

    async def index_sets(self) -> list[IndexSetRow]:
        query = select(IndexSetRow).order_by(col(IndexSetRow.comparison_set), col(IndexSetRow.frequency))
        return list((await self.session.exec(query)).all())

    async def severity_rows(self, comparison_set: str, frequency: str) -> list[SeverityRow]:
        query = select(SeverityRow).where(
            SeverityRow.comparison_set == comparison_set, SeverityRow.frequency == frequency
        )
        return list((await self.session.exec(query)).all())

    async def replace_set(
        self, comparison_set: str, frequency: str, theme_indices: Sequence[tuple], severities: Sequence[tuple],
        summary: IndexSetRow | None,
    ) -> None:
        """Replace the stored results of a set by these rows (in THEME_INDEX_COLUMNS and
        SEVERITY_COLUMNS order) and its summary (none when the set has no results)."""
        params = {"cs": comparison_set, "f": frequency}
        for table in ("theme_index", "severity"):
            await self.session.exec(
                text(f"DELETE FROM {table} WHERE comparison_set = :cs AND frequency = :f"), params=params
            )
        await self._insert("theme_index", THEME_INDEX_COLUMNS, theme_indices)
        await self._insert("severity", SEVERITY_COLUMNS, severities)
        stored = await self.index_set(comparison_set, frequency)
        if summary is not None:
            await self.session.merge(summary)
        elif stored is not None:
            await self.session.delete(stored)

    async def _insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        if not rows:
            return
        if self.observations.is_postgres:
            driver = await self.observations.driver_connection()
            await driver.copy_records_to_table(table, records=rows, columns=list(columns))
            return
        connection = await self.session.connection()
        names = ", ".join(f'"{name}"' for name in columns)
        placeholders = ", ".join("?" for _ in columns)
        await connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", list(rows))

    # --- queries ------------------------------------------------------------------------------

    async def series_keys(
        self,
        places: PlaceFilter,
        *,
        theme: str | None,
        comparison_set: str | None,
        frequency: str | None,
        period: str | None = None,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[tuple[str, str, str]]:
        """(geography, theme, frequency) of the stored index series (with a point in `period`), in key order."""
        key = (col(ThemeIndexRow.geography), col(ThemeIndexRow.theme), col(ThemeIndexRow.frequency))
        query = places.apply(sa.select(*key).distinct(), ThemeIndexRow.geography)
        if theme is not None:
            query = query.where(ThemeIndexRow.theme == theme)
        if comparison_set is not None:
            query = query.where(ThemeIndexRow.comparison_set == comparison_set)
        if frequency is not None:
            query = query.where(ThemeIndexRow.frequency == frequency)
        if period is not None:  # here, not after the page is cut: a page short of keys would end the walk
            query = query.where(ThemeIndexRow.period == period)
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        query = query.order_by(*key).limit(limit)
        return [tuple(row) for row in (await self.session.exec(query)).all()]

    async def points_of(self, keys: Sequence[tuple[str, str, str]]) -> list[ThemeIndexRow]:
        if not keys:
            return []
        key = (col(ThemeIndexRow.geography), col(ThemeIndexRow.theme), col(ThemeIndexRow.frequency))
        query = select(ThemeIndexRow).where(tuple_(*key).in_(list(keys))).order_by(*key, col(ThemeIndexRow.period))
        return list((await self.session.exec(query)).all())

    async def illustrative_rankings(
        self, series: Sequence[tuple[str, str, str]]
    ) -> set[tuple[str, str, str, str]]:
        """(comparison set, frequency, theme, period) of the rankings, among those of these
        (comparison set, frequency, theme), in which a ranked geography's index is illustrative."""
        if not series:
            return set()
        of = (col(ThemeIndexRow.comparison_set), col(ThemeIndexRow.frequency), col(ThemeIndexRow.theme))
        query = sa.select(*of, col(ThemeIndexRow.period)).distinct().where(
            tuple_(*of).in_(list(series)), col(ThemeIndexRow.illustrative), col(ThemeIndexRow.value).is_not(None))
        return {tuple(row) for row in (await self.session.exec(query)).all()}

    async def severities_of(self, keys: Sequence[tuple[str, str, str]]) -> list[SeverityRow]:
        if not keys:
            return []
        key = (col(SeverityRow.geography), col(SeverityRow.theme), col(SeverityRow.frequency))
        return list((await self.session.exec(select(SeverityRow).where(tuple_(*key).in_(list(keys))))).all())

    async def find_severities(
        self,
        places: PlaceFilter,
        *,
        theme: str | None,
        band: str | None,
        frequency: str | None,
        after: tuple[str, str, str] | None,
        limit: int,
    ) -> list[SeverityRow]:
        key = (col(SeverityRow.geography), col(SeverityRow.theme), col(SeverityRow.frequency))
        query = places.apply(select(SeverityRow), SeverityRow.geography)
        if theme is not None:
            query = query.where(SeverityRow.theme == theme)
        if band is not None:
            query = query.where(SeverityRow.band == band)
        if frequency is not None:
            query = query.where(SeverityRow.frequency == frequency)
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        return list((await self.session.exec(query.order_by(*key).limit(limit))).all())

    async def rank_rows(
        self, comparison_set: str, frequency: str, theme: str | None, period: str | None
    ) -> list[ThemeIndexRow]:
        """The theme indices of one period of a set; without a period, each theme's own latest
        period with an index (the set's latest may hold only other themes)."""
        in_set = (ThemeIndexRow.comparison_set == comparison_set, ThemeIndexRow.frequency == frequency)
        query = select(ThemeIndexRow).where(*in_set)
        if theme is not None:
            query = query.where(ThemeIndexRow.theme == theme)
        if period is not None:
            query = query.where(ThemeIndexRow.period == period)
        else:
            latest = (
                sa.select(ThemeIndexRow.theme, sa.func.max(ThemeIndexRow.period).label("period"))
                .where(*in_set, col(ThemeIndexRow.value).is_not(None))
                .group_by(ThemeIndexRow.theme)
                .subquery()
            )
            query = query.join(latest, sa.and_(col(ThemeIndexRow.theme) == latest.c.theme,
                                               col(ThemeIndexRow.period) == latest.c.period))
        unranked_last = sa.func.coalesce(col(ThemeIndexRow.rank), 1_000_000)
        order = (col(ThemeIndexRow.theme), unranked_last, col(ThemeIndexRow.geography))
        return list((await self.session.exec(query.order_by(*order))).all())
