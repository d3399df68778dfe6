"""Applying the registry's and the indicators' events to the read model. Each apply is an upsert
keyed by the record's id that ignores an event older than what is held (by version, or by
computation time for severities), so replays and redeliveries leave the same rows."""

from __future__ import annotations

from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.ecosystem.models import (
    EcoActor,
    EcoCohort,
    EcoHubOperator,
    EcoMembership,
    EcoPartnerPair,
    EcoPartnership,
    EcoProgramme,
    EcoSeverity,
    EcoThemeIndex,
)
from sihub_matching.ecosystem.repository import EcosystemRepository
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
    EcoProgramme,
    EcoCohort,
    EcoMembership,
    EcoPartnership,
    EcoPartnerPair,
)
INDICATOR_TABLES: tuple[type[SQLModel], ...] = (EcoSeverity, EcoThemeIndex)


class EcosystemService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = EcosystemRepository(session)

    async def _newer(self, table: type[SQLModel], key: str, version: int) -> SQLModel | None:
        """The row to overwrite (a new one if none); None when the held row is as new or newer."""
        row = await self.repository.get(table, key)
        if row is not None and row.version >= version:  # type: ignore[attr-defined]
            return None
        return row if row is not None else table(id=key, version=version)  # type: ignore[call-arg]

    async def apply_actor(self, data: ActorData) -> None:
        row = await self._newer(EcoActor, data.id, data.version)
        if row is None:
            return
        for name, value in {
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
            "version": data.version,
            "updated_at": as_utc(data.updated_at),
        }.items():
            setattr(row, name, value)
        row.revision = await self.repository.bump_revision()
        self.repository.put(row)

    async def apply_hub_operators(self, data: HubOperatorsData) -> None:
        # The event carries the whole list, so replacing it is the same however often it comes.
        await self.repository.replace_operators(data.hub_id, [o.account_id for o in data.operators])

    async def apply_programme(self, data: ProgrammeData) -> None:
        row = await self._newer(EcoProgramme, data.id, data.version)
        if row is None:
            return
        names = (
            [n.value for n in data.names if n.lang == "en"]
            or [n.value for n in data.names]
            or [data.id]
        )
        row.sqlmodel_update(
            {
                "hub_id": data.hub_id,
                "name": names[0][:500],
                "deleted": data.deleted_at is not None,
                "version": data.version,
            }
        )
        self.repository.put(row)

    async def apply_cohort(self, data: CohortData) -> None:
        row = await self._newer(EcoCohort, data.id, data.version)
        if row is None:
            return
        row.sqlmodel_update(
            {
                "programme_id": data.programme_id,
                "hub_id": data.hub_id,
                "name": data.name[:200],
                "deleted": data.deleted_at is not None,
                "version": data.version,
            }
        )
        self.repository.put(row)

    async def apply_membership(self, data: MembershipData) -> None:
        row = await self._newer(EcoMembership, data.id, data.version)
        if row is None:
            return
        row.sqlmodel_update(
            {
                "hub_id": data.hub_id,
                "programme_id": data.programme_id,
                "cohort_id": data.cohort_id,
                "actor_id": data.actor_id,
                "deleted": data.deleted_at is not None,
                "version": data.version,
            }
        )
        self.repository.put(row)

    async def apply_partnership(self, data: PartnershipData) -> None:
        row = await self._newer(EcoPartnership, data.id, data.version)
        if row is None:
            return
        deleted = data.deleted_at is not None
        row.sqlmodel_update(
            {
                "actor_ids": list(data.actor_ids),
                "status": data.status,
                "origin": data.origin,
                "match_ref": data.match_ref,
                "deleted": deleted,
                "version": data.version,
            }
        )
        self.repository.put(row)
        current = not deleted and data.status in CURRENT_PARTNERSHIP
        await self.repository.replace_partner_pairs(data.id, data.actor_ids if current else [])
        await self.repository.bump_revision()

    async def apply_severity(self, data: SeverityData) -> None:
        computed_at = as_utc(data.computed_at)
        row = await self.repository.get(EcoSeverity, (data.geography, data.theme))
        if row is not None and as_utc(row.computed_at) > computed_at:
            return
        row = row or EcoSeverity(
            geography=data.geography, theme=data.theme, computed_at=computed_at
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
            severities=await count(EcoSeverity, col(EcoSeverity.severity).is_not(None)),
            theme_indices=await count(EcoThemeIndex),
        )
