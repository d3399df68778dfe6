"""Case study rules: the account that publishes a case study owns it; its owner or an admin edits it.
Titles and summaries are searchable in every script, like actor names. The actors it names are
links that their owners confirm (`common.consent`)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.service import ActorService
from sihub_registry.case_studies.models import CaseStudy
from sihub_registry.case_studies.repository import CaseStudyFilters, CaseStudyRepository
from sihub_registry.case_studies.schemas import CaseStudyCreate, CaseStudyState, CaseStudyUpdate
from sihub_registry.common.access import ensure_owner, ensure_writer
from sihub_registry.common.consent import ConfirmationDecision, apply_decision, links
from sihub_registry.common.lifecycle import (
    changed,
    ensure_ref_free,
    flush_or_conflict,
    found,
    require_id,
    soft_delete,
)
from sihub_registry.common.rules import Problems, check_names, check_place, check_texts, check_unique, revalidated
from sihub_registry.common.search import index_terms
from sihub_registry.common.types import new_id, utcnow
from sihub_registry.events.contracts import CaseStudyCreated, CaseStudyDeleted, CaseStudyUpdated, link_decided
from sihub_shared.concurrency import check_if_match
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity

EDITABLE = ("ref", "title", "summary", "issue_areas", "actor_ids", "country", "region", "year", "source_url", "illustrative")


def case_study_state(case_study: CaseStudy) -> CaseStudyState:
    return CaseStudyState.model_validate(case_study)


def searchable(data: CaseStudyCreate) -> list[str]:
    return index_terms([t.value for t in data.title] + [s.value for s in data.summary])


class CaseStudyService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CaseStudyRepository(session)
        self.actors = ActorService(session)

    async def get(self, case_study_id: str, *, for_update: bool = False) -> CaseStudy:
        require_id("case study", case_study_id)
        return found(await self.repository.get(case_study_id, for_update=for_update), "case study", case_study_id)

    async def _check(self, identity: Identity, data: CaseStudyCreate, previous: list[dict[str, Any]]) -> dict[str, Any]:
        """Validate `data`; the stored values, with the links of the actors named (`previous`:
        the links the case study had)."""
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

    async def create(self, identity: Identity, data: CaseStudyCreate) -> CaseStudy:
        ensure_writer(identity)
        values = await self._check(identity, data, [])
        await ensure_ref_free(self.session, CaseStudy, data.ref, "case study")
        now = utcnow()
        case_study = CaseStudy(id=new_id(), owner_account_id=identity.account_id, version=1, created_at=now, updated_at=now, **values)
        self.repository.add(case_study)
        await flush_or_conflict(self.session)
        await self.repository.write_index(case_study, searchable(data), replace=False)
        record(self.session, CaseStudyCreated(case_study=case_study_state(case_study)), subject=case_study.id)
        return case_study

    async def update(self, identity: Identity, case_study_id: str, data: CaseStudyUpdate, if_match: str | None) -> CaseStudy:
        case_study = await self.get(case_study_id, for_update=True)
        ensure_owner(identity, case_study.owner_account_id, "this case study")
        check_if_match(if_match, case_study.version)
        current = {name: getattr(case_study, name) for name in EDITABLE}
        merged = revalidated(CaseStudyCreate, current, data.model_dump(exclude_unset=True), "the changed case study is not valid")
        values = await self._check(identity, merged, case_study.confirmations)
        if merged.ref != case_study.ref:
            await ensure_ref_free(self.session, CaseStudy, merged.ref, "case study", case_study.id)
        if not changed(case_study, values):
            return case_study
        self.repository.add(case_study)
        await flush_or_conflict(self.session)
        await self.repository.write_index(case_study, searchable(merged), replace=True)
        record(self.session, CaseStudyUpdated(case_study=case_study_state(case_study)), subject=case_study.id)
        return case_study

    async def delete(self, identity: Identity, case_study_id: str, if_match: str | None) -> CaseStudy:
        case_study = await self.get(case_study_id, for_update=True)
        ensure_owner(identity, case_study.owner_account_id, "this case study")
        check_if_match(if_match, case_study.version)
        soft_delete(case_study)
        self.repository.add(case_study)
        record(self.session, CaseStudyDeleted(case_study=case_study_state(case_study)), subject=case_study.id)
        return case_study

    async def decide(self, identity: Identity, case_study_id: str, actor_id: str, decision: ConfirmationDecision) -> CaseStudy:
        """The owner of a named actor confirms or declines its link."""
        case_study = await self.get(case_study_id, for_update=True)
        answer = apply_decision(case_study, "case_study", actor_id, await self.actors.owner_of(actor_id), decision, identity)
        if answer is not None:
            self.repository.add(case_study)
            record(self.session, CaseStudyUpdated(case_study=case_study_state(case_study)), subject=case_study.id)
            record(self.session, link_decided(answer), subject=case_study.id)
        return case_study

    async def list(self, filters: CaseStudyFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[CaseStudy]:
        return await self.repository.list(filters, mode, position, limit + 1)
