"""Index tables for the smaller resources (projects, case studies, partnerships, programmes):
facets (`issue_area`, `actor`, ...) and search terms, keyed by the resource kind, so that those
resources filter and search the way actors do without a pair of tables each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

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
