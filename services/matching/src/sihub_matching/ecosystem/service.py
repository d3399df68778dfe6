"""Applying the registry's and the indicators' events to the read model. Each apply is an upsert
keyed by the record's id that ignores an event older than what is held (by version, or by
computation time for severities), so replays and redeliveries leave the same rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.ecosystem.models import (
    EcoActor,
    EcoCohort,
    EcoHubOperator,
    EcoHubOperatorList,
    EcoMembership,
    EcoPartnerPair,
    EcoPartnership,
    EcoProgramme,
    EcoSeverity,
    EcoThemeIndex,
)
from sihub_matching.ecosystem.repository import EcosystemRepository, Row
from sihub_matching.ecosystem.schemas import (
    ActorData,
    CohortData,
    EcosystemCounts,
    HubOperatorsData,
    IndexRecomputedData,
    MembershipData,
    PartnershipData,
    ProgrammeData,
    SeverityData,
)
from sihub_shared.timestamps import as_utc

# A partnership that has ended is history: its actors may be proposed to each other again.
CURRENT_PARTNERSHIP = frozenset({"proposed", "active"})
REGISTRY_TABLES: tuple[type[SQLModel], ...] = (
    EcoActor,
    EcoHubOperator,
    EcoHubOperatorList,
    EcoProgramme,
    EcoCohort,
    EcoMembership,
    EcoPartnership,
    EcoPartnerPair,
)
INDICATOR_TABLES: tuple[type[SQLModel], ...] = (EcoSeverity, EcoThemeIndex)


def weighing_severities(rows: Iterable[EcoSeverity]) -> dict[tuple[str, str], EcoSeverity]:
    """The severity matching weighs each (geography, theme) by, of the rows held with a value: the
    annual one where there is one (the frequency the reports read), else the latest of the other
    frequencies. A row kept before frequencies were (migration 0003: "unknown") counts only where
    there is no other, and the next severity of its geography and theme replaces it."""
    chosen: dict[tuple[str, str], EcoSeverity] = {}
    for row in rows:
        key = (row.geography, row.theme)
        if key not in chosen or _weight_rank(row) > _weight_rank(chosen[key]):
            chosen[key] = row
    return chosen


def _weight_rank(row: EcoSeverity) -> tuple[bool, bool, datetime, str]:
    # The frequency last: two computed at the same moment are chosen alike on every replica.
    return row.frequency == "annual", row.frequency != "unknown", as_utc(row.computed_at), row.frequency


class EcosystemService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = EcosystemRepository(session)

    async def _write_newer(self, table: type[Row], key: str, version: int, values: dict[str, Any]) -> Row | None:
        """The row of `key` (a new one if none) with `values` and `version` written; None, and
        nothing written, when the held row is as new or newer. A new row is made with every value
        given: a model's default factories cost more than the rest of applying an actor (pydantic
        reads each factory's signature per instance)."""
        row = await self.repository.get(table, key)
        if row is not None and row.version >= version:  # type: ignore[attr-defined]
            return None
        if row is None:
            row = table(id=key, version=version, **values)
        else:
            row.sqlmodel_update(values | {"version": version})
        self.repository.put(row)
        return row

    async def apply_actor(self, data: ActorData) -> None:
        row = await self._write_newer(EcoActor, data.id, data.version, {
            "owner_account_id": data.owner_account_id,
            "name": data.display_name(),
            "kind": data.kind,
            "sector": data.sector,
            "country": data.country,
            "region": data.region,
            "issue_areas": sorted(set(data.issue_areas)),
            "offers": sorted({c.capability for c in data.offers}),
            "needs": sorted({c.capability for c in data.needs}),
            "illustrative": data.illustrative,
            "deleted": data.deleted_at is not None,
            "updated_at": as_utc(data.updated_at),
        })
        if row is not None:
            row.revision = await self.repository.bump_revision()

    async def apply_hub_operators(self, data: HubOperatorsData) -> None:
        # The event carries the whole list, so replacing it is the same however often it comes; an
        # older list than the one held changes nothing. Lists from before the registry versioned
        # them (version 0) replace each other in the order they come, as they always did.
        held = await self.repository.get(EcoHubOperatorList, data.hub_id)
        if held is not None and (held.version > data.version or held.version == data.version > 0):
            return
        held = held or EcoHubOperatorList(hub_id=data.hub_id, version=data.version)
        held.version = data.version
        self.repository.put(held)
        await self.repository.replace_operators(data.hub_id, [o.account_id for o in data.operators])

    async def apply_programme(self, data: ProgrammeData) -> None:
        names = (
            [n.value for n in data.names if n.lang == "en"]
            or [n.value for n in data.names]
            or [data.id]
        )
        await self._write_newer(EcoProgramme, data.id, data.version, {
            "hub_id": data.hub_id, "name": names[0][:500], "deleted": data.deleted_at is not None,
        })

    async def apply_cohort(self, data: CohortData) -> None:
        await self._write_newer(EcoCohort, data.id, data.version, {
            "programme_id": data.programme_id, "hub_id": data.hub_id, "name": data.name[:200],
            "deleted": data.deleted_at is not None,
        })

    async def apply_membership(self, data: MembershipData) -> None:
        await self._write_newer(EcoMembership, data.id, data.version, {
            "hub_id": data.hub_id, "programme_id": data.programme_id, "cohort_id": data.cohort_id,
            "actor_id": data.actor_id, "declined": data.declined, "deleted": data.deleted_at is not None,
        })

    async def apply_partnership(self, data: PartnershipData) -> None:
        deleted = data.deleted_at is not None
        if await self._write_newer(EcoPartnership, data.id, data.version, {
            "actor_ids": list(data.actor_ids), "status": data.status, "origin": data.origin,
            "match_ref": data.match_ref, "deleted": deleted,
        }) is None:
            return
        current = not deleted and data.status in CURRENT_PARTNERSHIP
        await self.repository.replace_partner_pairs(data.id, data.actor_ids if current else [])
        await self.repository.bump_revision()

    async def apply_severity(self, data: SeverityData) -> None:
        # One row per frequency, the latest computed kept; which one weighs is chosen when read.
        computed_at = as_utc(data.computed_at)
        row = await self.repository.get(EcoSeverity, (data.geography, data.theme, data.frequency))
        if row is not None and as_utc(row.computed_at) > computed_at:
            return
        row = row or EcoSeverity(
            geography=data.geography, theme=data.theme, frequency=data.frequency, computed_at=computed_at
        )
        row.sqlmodel_update(
            {
                "severity": data.severity,
                "band": data.band,
                "period": data.period,
                "illustrative": data.illustrative,
                "computed_at": computed_at,
            }
        )
        self.repository.put(row)
        if data.frequency != "unknown":
            await self.repository.delete_severity(data.geography, data.theme, "unknown")
        await self.repository.bump_revision()

    async def apply_indices(self, data: IndexRecomputedData) -> None:
        computed_at = as_utc(data.computed_at)
        for value in data.values:
            key = (data.comparison_set, value.geography, value.theme)
            row = await self.repository.get(EcoThemeIndex, key)
            if row is not None and as_utc(row.computed_at) > computed_at:
                continue
            row = row or EcoThemeIndex(
                comparison_set=data.comparison_set,
                geography=value.geography,
                theme=value.theme,
                period=value.period,
                index=value.index,
                computed_at=computed_at,
            )
            row.sqlmodel_update(
                {
                    "period": value.period,
                    "index": value.index,
                    "illustrative": value.illustrative,
                    "computed_at": computed_at,
                }
            )
            self.repository.put(row)

    async def reset(self, tables: tuple[type[SQLModel], ...]) -> None:
        await self.repository.clear(tables)
        await self.repository.bump_revision()

    async def counts(self) -> EcosystemCounts:
        count = self.repository.count
        return EcosystemCounts(
            revision=await self.repository.revision(),
            actors=await count(EcoActor, col(EcoActor.deleted).is_(False)),
            deleted_actors=await count(EcoActor, col(EcoActor.deleted).is_(True)),
            programmes=await count(EcoProgramme, col(EcoProgramme.deleted).is_(False)),
            cohorts=await count(EcoCohort, col(EcoCohort.deleted).is_(False)),
            memberships=await count(EcoMembership, col(EcoMembership.deleted).is_(False)),
            current_partner_pairs=await count(EcoPartnerPair),
            severities=await self.repository.count_places_with_severity(),
            theme_indices=await count(EcoThemeIndex),
        )
