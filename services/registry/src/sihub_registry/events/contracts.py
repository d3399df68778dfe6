"""Events the registry publishes (stream SIHUB_REGISTRY, subjects `sihub.registry.<entity>.<verb>`).

Each carries the record's full new state (a deletion carries the last state with `deleted_at`
set), so that consumers build their views without calling back. Projects, case studies,
memberships and partnerships carry `confirmations` (one per named actor, `pending`, `confirmed` or
`declined`) and `confirmed`: count a link (or a partnership) as evidence only when confirmed.
An owner's answer about one link is also its own event (`link.confirmed`, `link.declined`),
together with the record's `updated` event. Actor contacts are personal
data and never leave the registry: events carry `ActorState`, which has no contacts.
"""

from __future__ import annotations

from sihub_registry.actors.schemas import ActorState
from sihub_registry.case_studies.schemas import CaseStudyState
from sihub_registry.common.consent import ConfirmationState, LinkDecision
from sihub_registry.hubs.schemas import CohortState, HubOperators, MembershipState, ProgrammeState
from sihub_registry.partnerships.schemas import PartnershipState
from sihub_registry.projects.schemas import ProjectState
from sihub_shared.events.contracts import EventContract


class ActorCreated(EventContract, service="registry", entity="actor", verb="created", version=1):
    """An actor was registered."""

    actor: ActorState


class ActorUpdated(EventContract, service="registry", entity="actor", verb="updated", version=1):
    """An actor changed; `actor` is its whole new state."""

    actor: ActorState


class ActorDeleted(EventContract, service="registry", entity="actor", verb="deleted", version=1):
    """An actor was (softly) deleted; `actor.deleted_at` says when."""

    actor: ActorState


class HubOperatorsChanged(EventContract, service="registry", entity="hub_operators", verb="changed", version=1):
    """An account was added to or removed from a hub's operators; `hub` is the whole new list
    (the hub actor's owner is always an operator too)."""

    hub: HubOperators


class ProgrammeCreated(EventContract, service="registry", entity="programme", verb="created", version=1):
    """A hub started a programme."""

    programme: ProgrammeState


class ProgrammeUpdated(EventContract, service="registry", entity="programme", verb="updated", version=1):
    """A hub programme changed."""

    programme: ProgrammeState


class ProgrammeDeleted(EventContract, service="registry", entity="programme", verb="deleted", version=1):
    """A hub programme was deleted."""

    programme: ProgrammeState


class CohortCreated(EventContract, service="registry", entity="cohort", verb="created", version=1):
    """A programme opened a cohort."""

    cohort: CohortState


class CohortUpdated(EventContract, service="registry", entity="cohort", verb="updated", version=1):
    """A cohort changed."""

    cohort: CohortState


class CohortDeleted(EventContract, service="registry", entity="cohort", verb="deleted", version=1):
    """A cohort was deleted."""

    cohort: CohortState


class MembershipCreated(EventContract, service="registry", entity="membership", verb="created", version=1):
    """An actor joined a hub's programme (and cohort)."""

    membership: MembershipState


class MembershipUpdated(EventContract, service="registry", entity="membership", verb="updated", version=1):
    """A membership changed (dates, role, cohort)."""

    membership: MembershipState


class MembershipDeleted(EventContract, service="registry", entity="membership", verb="deleted", version=1):
    """A membership was deleted."""

    membership: MembershipState


class ProjectCreated(EventContract, service="registry", entity="project", verb="created", version=1):
    """An actor registered a project."""

    project: ProjectState


class ProjectUpdated(EventContract, service="registry", entity="project", verb="updated", version=1):
    """A project changed."""

    project: ProjectState


class ProjectDeleted(EventContract, service="registry", entity="project", verb="deleted", version=1):
    """A project was deleted."""

    project: ProjectState


class CaseStudyCreated(EventContract, service="registry", entity="case_study", verb="created", version=1):
    """A case study was published."""

    case_study: CaseStudyState


class CaseStudyUpdated(EventContract, service="registry", entity="case_study", verb="updated", version=1):
    """A case study changed."""

    case_study: CaseStudyState


class CaseStudyDeleted(EventContract, service="registry", entity="case_study", verb="deleted", version=1):
    """A case study was withdrawn."""

    case_study: CaseStudyState


class PartnershipCreated(EventContract, service="registry", entity="partnership", verb="created", version=1):
    """A partnership between two or more actors was registered."""

    partnership: PartnershipState


class PartnershipUpdated(EventContract, service="registry", entity="partnership", verb="updated", version=1):
    """A partnership changed (e.g. its status moved proposed → active → ended)."""

    partnership: PartnershipState


class PartnershipDeleted(EventContract, service="registry", entity="partnership", verb="deleted", version=1):
    """A partnership was deleted (a record made in error; an ended one is `updated` to ended)."""

    partnership: PartnershipState


class LinkConfirmed(EventContract, service="registry", entity="link", verb="confirmed", version=1):
    """An actor's owner confirmed that its actor takes part in a record another account wrote
    (a project, case study, membership or partnership)."""

    link: LinkDecision


class LinkDeclined(EventContract, service="registry", entity="link", verb="declined", version=1):
    """An actor's owner declined (or withdrew from) a record that names its actor: the link does
    not count as evidence."""

    link: LinkDecision


def link_decided(decision: LinkDecision) -> LinkConfirmed | LinkDeclined:
    if decision.state is ConfirmationState.CONFIRMED:
        return LinkConfirmed(link=decision)
    return LinkDeclined(link=decision)
