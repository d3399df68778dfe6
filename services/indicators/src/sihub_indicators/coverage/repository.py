"""The SQL coverage needs beyond the observations' own queries: withheld theme indices."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_indicators.indices.models import ThemeIndexRow


class CoverageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def withheld_indices(self, comparison_set: str, frequency: str) -> list[ThemeIndexRow]:
        """Theme indices the missing-data rule withheld: stored with inputs but no value."""
        query = select(ThemeIndexRow).where(
            ThemeIndexRow.comparison_set == comparison_set,
            ThemeIndexRow.frequency == frequency,
            col(ThemeIndexRow.value).is_(None),
        ).order_by(col(ThemeIndexRow.geography), col(ThemeIndexRow.theme), col(ThemeIndexRow.period))
        return list((await self.session.exec(query)).all())
