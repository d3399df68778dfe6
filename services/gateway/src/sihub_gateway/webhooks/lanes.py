"""What the delivery worker knows of its lanes between rounds, and the bell that tells it more.

A claim reads the front of each lane it is given (one index range each): with hundreds of
subscriptions × streams, most of them idle or waiting hours for a retry, reading every lane every
round cost a busy gateway more CPU than its deliveries. So a lane with nothing pending rests until
deliveries are queued or sent again for it by this process (the bell) or until the next sweep; a
lane whose head waits (a retry, another worker's lease) rests until that head is due. Every
`sweep_s` a round reads every lane again: what another gateway process queued, or changed, is
found then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

Lane = tuple[str, str]  # (subscription id, stream)

_RINGS = "webhook_queue_bell"  # the transaction whose commit will ring the bell, and for which lanes


class LaneRests:
    def __init__(self, sweep_s: float) -> None:
        self.sweep = timedelta(seconds=sweep_s)
        self.next_sweep: datetime | None = None  # None: the next round sweeps
        # A resting lane: until when (None: until the bell rings for it, or the next sweep).
        self.until: dict[Lane, datetime | None] = {}
        # Woken while a round read its lanes: what that read saw of them may predate the wake.
        self.woken: set[Lane] = set()

    def wake(self, lanes: Iterable[Lane]) -> None:
        for lane in lanes:
            self.woken.add(lane)
            self.until.pop(lane, None)

    def to_read(self, lanes: Sequence[Lane], now: datetime) -> list[Lane]:
        """The lanes this round's claim reads: every one on a sweep, else those not resting."""
        self.woken = set()
        if self.next_sweep is None or now >= self.next_sweep:
            self.next_sweep, self.until = now + self.sweep, {}
            return list(lanes)
        # A lane no longer offered (paused, deleted) keeps no rest: its due time would wake the worker for nothing.
        offered = set(lanes)
        self.until = {lane: until for lane, until in self.until.items() if lane in offered}
        return [lane for lane in lanes if (until := self.until.get(lane, now)) is not None and until <= now]

    def note(self, read: Iterable[Lane], heads: Mapping[Lane, datetime], now: datetime) -> None:
        """After a claim read `read`: `heads` holds when the head of each lane with a pending
        delivery is due (its retry time, or a lease)."""
        for lane in read:
            if lane in self.woken:
                continue
            head = heads.get(lane)
            if head is None:
                self.until[lane] = None
            elif head > now:
                self.until[lane] = head
            else:  # due, and claimed or left for want of room: read it again next round
                self.until.pop(lane, None)

    def next_due(self) -> datetime | None:
        """When the first resting lane's head comes due (a retry), so the worker can wake then."""
        return min((until for until in self.until.values() if until is not None), default=None)


class QueueBell:
    """Wakes this process's DeliveryWorker, and the lanes it names, when deliveries it could claim
    have been committed: a receiver that has caught up gets the next events as soon as they are
    queued, not at the worker's next poll or sweep. Rung after the commit, as a claim before it
    would find nothing."""

    def __init__(self) -> None:
        self.worker_wakes: asyncio.Event | None = None  # the running worker's, on its loop
        self.worker_rests: LaneRests | None = None

    def ring(self, lanes: Iterable[Lane]) -> None:
        if self.worker_rests is not None:
            self.worker_rests.wake(lanes)
        if self.worker_wakes is not None:
            self.worker_wakes.set()

    def ring_after_commit(self, session: AsyncSession, lanes: Iterable[Lane]) -> None:
        """For `lanes`, once `session`'s transaction commits (every call within it adds its lanes).
        After a rollback its listener may ring at the session's next commit: a spare ring only
        costs the worker a round."""
        transaction = session.sync_session.get_transaction()
        rung = session.info.get(_RINGS)
        if rung is None or rung[0] is not transaction:
            rung = session.info[_RINGS] = (transaction, set())
            sa.event.listen(session.sync_session, "after_commit", lambda _: self.ring(rung[1]), once=True)
        rung[1].update(lanes)
