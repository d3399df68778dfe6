"""All SQL about case studies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.case_studies.models import CaseStudy
from sihub_registry.common.query import keyset, ref_prefix_filter
from sihub_registry.common.records import with_facet, with_term, write_record_index
from sihub_registry.common.search import QueryTerm

KIND = "case_study"


@dataclass
class CaseStudyFilters:
    actor_id: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    issue_area: list[str] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    illustrative: bool | None = None
    terms: list[QueryTerm] | None = None
    ref_prefix: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool = False


class CaseStudyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, case_study: CaseStudy) -> None:
        self.session.add(case_study)

    async def get(self, case_study_id: str, *, for_update: bool = False) -> CaseStudy | None:
        if for_update:
            return (await self.session.exec(select(CaseStudy).where(CaseStudy.id == case_study_id).with_for_update())).first()
        return await self.session.get(CaseStudy, case_study_id)

    async def write_index(self, case_study: CaseStudy, terms: list[str], *, replace: bool) -> None:
        facets = {("issue_area", a) for a in case_study.issue_areas} | {("actor", a) for a in case_study.actor_ids}
        await write_record_index(self.session, KIND, case_study.id, facets, terms, replace=replace)

    async def list(self, filters: CaseStudyFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[CaseStudy]:
        query = select(CaseStudy)
        if not filters.include_deleted:
            query = query.where(CaseStudy.deleted_at.is_(None))
        for column, values in ((CaseStudy.country, filters.country), (CaseStudy.region, filters.region), (CaseStudy.year, filters.year)):
            if values:
                query = query.where(column.in_(values))
        if filters.illustrative is not None:
            query = query.where(CaseStudy.illustrative == filters.illustrative)
        if filters.actor_id:
            query = query.where(with_facet(CaseStudy.id, KIND, "actor", filters.actor_id))
        if filters.issue_area:
            query = query.where(with_facet(CaseStudy.id, KIND, "issue_area", filters.issue_area))
        for term in filters.terms or ():
            query = query.where(with_term(CaseStudy.id, KIND, term))
        if filters.ref_prefix:
            query = query.where(ref_prefix_filter(CaseStudy.ref, filters.ref_prefix))
        if filters.modified_after is not None:
            query = query.where(CaseStudy.updated_at > filters.modified_after)
        return list((await self.session.exec(keyset(query, CaseStudy, mode, position).limit(limit))).all())
