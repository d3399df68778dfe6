"""The gateway's own API, under /api/v1/gateway and /api/v1/events; everything else under /api/v1 is forwarded."""

from sihub_gateway.accounts.router import router as accounts_router
from sihub_gateway.replay.router import router as replay_router
from sihub_gateway.webhooks.router import router as webhooks_router

routers = [accounts_router, webhooks_router, replay_router]
