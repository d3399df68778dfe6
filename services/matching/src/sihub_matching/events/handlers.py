"""What matching consumes, declared as data: the registry's actors, hubs and partnerships and the
indicators' severities and indices, into the read model (ecosystem/). Matching never imports the
publishers: each handler reads the CloudEvent's data with matching's own views (ecosystem/schemas.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.ecosystem.schemas import (
    ActorData,
    CohortData,
    HubOperatorsData,
    IndexRecomputedData,
    MembershipData,
    PartnershipData,
    ProgrammeData,
    SeverityData,
)
from sihub_matching.ecosystem.service import INDICATOR_TABLES, REGISTRY_TABLES, EcosystemService
from sihub_shared.events.consumer import Handler, Subscription
from sihub_shared.events.contracts import stream_name
from sihub_shared.events.envelope import CloudEvent

REGISTRY_ENTITIES = ("actor", "programme", "cohort", "membership", "partnership")
VERBS = ("created", "updated", "deleted")


def _handler(
    field: str | None,
    view: type[BaseModel],
    apply: Callable[[EcosystemService, BaseModel], Awaitable[None]],
) -> Handler:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        data = event.data[field] if field is not None else event.data
        await apply(EcosystemService(session), view.model_validate(data))

    return handle


_REGISTRY_APPLY: dict[str, tuple[type[BaseModel], Callable[..., Awaitable[None]]]] = {
    "actor": (ActorData, EcosystemService.apply_actor),
    "programme": (ProgrammeData, EcosystemService.apply_programme),
    "cohort": (CohortData, EcosystemService.apply_cohort),
    "membership": (MembershipData, EcosystemService.apply_membership),
    "partnership": (PartnershipData, EcosystemService.apply_partnership),
}


async def _reset_registry(session: AsyncSession) -> None:
    await EcosystemService(session).reset(REGISTRY_TABLES)


async def _reset_indicators(session: AsyncSession) -> None:
    await EcosystemService(session).reset(INDICATOR_TABLES)


registry_subscription = Subscription(
    name="matching-registry",
    stream=stream_name("registry"),
    subjects=[f"sihub.registry.{entity}.>" for entity in REGISTRY_ENTITIES]
    + ["sihub.registry.hub_operators.>"],
    handlers={
        **{
            f"org.sihub.registry.{entity}.{verb}.v1": _handler(entity, *_REGISTRY_APPLY[entity])
            for entity in REGISTRY_ENTITIES
            for verb in VERBS
        },
        "org.sihub.registry.hub_operators.changed.v1": _handler(
            "hub", HubOperatorsData, EcosystemService.apply_hub_operators
        ),
    },
    reset=_reset_registry,
    description="actors (offers, needs, issue areas, place, owner), hubs' operators, programmes, cohorts "
    "and memberships, and partnerships, into matching's read model",
)

indicators_subscription = Subscription(
    name="matching-indicators",
    stream=stream_name("indicators"),
    subjects=["sihub.indicators.severity.changed", "sihub.indicators.index.recomputed"],
    handlers={
        "org.sihub.indicators.severity.changed.v1": _handler(
            None, SeverityData, EcosystemService.apply_severity
        ),
        "org.sihub.indicators.index.recomputed.v1": _handler(
            None, IndexRecomputedData, EcosystemService.apply_indices
        ),
    },
    reset=_reset_indicators,
    description="severity per region and theme, and theme indices, which weight shared issue areas",
)

subscriptions = [registry_subscription, indicators_subscription]
