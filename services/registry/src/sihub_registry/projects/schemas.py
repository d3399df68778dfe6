from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from sihub_registry.common.consent import Confirmed
from sihub_registry.common.values import LocalizedText, Ref
from sihub_registry.projects.models import ProjectBase, ProjectStatus
from sihub_registry.taxonomy.terms import IssueArea


class ProjectCreate(ProjectBase):
    ref: Ref | None = None
    actor_id: str = Field(description="the actor that leads the project; its owner (or an admin) edits it")
    partner_ids: list[str] = Field(default_factory=list, max_length=50, description="other actors taking part")
    title: list[LocalizedText] = Field(default_factory=list, max_length=20, description="at least one, one per language")
    description: list[LocalizedText] = Field(default_factory=list, max_length=20)
    issue_areas: list[IssueArea] = Field(default_factory=list, max_length=12)


class ProjectUpdate(SQLModel):
    ref: Ref | None = None
    actor_id: str | None = None
    partner_ids: list[str] | None = Field(default=None, max_length=50)
    title: list[LocalizedText] | None = Field(default=None, max_length=20)
    description: list[LocalizedText] | None = Field(default=None, max_length=20)
    issue_areas: list[IssueArea] | None = Field(default=None, max_length=12)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    region: str | None = Field(default=None, min_length=4, max_length=6)
    status: ProjectStatus | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    illustrative: bool | None = None


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
