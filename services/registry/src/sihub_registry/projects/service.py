"""Project rules: a project belongs to its lead actor; the lead actor's owner (or an admin) edits it.
The lead and partner actors it names are links that their owners confirm (`common.consent`)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.repository import ActorRepository
from sihub_registry.actors.service import ActorService
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
from sihub_registry.common.rules import Problems, check_dates, check_names, check_place, check_texts, check_unique, revalidated
from sihub_registry.common.search import index_terms
from sihub_registry.common.types import new_id, utcnow
from sihub_registry.events.contracts import ProjectCreated, ProjectDeleted, ProjectUpdated, link_decided
from sihub_registry.projects.models import Project
from sihub_registry.projects.repository import ProjectFilters, ProjectRepository
from sihub_registry.projects.schemas import ProjectCreate, ProjectState, ProjectUpdate
from sihub_shared.concurrency import check_if_match
from sihub_shared.events.outbox import record
from sihub_shared.identity import Identity

EDITABLE = ("ref", "actor_id", "partner_ids", "title", "description", "issue_areas", "country", "region",
            "status", "starts_on", "ends_on", "illustrative")


def project_state(project: Project) -> ProjectState:
    return ProjectState.model_validate(project)


class ProjectService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = ProjectRepository(session)
        self.actors = ActorService(session)

    async def get(self, project_id: str, *, for_update: bool = False) -> Project:
        require_id("project", project_id)
        return found(await self.repository.get(project_id, for_update=for_update), "project", project_id)

    async def _check(self, identity: Identity, data: ProjectCreate, previous: list[dict[str, Any]]) -> dict[str, Any]:
        """Validate `data`; the caller must own the lead actor. The stored values, with the links
        of the actors named (`previous`: the links the project had)."""
        lead = await self.actors.live_actor(data.actor_id, "actor_id")
        ensure_owner(identity, lead.owner_account_id, "the project's lead actor")
        partners = await self.actors.live_actors(data.partner_ids, "partner_ids")
        problems = Problems()
        check_names(problems, data.title, "title")
        check_texts(problems, data.title, "title")
        check_texts(problems, data.description, "description")
        check_place(problems, data.country, data.region)
        check_unique(problems, (a.value for a in data.issue_areas), "issue_areas")
        check_unique(problems, data.partner_ids, "partner_ids")
        if data.actor_id in data.partner_ids:
            problems.add("partner_ids", "the lead actor is not its own partner")
        check_dates(problems, data.starts_on, data.ends_on)
        problems.raise_if_any("the project is not valid")
        return {
            "ref": data.ref, "actor_id": data.actor_id, "partner_ids": list(data.partner_ids),
            "title": [t.model_dump() for t in data.title], "description": [d.model_dump() for d in data.description],
            "issue_areas": [a.value for a in data.issue_areas], "country": data.country, "region": data.region,
            "status": data.status.value, "starts_on": data.starts_on, "ends_on": data.ends_on,
            "illustrative": data.illustrative,
            "confirmations": links([data.actor_id, *data.partner_ids], previous,
                                   {a.id: a.owner_account_id for a in [lead, *partners.values()]}, identity.account_id),
        }

    async def create(self, identity: Identity, data: ProjectCreate) -> Project:
        ensure_writer(identity)
        values = await self._check(identity, data, [])
        await ensure_ref_free(self.session, Project, data.ref, "project")
        now = utcnow()
        project = Project(id=new_id(), version=1, created_at=now, updated_at=now, **values)
        self.repository.add(project)
        await flush_or_conflict(self.session)
        await self.repository.write_index(project, index_terms(t.value for t in data.title), replace=False)
        record(self.session, ProjectCreated(project=project_state(project)), subject=project.id)
        return project

    async def _ensure_lead_owner(self, identity: Identity, project: Project) -> None:
        lead = await ActorRepository(self.session).get(project.actor_id)
        ensure_owner(identity, lead.owner_account_id if lead else "", "the project's lead actor")

    async def update(self, identity: Identity, project_id: str, data: ProjectUpdate, if_match: str | None) -> Project:
        project = await self.get(project_id, for_update=True)
        await self._ensure_lead_owner(identity, project)
        check_if_match(if_match, project.version)
        current = {name: getattr(project, name) for name in EDITABLE}
        merged = revalidated(ProjectCreate, current, data.model_dump(exclude_unset=True), "the changed project is not valid")
        values = await self._check(identity, merged, project.confirmations)
        if merged.ref != project.ref:
            await ensure_ref_free(self.session, Project, merged.ref, "project", project.id)
        if not changed(project, values):
            return project
        self.repository.add(project)
        await flush_or_conflict(self.session)
        await self.repository.write_index(project, index_terms(t.value for t in merged.title), replace=True)
        record(self.session, ProjectUpdated(project=project_state(project)), subject=project.id)
        return project

    async def delete(self, identity: Identity, project_id: str, if_match: str | None) -> Project:
        project = await self.get(project_id, for_update=True)
        await self._ensure_lead_owner(identity, project)
        check_if_match(if_match, project.version)
        soft_delete(project)
        self.repository.add(project)
        record(self.session, ProjectDeleted(project=project_state(project)), subject=project.id)
        return project

    async def decide(self, identity: Identity, project_id: str, actor_id: str, decision: ConfirmationDecision) -> Project:
        """The owner of a named actor confirms or declines its link."""
        project = await self.get(project_id, for_update=True)
        answer = apply_decision(project, "project", actor_id, await self.actors.owner_of(actor_id), decision, identity)
        if answer is not None:
            self.repository.add(project)
            record(self.session, ProjectUpdated(project=project_state(project)), subject=project.id)
            record(self.session, link_decided(answer), subject=project.id)
        return project

    async def list(self, filters: ProjectFilters, mode: str, position: dict[str, Any] | None, limit: int) -> list[Project]:
        return await self.repository.list(filters, mode, position, limit + 1)
