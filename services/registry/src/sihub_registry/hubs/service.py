"""Hub rules. A hub is an actor of kind hub_intermediary. Its operators are the account that owns
the hub actor, the accounts that owner (or an admin) adds as operators, and admins: they manage
the hub's programmes, cohorts and memberships. Everyone else reads. A membership lists an actor in
the hub's programme: a link that the actor's owner confirms (`common.consent`)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.models import Actor
from sihub_registry.actors.service import ActorService
from sihub_registry.common.access import ensure_owner, ensure_writer
from sihub_registry.common.consent import ConfirmationDecision, apply_decision, links
from sihub_registry.common.lifecycle import (
    changed,
    ensure_ref_free,
    flush_or_conflict,
    found,
    not_found,
    require_id,
    soft_delete,
)
from sihub_registry.common.rules import (
    Problems,
    check_dates,
    check_names,
    check_texts,
    check_unique,
    revalidated,
)
from sihub_registry.common.types import is_uuid, new_id, utcnow
from sihub_registry.events.contracts import (
    CohortCreated,
    CohortDeleted,
    CohortUpdated,
    HubOperatorsChanged,
    MembershipCreated,
    MembershipDeleted,
    MembershipUpdated,
    ProgrammeCreated,
    ProgrammeDeleted,
    ProgrammeUpdated,
    link_decided,
)
from sihub_registry.hubs.models import Cohort, HubOperator, HubOperatorList, Membership, Programme
from sihub_registry.hubs.repository import HubRepository, MembershipFilters
from sihub_registry.hubs.schemas import (
    CohortCreate,
    CohortInline,
    CohortState,
    CohortSummary,
    CohortUpdate,
    HubOperatorPublic,
    HubOperators,
    MembershipCreate,
    MembershipState,
    MembershipUpdate,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeState,
    ProgrammeSummary,
    ProgrammeUpdate,
)
from sihub_registry.taxonomy.terms import ActorKind
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import Conflict, Forbidden, ReferenceConflict
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity


def membership_state(membership: Membership, programme: Programme, cohort: Cohort | None) -> MembershipState:
    return MembershipState.model_validate(
        membership.model_dump()
        | {
            "programme": ProgrammeSummary(id=programme.id, names=programme.names),
            "cohort": CohortSummary(id=cohort.id, name=cohort.name) if cohort is not None else None,
        }
    )


def _no_longer_a_hub(hub: Actor) -> bool:
    """A hub deleted, or changed into another kind of actor: its records stay, frozen."""
    return hub.deleted_at is not None or hub.kind != ActorKind.HUB_INTERMEDIARY.value


class HubService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = HubRepository(session)
        self.actors = ActorService(session)

    # --- hubs and their operators -------------------------------------------------------------

    async def hub(self, hub_id: str, *, field: str | None = None, for_update: bool = False) -> Actor:
        """The hub actor: 404 when named in the path (an actor of another kind is no hub there),
        409 naming `field` when named in a body (a reference, `ReferenceConflict`)."""
        if field is None:
            actor = await self.actors.get(hub_id, for_update=for_update)
            if actor.kind != ActorKind.HUB_INTERMEDIARY.value:
                raise not_found("hub", hub_id, "hub_id")
            return actor
        actor = await self.actors.live_actor(hub_id, field)
        if actor.kind != ActorKind.HUB_INTERMEDIARY.value:
            raise ReferenceConflict.for_field(field, f"actor {hub_id} is a {actor.kind}, not a hub_intermediary")
        return actor

    async def operated_hub(self, identity: Identity, hub_id: str, *, deleted_ok: bool = False,
                           field: str = "hub_id") -> Actor:
        """The hub a programme, cohort or membership belongs to, checked for the caller's right to
        manage it (403 first, as for any hub). Once the hub is deleted (or is no hub any more), its
        records can be read and deleted by its operators, not changed or added to: 409 naming `field`
        (the record in the path is there; what it belongs to is not)."""
        hub = await self.actors.get(hub_id, deleted_ok=True)
        await self.ensure_operator(identity, hub)
        if not deleted_ok and _no_longer_a_hub(hub):
            raise ReferenceConflict.for_field(
                field, f"hub {hub_id} is deleted or no longer a hub: its records can be read and deleted, not changed")
        return hub

    async def ensure_operator(self, identity: Identity, hub: Actor) -> None:
        ensure_writer(identity)
        if identity.is_admin or identity.account_id == hub.owner_account_id:
            return
        if await self.repository.operator(hub.id, identity.account_id) is None:
            raise Forbidden(
                "only this hub's operators (the hub's owner, the accounts it added, admins) manage it",
                errors=[{"field": "hub_id", "message": "not an operator of this hub"}],
            )

    async def operators(self, hub_id: str) -> HubOperators:
        return await self._operators(await self.hub(hub_id))

    async def _operators(self, hub: Actor) -> HubOperators:
        rows = await self.repository.operators(hub.id)
        listed = await self.repository.operator_list(hub.id)
        return HubOperators(hub_id=hub.id, owner_account_id=hub.owner_account_id,
                            operators=[HubOperatorPublic.model_validate(r) for r in rows],
                            version=listed.version if listed is not None else 0)

    async def add_operator(self, identity: Identity, hub_id: str, account_id: str) -> HubOperators:
        hub = await self._hub_to_change(identity, hub_id)
        if await self.repository.operator(hub.id, account_id) is None:
            self.repository.add(HubOperator(hub_id=hub.id, account_id=account_id, added_by=identity.account_id, added_at=utcnow()))
            await self._operators_changed(hub)
        return await self._operators(hub)

    async def remove_operator(self, identity: Identity, hub_id: str, account_id: str) -> HubOperators:
        hub = await self._hub_to_change(identity, hub_id)
        if await self.repository.operator(hub.id, account_id) is not None:
            await self.repository.remove_operator(hub.id, account_id)
            await self._operators_changed(hub)
        return await self._operators(hub)

    async def _hub_to_change(self, identity: Identity, hub_id: str) -> Actor:
        # The hub's row is read for update, so that two changes of one hub's operators take turns:
        # each sees the other's (no duplicate insert) and moves the list's version on once.
        hub = await self.hub(hub_id, for_update=True)
        ensure_owner(identity, hub.owner_account_id, "this hub")
        return hub

    async def _operators_changed(self, hub: Actor) -> None:
        listed = await self.repository.operator_list(hub.id) or HubOperatorList(hub_id=hub.id, version=0)
        listed.version += 1
        self.repository.add(listed)
        await self.session.flush()
        record(self.session, HubOperatorsChanged(hub=await self._operators(hub)), subject=hub.id)

    # --- programmes ---------------------------------------------------------------------------

    async def programme(self, programme_id: str, *, for_update: bool = False) -> Programme:
        require_id("programme", programme_id)
        return found(await self.repository.programme(programme_id, for_update=for_update), "programme", programme_id)

    async def _programme_in_body(self, programme_id: str) -> Programme:
        """The live programme a new cohort or membership names, locked: its deletion, and the check
        that an actor is not already a member, wait for this request (two identical requests at
        once made two memberships on PostgreSQL)."""
        programme = await self.repository.programme(programme_id, for_update=True) if is_uuid(programme_id) else None
        if programme is None or programme.deleted_at is not None:
            raise ReferenceConflict.for_field("programme_id", f"no programme {programme_id}")
        return programme

    async def programme_public(self, programme: Programme) -> ProgrammePublic:
        cohorts = await self.repository.cohorts_of([programme.id])
        return ProgrammePublic.model_validate(programme.model_dump() | {"cohorts": [CohortState.model_validate(c) for c in cohorts]})

    async def programmes_public(self, programmes: list[Programme]) -> list[ProgrammePublic]:
        cohorts = await self.repository.cohorts_of(p.id for p in programmes)
        by_programme: dict[str, list[CohortState]] = {}
        for cohort in cohorts:
            by_programme.setdefault(cohort.programme_id, []).append(CohortState.model_validate(cohort))
        return [ProgrammePublic.model_validate(p.model_dump() | {"cohorts": by_programme.get(p.id, [])}) for p in programmes]

    async def list_programmes(self, hubs: list[str], ref_prefix: str | None, modified_after: Any, include_deleted: bool,
                              mode: str, position: dict[str, Any] | None, limit: int) -> list[Programme]:
        return await self.repository.programmes(hubs, ref_prefix, modified_after, include_deleted, mode, position, limit + 1)

    @staticmethod
    def _check_programme(problems: Problems, values: dict[str, Any]) -> None:
        check_names(problems, values["names"])
        check_texts(problems, values["descriptions"], "descriptions")
        check_unique(problems, values["issue_areas"], "issue_areas")
        check_dates(problems, values["starts_on"], values["ends_on"])

    async def create_programme(self, identity: Identity, data: ProgrammeCreate) -> Programme:
        ensure_writer(identity)
        hub = await self.hub(data.hub_id, field="hub_id")
        await self.ensure_operator(identity, hub)
        problems = Problems()
        self._check_programme(problems, dict(data))
        for index, cohort in enumerate(data.cohorts):
            check_dates(problems, cohort.starts_on, cohort.ends_on, f"cohorts[{index}].starts_on", f"cohorts[{index}].ends_on")
        problems.raise_if_any("the programme is not valid")
        await ensure_ref_free(self.session, Programme, data.ref, "programme")
        now = utcnow()
        programme = Programme(
            id=new_id(), ref=data.ref, hub_id=hub.id, names=[n.model_dump() for n in data.names],
            descriptions=[d.model_dump() for d in data.descriptions], issue_areas=[a.value for a in data.issue_areas],
            starts_on=data.starts_on, ends_on=data.ends_on, illustrative=data.illustrative,
            version=1, created_at=now, updated_at=now,
        )
        self.repository.add(programme)
        cohorts = [self._new_cohort(programme, c, now) for c in data.cohorts]
        for cohort in cohorts:
            await ensure_ref_free(self.session, Cohort, cohort.ref, "cohort")
            self.repository.add(cohort)
        await flush_or_conflict(self.session)
        record(self.session, ProgrammeCreated(programme=ProgrammeState.model_validate(programme)), subject=programme.id)
        for cohort in cohorts:
            record(self.session, CohortCreated(cohort=CohortState.model_validate(cohort)), subject=cohort.id)
        return programme

    async def update_programme(self, identity: Identity, programme_id: str, data: ProgrammeUpdate, if_match: str | None) -> Programme:
        programme = await self.programme(programme_id, for_update=True)
        await self.operated_hub(identity, programme.hub_id)
        check_if_match(if_match, programme.version)
        current = {name: getattr(programme, name) for name in
                   ("ref", "hub_id", "names", "descriptions", "issue_areas", "starts_on", "ends_on", "illustrative")}
        merged = revalidated(ProgrammeCreate, current, data.model_dump(exclude_unset=True), "the changed programme is not valid")
        problems = Problems()
        self._check_programme(problems, dict(merged))
        problems.raise_if_any("the changed programme is not valid")
        if merged.ref != programme.ref:
            await ensure_ref_free(self.session, Programme, merged.ref, "programme", programme.id)
        if not changed(programme, {
            "ref": merged.ref, "names": [n.model_dump() for n in merged.names],
            "descriptions": [d.model_dump() for d in merged.descriptions],
            "issue_areas": [a.value for a in merged.issue_areas], "starts_on": merged.starts_on,
            "ends_on": merged.ends_on, "illustrative": merged.illustrative,
        }):
            return programme
        self.repository.add(programme)
        await flush_or_conflict(self.session)
        record(self.session, ProgrammeUpdated(programme=ProgrammeState.model_validate(programme)), subject=programme.id)
        return programme

    async def delete_programme(self, identity: Identity, programme_id: str, if_match: str | None) -> Programme:
        programme = await self.programme(programme_id, for_update=True)
        await self.operated_hub(identity, programme.hub_id, deleted_ok=True)
        check_if_match(if_match, programme.version)
        if await self.repository.live_memberships(programme_id=programme.id):
            raise Conflict("the programme has members: delete their memberships first",
                           errors=[{"field": "id", "message": "has live memberships"}])
        soft_delete(programme)
        self.repository.add(programme)
        for cohort in await self.repository.cohorts_of([programme.id]):
            soft_delete(cohort)
            self.repository.add(cohort)
            record(self.session, CohortDeleted(cohort=CohortState.model_validate(cohort)), subject=cohort.id)
        record(self.session, ProgrammeDeleted(programme=ProgrammeState.model_validate(programme)), subject=programme.id)
        return programme

    # --- cohorts ------------------------------------------------------------------------------

    @staticmethod
    def _new_cohort(programme: Programme, data: CohortInline | CohortCreate, now: Any) -> Cohort:
        return Cohort(
            id=new_id(), ref=data.ref, programme_id=programme.id, hub_id=programme.hub_id, name=data.name,
            starts_on=data.starts_on, ends_on=data.ends_on, illustrative=data.illustrative,
            version=1, created_at=now, updated_at=now,
        )

    async def cohort(self, cohort_id: str, *, for_update: bool = False) -> Cohort:
        require_id("cohort", cohort_id)
        return found(await self.repository.cohort(cohort_id, for_update=for_update), "cohort", cohort_id)

    async def create_cohort(self, identity: Identity, data: CohortCreate) -> Cohort:
        ensure_writer(identity)
        programme = await self._programme_in_body(data.programme_id)
        await self.operated_hub(identity, programme.hub_id, field="programme_id")
        problems = Problems()
        check_dates(problems, data.starts_on, data.ends_on)
        problems.raise_if_any("the cohort is not valid")
        await ensure_ref_free(self.session, Cohort, data.ref, "cohort")
        cohort = self._new_cohort(programme, data, utcnow())
        self.repository.add(cohort)
        await flush_or_conflict(self.session)
        record(self.session, CohortCreated(cohort=CohortState.model_validate(cohort)), subject=cohort.id)
        return cohort

    async def update_cohort(self, identity: Identity, cohort_id: str, data: CohortUpdate, if_match: str | None) -> Cohort:
        cohort = await self.cohort(cohort_id, for_update=True)
        await self.operated_hub(identity, cohort.hub_id)
        check_if_match(if_match, cohort.version)
        changes = {name: getattr(data, name) for name in data.model_fields_set}
        problems = Problems()
        check_dates(problems, changes.get("starts_on", cohort.starts_on), changes.get("ends_on", cohort.ends_on))
        problems.raise_if_any("the changed cohort is not valid")
        if "ref" in changes:
            await ensure_ref_free(self.session, Cohort, changes["ref"], "cohort", cohort.id)
        if not changed(cohort, changes):
            return cohort
        self.repository.add(cohort)
        await flush_or_conflict(self.session)
        record(self.session, CohortUpdated(cohort=CohortState.model_validate(cohort)), subject=cohort.id)
        return cohort

    async def delete_cohort(self, identity: Identity, cohort_id: str, if_match: str | None) -> Cohort:
        cohort = await self.cohort(cohort_id, for_update=True)
        await self.operated_hub(identity, cohort.hub_id, deleted_ok=True)
        check_if_match(if_match, cohort.version)
        if await self.repository.live_memberships(cohort_id=cohort.id):
            raise Conflict("the cohort has members: delete their memberships first",
                           errors=[{"field": "id", "message": "has live memberships"}])
        soft_delete(cohort)
        self.repository.add(cohort)
        record(self.session, CohortDeleted(cohort=CohortState.model_validate(cohort)), subject=cohort.id)
        return cohort

    # --- memberships --------------------------------------------------------------------------

    async def membership(self, membership_id: str, *, for_update: bool = False, deleted_ok: bool = False) -> Membership:
        require_id("membership", membership_id)
        row = await self.repository.membership(membership_id, for_update=for_update)
        return found(row, "membership", membership_id, deleted_ok=deleted_ok)

    async def state(self, membership: Membership) -> MembershipState:
        programme = await self.repository.programme(membership.programme_id)
        cohort = await self.repository.cohort(membership.cohort_id) if membership.cohort_id else None
        assert programme is not None
        return membership_state(membership, programme, cohort)

    async def states(self, memberships: list[Membership]) -> list[MembershipState]:
        programmes = await self.repository.programmes_by_id(m.programme_id for m in memberships)
        cohorts = await self.repository.cohorts_by_id(m.cohort_id for m in memberships if m.cohort_id)
        return [membership_state(m, programmes[m.programme_id], cohorts.get(m.cohort_id or "")) for m in memberships]

    async def _cohort_of(self, programme: Programme, cohort_id: str | None) -> Cohort | None:
        if cohort_id is None:
            return None
        # Locked, as its deletion locks it: a cohort deleted meanwhile gets no new member.
        cohort = await self.repository.cohort(cohort_id, for_update=True) if is_uuid(cohort_id) else None
        if cohort is None or cohort.deleted_at is not None or cohort.programme_id != programme.id:
            raise ReferenceConflict.for_field("cohort_id", f"no cohort {cohort_id} in programme {programme.id}")
        return cohort

    async def create_membership(self, identity: Identity, data: MembershipCreate) -> Membership:
        ensure_writer(identity)
        programme = await self._programme_in_body(data.programme_id)
        await self.operated_hub(identity, programme.hub_id, field="programme_id")
        cohort = await self._cohort_of(programme, data.cohort_id)
        actor = await self.actors.live_actor(data.actor_id, "actor_id")
        problems = Problems()
        check_dates(problems, data.starts_on, data.ends_on)
        problems.raise_if_any("the membership is not valid")
        same = await self.repository.same_membership(programme.id, data.cohort_id, actor.id)
        if same is not None:
            raise Conflict(f"actor {actor.id} is already a member here (membership {same.id})",
                           errors=[{"field": "actor_id", "message": "already a member"}], existing_id=same.id)
        await ensure_ref_free(self.session, Membership, data.ref, "membership")
        now = utcnow()
        membership = Membership(
            id=new_id(), ref=data.ref, hub_id=programme.hub_id, programme_id=programme.id,
            cohort_id=cohort.id if cohort else None, actor_id=actor.id, role=data.role,
            starts_on=data.starts_on, ends_on=data.ends_on, illustrative=data.illustrative,
            confirmations=links([actor.id], [], {actor.id: actor.owner_account_id}, identity.account_id),
            version=1, created_at=now, updated_at=now,
        )
        self.repository.add(membership)
        await flush_or_conflict(self.session)
        record(self.session, MembershipCreated(membership=membership_state(membership, programme, cohort)), subject=membership.id)
        return membership

    async def update_membership(self, identity: Identity, membership_id: str, data: MembershipUpdate, if_match: str | None) -> Membership:
        membership = await self.membership(membership_id, for_update=True)
        await self.operated_hub(identity, membership.hub_id)
        check_if_match(if_match, membership.version)
        changes = {name: getattr(data, name) for name in data.model_fields_set}
        # Moving it takes the programme's turn, as a new membership does: the check that the actor is
        # not already a member where it moves to holds until this commits.
        programme = await self.repository.programme(membership.programme_id, for_update="cohort_id" in changes)
        assert programme is not None
        cohort = await self._cohort_of(programme, changes.get("cohort_id", membership.cohort_id))
        problems = Problems()
        check_dates(problems, changes.get("starts_on", membership.starts_on), changes.get("ends_on", membership.ends_on))
        problems.raise_if_any("the changed membership is not valid")
        if "cohort_id" in changes and changes["cohort_id"] != membership.cohort_id:
            same = await self.repository.same_membership(programme.id, changes["cohort_id"], membership.actor_id)
            if same is not None:
                raise Conflict(f"actor {membership.actor_id} is already a member there (membership {same.id})",
                               errors=[{"field": "cohort_id", "message": "the actor is already a member there"}],
                               existing_id=same.id)
        if "ref" in changes:
            await ensure_ref_free(self.session, Membership, changes["ref"], "membership", membership.id)
        if not changed(membership, changes):
            return membership
        self.repository.add(membership)
        await flush_or_conflict(self.session)
        record(self.session, MembershipUpdated(membership=membership_state(membership, programme, cohort)), subject=membership.id)
        return membership

    async def delete_membership(self, identity: Identity, membership_id: str, if_match: str | None) -> Membership:
        membership = await self.membership(membership_id, for_update=True)
        await self.operated_hub(identity, membership.hub_id, deleted_ok=True)
        check_if_match(if_match, membership.version)
        soft_delete(membership)
        self.repository.add(membership)
        record(self.session, MembershipDeleted(membership=await self.state(membership)), subject=membership.id)
        return membership

    async def decide_membership(self, identity: Identity, membership_id: str, actor_id: str,
                                decision: ConfirmationDecision) -> Membership:
        """The member actor's owner confirms or declines being listed in the programme. A deleted
        hub's membership can be declined (consent is always the owner's to withdraw), not confirmed."""
        membership = await self.membership(membership_id, for_update=True)
        if decision.state == "confirmed":
            hub = await self.actors.get(membership.hub_id, deleted_ok=True)
            if _no_longer_a_hub(hub):
                raise ReferenceConflict.for_field(
                    "hub_id", f"hub {hub.id} is deleted or no longer a hub: its memberships can be declined, not confirmed")
        answer = apply_decision(membership, "membership", actor_id, await self.actors.owner_of(actor_id), decision, identity)
        if answer is not None:
            self.repository.add(membership)
            record(self.session, MembershipUpdated(membership=await self.state(membership)), subject=membership.id)
            record(self.session, link_decided(answer), subject=membership.id)
        return membership

    async def memberships(self, filters: MembershipFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Membership]:
        return await self.repository.memberships(filters, mode, position, limit + 1)
