"""The reports service's API: every domain's router, mounted under /api/v1 by the app factory."""

from sihub_reports.builds.router import router as builds_router
from sihub_reports.content.router import router as content_router
from sihub_reports.ecosystem.router import router as ecosystem_router

routers = [builds_router, content_router, ecosystem_router]
