"""Actor rules: who may write, what is valid, the events every change records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.models import Actor
from sihub_registry.actors.repository import ActorFilters, ActorRepository, RefHolder
from sihub_registry.actors.rules import editable_state, prepare_actor, ref_holder_message
from sihub_registry.actors.schemas import (
    ActorCreate,
    ActorPublic,
    ActorState,
    ActorUpdate,
    DuplicateMatch,
    DuplicatePair,
)
from sihub_registry.common.access import ensure_owner, ensure_writer, sees_private
from sihub_registry.common.lifecycle import changed, flush_or_conflict, found, require_id, soft_delete
from sihub_registry.common.rules import Problems, validation_problems
from sihub_registry.common.types import is_uuid, new_id, utcnow
from sihub_registry.duplicates import DuplicateRecord, find_possible_duplicates, possible_duplicates_of
from sihub_registry.events.contracts import ActorCreated, ActorDeleted, ActorUpdated
from sihub_registry.names import romanised_core
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import Conflict, Forbidden, ReferenceConflict, UnprocessableContent
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity

DUPLICATE_SCAN_LIMIT = 5000


def actor_state(actor: Actor | dict[str, Any]) -> ActorState:
    return ActorState.model_validate(actor)


def actor_public(actor: Actor, identity: Identity) -> ActorPublic:
    public = ActorPublic.model_validate(actor)
    if not sees_private(identity, actor.owner_account_id):
        public.contacts = None
    return public


def ref_taken(ref: str, holder: RefHolder) -> Conflict:
    return Conflict(
        f"ref {ref!r} already names actor {holder.actor_id}",
        errors=[{"field": "ref", "message": ref_holder_message(holder)}],
        existing_id=holder.actor_id,
    )



class ActorService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ActorRepository(session)

    async def get(self, actor_id: str, *, deleted_ok: bool = False, for_update: bool = False) -> Actor:
        require_id("actor", actor_id)
        actor = await (self.repository.get_for_update(actor_id) if for_update else self.repository.get(actor_id))
        return found(actor, "actor", actor_id, deleted_ok=deleted_ok)

    async def live_actors(self, actor_ids: Sequence[str], field: str) -> dict[str, Actor]:
        """The actors listed in `field`: each must exist and not be deleted (409 naming the item)."""
        actors = await self.repository.get_many(a for a in actor_ids if is_uuid(a))
        problems = Problems()
        for index, actor_id in enumerate(actor_ids):
            actor = actors.get(actor_id)
            if actor is None or actor.deleted_at is not None:
                problems.add(f"{field}[{index}]", f"no actor {actor_id}")
        problems.raise_if_any("unknown actors", ReferenceConflict)
        return actors

    async def owner_of(self, actor_id: str) -> str | None:
        """The account that owns the actor (deleted or not); None for an unknown or malformed id."""
        actor = await self.repository.get(actor_id) if is_uuid(actor_id) else None
        return actor.owner_account_id if actor is not None else None

    async def live_actor(self, actor_id: str, field: str) -> Actor:
        """The actor named in `field`: it must exist and not be deleted (409 naming the field)."""
        actor = await self.repository.get(actor_id) if is_uuid(actor_id) else None
        if actor is None or actor.deleted_at is not None:
            raise ReferenceConflict.for_field(field, f"no actor {actor_id}")
        return actor

    async def create(self, identity: Identity, data: ActorCreate) -> Actor:
        ensure_writer(identity)
        problems = Problems()
        prepared = prepare_actor(data, problems)
        problems.raise_if_any("the actor is not valid")
        assert prepared is not None
        if data.ref is not None:
            taken = await self.repository.ids_for_refs([data.ref])
            if data.ref in taken:
                raise ref_taken(data.ref, taken[data.ref])
        now = utcnow()
        actor = Actor(id=new_id(), owner_account_id=identity.account_id, version=1, created_at=now, updated_at=now, **prepared.values)
        self.repository.add(actor)
        await flush_or_conflict(self.session)
        await self.repository.write_index(actor.id, prepared.terms, prepared.facets, replace=False)
        record(self.session, ActorCreated(actor=actor_state(actor)), subject=actor.id)
        return actor

    async def update(self, identity: Identity, actor_id: str, data: ActorUpdate, if_match: str | None) -> Actor:
        actor = await self.get(actor_id, for_update=True)
        ensure_owner(identity, actor.owner_account_id, "this actor")
        check_if_match(if_match, actor.version)
        changes = data.model_dump(exclude_unset=True)
        new_owner = changes.pop("owner_account_id", None)
        if "owner_account_id" in data.model_fields_set and not identity.is_admin:
            raise Forbidden("only an admin may hand an actor to another account",
                            errors=[{"field": "owner_account_id", "message": "admins only"}])
        try:
            merged = ActorCreate.model_validate(editable_state(actor) | changes)
        except ValidationError as exc:
            errors = validation_problems(exc)
            raise UnprocessableContent("the changed actor is not valid", errors=errors) from exc
        problems = Problems()
        prepared = prepare_actor(merged, problems)
        problems.raise_if_any("the changed actor is not valid")
        assert prepared is not None
        if merged.ref is not None and merged.ref != actor.ref:
            taken = await self.repository.ids_for_refs([merged.ref])
            if merged.ref in taken:
                raise ref_taken(merged.ref, taken[merged.ref])
        if not changed(actor, prepared.values | ({"owner_account_id": new_owner} if new_owner is not None else {})):
            return actor
        self.repository.add(actor)
        await flush_or_conflict(self.session)
        await self.repository.write_index(actor.id, prepared.terms, prepared.facets, replace=True)
        record(self.session, ActorUpdated(actor=actor_state(actor)), subject=actor.id)
        return actor

    async def delete(self, identity: Identity, actor_id: str, if_match: str | None) -> Actor:
        actor = await self.get(actor_id, for_update=True)
        ensure_owner(identity, actor.owner_account_id, "this actor")
        check_if_match(if_match, actor.version)
        soft_delete(actor)
        self.repository.add(actor)
        record(self.session, ActorDeleted(actor=actor_state(actor)), subject=actor.id)
        return actor

    async def list(self, filters: ActorFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Actor]:
        return await self.repository.list(filters, mode, position, limit + 1)

    async def duplicates_of(self, actor_id: str) -> list[DuplicateMatch]:
        """Actors that may be the same organisation as this one: a shared identifier, or a name
        that reads nearly the same once romanised (also across borders)."""
        actor = await self.get(actor_id)
        identifiers = [f"{i['scheme']}:{i['value']}" for i in actor.identifiers]
        sharing = await self.repository.ids_with_identifiers(identifiers)
        words = sorted({w for n in actor.names for w in romanised_core(n["value"])} | {"".join(romanised_core(n["value"])) for n in actor.names})
        candidate_ids = set(await self.repository.ids_with_any_term(words)) | {i for ids in sharing.values() for i in ids}
        candidate_ids.discard(actor.id)
        candidates = await self.repository.get_many(candidate_ids)
        matches = possible_duplicates_of(
            duplicate_record(actor), [duplicate_record(c) for c in candidates.values() if c.deleted_at is None]
        )
        return [
            DuplicateMatch(actor=actor_state(candidates[m.second_id]), reason=m.reason, score=m.score, detail=m.detail)
            for m in matches
        ]

    async def duplicate_pairs(self, filters: ActorFilters) -> list[DuplicatePair]:
        """Possible duplicate pairs among the actors a filter selects (at most 5,000 of them)."""
        total = await self.repository.count(filters)
        if total > DUPLICATE_SCAN_LIMIT:
            raise UnprocessableContent(
                f"{total} actors match; narrow the filters to at most {DUPLICATE_SCAN_LIMIT}",
                errors=[{"field": "country", "message": "too many actors to compare; add filters"}],
            )
        actors = await self.repository.list(filters, "id", None, DUPLICATE_SCAN_LIMIT)
        by_id = {a.id: a for a in actors}
        pairs = find_possible_duplicates([duplicate_record(a) for a in actors])
        return [
            DuplicatePair(first=actor_state(by_id[p.first_id]), second=actor_state(by_id[p.second_id]),
                          reason=p.reason, score=p.score, detail=p.detail)
            for p in pairs
        ]


def duplicate_record(actor: Actor) -> DuplicateRecord:
    return DuplicateRecord(
        id=actor.id,
        names=[n["value"] for n in actor.names],
        identifiers=[(i["scheme"], i["value"]) for i in actor.identifiers],
    )
