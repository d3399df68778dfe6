from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from sihub_registry.common.consent import Confirmed
from sihub_registry.common.rules import DATES_RULE, PLACE_RULE, texts_rule
from sihub_registry.common.values import LocalizedText, RecordRef, Ref
from sihub_registry.projects.models import ProjectBase, ProjectStatus
from sihub_registry.taxonomy.terms import IssueArea
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import CountryCode, Distinct, Flag, Omittable, RegionCode, StrictBody


PROJECT_RULES = (
    Rule(("partner_ids",), "partner_ids: not the lead actor (actor_id)"),
    texts_rule("title"), texts_rule("description"), PLACE_RULE, DATES_RULE,
)


@rules(*PROJECT_RULES)
class ProjectCreate(ProjectBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    actor_id: RecordRef = Field(description="the actor that leads the project; its owner (or an admin) edits it")
    partner_ids: Distinct[RecordRef] = Field(default_factory=list, max_length=50, description="other actors taking part")
    title: list[LocalizedText] = Field(min_length=1, max_length=20, description="at least one, one per language")
    description: list[LocalizedText] = Field(default_factory=list, max_length=20)
    issue_areas: Distinct[IssueArea] = Field(default_factory=list, max_length=12)


@rules(*PROJECT_RULES)
class ProjectUpdate(SQLModel, StrictBody):
    ref: Ref | None = None
    actor_id: Omittable[RecordRef] = None
    partner_ids: Omittable[Distinct[RecordRef]] = Field(default=None, max_length=50)
    title: Omittable[list[LocalizedText]] = Field(default=None, min_length=1, max_length=20)
    description: Omittable[list[LocalizedText]] = Field(default=None, max_length=20)
    issue_areas: Omittable[Distinct[IssueArea]] = Field(default=None, max_length=12)
    country: Omittable[CountryCode] = Field(default=None, min_length=2, max_length=2)
    region: RegionCode | None = Field(default=None, min_length=4, max_length=6)
    status: Omittable[ProjectStatus] = None
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: Omittable[Flag] = None


class ProjectState(ProjectBase, Confirmed):
    id: str
    ref: str | None = None
    actor_id: str
    partner_ids: list[str]
    title: list[LocalizedText]
    description: list[LocalizedText]
    issue_areas: list[IssueArea]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class ProjectPage(SQLModel):
    items: list[ProjectState]
    next_cursor: str | None = None
