"""Consent for claims about others. A project, case study, membership (an actor listed in a hub's
programme) or partnership names actors; naming an actor another account owns is a claim about
that account, so the link stays `pending` until the actor's owner confirms it (or `declined`, when
the owner declines or withdraws). Links to the naming account's own actors are confirmed at once.
Admins may confirm or decline on an owner's behalf (their account is recorded as `decided_by`);
naming an actor as an admin is a claim like any other.

Each of the four records keeps its links as `confirmations` [{actor_id, state, decided_by,
decided_at}], one per named actor in the order named; `confirmed` is true when every link is.
Events carry both, so that consumers count only confirmed links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from sihub_registry.common.access import ensure_owner
from sihub_registry.common.lifecycle import touch
from sihub_registry.common.types import utcnow
from sihub_shared.errors import Conflict, NotFound
from sihub_shared.identity import Identity
from sihub_shared.strict import StrictBody


class ConfirmationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Confirmation(SQLModel):
    actor_id: str
    state: ConfirmationState
    decided_by: str | None = Field(default=None, description="the account that confirmed or declined")
    decided_at: datetime | None = None


class Confirmed(SQLModel):
    """What the four records that name actors show about their links."""

    confirmations: list[Confirmation] = Field(
        default_factory=list, description="one per named actor: pending until the actor's owner confirms it")
    confirmed: bool = Field(
        default=False, description="every named actor's owner has confirmed (derived from `confirmations`): "
                                   "only then does the record count as evidence")

    # A field rather than a computed property, so that the event schemas (AsyncAPI, generated in
    # validation mode) list it too; its value always follows `confirmations`.
    @model_validator(mode="after")
    def _derive_confirmed(self) -> Self:
        self.confirmed = all(c.state is ConfirmationState.CONFIRMED for c in self.confirmations)
        return self


class ConfirmationDecision(StrictBody):
    state: Literal["confirmed", "declined"] = Field(
        description="confirmed: your actor takes part; declined: it does not (also withdraws an earlier confirmation)")


# The confirmation endpoint's documentation, the same on each of the four record kinds.
DECISION_DOCS: dict[str, Any] = {
    "summary": "Confirm or decline a link to your actor (the actor's owner or an admin)",
    "description": "Naming another account's actor makes that link pending until the actor's owner confirms "
                   "it; `declined` also withdraws an earlier confirmation (and ends an active partnership). "
                   "Answers the record with its `confirmations`.",
}

RecordKind = Literal["project", "case_study", "membership", "partnership"]


class LinkDecision(SQLModel):
    """One owner's answer about one link, as the link events carry it."""

    record_kind: RecordKind
    record_id: str
    record_version: int
    actor_id: str
    state: ConfirmationState
    decided_by: str
    decided_at: datetime


def _entry(actor_id: str, state: ConfirmationState, account_id: str | None, at: datetime | None) -> dict[str, Any]:
    return {"actor_id": actor_id, "state": state.value, "decided_by": account_id,
            "decided_at": at.isoformat() if at else None}


def links(named: Sequence[str], previous: Sequence[Mapping[str, Any]], owners: Mapping[str, str], account_id: str) -> list[dict[str, Any]]:
    """The links of the actors `named` now by `account_id`: an actor named before keeps its state,
    a newly named one is confirmed if `account_id` owns it and pending otherwise."""
    kept = {link["actor_id"]: dict(link) for link in previous}
    now = utcnow()
    result = []
    for actor_id in dict.fromkeys(named):
        if actor_id in kept:
            result.append(kept[actor_id])
        elif owners.get(actor_id) == account_id:
            result.append(_entry(actor_id, ConfirmationState.CONFIRMED, account_id, now))
        else:
            result.append(_entry(actor_id, ConfirmationState.PENDING, None, None))
    return result


def agreed_links(named: Sequence[str], decided_by: Mapping[str, str]) -> list[dict[str, Any]]:
    """The links of a record every named actor's owner has already agreed to elsewhere (a match
    both owners accepted in matching): confirmed, each by the account that agreed for it."""
    now = utcnow()
    return [_entry(a, ConfirmationState.CONFIRMED, decided_by.get(a) or None, now) for a in dict.fromkeys(named)]


def unconfirmed(confirmations: Sequence[Mapping[str, Any]]) -> list[str]:
    return [link["actor_id"] for link in confirmations if link["state"] != ConfirmationState.CONFIRMED]


def ensure_all_confirmed(confirmations: Sequence[Mapping[str, Any]], what: str) -> None:
    """409 naming each actor whose owner has not confirmed (yet)."""
    waiting = unconfirmed(confirmations)
    if waiting:
        raise Conflict(
            f"{what} needs every named actor's owner to confirm first; not confirmed: {', '.join(waiting)}",
            errors=[{"field": "actor_ids", "message": f"actor {a} is not confirmed by its owner"} for a in waiting],
            unconfirmed=waiting,
        )


def apply_decision(
    record: Any, kind: RecordKind, actor_id: str, owner_account_id: str | None,
    decision: ConfirmationDecision, identity: Identity,
) -> LinkDecision | None:
    """`identity` confirms or declines `record`'s link to `actor_id`: 404 if the record does not
    name it, 403 unless `identity` owns the actor (or is an admin). The decision, with the record
    moved to its next version; None when the link already had that state (nothing changes)."""
    link = next((link for link in record.confirmations if link["actor_id"] == actor_id), None)
    if link is None:
        raise NotFound(f"the record does not name actor {actor_id}",
                       errors=[{"field": "actor_id", "in": "path", "message": "not named in this record"}])
    ensure_owner(identity, owner_account_id or "", "this actor")
    if link["state"] == decision.state:
        return None
    touch(record)
    now = utcnow()
    record.confirmations = [
        _entry(actor_id, ConfirmationState(decision.state), identity.account_id, now) if item is link else dict(item)
        for item in record.confirmations
    ]
    return LinkDecision(record_kind=kind, record_id=record.id, record_version=record.version, actor_id=actor_id,
                        state=ConfirmationState(decision.state), decided_by=identity.account_id, decided_at=now)
