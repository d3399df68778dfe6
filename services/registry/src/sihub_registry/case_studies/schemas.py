from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from sihub_registry.case_studies.models import CaseStudyBase
from sihub_registry.common.consent import Confirmed
from sihub_registry.common.rules import PLACE_RULE, texts_rule
from sihub_registry.common.values import LocalizedText, RecordRef, Ref
from sihub_registry.taxonomy.terms import IssueArea
from sihub_shared.openapi import rules
from sihub_shared.strict import CountryCode, Distinct, Flag, Omittable, RegionCode, StrictBody, WebAddress


CASE_STUDY_RULES = (texts_rule("title"), texts_rule("summary"), PLACE_RULE)


@rules(*CASE_STUDY_RULES)
class CaseStudyCreate(CaseStudyBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    title: list[LocalizedText] = Field(min_length=1, max_length=20, description="at least one, one per language")
    summary: list[LocalizedText] = Field(default_factory=list, max_length=20)
    issue_areas: Distinct[IssueArea] = Field(default_factory=list, max_length=12)
    actor_ids: Distinct[RecordRef] = Field(default_factory=list, max_length=100, description="actors involved")


@rules(*CASE_STUDY_RULES)
class CaseStudyUpdate(SQLModel, StrictBody):
    ref: Ref | None = None
    title: Omittable[list[LocalizedText]] = Field(default=None, min_length=1, max_length=20)
    summary: Omittable[list[LocalizedText]] = Field(default=None, max_length=20)
    issue_areas: Omittable[Distinct[IssueArea]] = Field(default=None, max_length=12)
    actor_ids: Omittable[Distinct[RecordRef]] = Field(default=None, max_length=100)
    country: Omittable[CountryCode] = Field(default=None, min_length=2, max_length=2)
    region: RegionCode | None = Field(default=None, min_length=4, max_length=6)
    year: int | None = Field(default=None, ge=1900, le=2100)
    source_url: WebAddress | None = Field(default=None, min_length=4, max_length=500)
    illustrative: Omittable[Flag] = None


class CaseStudyState(CaseStudyBase, Confirmed):
    id: str
    ref: str | None = None
    owner_account_id: str
    title: list[LocalizedText]
    summary: list[LocalizedText]
    issue_areas: list[IssueArea]
    actor_ids: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class CaseStudyPage(SQLModel):
    items: list[CaseStudyState]
    next_cursor: str | None = None
