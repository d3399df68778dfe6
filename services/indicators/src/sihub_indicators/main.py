"""The indicators service: local social-issue data by region. Public path `/api/v1/indicators/...`;
events on the SIHUB_INDICATORS stream."""

from __future__ import annotations

from fastapi import FastAPI

from sihub_indicators.api import routers
from sihub_indicators.settings import IndicatorsSettings
from sihub_shared.app import create_service_app


def create_app(settings: IndicatorsSettings | None = None) -> FastAPI:
    settings = settings or IndicatorsSettings()
    return create_service_app(
        settings,
        title="sihub indicators",
        description="Local social-issue data by country and region: the indicator catalogue, "
        "observations with their revisions (ingested from CSV, SDMX-ML and SDMX-CSV), composite "
        "theme indices, severity per region and theme, and data gaps. Events: /asyncapi.json.",
        routers=routers,
    )
