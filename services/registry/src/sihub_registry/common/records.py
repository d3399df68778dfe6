"""Index tables for the smaller resources (projects, case studies, partnerships, programmes):
facets (`issue_area`, `actor`, ...) and search terms, keyed by the resource kind, so that those
resources filter and search the way actors do without a pair of tables each; and the SQL that
projects, case studies and partnerships share (`RecordRepository`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.common.search import TERM_MAX, QueryTerm, term_matches
from sihub_registry.common.types import UUID


class RecordFacet(SQLModel, table=True):
    __tablename__ = "record_facet"
    __table_args__ = (sa.Index("ix_record_facet_record_id", "record_id"),)

    kind: str = Field(primary_key=True, sa_type=sa.String(20))
    facet: str = Field(primary_key=True, sa_type=sa.String(20))
    value: str = Field(primary_key=True, sa_type=sa.String(120))
    record_id: str = Field(primary_key=True, sa_type=UUID)


class RecordTerm(SQLModel, table=True):
    __tablename__ = "record_term"
    __table_args__ = (sa.Index("ix_record_term_record_id", "record_id"),)

    kind: str = Field(primary_key=True, sa_type=sa.String(20))
    term: str = Field(primary_key=True, sa_type=sa.String(TERM_MAX))
    record_id: str = Field(primary_key=True, sa_type=UUID)


async def write_record_index(
    session: AsyncSession,
    kind: str,
    record_id: str,
    facets: Iterable[tuple[str, str]],
    terms: Iterable[str] = (),
    *,
    replace: bool,
) -> None:
    if replace:
        await session.exec(delete(RecordFacet).where(RecordFacet.kind == kind, RecordFacet.record_id == record_id))
        await session.exec(delete(RecordTerm).where(RecordTerm.kind == kind, RecordTerm.record_id == record_id))
    facet_rows = [{"kind": kind, "facet": f, "value": v, "record_id": record_id} for f, v in set(facets)]
    term_rows = [{"kind": kind, "term": t, "record_id": record_id} for t in set(terms)]
    if facet_rows:
        await session.exec(sa.insert(RecordFacet.__table__), params=facet_rows)
    if term_rows:
        await session.exec(sa.insert(RecordTerm.__table__), params=term_rows)


def with_facet(id_column: Any, kind: str, facet: str, values: Sequence[str]) -> sa.ColumnElement[bool]:
    matching = select(RecordFacet.record_id).where(
        RecordFacet.kind == kind, RecordFacet.facet == facet, RecordFacet.value.in_(values)
    )
    return id_column.in_(matching)


def with_term(id_column: Any, kind: str, term: QueryTerm) -> sa.ColumnElement[bool]:
    matching = select(RecordTerm.record_id).where(RecordTerm.kind == kind, term_matches(RecordTerm.term, term))
    return id_column.in_(matching)


@dataclass
class RecordFilters:
    """What every listing of a record kind filters by; a kind's filters add its own columns."""

    actor_id: list[str] = field(default_factory=list)
    issue_area: list[str] = field(default_factory=list)
    terms: list[QueryTerm] | None = None
    ref_prefix: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


RecordT = TypeVar("RecordT")
FiltersT = TypeVar("FiltersT", bound=RecordFilters)


class RecordRepository(Generic[RecordT, FiltersT]):
    """All SQL about one record kind that names actors: `model` is its table, `kind` its key in
    the index tables. A kind says which facets a record has (`facets`) and how its own filters
    narrow a listing (`narrowed`)."""

    model: ClassVar[Any]
    kind: ClassVar[str]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, record: RecordT) -> None:
        self.session.add(record)

    async def get(self, record_id: str, *, for_update: bool = False) -> RecordT | None:
        if for_update:
            return (await self.session.exec(select(self.model).where(self.model.id == record_id).with_for_update())).first()
        return await self.session.get(self.model, record_id)

    def facets(self, record: RecordT) -> set[tuple[str, str]]:
        raise NotImplementedError

    async def write_index(self, record: RecordT, terms: Iterable[str] = (), *, replace: bool) -> None:
        await write_record_index(self.session, self.kind, record.id, self.facets(record), terms, replace=replace)

    def narrowed(self, query: SelectOfScalar[Any], filters: FiltersT) -> SelectOfScalar[Any]:
        return query

    async def list(self, filters: FiltersT, mode: str, position: dict[str, Any] | None, limit: int) -> list[RecordT]:
        model = self.model
        query = self.narrowed(select(model), filters)
        if not filters.include_deleted:
            query = query.where(model.deleted_at.is_(None))
        for facet, values in (("actor", filters.actor_id), ("issue_area", filters.issue_area)):
            if values:
                query = query.where(with_facet(model.id, self.kind, facet, values))
        for term in filters.terms or ():
            query = query.where(with_term(model.id, self.kind, term))
        if filters.ref_prefix:
            query = query.where(ref_prefix_filter(model.ref, filters.ref_prefix))
        if filters.modified_after is not None:
            query = query.where(model.updated_at > filters.modified_after)
        return list((await self.session.exec(keyset(query, model, mode, position).limit(limit))).all())
