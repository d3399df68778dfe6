"""SQL of rounds, drafts and proposals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.rounds.models import MatchDraft, MatchProposal, MatchRound


class RoundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: MatchRound | MatchDraft | MatchProposal) -> None:
        self.session.add(row)

    async def get(self, round_id: str, *, for_update: bool = False) -> MatchRound | None:
        # Read again for update: what this session read before may have changed since.
        return await self.session.get(
            MatchRound, round_id, with_for_update=for_update, populate_existing=for_update
        )

    async def fail_lapsed_run(self, round_id: str, moment: datetime) -> bool:
        """Mark a background run whose lease lapsed as failed; False when it is no longer so."""
        lapsed = col(MatchRound.run_lease_until).is_(None) | (col(MatchRound.run_lease_until) < moment)
        result = await self.session.exec(
            update(MatchRound)
            .where(col(MatchRound.id) == round_id, col(MatchRound.run_state) == "running", lapsed)
            .values(run_state="failed", run_lease_until=None)
            .execution_options(synchronize_session=False)  # the caller reads the row again
        )
        return result.rowcount == 1

    async def of_hub(self, hub_id: str, after: str | None, limit: int) -> Sequence[MatchRound]:
        query = (
            select(MatchRound)
            .where(MatchRound.hub_id == hub_id)
            .order_by(col(MatchRound.id))
            .limit(limit)
        )
        if after is not None:
            query = query.where(col(MatchRound.id) > after)
        return (await self.session.exec(query)).all()

    async def draft(self, round_id: str) -> MatchDraft | None:
        return await self.session.get(MatchDraft, round_id)

    async def proposal(self, proposal_id: str, *, for_update: bool = False) -> MatchProposal | None:
        return await self.session.get(MatchProposal, proposal_id, with_for_update=for_update)

    async def proposals_of_round(self, round_id: str) -> Sequence[MatchProposal]:
        query = (
            select(MatchProposal)
            .where(MatchProposal.round_id == round_id)
            .order_by(col(MatchProposal.seeker_id), col(MatchProposal.provider_id))
        )
        return (await self.session.exec(query)).all()

    async def proposals_of_actor(self, actor_id: str) -> Sequence[MatchProposal]:
        query = (
            select(MatchProposal)
            .where(
                (col(MatchProposal.seeker_id) == actor_id)
                | (col(MatchProposal.provider_id) == actor_id)
            )
            .order_by(col(MatchProposal.created_at), col(MatchProposal.id))
        )
        return (await self.session.exec(query)).all()
