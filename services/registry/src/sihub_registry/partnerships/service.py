"""Partnership rules. Two or more distinct actors; whoever registers one must own at least one
of them (or be an admin); the owners of the participating actors (and admins) change it. Status
moves proposed → active → ended, or proposed → ended; a partnership may be registered in any
status (to record one that is already running or over). Moving to active sets `starts_on` and
moving to ended sets `ends_on` to today unless given. Participants never change: a different
set of actors is a different partnership.

Consent (`common.consent`): each named actor is a link its owner confirms; links to the
registering account's own actors are confirmed at once. A partnership becomes active only when
every link is confirmed (registering it as active, or moving it to active, before that is a 409
naming the actors still unconfirmed). An owner who declines (withdraws) while the partnership is
active ends it: an active partnership is one every party stands behind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.repository import ActorRepository
from sihub_registry.common.access import ensure_writer
from sihub_registry.common.consent import ConfirmationState, LinkDecision, agreed_links, ensure_all_confirmed, links
from sihub_registry.common.lifecycle import changed, ensure_ref_free, flush_or_conflict
from sihub_registry.common.record_service import RecordService
from sihub_registry.common.rules import Problems, check_dates, check_texts, check_unique
from sihub_registry.common.types import new_id, utcnow
from sihub_registry.events.contracts import PartnershipCreated, PartnershipDeleted, PartnershipUpdated
from sihub_registry.partnerships.models import MATCHING_RECORDER, Partnership, PartnershipOrigin
from sihub_registry.partnerships.repository import PartnershipFilters, PartnershipRepository
from sihub_registry.partnerships.schemas import AcceptedMatch, PartnershipCreate, PartnershipState, PartnershipUpdate
from sihub_registry.taxonomy.terms import PartnershipStatus, PartnershipType, can_transition
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import Conflict, Forbidden
from sihub_shared.identity import Identity


def _not_a_party() -> Forbidden:
    return Forbidden(
        "only the owners of the partnership's actors (or an admin) may do this",
        errors=[{"field": "actor_ids", "message": "you own none of these actors"}],
    )


def _check_match_ref(problems: Problems, origin: str, match_ref: str | None) -> None:
    if origin == PartnershipOrigin.MATCH and match_ref is None:
        problems.add("match_ref", "required when origin is match: the match it came from")


async def _ensure_match_ref_free(repository: PartnershipRepository, match_ref: str | None, current_id: str | None = None) -> None:
    """A match becomes one partnership: naming a match another live partnership already names is a 409."""
    if match_ref is None:
        return
    existing = await repository.by_match_ref(match_ref)
    if existing is not None and existing.id != current_id:
        raise Conflict(f"match {match_ref!r} is already partnership {existing.id}",
                       errors=[{"field": "match_ref", "message": f"already names partnership {existing.id}"}],
                       existing_id=existing.id)


class PartnershipService(RecordService[Partnership, PartnershipFilters]):
    what = "partnership"
    state = PartnershipState
    created, updated, deleted = PartnershipCreated, PartnershipUpdated, PartnershipDeleted

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, PartnershipRepository(session))

    async def ensure_may_change(self, identity: Identity, partnership: Partnership) -> None:
        await self._ensure_party(identity, partnership.actor_ids)

    async def _ensure_party(self, identity: Identity, actor_ids: list[str]) -> None:
        ensure_writer(identity)
        if identity.is_admin:
            return
        owners = {a.owner_account_id for a in (await ActorRepository(self.session).get_many(actor_ids)).values()}
        if identity.account_id not in owners:
            raise _not_a_party()

    async def create(self, identity: Identity, data: PartnershipCreate) -> Partnership:
        ensure_writer(identity)
        problems = Problems()
        if len(set(data.actor_ids)) < 2:
            problems.add("actor_ids", "a partnership needs two or more different actors")
        check_unique(problems, data.actor_ids, "actor_ids")
        check_texts(problems, data.description, "description")
        check_dates(problems, data.starts_on, data.ends_on)
        _check_match_ref(problems, data.origin, data.match_ref)
        problems.raise_if_any("the partnership is not valid")
        actors = await self.actors.live_actors(data.actor_ids, "actor_ids")
        await self._ensure_party(identity, data.actor_ids)
        confirmations = links(data.actor_ids, [], {a.id: a.owner_account_id for a in actors.values()}, identity.account_id)
        if data.status is PartnershipStatus.ACTIVE:
            ensure_all_confirmed(confirmations, "an active partnership")
        await ensure_ref_free(self.session, Partnership, data.ref, "partnership")
        await _ensure_match_ref_free(self.repository, data.match_ref)
        now = utcnow()
        partnership = Partnership(
            id=new_id(), ref=data.ref, created_by=identity.account_id, actor_ids=list(data.actor_ids),
            description=[d.model_dump() for d in data.description], type=data.type.value, status=data.status.value,
            origin=data.origin.value, match_ref=data.match_ref, starts_on=data.starts_on, ends_on=data.ends_on,
            illustrative=data.illustrative, confirmations=confirmations, version=1, created_at=now, updated_at=now,
        )
        self.repository.add(partnership)
        await flush_or_conflict(self.session)
        await self.repository.write_index(partnership, replace=False)
        self._record_event(self.created, partnership)
        return partnership

    async def create_from_match(self, match: AcceptedMatch) -> Partnership | None:
        """The partnership of a match both owners accepted (matching's `match.accepted`): proposed,
        origin match, `match_ref` set, every link confirmed by the account that accepted for it.
        Once per match; none when an actor was deleted meanwhile. Only a partnership recorded from
        matching's event counts as the match's: one a partner registered naming it cannot take its place."""
        if await self.repository.by_match_ref(match.match_ref, recorded_by=MATCHING_RECORDER) is not None:
            return None
        actors = await ActorRepository(self.session).get_many(match.actor_ids)
        if len(set(match.actor_ids)) < 2 or any(
                actors.get(a) is None or actors[a].deleted_at is not None for a in match.actor_ids):
            return None
        kind = match.partnership_type if match.partnership_type in set(PartnershipType) else PartnershipType.CO_DELIVERY
        now = utcnow()
        partnership = Partnership(
            id=new_id(), created_by=f"{MATCHING_RECORDER}{match.hub_id}"[:64], actor_ids=list(dict.fromkeys(match.actor_ids)),
            description=[], type=str(kind), status=PartnershipStatus.PROPOSED.value, origin=PartnershipOrigin.MATCH.value,
            match_ref=match.match_ref, illustrative=match.illustrative,
            confirmations=agreed_links(match.actor_ids, match.accepted_by), version=1, created_at=now, updated_at=now,
        )
        self.repository.add(partnership)
        await flush_or_conflict(self.session)
        await self.repository.write_index(partnership, replace=False)
        self._record_event(self.created, partnership)
        return partnership

    async def update(self, identity: Identity, partnership_id: str, data: PartnershipUpdate, if_match: str | None) -> Partnership:
        partnership = await self.get(partnership_id, for_update=True)
        await self.ensure_may_change(identity, partnership)
        check_if_match(if_match, partnership.version)
        changes: dict[str, Any] = {name: getattr(data, name) for name in data.model_fields_set}
        problems = Problems()
        today = datetime.now(UTC).date()
        if "status" in changes:
            current, new = PartnershipStatus(partnership.status), changes["status"]
            if new != current and not can_transition(current, new):
                raise Conflict(
                    f"a partnership cannot go from {current} to {new}",
                    errors=[{"field": "status", "message": f"{current} → {new} is not allowed; from {current}: "
                             + (", ".join(sorted(s.value for s in PartnershipStatus if can_transition(current, s))) or "nothing")}],
                )
            if new != current and new is PartnershipStatus.ACTIVE:
                # As registering one as active would: every party still there and agreed.
                await self.actors.live_actors(partnership.actor_ids, "actor_ids")
                ensure_all_confirmed(partnership.confirmations, "an active partnership")
                if changes.get("starts_on", partnership.starts_on) is None:
                    changes["starts_on"] = today
            if new != current and new is PartnershipStatus.ENDED and changes.get("ends_on", partnership.ends_on) is None:
                changes["ends_on"] = today
            changes["status"] = new.value
        if "type" in changes:
            changes["type"] = changes["type"].value
        if "description" in changes:
            check_texts(problems, changes["description"], "description")
            changes["description"] = [d.model_dump() for d in changes["description"]]
        check_dates(problems, changes.get("starts_on", partnership.starts_on), changes.get("ends_on", partnership.ends_on))
        _check_match_ref(problems, partnership.origin, changes.get("match_ref", partnership.match_ref))
        problems.raise_if_any("the changed partnership is not valid")
        if "ref" in changes:
            await ensure_ref_free(self.session, Partnership, changes["ref"], "partnership", partnership.id)
        if "match_ref" in changes:
            await _ensure_match_ref_free(self.repository, changes["match_ref"], partnership.id)
        if not changed(partnership, changes):
            return partnership
        self.repository.add(partnership)
        await flush_or_conflict(self.session)
        self._record_event(self.updated, partnership)
        return partnership

    def on_decision(self, partnership: Partnership, answer: LinkDecision) -> None:
        """Declining ends an active partnership: today, or on its start date when that is still to
        come (it ends without having run; an end before the start would break the dates' rule)."""
        if answer.state is ConfirmationState.DECLINED and partnership.status == PartnershipStatus.ACTIVE:
            partnership.status = PartnershipStatus.ENDED.value
            today = datetime.now(UTC).date()
            partnership.ends_on = partnership.ends_on or max(today, partnership.starts_on or today)
