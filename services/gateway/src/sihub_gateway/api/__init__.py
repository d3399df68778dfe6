"""The gateway's own API, under /api/v1/gateway; everything else under /api/v1 is forwarded."""

from sihub_gateway.accounts.router import router as accounts_router

routers = [accounts_router]
