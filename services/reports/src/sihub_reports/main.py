"""The reports service: country and comparative reports, every figure traced to its evidence.
Public path `/api/v1/reports/...`; its read model comes from the registry's, the indicators' and
matching's streams only (events/handlers.py); builds are immutable and record those positions."""

from __future__ import annotations

from fastapi import FastAPI
from sihub_shared.app import create_service_app

from sihub_reports.api import routers
from sihub_reports.events.handlers import subscriptions
from sihub_reports.settings import ReportsSettings


def create_app(settings: ReportsSettings | None = None) -> FastAPI:
    settings = settings or ReportsSettings()
    return create_service_app(
        settings,
        title="sihub reports",
        description="Country reports (ecosystem, social issues, white spaces, collaboration, funding, "
        "case studies, data gaps, policy options) and the comparative report, as JSON, HTML, Markdown "
        "and PDF; every figure links the records it was computed from. Events: /asyncapi.json.",
        routers=routers,
        subscriptions=subscriptions,
    )
