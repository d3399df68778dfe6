"""Services read each other's events with views of their own (they never import each other); here,
where both sides may be imported, each view is held to the publisher's contract: every field a
consumer reads is a field the publisher sends, every event type a consumer handles is one the
publisher declares, and a real event of the publisher parses."""

from __future__ import annotations

import types
import typing
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from sihub_indicators.catalogue.schemas import IndicatorPublic
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
from sihub_registry.case_studies.schemas import CaseStudyState
from sihub_registry.partnerships.schemas import AcceptedMatch, PartnershipState
from sihub_registry.projects.schemas import ProjectState
from sihub_reports.ecosystem import schemas as reports_views
from sihub_reports.ecosystem.service import REGISTRY_VIEWS, Ecosystem
from sihub_reports.events.handlers import subscriptions as reports_subscriptions
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


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, alone, in a list or a dict, or optional: `list[Text] | None` -> Text."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, dict, typing.Union, types.UnionType):
        return next(filter(None, map(_model_in, typing.get_args(annotation))), None)
    return None


def unsent(view: type[BaseModel], contract: type[BaseModel], where: str = "") -> list[str]:
    """The fields a view reads that the contract does not send, nested views included."""
    missing = []
    for name, field in view.model_fields.items():
        if name not in contract.model_fields:
            missing.append(where + name)
            continue
        inner, sent = _model_in(field.annotation), _model_in(contract.model_fields[name].annotation)
        if inner is not None:
            missing += unsent(inner, sent, f"{where}{name}.") if sent else [where + name]
    return missing


# Reports' views: a registry record's view reads the record under the event's entity key
# (`data["actor"]`, checked below), the others read the event's data itself.
REPORTS_VIEWS = [
    (reports_views.ActorView, ActorState),
    (reports_views.ProgrammeView, ProgrammeState),
    (reports_views.CohortView, CohortState),
    (reports_views.MembershipView, MembershipState),
    (reports_views.ProjectView, ProjectState),
    (reports_views.CaseStudyView, CaseStudyState),
    (reports_views.PartnershipView, PartnershipState),
    (reports_views.IndicatorView, IndicatorPublic),
    (reports_views.ObservationsIngestedView, indicators.ObservationsIngested),
    (reports_views.IndexRecomputedView, indicators.IndexRecomputed),
    (reports_views.SeverityView, indicators.SeverityChanged),
    (reports_views.RoundPublishedView, matching.RoundPublished),
    (reports_views.MatchAcceptedView, matching.MatchAccepted),
    (reports_views.MatchDecidedView, matching.MatchDeclined),
]


@pytest.mark.parametrize(("view", "contract"), REPORTS_VIEWS, ids=lambda model: model.__name__)
def test_every_field_reports_reads_is_sent(view: type[BaseModel], contract: type[BaseModel]):
    assert unsent(view, contract) == []


def test_the_check_of_reports_views_sees_a_nested_field_not_sent():
    class Claim(BaseModel):
        capability: str
        weight: float

    class Actor(BaseModel):
        offers: list[Claim] | None = None

    assert unsent(Actor, ActorState) == ["offers.weight"]


def test_every_registry_entity_reports_reads_is_under_its_key_in_the_events():
    contracts = [c for c in vars(registry).values() if isinstance(c, type) and hasattr(c, "event_type")]
    for entity in REGISTRY_VIEWS:
        events = [c for c in contracts if c.event_type.split(".")[3] == entity]
        assert events and all(entity in c.model_fields for c in events), entity


def test_every_event_type_reports_handles_is_declared():
    for subscription in reports_subscriptions:
        unknown = set(subscription.handlers) - set(CATALOGUE)
        assert not unknown, (subscription.name, unknown)


def test_real_matching_events_fold_into_reports_read_model():
    accepted = matching.MatchAccepted(
        match_ref="m-1", round_id="r-1", hub_id="h-1", seeker_id="a", provider_id="b", actor_ids=["a", "b"],
        accepted_by={"a": "owner-a", "b": "owner-b"}, partnership_type="funding", score=0.7,
        illustrative=True, accepted_at=datetime.now(UTC))
    declined = matching.MatchDeclined(
        match_ref="m-2", round_id="r-1", hub_id="h-1", seeker_id="a", provider_id="c", declined_for="no time",
        declined_at=datetime.now(UTC))
    ecosystem = Ecosystem(positions={})
    for contract in (accepted, declined):
        event = CloudEvent.wrap(contract)
        ecosystem.apply(event.type, event.data)
    assert (ecosystem.accepted["m-1"].score, ecosystem.accepted["m-1"].partnership_type) == (0.7, "funding")
    assert ecosystem.declined["m-2"].provider_id == "c"


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
