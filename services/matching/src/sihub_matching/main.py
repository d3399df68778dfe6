"""The matching service: explained partner suggestions and auditable matching rounds. Public path
`/api/v1/matching/...`; events on the SIHUB_MATCHING stream; its read model comes from the
registry's and the indicators' streams only (events/handlers.py)."""

from __future__ import annotations

from fastapi import FastAPI

from sihub_matching.api import routers
from sihub_matching.events.handlers import subscriptions
from sihub_matching.settings import MatchingSettings
from sihub_shared.app import create_service_app


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    return create_service_app(
        settings,
        title="sihub matching",
        description="Partner suggestions explained part by part (needs met, shared issue areas weighted "
        "by local severity, geography, sectors, funding) and matching rounds for hub operators: "
        "optimal or stable, with diagnostics, proposals and an audit export. Events: /asyncapi.json.",
        routers=routers,
        subscriptions=subscriptions,
    )
