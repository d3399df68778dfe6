"""What clients send and read about actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field as PydanticField
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from sihub_registry.actors.models import ActorBase
from sihub_registry.common.rules import NAMES_RULE, PLACE_RULE, texts_rule
from sihub_registry.common.values import (
    CapabilityClaim,
    Certification,
    Contact,
    IdentifierValue,
    LocalizedText,
    Name,
    Ref,
)
from sihub_registry.taxonomy.terms import ActorKind, IssueArea, Sector
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import CountryCode, Distinct, Flag, Line, Omittable, RegionCode, StrictBody, WebAddress

# An update meets them against the actor's stored values (`country` kept, `region` sent).
ACTOR_RULES = (
    NAMES_RULE, texts_rule("descriptions"), PLACE_RULE,
    Rule(("offers", "needs"), "offers, needs: each capability once per list"),
    # Compared once normalised (KR-BRN 123-45-67890 is 1234567890), which uniqueItems cannot.
    Rule(("identifiers",), "identifiers: each value valid for its scheme (format, check digit), "
         "each scheme and value once"),
    Rule(("certifications",), "certifications: a level of the scheme, a national scheme only for an "
         "actor of its country, valid_to not before valid_from"),
    Rule(("founded_year",), "founded_year: not in the future"),
)


class ActorLists(SQLModel):
    names: list[Name] = Field(
        min_length=1, max_length=20,
        description="at least one; each {value, lang} with a BCP 47 tag (en, ko, ja, zh-Hans, th, ko-Latn, ...)",
    )
    descriptions: list[LocalizedText] = Field(default_factory=list, max_length=20, description="one per language")
    issue_areas: Distinct[IssueArea] = Field(default_factory=list, max_length=12)
    offers: Distinct[CapabilityClaim] = Field(default_factory=list, max_length=12)
    needs: Distinct[CapabilityClaim] = Field(default_factory=list, max_length=12)
    certifications: list[Certification] = Field(default_factory=list, max_length=20)
    identifiers: Distinct[IdentifierValue] = Field(default_factory=list, max_length=20)


@rules(*ACTOR_RULES)
class ActorCreate(ActorBase, ActorLists, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = Field(default=None, description="your stable reference for this record, unique in the registry")
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


@rules(*ACTOR_RULES)
class ActorUpdate(SQLModel, StrictBody):
    """Only the fields sent change; `null` clears an optional field."""

    kind: Omittable[ActorKind] = None
    country: Omittable[CountryCode] = Field(default=None, min_length=2, max_length=2)
    region: RegionCode | None = Field(default=None, min_length=4, max_length=6)
    locality: Line | None = Field(default=None, min_length=1, max_length=200)
    founded_year: int | None = Field(default=None, ge=1800, le=2100)
    website: WebAddress | None = Field(default=None, min_length=4, max_length=500)
    illustrative: Omittable[Flag] = None
    ref: Ref | None = None
    names: Omittable[list[Name]] = Field(default=None, min_length=1, max_length=20)
    descriptions: Omittable[list[LocalizedText]] = Field(default=None, max_length=20)
    issue_areas: Omittable[Distinct[IssueArea]] = Field(default=None, max_length=12)
    offers: Omittable[Distinct[CapabilityClaim]] = Field(default=None, max_length=12)
    needs: Omittable[Distinct[CapabilityClaim]] = Field(default=None, max_length=12)
    certifications: Omittable[list[Certification]] = Field(default=None, max_length=20)
    identifiers: Omittable[Distinct[IdentifierValue]] = Field(default=None, max_length=20)
    contacts: Omittable[list[Contact]] = Field(default=None, max_length=20)
    owner_account_id: Omittable[Line] = Field(default=None, min_length=1, max_length=64, description="admins only: hand the actor to another account")


class ActorState(ActorBase, ActorLists):
    """An actor as everyone may read it, and as events carry it (contacts are never in events)."""

    id: str
    ref: str | None = None
    sector: Sector
    owner_account_id: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class ActorImportItem(ActorCreate):
    """An item of an import's JSON body: an actor as `POST /actors` takes it, or as the JSON export
    writes it. The fields the export adds (an actor's state that a client never writes) are
    checked and read past, as an import reads past the CSV export's own columns. Contacts may be
    null, as a listing shows another account's actor: no contacts."""

    contacts: list[Contact] | None = Field(default_factory=list, max_length=20)
    id: UUID | None = None
    sector: Sector | None = None
    owner_account_id: Line | None = Field(default=None, min_length=1, max_length=64)
    version: int | None = Field(default=None, ge=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: None = Field(default=None, description="a deleted actor's record is a row error: leave it out")

    @field_validator("contacts")
    @classmethod
    def _no_contacts_for_null(cls, contacts: list[Contact] | None) -> list[Contact]:
        return contacts or []


class ActorPublic(ActorState):
    contacts: list[Contact] | None = PydanticField(
        default=None, description="only for the owner and admins; null for everyone else"
    )


class ActorPage(SQLModel):
    items: list[ActorPublic]
    next_cursor: str | None = None


class ImportedRow(SQLModel):
    row: int
    id: str
    ref: str | None = None
    status: str = Field(description="created, or existing (with existing=skip)")


class ImportReport(SQLModel):
    mode: str
    rows: int
    created: int
    existing: int = 0
    skipped: list[dict[str, Any]] = Field(default_factory=list, description="partial mode: each bad row and its errors")
    items: list[ImportedRow] = Field(default_factory=list)


class DuplicateMatch(SQLModel):
    """Another actor that may be the same organisation."""

    actor: ActorState
    reason: str = Field(description="identifier (a shared identifier) or name (names read nearly the same)")
    score: float = Field(description="100 for a shared identifier; the name similarity (0-100) otherwise")
    detail: str


class DuplicatePair(SQLModel):
    first: ActorState
    second: ActorState
    reason: str
    score: float
    detail: str
