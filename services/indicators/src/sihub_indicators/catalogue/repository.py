from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.catalogue.models import Indicator


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, indicator: Indicator) -> None:
        self.session.add(indicator)

    async def delete(self, indicator: Indicator) -> None:
        await self.session.delete(indicator)

    async def get(self, code: str, *, for_update: bool = False) -> Indicator | None:
        # Locked for a change: two PATCHes with the same ETag must not both pass the If-Match check.
        return await self.session.get(Indicator, code, with_for_update=for_update)

    async def flush(self) -> None:
        await self.session.flush()

    async def list(self, theme: str | None = None, *, after: str | None = None,
                   limit: int | None = None) -> list[Indicator]:
        """By code; `after` a code (exclusive), for cursor pages."""
        query = select(Indicator).order_by(Indicator.code)
        if theme is not None:
            query = query.where(Indicator.theme == theme)
        if after is not None:
            query = query.where(col(Indicator.code) > after)
        if limit is not None:
            query = query.limit(limit)
        return list((await self.session.exec(query)).all())

    async def all_by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in await self.list()}
