"""All SQL about hub operators, programmes, cohorts and memberships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.hubs.models import Cohort, HubOperator, HubOperatorList, Membership, Programme


@dataclass
class MembershipFilters:
    hub: list[str] = field(default_factory=list)
    programme_id: list[str] = field(default_factory=list)
    cohort_id: list[str] = field(default_factory=list)
    actor_id: list[str] = field(default_factory=list)
    ref_prefix: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


class HubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Any) -> None:
        self.session.add(row)

    async def operator(self, hub_id: str, account_id: str) -> HubOperator | None:
        return await self.session.get(HubOperator, (hub_id, account_id))

    async def operators(self, hub_id: str) -> list[HubOperator]:
        query = select(HubOperator).where(HubOperator.hub_id == hub_id).order_by(HubOperator.added_at)
        return list((await self.session.exec(query)).all())

    async def remove_operator(self, hub_id: str, account_id: str) -> None:
        await self.session.exec(delete(HubOperator).where(HubOperator.hub_id == hub_id, HubOperator.account_id == account_id))

    async def operator_list(self, hub_id: str) -> HubOperatorList | None:
        return await self.session.get(HubOperatorList, hub_id)

    async def programme(self, programme_id: str, *, for_update: bool = False) -> Programme | None:
        if for_update:
            return (await self.session.exec(select(Programme).where(Programme.id == programme_id).with_for_update())).first()
        return await self.session.get(Programme, programme_id)

    async def cohort(self, cohort_id: str, *, for_update: bool = False) -> Cohort | None:
        if for_update:
            return (await self.session.exec(select(Cohort).where(Cohort.id == cohort_id).with_for_update())).first()
        return await self.session.get(Cohort, cohort_id)

    async def membership(self, membership_id: str, *, for_update: bool = False) -> Membership | None:
        if for_update:
            return (await self.session.exec(select(Membership).where(Membership.id == membership_id).with_for_update())).first()
        return await self.session.get(Membership, membership_id)

    async def programmes(self, hub_ids: list[str], ref_prefix: str | None, modified_after: datetime | None,
                         include_deleted: bool, mode: str, position: dict[str, Any] | None, limit: int) -> list[Programme]:
        query = select(Programme)
        if hub_ids:
            query = query.where(Programme.hub_id.in_(hub_ids))
        if ref_prefix:
            query = query.where(ref_prefix_filter(Programme.ref, ref_prefix))
        if modified_after is not None:
            query = query.where(Programme.updated_at > modified_after)
        if not include_deleted:
            query = query.where(Programme.deleted_at.is_(None))
        return list((await self.session.exec(keyset(query, Programme, mode, position).limit(limit))).all())

    async def cohorts_of(self, programme_ids: Iterable[str], *, include_deleted: bool = False) -> list[Cohort]:
        ids = list(set(programme_ids))
        if not ids:
            return []
        query = select(Cohort).where(Cohort.programme_id.in_(ids))
        if not include_deleted:
            query = query.where(Cohort.deleted_at.is_(None))
        return list((await self.session.exec(query.order_by(Cohort.id))).all())

    async def programmes_by_id(self, ids: Iterable[str]) -> dict[str, Programme]:
        ids = list(set(ids))
        if not ids:
            return {}
        return {p.id: p for p in (await self.session.exec(select(Programme).where(Programme.id.in_(ids)))).all()}

    async def cohorts_by_id(self, ids: Iterable[str]) -> dict[str, Cohort]:
        ids = list({i for i in ids if i})
        if not ids:
            return {}
        return {c.id: c for c in (await self.session.exec(select(Cohort).where(Cohort.id.in_(ids)))).all()}

    async def live_memberships(self, *, programme_id: str | None = None, cohort_id: str | None = None,
                               actor_id: str | None = None) -> int:
        query = select(sa.func.count()).select_from(Membership).where(Membership.deleted_at.is_(None))
        if programme_id is not None:
            query = query.where(Membership.programme_id == programme_id)
        if cohort_id is not None:
            query = query.where(Membership.cohort_id == cohort_id)
        if actor_id is not None:
            query = query.where(Membership.actor_id == actor_id)
        return (await self.session.exec(query)).one()

    async def same_membership(self, programme_id: str, cohort_id: str | None, actor_id: str) -> Membership | None:
        query = select(Membership).where(
            Membership.programme_id == programme_id, Membership.actor_id == actor_id, Membership.deleted_at.is_(None),
            Membership.cohort_id.is_(None) if cohort_id is None else Membership.cohort_id == cohort_id,
        )
        return (await self.session.exec(query)).first()

    async def memberships(self, filters: MembershipFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Membership]:
        query = select(Membership)
        for column, values in (
            (Membership.hub_id, filters.hub),
            (Membership.programme_id, filters.programme_id),
            (Membership.cohort_id, filters.cohort_id),
            (Membership.actor_id, filters.actor_id),
        ):
            if values:
                query = query.where(column.in_(values))
        if filters.ref_prefix:
            query = query.where(ref_prefix_filter(Membership.ref, filters.ref_prefix))
        if filters.modified_after is not None:
            query = query.where(Membership.updated_at > filters.modified_after)
        if not filters.include_deleted:
            query = query.where(Membership.deleted_at.is_(None))
        return list((await self.session.exec(keyset(query, Membership, mode, position).limit(limit))).all())

    async def ref_owner(self, model: Any, ref: str) -> str | None:
        return (await self.session.exec(select(model.id).where(model.ref == ref))).first()
