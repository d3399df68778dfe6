"""What clients send and read about hub operators, programmes, cohorts and memberships."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from sihub_registry.common.consent import Confirmed
from sihub_registry.common.rules import DATES_RULE, NAMES_RULE, texts_rule
from sihub_registry.common.values import LocalizedText, Name, RecordRef, Ref
from sihub_registry.hubs.models import CohortBase, MembershipBase, ProgrammeBase
from sihub_registry.taxonomy.terms import IssueArea
from sihub_shared.openapi import Rule, rules
from sihub_shared.strict import Distinct, Flag, Line, Omittable, StrictBody


class Stamps(SQLModel):
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class HubOperatorPublic(SQLModel):
    hub_id: str
    account_id: str
    added_by: str
    added_at: datetime


class HubOperators(SQLModel):
    hub_id: str
    owner_account_id: str = Field(description="the hub actor's owner, always an operator")
    operators: list[HubOperatorPublic]
    version: int = Field(0, description="moves on with each change of the list (0: not changed since lists had versions)")


class CohortInline(CohortBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None


@rules(DATES_RULE)
class CohortCreate(CohortBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    programme_id: RecordRef


@rules(DATES_RULE)
class CohortUpdate(SQLModel, StrictBody):
    ref: Ref | None = None
    name: Omittable[Line] = Field(default=None, min_length=1, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: Omittable[Flag] = None


class CohortState(CohortBase, Stamps):
    id: str
    ref: str | None = None
    programme_id: str
    hub_id: str


@rules(NAMES_RULE, texts_rule("descriptions"), DATES_RULE,
       Rule(("cohorts.ends_on",), "cohorts[].ends_on: not before the cohort's starts_on"))
class ProgrammeCreate(ProgrammeBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    hub_id: RecordRef = Field(description="the hub: an actor of kind hub_intermediary")
    names: list[Name] = Field(min_length=1, max_length=20)
    descriptions: list[LocalizedText] = Field(default_factory=list, max_length=20)
    issue_areas: Distinct[IssueArea] = Field(default_factory=list, max_length=12)
    cohorts: list[CohortInline] = Field(default_factory=list, max_length=50, description="cohorts created with the programme")


@rules(NAMES_RULE, texts_rule("descriptions"), DATES_RULE)
class ProgrammeUpdate(SQLModel, StrictBody):
    ref: Ref | None = None
    names: Omittable[list[Name]] = Field(default=None, min_length=1, max_length=20)
    descriptions: Omittable[list[LocalizedText]] = Field(default=None, max_length=20)
    issue_areas: Omittable[Distinct[IssueArea]] = Field(default=None, max_length=12)
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: Omittable[Flag] = None


class ProgrammeState(ProgrammeBase, Stamps):
    id: str
    ref: str | None = None
    hub_id: str
    names: list[Name]
    descriptions: list[LocalizedText] = Field(default_factory=list)
    issue_areas: list[IssueArea] = Field(default_factory=list)


class ProgrammePublic(ProgrammeState):
    cohorts: list[CohortState] = Field(default_factory=list)


class ProgrammeSummary(SQLModel):
    id: str
    names: list[Name]


class CohortSummary(SQLModel):
    id: str
    name: str


@rules(DATES_RULE)
class MembershipCreate(MembershipBase, StrictBody):
    illustrative: Flag = False  # true or false (the table's base would take 0 or "yes")
    ref: Ref | None = None
    programme_id: RecordRef
    cohort_id: RecordRef | None = Field(default=None, description="a cohort of the programme")
    actor_id: RecordRef


@rules(DATES_RULE)
class MembershipUpdate(SQLModel, StrictBody):
    ref: Ref | None = None
    cohort_id: RecordRef | None = None
    role: Omittable[Line] = Field(default=None, min_length=1, max_length=40)
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: Omittable[Flag] = None


class MembershipState(MembershipBase, Stamps, Confirmed):
    """A membership with its programme's and cohort's names, so that consumers never call back."""

    id: str
    ref: str | None = None
    hub_id: str
    programme_id: str
    cohort_id: str | None = None
    actor_id: str
    programme: ProgrammeSummary
    cohort: CohortSummary | None = None


class MembershipPage(SQLModel):
    items: list[MembershipState]
    next_cursor: str | None = None


class ProgrammePage(SQLModel):
    items: list[ProgrammePublic]
    next_cursor: str | None = None
