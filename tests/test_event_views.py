"""Services read each other's events with views of their own (they never import each other); here,
where both sides may be imported, each view is held to the publisher's contract: every field a
consumer reads is a field the publisher sends, every event type a consumer handles is one the
publisher declares, and a real event of the publisher parses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from sihub_indicators.events import contracts as indicators
from sihub_matching.ecosystem import schemas as matching_views
from sihub_matching.events import contracts as matching
from sihub_matching.events.handlers import indicators_subscription, registry_subscription
from sihub_registry.actors.schemas import ActorState
from sihub_registry.events import contracts as registry
from sihub_registry.events.handlers import matches_subscription
from sihub_registry.hubs.schemas import (
    CohortState,
    HubOperatorPublic,
    HubOperators,
    MembershipState,
    ProgrammeState,
)
from sihub_registry.partnerships.schemas import AcceptedMatch, PartnershipState
from sihub_shared.events.contracts import CATALOGUE
from sihub_shared.events.envelope import CloudEvent


@pytest.mark.parametrize(
    ("view", "contract"),
    [
        (matching_views.ActorData, ActorState),
        (matching_views.ProgrammeData, ProgrammeState),
        (matching_views.CohortData, CohortState),
        (matching_views.MembershipData, MembershipState),
        (matching_views.PartnershipData, PartnershipState),
        (matching_views.HubOperatorsData, HubOperators),
        (matching_views.OperatorData, HubOperatorPublic),
        (matching_views.SeverityData, indicators.SeverityChanged),
        (matching_views.IndexRecomputedData, indicators.IndexRecomputed),
        (matching_views.ThemeIndexData, indicators.ThemeIndexValue),
        (AcceptedMatch, matching.MatchAccepted),
    ],
)
def test_every_field_a_consumer_reads_is_sent(view: type[BaseModel], contract: type[BaseModel]):
    assert set(view.model_fields) <= set(contract.model_fields), set(view.model_fields) - set(
        contract.model_fields
    )


def test_every_handled_event_type_is_declared():
    for subscription in (registry_subscription, indicators_subscription, matches_subscription):
        unknown = set(subscription.handlers) - set(CATALOGUE)
        assert not unknown, (subscription.name, unknown)


def test_a_real_match_accepted_parses_as_the_registry_reads_it():
    event = CloudEvent.wrap(
        matching.MatchAccepted(
            match_ref="p-1",
            round_id="r-1",
            hub_id="h-1",
            seeker_id="a",
            provider_id="b",
            actor_ids=["a", "b"],
            accepted_by={"a": "owner-a", "b": "owner-b"},
            partnership_type="mentoring",
            score=0.5,
            illustrative=True,
            accepted_at=datetime.now(UTC),
        )
    )
    assert event.type in matches_subscription.handlers
    parsed = AcceptedMatch.model_validate(event.data)
    assert (parsed.match_ref, parsed.actor_ids, parsed.partnership_type) == (
        "p-1",
        ["a", "b"],
        "mentoring",
    )


def test_registry_and_indicators_event_types_match_what_matching_handles():
    assert registry.ActorDeleted.event_type in registry_subscription.handlers
    assert registry.HubOperatorsChanged.event_type in registry_subscription.handlers
    assert indicators.SeverityChanged.event_type in indicators_subscription.handlers
    assert indicators.IndexRecomputed.event_type in indicators_subscription.handlers
