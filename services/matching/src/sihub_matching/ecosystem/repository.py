"""SQL of the read model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_matching.ecosystem.models import (
    EcoActor,
    EcoCohort,
    EcoHubOperator,
    EcoMembership,
    EcoPartnerPair,
    EcoRevision,
    EcoSeverity,
)

Row = TypeVar("Row", bound=SQLModel)
_TAKEN_REVISION = "eco_revision_taken"  # {"revision": the revision this transaction took}
_ADDED = "eco_rows_added"  # (table, key) -> the row put in this transaction
_TURN_TAKEN = "eco_turn_taken"  # {"taken": True} once this transaction holds the revision row


class EcosystemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, table: type[Row], key: Any) -> Row | None:
        """The row of `key`, one `put` earlier in this transaction included, read for update: a
        second replica applying another version of the record waits for this transaction, then
        compares with what it wrote (with a plain read both compared with the old row, and the
        older version could commit last). Without flushing: a flush before every read wrote a
        consumer's batch one row per statement; the session writes the new rows at the commit,
        together."""
        added = self._of_this_transaction(_ADDED).get((table, key))
        if added is not None:
            return added
        with self.session.no_autoflush:
            await self._take_turn()
            return await self.session.get(table, key, with_for_update=True, populate_existing=True)

    async def _take_turn(self) -> None:
        """Lock the revision row before any other row of the transaction. Every apply takes it (a
        change bumps it), so without this two replicas could each lock a record the other then reads
        and wait for one another (a deadlock): now they queue on one row, in one order."""
        taken = self._of_this_transaction(_TURN_TAKEN)
        if "taken" in taken:
            return
        await self.session.exec(select(EcoRevision.id).where(col(EcoRevision.id) == 1).with_for_update())
        self._of_this_transaction(_TURN_TAKEN)["taken"] = True

    def put(self, row: SQLModel) -> None:
        self.session.add(row)
        key = sa.inspect(row).identity or sa.inspect(type(row)).primary_key_from_instance(row)
        self._of_this_transaction(_ADDED)[(type(row), key[0] if len(key) == 1 else tuple(key))] = row

    def _of_this_transaction(self, name: str) -> dict[Any, Any]:
        """A dict in the session's info that lives as long as its current transaction: after a
        commit or a rollback the next transaction starts with an empty one (none before any)."""
        transaction = self.session.sync_session.get_transaction()
        if transaction is None:
            return {}
        held = self.session.info.get(name)
        if held is None or held[0] is not transaction:
            held = self.session.info[name] = (transaction, {})
        return held[1]

    async def bump_revision(self) -> int:
        """The revision of this transaction's changes: the next one, taken at the transaction's
        first change and kept for the rest of it (a consumer's batch moves it once, not once per
        event: two statements per event were most of applying an actor). The row stays locked until
        the transaction ends, so revisions become visible in order: rows of revision ≤ R are
        committed once R can be read."""
        taken = self._of_this_transaction(_TAKEN_REVISION)
        if "revision" in taken:
            return taken["revision"]
        revision = (await self.session.exec(  # type: ignore[call-overload]
            sa.update(EcoRevision)
            .where(col(EcoRevision.id) == 1)
            .values(revision=EcoRevision.revision + 1)
            .returning(EcoRevision.revision)
        )).scalar()
        if revision is None:
            revision = 1
            self.session.add(EcoRevision(id=1, revision=revision))
            await self.session.flush()
        # Kept once the UPDATE has begun the transaction (there may have been none before it).
        self._of_this_transaction(_TAKEN_REVISION)["revision"] = revision
        return revision

    async def revision(self) -> int:
        return (
            await self.session.exec(select(EcoRevision.revision).where(EcoRevision.id == 1))
        ).first() or 0

    async def replace_partner_pairs(self, partnership_id: str, actor_ids: Sequence[str]) -> None:
        await self.session.exec(
            delete(EcoPartnerPair).where(col(EcoPartnerPair.partnership_id) == partnership_id)
        )
        pairs = {(a, b) for a in actor_ids for b in actor_ids if a != b}
        self.session.add_all(
            EcoPartnerPair(actor_id=a, partner_id=b, partnership_id=partnership_id)
            for a, b in pairs
        )

    async def replace_operators(self, hub_id: str, account_ids: Iterable[str]) -> None:
        await self.session.exec(delete(EcoHubOperator).where(col(EcoHubOperator.hub_id) == hub_id))
        self.session.add_all(EcoHubOperator(hub_id=hub_id, account_id=a) for a in set(account_ids))

    async def is_operator(self, hub_id: str, account_id: str) -> bool:
        return await self.session.get(EcoHubOperator, (hub_id, account_id)) is not None

    async def clear(self, tables: Iterable[type[SQLModel]]) -> None:
        for table in tables:
            await self.session.exec(delete(table))

    async def actors_changed_since(self, revision: int, limit: int) -> Sequence[EcoActor]:
        query = select(EcoActor).where(col(EcoActor.revision) > revision).limit(limit)
        return (await self.session.exec(query)).all()

    async def live_actors(self) -> Sequence[EcoActor]:
        return (
            await self.session.exec(select(EcoActor).where(col(EcoActor.deleted).is_(False)))
        ).all()

    async def actors(self, ids: Iterable[str]) -> dict[str, EcoActor]:
        ids = set(ids)
        if not ids:
            return {}
        rows = (await self.session.exec(select(EcoActor).where(col(EcoActor.id).in_(ids)))).all()
        return {row.id: row for row in rows}

    async def all_partner_pairs(self) -> Sequence[tuple[str, str]]:
        return (
            await self.session.exec(select(EcoPartnerPair.actor_id, EcoPartnerPair.partner_id))
        ).all()

    async def partner_pairs(self, actor_ids: Iterable[str]) -> set[tuple[str, str]]:
        ids = set(actor_ids)
        if not ids:
            return set()
        rows = await self.session.exec(
            select(EcoPartnerPair.actor_id, EcoPartnerPair.partner_id).where(
                col(EcoPartnerPair.actor_id).in_(ids)
            )
        )
        return {(a, b) for a, b in rows.all()}

    async def delete_severity(self, geography: str, theme: str, frequency: str) -> None:
        await self.session.exec(delete(EcoSeverity).where(
            col(EcoSeverity.geography) == geography, col(EcoSeverity.theme) == theme,
            col(EcoSeverity.frequency) == frequency))

    async def severities(self) -> Sequence[EcoSeverity]:
        return (
            await self.session.exec(
                select(EcoSeverity).where(col(EcoSeverity.severity).is_not(None))
            )
        ).all()

    async def count_places_with_severity(self) -> int:
        """How many (geography, theme) have a severity of some frequency: the places scoring weighs."""
        places = (
            select(EcoSeverity.geography, EcoSeverity.theme)
            .where(col(EcoSeverity.severity).is_not(None))
            .distinct()
            .subquery()
        )
        return (await self.session.exec(select(func.count()).select_from(places))).one()

    async def cohort(self, cohort_id: str) -> EcoCohort | None:
        return await self.session.get(EcoCohort, cohort_id)

    async def cohort_members(self, cohort_id: str) -> list[str]:
        rows = await self.session.exec(
            select(EcoMembership.actor_id)
            .where(EcoMembership.cohort_id == cohort_id, col(EcoMembership.deleted).is_(False),
                   col(EcoMembership.declined).is_(False))
            .order_by(col(EcoMembership.actor_id))
        )
        return list(dict.fromkeys(rows.all()))

    async def count(self, table: type[SQLModel], *where: Any) -> int:
        return (
            await self.session.exec(select(func.count()).select_from(table).where(*where))
        ).one()
