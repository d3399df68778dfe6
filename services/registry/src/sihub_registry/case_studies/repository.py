"""All SQL about case studies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.sql.expression import SelectOfScalar

from sihub_registry.case_studies.models import CaseStudy
from sihub_registry.common.records import RecordFilters, RecordRepository


@dataclass
class CaseStudyFilters(RecordFilters):
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    illustrative: bool | None = None


class CaseStudyRepository(RecordRepository[CaseStudy, CaseStudyFilters]):
    model = CaseStudy
    kind = "case_study"

    def facets(self, case_study: CaseStudy) -> set[tuple[str, str]]:
        return {("issue_area", a) for a in case_study.issue_areas} | {("actor", a) for a in case_study.actor_ids}

    def narrowed(self, query: SelectOfScalar[Any], filters: CaseStudyFilters) -> SelectOfScalar[Any]:
        for column, values in ((CaseStudy.country, filters.country), (CaseStudy.region, filters.region), (CaseStudy.year, filters.year)):
            if values:
                query = query.where(column.in_(values))
        if filters.illustrative is not None:
            query = query.where(CaseStudy.illustrative == filters.illustrative)
        return query
