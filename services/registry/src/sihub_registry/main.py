"""The registry: actors of the social innovation ecosystem, their hubs, projects, case studies
and partnerships. Public path `/api/v1/registry/...`; events on the SIHUB_REGISTRY stream."""

from __future__ import annotations

from fastapi import FastAPI

from sihub_registry.api import routers
from sihub_registry.events.handlers import subscriptions
from sihub_registry.settings import RegistrySettings
from sihub_shared.app import create_service_app


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    return create_service_app(
        settings,
        title="sihub registry",
        description="Who is in the social innovation ecosystem, where, doing what, offering and needing "
        "what, and working with whom: actors, hubs (programmes, cohorts, memberships), projects, "
        "case studies and partnerships. Events: /asyncapi.json.",
        routers=routers,
        subscriptions=subscriptions,
    )
