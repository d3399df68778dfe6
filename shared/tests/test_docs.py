"""Every service's `/docs` works offline (issue 11: Swagger UI came from a public CDN)."""

from __future__ import annotations

from fastapi import APIRouter

from sihub_shared.app import create_service_app
from sihub_shared.settings import ServiceSettings
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.docs import docs_references
from sihub_shared.testing.servers import app_client

things = APIRouter(prefix="/things")


@things.get("")
async def list_things() -> list[str]:
    return []


async def test_a_services_docs_load_only_its_own_files(tmp_path, nats_server):
    settings = ServiceSettings(service_name="things", database_url=f"sqlite:///{tmp_path / 'things.db'}",
                               nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET, run_workers=False)
    app = create_service_app(settings, title="things", description="a service", routers=[things])
    async with app_client(app) as client:
        urls = await docs_references(client)
        assert "/openapi.json" in urls and len(urls) == 4  # the document, the script, the style, the icon
        assert (await client.get("/redoc")).status_code == 404  # ReDoc's page would load from a CDN too
        openapi = (await client.get("/openapi.json")).json()
    assert "/api/v1/things" in openapi["paths"] and "/docs" not in openapi["paths"]
