"""SQL of builds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_reports.builds.models import UNFINISHED, ReportBuild


class BuildRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, build: ReportBuild) -> None:
        self.session.add(build)

    async def set_progress(self, build_id: str, progress: float) -> None:
        await self.session.exec(sa.update(ReportBuild).where(col(ReportBuild.id) == build_id)
                                .values(progress=round(progress, 3)))

    async def renew_lease(self, build_id: str, until: datetime) -> None:
        await self.session.exec(sa.update(ReportBuild)
                                .where(col(ReportBuild.id) == build_id, col(ReportBuild.status).in_(UNFINISHED))
                                .values(lease_until=until))

    async def fail_lapsed(self, build_id: str, moment: datetime) -> bool:
        """Mark a background build whose lease lapsed as failed; False when it is no longer so."""
        lapsed = col(ReportBuild.lease_until).is_(None) | (col(ReportBuild.lease_until) < moment)
        result = await self.session.exec(
            sa.update(ReportBuild)
            .where(col(ReportBuild.id) == build_id, col(ReportBuild.status).in_(UNFINISHED), lapsed)
            .values(status="failed", lease_until=None)
            .execution_options(synchronize_session=False))  # the caller reads the row again
        return result.rowcount == 1

    async def get(self, build_id: str) -> ReportBuild | None:
        return await self.session.get(ReportBuild, build_id)

    async def page(self, limit: int, after: tuple[datetime, str] | None) -> list[ReportBuild]:
        """Newest first; `after` is the (created_at, id) of the last build of the previous page."""
        query = select(ReportBuild).order_by(col(ReportBuild.created_at).desc(), col(ReportBuild.id).desc())
        if after is not None:
            created_at, build_id = after
            query = query.where(sa.or_(col(ReportBuild.created_at) < created_at,
                                       sa.and_(col(ReportBuild.created_at) == created_at,
                                               col(ReportBuild.id) < build_id)))
        return list((await self.session.exec(query.limit(limit + 1))).all())
