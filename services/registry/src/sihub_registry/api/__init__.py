"""The registry's API: every domain's router, mounted under /api/v1 by the app factory."""

from sihub_registry.actors.router import router as actors_router
from sihub_registry.case_studies.router import router as case_studies_router
from sihub_registry.hubs.router import router as hubs_router
from sihub_registry.partnerships.router import router as partnerships_router
from sihub_registry.projects.router import router as projects_router
from sihub_registry.taxonomy.router import router as taxonomy_router

routers = [actors_router, hubs_router, projects_router, case_studies_router, partnerships_router, taxonomy_router]
