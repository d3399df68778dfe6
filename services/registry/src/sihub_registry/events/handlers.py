"""What the registry consumes, declared as data: matching's `match.accepted` becomes a partnership
(status proposed, origin match, `match_ref` = the match). The event is read with the registry's own
view (partnerships/schemas.py AcceptedMatch); the registry never imports matching."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_registry.partnerships.schemas import AcceptedMatch
from sihub_registry.partnerships.service import PartnershipService
from sihub_shared.events.consumer import Subscription
from sihub_shared.events.contracts import stream_name
from sihub_shared.events.envelope import CloudEvent

MATCH_ACCEPTED = "org.sihub.matching.match.accepted.v1"


async def on_match_accepted(session: AsyncSession, event: CloudEvent) -> None:
    await PartnershipService(session).create_from_match(AcceptedMatch.model_validate(event.data))


matches_subscription = Subscription(
    name="registry-matches",
    stream=stream_name("matching"),
    subjects=["sihub.matching.match.accepted"],
    handlers={MATCH_ACCEPTED: on_match_accepted},
    description="accepted matches, which become proposed partnerships",
)

subscriptions = [matches_subscription]
