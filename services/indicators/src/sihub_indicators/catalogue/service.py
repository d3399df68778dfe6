"""The indicator catalogue: create, read, change (with If-Match) and delete indicators.

Every change is an event (indicator.created/updated/deleted) in the same transaction. A change
that would leave stored observations outside the indicator's bounds is refused, and so is
deleting an indicator that has observations: the history of published figures stays whole.
A new theme or direction recomputes the indices built from the indicator, in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.catalogue.errors import unknown_indicator
from sihub_indicators.catalogue.models import Indicator
from sihub_indicators.catalogue.repository import CatalogueRepository
from sihub_indicators.catalogue.schemas import IndicatorCreate, IndicatorPublic, IndicatorUpdate, check_bounds
from sihub_indicators.events.contracts import IndicatorCreated, IndicatorDeleted, IndicatorUpdated
from sihub_indicators.indices.service import IndexService
from sihub_indicators.observations.repository import ObservationRepository
from sihub_indicators.units import effective_bounds
from sihub_shared.concurrency import check_if_match
from sihub_shared.errors import Conflict, UnprocessableContent
from sihub_shared.events.outbox import record

# The fields an observation's bounds follow from.
_BOUNDED_BY = ("unit", "min_value", "max_value")
# The fields the theme indices are computed from: changing one recomputes the indicator's sets.
_COMPUTED_FROM = ("theme", "direction")


def indicator_public(indicator: Indicator) -> IndicatorPublic:
    return IndicatorPublic.model_validate(indicator)


class CatalogueService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = CatalogueRepository(session)
        self.observations = ObservationRepository(session)

    async def create(self, data: IndicatorCreate) -> Indicator:
        if await self.repository.get(data.code) is not None:
            raise Conflict(f"indicator {data.code} already exists; change it with PATCH",
                           errors=[{"field": "code", "message": "already in the catalogue"}])
        indicator = Indicator.model_validate(data.model_dump(mode="json"))
        self.repository.add(indicator)
        try:
            await self.repository.flush()
        except IntegrityError as exc:  # created by a concurrent request since the look-up above
            raise Conflict(f"indicator {data.code} was just added by another request",
                           errors=[{"field": "code", "message": "already in the catalogue"}]) from exc
        record(self.session, IndicatorCreated(indicator=indicator_public(indicator)), subject=indicator.code)
        return indicator

    async def get(self, code: str, *, for_update: bool = False) -> Indicator:
        indicator = await self.repository.get(code, for_update=for_update)
        if indicator is None:
            raise unknown_indicator(code, "code")
        return indicator

    async def list(self, theme: str | None, after: str | None, limit: int) -> list[Indicator]:
        return await self.repository.list(theme, after=after, limit=limit)

    async def update(self, code: str, data: IndicatorUpdate, if_match: str | None) -> Indicator:
        indicator = await self.get(code, for_update=True)
        check_if_match(if_match, indicator.version)
        sent = data.model_dump(mode="json", exclude_unset=True)
        changed = sorted(name for name, value in sent.items() if getattr(indicator, name) != value)
        if not changed:
            return indicator
        if set(_BOUNDED_BY).intersection(changed):
            await self._check_bounds({**{name: getattr(indicator, name) for name in _BOUNDED_BY}, **sent}, code)
        for name in changed:
            setattr(indicator, name, sent[name])
        indicator.version += 1
        indicator.updated_at = datetime.now(UTC)
        self.repository.add(indicator)
        record(self.session, IndicatorUpdated(indicator=indicator_public(indicator), changed=changed), subject=code)
        if set(_COMPUTED_FROM).intersection(changed):
            # Before the sets are listed: a running ingest may be adding the indicator's first
            # observations in a set, computed with the old theme or direction.
            await self.observations.lock_ingest()
            sets = await self.observations.sets_of_indicator(code)
            await IndexService(self.session).recompute(sets, cause=f"indicator {code} updated")
        return indicator

    async def _check_bounds(self, merged: dict[str, Any], code: str) -> None:
        unit, minimum, maximum = merged["unit"], merged["min_value"], merged["max_value"]
        try:
            check_bounds(unit, minimum, maximum)
        except ValueError as exc:
            field = "max_value" if str(exc).startswith("max_value") else "min_value"
            raise UnprocessableContent(str(exc), errors=[{"field": field, "message": str(exc)}]) from None
        low, high = effective_bounds(unit, minimum, maximum)
        await self.observations.lock_ingest()  # no ingest may add a value outside them meanwhile
        stored_low, stored_high = await self.observations.value_range(code)
        outside = [(field, value) for field, value, fits in (
            ("min_value", stored_low, stored_low is None or stored_low >= low),
            ("max_value", stored_high, stored_high is None or stored_high <= high),
        ) if not fits]
        if outside:
            raise Conflict(
                f"observations of {code} lie outside the new bounds ({low:g} to {high:g}); correct them first",
                errors=[{"field": field, "message": f"a stored observation is {value:g}"} for field, value in outside],
            )

    async def delete(self, code: str, if_match: str | None) -> None:
        indicator = await self.get(code, for_update=True)
        check_if_match(if_match, indicator.version)
        await self.observations.lock_ingest()  # no ingest may add its first observation meanwhile
        if await self.observations.has_any(code):
            raise Conflict(f"indicator {code} has observations; an indicator with published figures stays",
                           errors=[{"field": "code", "message": "has observations"}])
        await self.repository.delete(indicator)
        record(self.session, IndicatorDeleted(code=code), subject=code)
