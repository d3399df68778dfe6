"""The indicators service's API: every domain's router, mounted under /api/v1 by the app factory."""

from sihub_indicators.catalogue.router import router as catalogue_router
from sihub_indicators.coverage.router import router as coverage_router
from sihub_indicators.indices.router import router as indices_router
from sihub_indicators.observations.router import router as observations_router

routers = [catalogue_router, observations_router, indices_router, coverage_router]
