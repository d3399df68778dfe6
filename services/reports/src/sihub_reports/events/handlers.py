"""What reports consumes, declared as data: every event of the registry's, the indicators' and
matching's streams that a report reads, kept at its stream position (ecosystem/). Reports never
imports the publishers: the events are read with reports' own views (ecosystem/schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sihub_shared.events.consumer import Handler, Subscription
from sihub_shared.events.contracts import stream_name
from sihub_shared.events.envelope import CloudEvent
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_reports.ecosystem.service import EcosystemService

CRUD = ("created", "updated", "deleted")
REGISTRY_TYPES = [f"org.sihub.registry.{entity}.{verb}.v1"
                  for entity in ("actor", "programme", "cohort", "membership", "project", "case_study",
                                 "partnership") for verb in CRUD]
INDICATORS_TYPES = [*(f"org.sihub.indicators.indicator.{verb}.v1" for verb in CRUD),
                    "org.sihub.indicators.observations.ingested.v1",
                    "org.sihub.indicators.index.recomputed.v1",
                    "org.sihub.indicators.severity.changed.v1"]
MATCHING_TYPES = ["org.sihub.matching.round.published.v1", "org.sihub.matching.match.accepted.v1",
                  "org.sihub.matching.match.declined.v1"]


def _keeper(stream: str) -> Handler:
    async def keep(session: AsyncSession, event: CloudEvent) -> None:
        await EcosystemService(session).record(stream, event)

    return keep


def _subscription(service: str, types: list[str], description: str) -> Subscription:
    stream = stream_name(service)

    async def reset(session: AsyncSession) -> None:
        await EcosystemService(session).reset(stream)

    async def note_read(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        await EcosystemService(session).note_read(stream, events)

    async def note_read_through(session: AsyncSession, floor: int) -> None:
        await EcosystemService(session).note_read_through(stream, floor)

    keep = _keeper(stream)
    # Every subject of the stream, so that the positions kept are the stream's own sequences and
    # every one of them is read (a build's position is how far a stream was read without a gap).
    return Subscription(name=f"reports-{service}", stream=stream, subjects=[f"sihub.{service}.>"],
                        handlers={type_: keep for type_ in types}, reset=reset, note_read=note_read,
                        note_read_through=note_read_through, description=description)


registry_subscription = _subscription(
    "registry", REGISTRY_TYPES,
    "actors, hubs' programmes, cohorts and memberships, projects, case studies and partnerships")
indicators_subscription = _subscription(
    "indicators", INDICATORS_TYPES, "the catalogue, ingests, theme indices and severities")
matching_subscription = _subscription(
    "matching", MATCHING_TYPES, "rounds published (with their proposals), matches accepted and declined")

subscriptions = [registry_subscription, indicators_subscription, matching_subscription]
