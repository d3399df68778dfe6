"""Case study rules: the account that publishes a case study owns it; its owner or an admin edits it.
Titles and summaries are searchable in every script, like actor names. The actors it names are
links that their owners confirm (`common.consent`)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.case_studies.models import CaseStudy
from sihub_registry.case_studies.repository import CaseStudyFilters, CaseStudyRepository
from sihub_registry.case_studies.schemas import CaseStudyCreate, CaseStudyState
from sihub_registry.common.access import ensure_owner
from sihub_registry.common.consent import links
from sihub_registry.common.record_service import EditableRecordService
from sihub_registry.common.rules import Problems, check_names, check_place, check_texts, check_unique
from sihub_registry.common.search import index_terms
from sihub_registry.events.contracts import CaseStudyCreated, CaseStudyDeleted, CaseStudyUpdated
from sihub_shared.identity import Identity


class CaseStudyService(EditableRecordService[CaseStudy, CaseStudyFilters, CaseStudyCreate]):
    what = "case study"
    state = CaseStudyState
    created, updated, deleted = CaseStudyCreated, CaseStudyUpdated, CaseStudyDeleted
    create_model = CaseStudyCreate
    editable = ("ref", "title", "summary", "issue_areas", "actor_ids", "country", "region", "year", "source_url",
                "illustrative")

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, CaseStudyRepository(session))

    async def ensure_may_change(self, identity: Identity, case_study: CaseStudy) -> None:
        ensure_owner(identity, case_study.owner_account_id, "this case study")

    def owned_by(self, identity: Identity) -> dict[str, Any]:
        return {"owner_account_id": identity.account_id}

    async def validated(self, identity: Identity, data: CaseStudyCreate, previous: list[dict[str, Any]]) -> dict[str, Any]:
        actors = await self.actors.live_actors(data.actor_ids, "actor_ids")
        problems = Problems()
        check_names(problems, data.title, "title")
        check_texts(problems, data.title, "title")
        check_texts(problems, data.summary, "summary")
        check_place(problems, data.country, data.region)
        check_unique(problems, (a.value for a in data.issue_areas), "issue_areas")
        check_unique(problems, data.actor_ids, "actor_ids")
        problems.raise_if_any("the case study is not valid")
        return {
            "ref": data.ref, "title": [t.model_dump() for t in data.title], "summary": [s.model_dump() for s in data.summary],
            "issue_areas": [a.value for a in data.issue_areas], "actor_ids": list(data.actor_ids),
            "country": data.country, "region": data.region, "year": data.year, "source_url": data.source_url,
            "illustrative": data.illustrative,
            "confirmations": links(data.actor_ids, previous, {a.id: a.owner_account_id for a in actors.values()},
                                   identity.account_id),
        }

    def searchable(self, data: CaseStudyCreate) -> list[str]:
        return index_terms([t.value for t in data.title] + [s.value for s in data.summary])
