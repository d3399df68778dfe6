"""Project rules: a project belongs to its lead actor; the lead actor's owner (or an admin) edits it.
The lead and partner actors it names are links that their owners confirm (`common.consent`)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.actors.repository import ActorRepository
from sihub_registry.common.access import ensure_owner
from sihub_registry.common.consent import links
from sihub_registry.common.record_service import EditableRecordService
from sihub_registry.common.rules import Problems, check_dates, check_names, check_place, check_texts, check_unique
from sihub_registry.common.search import index_terms
from sihub_registry.events.contracts import ProjectCreated, ProjectDeleted, ProjectUpdated
from sihub_registry.projects.models import Project
from sihub_registry.projects.repository import ProjectFilters, ProjectRepository
from sihub_registry.projects.schemas import ProjectCreate, ProjectState
from sihub_shared.identity import Identity


class ProjectService(EditableRecordService[Project, ProjectFilters, ProjectCreate]):
    what = "project"
    state = ProjectState
    created, updated, deleted = ProjectCreated, ProjectUpdated, ProjectDeleted
    create_model = ProjectCreate
    editable = ("ref", "actor_id", "partner_ids", "title", "description", "issue_areas", "country", "region",
                "status", "starts_on", "ends_on", "illustrative")

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, ProjectRepository(session))

    async def ensure_may_change(self, identity: Identity, project: Project) -> None:
        lead = await ActorRepository(self.session).get(project.actor_id)
        ensure_owner(identity, lead.owner_account_id if lead else "", "the project's lead actor")

    async def validated(self, identity: Identity, data: ProjectCreate, previous: list[dict[str, Any]]) -> dict[str, Any]:
        """The caller must own the lead actor."""
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

    def searchable(self, data: ProjectCreate) -> list[str]:
        return index_terms(t.value for t in data.title)
