"""All SQL of observations: queries with as-of, the staging table and the set-based merge.

On PostgreSQL the staging rows go in with COPY (asyncpg's binary copy, on the session's own
connection, so inside the request's transaction); on SQLite with executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, func, or_, text, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.observations.models import STAGING_COLUMNS, Ingest, Observation

# Arbitrary, fixed: ingests, recomputes and catalogue changes take this transaction-scoped lock
# on PostgreSQL, so that they run one at a time across every replica (SQLite: the write turn).
INGEST_LOCK_KEY = 7_301_170_421
MERGE_WORK_MEM = "256MB"

_DATETIME = sa.DateTime(timezone=True)
_CHANGED = """(
    c.value <> s.value OR c.estimated <> s.estimated OR c.provisional <> s.provisional
    OR c.break_in_series <> s.break_in_series OR c.illustrative <> s.illustrative
    OR COALESCE(c.source, '') <> COALESCE(s.source, '')
)"""
# The merge reads the staging table once per step for every comparison set together (one merge
# per set scanned the whole table twice per set). First, each staged row whose key has a current
# revision notes the revision it will get, or 0 when its values are the same (nothing written).
_MARK = text(f"""
UPDATE observation_staging AS s SET revision = CASE WHEN {_CHANGED} THEN c.revision + 1 ELSE 0 END
FROM observation AS c
WHERE c.superseded_at IS NULL AND c.comparison_set = s.comparison_set AND c.frequency = s.frequency
  AND c.indicator_code = s.indicator_code AND c.geography = s.geography AND c.period = s.period
""")
# The revisions being replaced, found by primary key.
_SUPERSEDE = text("""
UPDATE observation AS o SET superseded_at = :now, superseded_by = :ingest_id
FROM observation_staging AS s
WHERE s.revision > 0 AND o.indicator_code = s.indicator_code AND o.geography = s.geography
  AND o.period = s.period AND o.revision = s.revision - 1 AND o.superseded_at IS NULL
""").bindparams(bindparam("now", type_=_DATETIME))
# New keys get revision 1. Rows go in key order: both indexes then fill page after page instead
# of at random (files are often geography-first), which roughly halves the cost of maintaining them.
_INSERT = text("""
INSERT INTO observation (indicator_code, geography, period, revision, comparison_set, frequency,
    value, estimated, provisional, break_in_series, source, illustrative, recorded_at,
    superseded_at, ingest_id, superseded_by)
SELECT s.indicator_code, s.geography, s.period, COALESCE(s.revision, 1), s.comparison_set,
    s.frequency, s.value, s.estimated, s.provisional, s.break_in_series, s.source, s.illustrative,
    :now, NULL, :ingest_id, NULL
FROM observation_staging AS s
WHERE s.revision IS NULL OR s.revision > 0
ORDER BY s.indicator_code, s.geography, s.period
""").bindparams(bindparam("now", type_=_DATETIME))
# (comparison set, frequency, new keys, revised keys) of the marked staging table.
_MERGED_COUNTS = text("""
SELECT comparison_set, frequency, SUM(CASE WHEN revision IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN revision > 0 THEN 1 ELSE 0 END)
FROM observation_staging
GROUP BY comparison_set, frequency
""")
_DUPLICATES = text("""
SELECT indicator_code, geography, period, MIN(row_number) AS first_row, MAX(row_number) AS last_row,
       COUNT(*) AS occurrences
FROM observation_staging
GROUP BY indicator_code, geography, period
HAVING COUNT(*) > 1
ORDER BY MIN(row_number)
LIMIT :limit
""")


class ObservationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def is_postgres(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"

    async def driver_connection(self) -> Any:
        """The asyncpg connection under the session, inside the session's transaction."""
        connection = await self.session.connection()
        # SQLAlchemy's asyncpg adapter opens the transaction with the first statement it runs;
        # make sure there was one before anything runs on the driver directly.
        await connection.execute(text("SELECT 1"))
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def lock_ingest(self) -> None:
        """The one turn of ingests, recomputes and catalogue changes, taken before they read."""
        if self.is_postgres:
            await self.session.exec(text("SELECT pg_advisory_xact_lock(:key)"), params={"key": INGEST_LOCK_KEY})
        else:
            # SQLite: a request joins the write queue only at its first write, and reads before
            # that see the data as it was before the writer ahead of it; a read for update takes
            # the turn now, in a transaction begun at once (sihub_shared.db.WriteGate).
            await self.session.exec(select(Ingest.id).limit(1).with_for_update())

    # --- staging and merge --------------------------------------------------------------------

    async def clear_staging(self) -> None:
        await self.session.exec(text("DELETE FROM observation_staging"))

    async def stage(self, records: Sequence[tuple]) -> None:
        """Add validated rows (in STAGING_COLUMNS order) to the staging table."""
        if not records:
            return
        if self.is_postgres:
            driver = await self.driver_connection()
            await driver.copy_records_to_table("observation_staging", records=records, columns=STAGING_COLUMNS)
        else:
            connection = await self.session.connection()
            placeholders = ", ".join("?" for _ in STAGING_COLUMNS)
            await connection.exec_driver_sql(
                f"INSERT INTO observation_staging ({', '.join(STAGING_COLUMNS)}) VALUES ({placeholders})",
                list(records),
            )

    async def analyse_staging(self) -> None:
        if self.is_postgres:
            # Fresh statistics, or the planner guesses the size of the joins; and room to hash a
            # million staged keys in memory (the server's default work_mem of 4 MB spills them to
            # disk), for this transaction only.
            await self.session.exec(text("ANALYZE observation_staging"))
            await self.session.exec(text(f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'"))
            # Compiling these few large statements with JIT costs more (~0.5 s each) than it saves.
            await self.session.exec(text("SET LOCAL jit = off"))

    async def staged_duplicates(self, limit: int) -> list[Any]:
        return list((await self.session.exec(_DUPLICATES, params={"limit": limit})).all())

    async def merge(self, staged: dict[tuple[str, str], int], now: datetime,
                    ingest_id: str) -> dict[tuple[str, str], tuple[int, int]]:
        """Merge the staging table, whose rows per (comparison set, frequency) are `staged`, into
        `observation`; returns (inserted, revised) per (comparison set, frequency)."""
        params = {"now": now, "ingest_id": ingest_id}
        if not (await self.session.exec(_MARK)).rowcount:  # no staged key is in `observation` yet
            await self.session.exec(_INSERT, params=params)
            return {key: (rows, 0) for key, rows in staged.items()}
        if self.is_postgres:  # the marks changed the statistics the next joins are planned with
            await self.session.exec(text("ANALYZE observation_staging"))
        await self.session.exec(_SUPERSEDE, params=params)
        await self.session.exec(_INSERT, params=params)
        counts = (await self.session.exec(_MERGED_COUNTS)).all()
        return {(row[0], row[1]): (int(row[2]), int(row[3])) for row in counts}

    async def empty_staging(self) -> None:
        if self.is_postgres:
            await self.session.exec(text("TRUNCATE observation_staging"))
        else:
            await self.clear_staging()

    # --- queries ------------------------------------------------------------------------------

    @staticmethod
    def _at(query: Any, as_of: datetime | None) -> Any:
        if as_of is None:
            return query.where(col(Observation.superseded_at).is_(None))
        return query.where(
            col(Observation.recorded_at) <= as_of,
            or_(col(Observation.superseded_at).is_(None), col(Observation.superseded_at) > as_of),
        )

    async def find(
        self,
        *,
        indicator: str | None = None,
        geography: str | None = None,
        country: str | None = None,
        comparison_set: str | None = None,
        frequency: str | None = None,
        period_bounds: dict[str, tuple[str | None, str | None]] | None = None,
        as_of: datetime | None = None,
        after: tuple[str, str, str] | None = None,
        limit: int = 100,
    ) -> list[Observation]:
        query = self._at(select(Observation), as_of)
        if indicator is not None:
            query = query.where(Observation.indicator_code == indicator)
        if geography is not None:
            query = query.where(Observation.geography == geography)
        if country is not None:  # the country itself and its ISO 3166-2 regions
            query = query.where(or_(Observation.geography == country,
                                    col(Observation.geography).startswith(country + "-")))
        if comparison_set is not None:
            query = query.where(Observation.comparison_set == comparison_set)
        if frequency is not None:
            query = query.where(Observation.frequency == frequency)
        if period_bounds is not None:  # (first, last) per frequency: periods compare as text within one
            query = query.where(or_(*(
                sa.and_(Observation.frequency == each,
                        *([col(Observation.period) >= first] if first is not None else []),
                        *([col(Observation.period) <= last] if last is not None else []))
                for each, (first, last) in period_bounds.items()
            )))
        key = (col(Observation.indicator_code), col(Observation.geography), col(Observation.period))
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        query = query.order_by(*key).limit(limit)
        return list((await self.session.exec(query)).all())

    async def revisions(self, indicator: str, geography: str, period: str) -> list[tuple[Observation, Ingest]]:
        """Every revision of a key with the ingest that wrote it (each is logged with its rows)."""
        query = (
            select(Observation, Ingest)
            .join(Ingest, col(Ingest.id) == col(Observation.ingest_id))
            .where(Observation.indicator_code == indicator, Observation.geography == geography,
                   Observation.period == period)
            .order_by(col(Observation.revision))
        )
        return list((await self.session.exec(query)).all())

    async def revisions_of_ingest(self, ingest_id: str, after: tuple[str, str, str] | None,
                                  limit: int) -> list[Observation]:
        query = select(Observation).where(Observation.ingest_id == ingest_id)
        key = (col(Observation.indicator_code), col(Observation.geography), col(Observation.period))
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        return list((await self.session.exec(query.order_by(*key).limit(limit))).all())

    async def current_of_set(self, comparison_set: str, frequency: str) -> list[Any]:
        """(indicator, geography, period, value, illustrative) of every current observation."""
        sql = (
            "SELECT indicator_code, geography, period, value, illustrative FROM observation "
            "WHERE comparison_set = {cs} AND frequency = {f} AND superseded_at IS NULL"
        )
        if self.is_postgres:  # the driver's records are several times cheaper than ORM rows
            driver = await self.driver_connection()
            return await driver.fetch(sql.format(cs="$1", f="$2"), comparison_set, frequency)
        result = await self.session.exec(text(sql.format(cs=":cs", f=":f")), params={"cs": comparison_set, "f": frequency})
        return list(result.all())

    async def current_keys(
        self, comparison_set: str, frequency: str, indicators: Sequence[str] | None = None
    ) -> list[Any]:
        query = (
            sa.select(Observation.indicator_code, Observation.geography, Observation.period)
            .where(Observation.comparison_set == comparison_set, Observation.frequency == frequency,
                   col(Observation.superseded_at).is_(None))
        )
        if indicators is not None:
            query = query.where(col(Observation.indicator_code).in_(indicators))
        return list((await self.session.exec(query)).all())

    async def sets_of_indicator(self, code: str) -> list[tuple[str, str]]:
        query = (
            sa.select(Observation.comparison_set, Observation.frequency)
            .where(Observation.indicator_code == code, col(Observation.superseded_at).is_(None))
            .distinct()
        )
        return [(row[0], row[1]) for row in (await self.session.exec(query)).all()]

    async def all_sets(self) -> list[tuple[str, str]]:
        query = (
            sa.select(Observation.comparison_set, Observation.frequency)
            .where(col(Observation.superseded_at).is_(None))
            .distinct()
        )
        return sorted((row[0], row[1]) for row in (await self.session.exec(query)).all())

    async def value_range(self, code: str) -> tuple[float | None, float | None]:
        query = sa.select(func.min(Observation.value), func.max(Observation.value)).where(
            Observation.indicator_code == code, col(Observation.superseded_at).is_(None)
        )
        low, high = (await self.session.exec(query)).one()
        return low, high

    async def has_any(self, code: str) -> bool:
        query = sa.select(Observation.indicator_code).where(Observation.indicator_code == code).limit(1)
        return (await self.session.exec(query)).first() is not None

    async def count(self) -> int:
        return (await self.session.exec(sa.select(func.count()).select_from(Observation))).scalar_one()

    # --- the ingest log -----------------------------------------------------------------------

    def add_ingest(self, ingest: Ingest) -> None:
        self.session.add(ingest)

    async def get_ingest(self, ingest_id: str) -> Ingest | None:
        return await self.session.get(Ingest, ingest_id)

    async def list_ingests(self, before: tuple[datetime, str] | None, limit: int,
                           account_id: str | None = None) -> list[Ingest]:
        query = select(Ingest)
        if account_id is not None:
            query = query.where(Ingest.account_id == account_id)
        if before is not None:
            query = query.where(tuple_(col(Ingest.created_at), col(Ingest.id)) < tuple_(*before))
        query = query.order_by(col(Ingest.created_at).desc(), col(Ingest.id).desc()).limit(limit)
        return list((await self.session.exec(query)).all())
