"""All SQL about partnerships."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.common.records import with_facet, write_record_index
from sihub_registry.partnerships.models import Partnership

KIND = "partnership"


@dataclass
class PartnershipFilters:
    actor_id: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)
    ref_prefix: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


class PartnershipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, partnership: Partnership) -> None:
        self.session.add(partnership)

    async def get(self, partnership_id: str, *, for_update: bool = False) -> Partnership | None:
        if for_update:
            return (await self.session.exec(select(Partnership).where(Partnership.id == partnership_id).with_for_update())).first()
        return await self.session.get(Partnership, partnership_id)

    async def by_match_ref(self, match_ref: str, *, recorded_by: str | None = None) -> Partnership | None:
        """A partnership naming the match: with `recorded_by`, one whose creator's id starts with it,
        deleted or not (a match is recorded once); else a live one."""
        query = select(Partnership).where(Partnership.match_ref == match_ref)
        if recorded_by is not None:
            query = query.where(col(Partnership.created_by).startswith(recorded_by, autoescape=True))
        else:
            query = query.where(col(Partnership.deleted_at).is_(None))
        return (await self.session.exec(query)).first()

    async def write_index(self, partnership: Partnership) -> None:
        await write_record_index(self.session, KIND, partnership.id, {("actor", a) for a in partnership.actor_ids}, replace=False)

    async def list(self, filters: PartnershipFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Partnership]:
        query = select(Partnership)
        if not filters.include_deleted:
            query = query.where(Partnership.deleted_at.is_(None))
        for column, values in ((Partnership.type, filters.type), (Partnership.status, filters.status), (Partnership.origin, filters.origin)):
            if values:
                query = query.where(column.in_(values))
        if filters.actor_id:
            query = query.where(with_facet(Partnership.id, KIND, "actor", filters.actor_id))
        if filters.ref_prefix:
            query = query.where(ref_prefix_filter(Partnership.ref, filters.ref_prefix))
        if filters.modified_after is not None:
            query = query.where(Partnership.updated_at > filters.modified_after)
        return list((await self.session.exec(keyset(query, Partnership, mode, position).limit(limit))).all())
