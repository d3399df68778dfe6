"""All SQL about projects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.sql.expression import SelectOfScalar

from sihub_registry.common.records import RecordFilters, RecordRepository
from sihub_registry.projects.models import Project


@dataclass
class ProjectFilters(RecordFilters):
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)


class ProjectRepository(RecordRepository[Project, ProjectFilters]):
    model = Project
    kind = "project"

    def facets(self, project: Project) -> set[tuple[str, str]]:
        return {("issue_area", a) for a in project.issue_areas} | {("actor", a) for a in [project.actor_id, *project.partner_ids]}

    def narrowed(self, query: SelectOfScalar[Any], filters: ProjectFilters) -> SelectOfScalar[Any]:
        for column, values in ((Project.country, filters.country), (Project.region, filters.region), (Project.status, filters.status)):
            if values:
                query = query.where(column.in_(values))
        return query
