"""All SQL about projects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.common.records import with_facet, with_term, write_record_index
from sihub_registry.common.search import QueryTerm
from sihub_registry.projects.models import Project

KIND = "project"


@dataclass
class ProjectFilters:
    actor_id: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    issue_area: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    terms: list[QueryTerm] | None = None
    ref_prefix: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


class ProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, project: Project) -> None:
        self.session.add(project)

    async def get(self, project_id: str, *, for_update: bool = False) -> Project | None:
        if for_update:
            return (await self.session.exec(select(Project).where(Project.id == project_id).with_for_update())).first()
        return await self.session.get(Project, project_id)

    async def write_index(self, project: Project, terms: list[str], *, replace: bool) -> None:
        facets = {("issue_area", a) for a in project.issue_areas}
        facets |= {("actor", a) for a in [project.actor_id, *project.partner_ids]}
        await write_record_index(self.session, KIND, project.id, facets, terms, replace=replace)

    async def list(self, filters: ProjectFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Project]:
        query = select(Project)
        if not filters.include_deleted:
            query = query.where(Project.deleted_at.is_(None))
        for column, values in ((Project.country, filters.country), (Project.region, filters.region), (Project.status, filters.status)):
            if values:
                query = query.where(column.in_(values))
        if filters.actor_id:
            query = query.where(with_facet(Project.id, KIND, "actor", filters.actor_id))
        if filters.issue_area:
            query = query.where(with_facet(Project.id, KIND, "issue_area", filters.issue_area))
        for term in filters.terms or ():
            query = query.where(with_term(Project.id, KIND, term))
        if filters.ref_prefix:
            query = query.where(ref_prefix_filter(Project.ref, filters.ref_prefix))
        if filters.modified_after is not None:
            query = query.where(Project.updated_at > filters.modified_after)
        return list((await self.session.exec(keyset(query, Project, mode, position).limit(limit))).all())
