"""All SQL about partnerships."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from sihub_registry.common.records import RecordFilters, RecordRepository
from sihub_registry.partnerships.models import Partnership


@dataclass
class PartnershipFilters(RecordFilters):
    type: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)


class PartnershipRepository(RecordRepository[Partnership, PartnershipFilters]):
    model = Partnership
    kind = "partnership"

    async def by_match_ref(self, match_ref: str, *, recorded_by: str | None = None) -> Partnership | None:
        """A partnership naming the match: with `recorded_by`, one whose creator's id starts with it,
        deleted or not (a match is recorded once); else a live one."""
        query = select(Partnership).where(Partnership.match_ref == match_ref)
        if recorded_by is not None:
            query = query.where(col(Partnership.created_by).startswith(recorded_by, autoescape=True))
        else:
            query = query.where(col(Partnership.deleted_at).is_(None))
        return (await self.session.exec(query)).first()

    def facets(self, partnership: Partnership) -> set[tuple[str, str]]:
        return {("actor", a) for a in partnership.actor_ids}

    def narrowed(self, query: SelectOfScalar[Any], filters: PartnershipFilters) -> SelectOfScalar[Any]:
        for column, values in ((Partnership.type, filters.type), (Partnership.status, filters.status), (Partnership.origin, filters.origin)):
            if values:
                query = query.where(column.in_(values))
        return query
