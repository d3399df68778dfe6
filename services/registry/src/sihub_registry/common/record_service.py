"""The steps projects, case studies and partnerships share: find one (404), delete it (If-Match),
decide one of its actor links (`common.consent`), list them; and, for the records whose every
field is edited alike (projects, case studies), create and change. A kind says who may change a
record (`ensure_may_change`), what its values are (`validated`) and what of it is searchable.

Each step records the kind's event in the same transaction: `<Kind>Created`, `<Kind>Updated` or
`<Kind>Deleted`, whose one field, named after the contract's entity, holds the record's state."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.service import ActorService
from sihub_registry.common.access import ensure_writer
from sihub_registry.common.consent import ConfirmationDecision, LinkDecision, apply_decision
from sihub_registry.common.lifecycle import (
    changed,
    ensure_ref_free,
    flush_or_conflict,
    found,
    require_id,
    soft_delete,
)
from sihub_registry.common.records import FiltersT, RecordRepository, RecordT
from sihub_registry.common.rules import revalidated
from sihub_registry.common.types import new_id, utcnow
from sihub_registry.events.contracts import link_decided
from sihub_shared.concurrency import check_if_match
from sihub_shared.events.contracts import EventContract
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity

CreateT = TypeVar("CreateT", bound=BaseModel)


class RecordService(Generic[RecordT, FiltersT]):
    what: ClassVar[str]  # the kind in messages: "case study"
    state: ClassVar[type[BaseModel]]
    created: ClassVar[type[EventContract]]
    updated: ClassVar[type[EventContract]]
    deleted: ClassVar[type[EventContract]]

    def __init__(self, session: AsyncSession, repository: RecordRepository[RecordT, FiltersT]) -> None:
        self.session = session
        self.repository = repository
        self.actors = ActorService(session)

    def _record_event(self, contract: type[EventContract], item: Any) -> None:
        record(self.session, contract(**{contract.entity: self.state.model_validate(item)}), subject=item.id)

    async def get(self, record_id: str, *, for_update: bool = False) -> RecordT:
        require_id(self.what, record_id)
        return found(await self.repository.get(record_id, for_update=for_update), self.what, record_id)

    async def ensure_may_change(self, identity: Identity, item: RecordT) -> None:
        raise NotImplementedError

    async def delete(self, identity: Identity, record_id: str, if_match: str | None) -> RecordT:
        item: Any = await self.get(record_id, for_update=True)
        await self.ensure_may_change(identity, item)
        check_if_match(if_match, item.version)
        soft_delete(item)
        self.repository.add(item)
        self._record_event(self.deleted, item)
        return item

    def on_decision(self, item: RecordT, answer: LinkDecision) -> None:
        """What else a decided link changes in the record (nothing, unless a kind says so)."""

    async def decide(self, identity: Identity, record_id: str, actor_id: str, decision: ConfirmationDecision) -> RecordT:
        """The owner of a named actor confirms or declines its link."""
        item: Any = await self.get(record_id, for_update=True)
        answer = apply_decision(item, self.repository.kind, actor_id, await self.actors.owner_of(actor_id),
                                decision, identity)
        if answer is not None:
            self.on_decision(item, answer)
            self.repository.add(item)
            self._record_event(self.updated, item)
            record(self.session, link_decided(answer), subject=item.id)
        return item

    async def list(self, filters: FiltersT, mode: str, position: dict[str, Any] | None, limit: int) -> list[RecordT]:
        return await self.repository.list(filters, mode, position, limit + 1)


class EditableRecordService(RecordService[RecordT, FiltersT], Generic[RecordT, FiltersT, CreateT]):
    """A kind whose change is its create body merged over what it stores, validated again whole."""

    create_model: ClassVar[type[BaseModel]]
    editable: ClassVar[tuple[str, ...]]

    async def validated(self, identity: Identity, data: CreateT, previous: list[dict[str, Any]]) -> dict[str, Any]:
        """The values to store for `data`, with the links of the actors it names (`previous`: the
        links the record had); a 422 naming every field that is wrong."""
        raise NotImplementedError

    def searchable(self, data: CreateT) -> list[str]:
        raise NotImplementedError

    def owned_by(self, identity: Identity) -> dict[str, Any]:
        """Values a new record takes from its creator (none, unless a kind says so)."""
        return {}

    async def create(self, identity: Identity, data: CreateT) -> RecordT:
        ensure_writer(identity)
        values = await self.validated(identity, data, [])
        await ensure_ref_free(self.session, self.repository.model, data.ref, self.what)
        now = utcnow()
        item = self.repository.model(id=new_id(), version=1, created_at=now, updated_at=now, **self.owned_by(identity), **values)
        self.repository.add(item)
        await flush_or_conflict(self.session)
        await self.repository.write_index(item, self.searchable(data), replace=False)
        self._record_event(self.created, item)
        return item

    async def update(self, identity: Identity, record_id: str, data: BaseModel, if_match: str | None) -> RecordT:
        item: Any = await self.get(record_id, for_update=True)
        await self.ensure_may_change(identity, item)
        check_if_match(if_match, item.version)
        current = {name: getattr(item, name) for name in self.editable}
        merged: Any = revalidated(self.create_model, current, data.model_dump(exclude_unset=True),
                                  f"the changed {self.what} is not valid")
        values = await self.validated(identity, merged, item.confirmations)
        if merged.ref != item.ref:
            await ensure_ref_free(self.session, self.repository.model, merged.ref, self.what, item.id)
        if not changed(item, values):
            return item
        self.repository.add(item)
        await flush_or_conflict(self.session)
        await self.repository.write_index(item, self.searchable(merged), replace=True)
        self._record_event(self.updated, item)
        return item
