"""The matching service's API: every domain's router, mounted under /api/v1 by the app factory."""

from sihub_matching.ecosystem.router import router as ecosystem_router
from sihub_matching.rounds.router import router as rounds_router
from sihub_matching.scoring.router import router as scoring_router
from sihub_matching.suggestions.router import router as suggestions_router

routers = [scoring_router, suggestions_router, rounds_router, ecosystem_router]
