from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from sihub_registry.common.consent import Confirmed
from sihub_registry.common.rules import DATES_RULE, texts_rule
from sihub_registry.common.values import LocalizedText, RecordRef, Ref
from sihub_registry.partnerships.models import PartnershipBase
from sihub_registry.taxonomy.terms import PartnershipStatus, PartnershipType
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import Distinct, Flag, Line, Omittable, StrictBody


# A partnership from a match names it: the schema says so for a new one (`if`/`then`).
MATCH_REF_REQUIRED: dict[str, Any] = {
    "if": {"properties": {"origin": {"const": "match"}}, "required": ["origin"]},
    "then": {"properties": {"match_ref": {"type": "string"}}, "required": ["match_ref"]},
}


@rules(texts_rule("description"), DATES_RULE)
class PartnershipCreate(PartnershipBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    actor_ids: Distinct[RecordRef] = Field(min_length=2, max_length=50, description="two or more different actors")
    description: list[LocalizedText] = Field(default_factory=list, max_length=20)

    model_config = ConfigDict(json_schema_extra=MATCH_REF_REQUIRED)


@rules(texts_rule("description"), DATES_RULE,
       Rule(("match_ref",), "match_ref: not null when the partnership's origin is match"))
class PartnershipUpdate(SQLModel, StrictBody):
    """`status` moves proposed → active → ended (or proposed → ended); participants do not change."""

    ref: Ref | None = None
    type: Omittable[PartnershipType] = None
    status: Omittable[PartnershipStatus] = None
    match_ref: Line | None = Field(default=None, min_length=1, max_length=200)
    description: Omittable[list[LocalizedText]] = Field(default=None, max_length=20)
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: Omittable[Flag] = None


class PartnershipState(PartnershipBase, Confirmed):
    id: str
    ref: str | None = None
    created_by: str = Field(description="the account that registered it")
    actor_ids: list[str]
    description: list[LocalizedText]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class AcceptedMatch(BaseModel):
    """What the registry reads of matching's `match.accepted` event (its own view: services never
    import each other; fields matching adds later are ignored)."""

    model_config = ConfigDict(extra="ignore")

    match_ref: str = Field(min_length=1, max_length=200)
    hub_id: str
    actor_ids: list[str] = Field(min_length=2, max_length=50)
    accepted_by: dict[str, str] = Field(description="actor id → the account that accepted the match for it")
    partnership_type: str
    illustrative: bool = False


class PartnershipPage(SQLModel):
    items: list[PartnershipState]
    next_cursor: str | None = None
