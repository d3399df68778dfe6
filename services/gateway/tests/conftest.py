"""The gateway served over real TCP with a real nats-server, an upstream service that publishes
events (the ledger test service of sihub_shared.testing), and keys with roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
from sihub_gateway.accounts.service import AccountService
from sihub_gateway.main import create_app
from sihub_gateway.settings import GatewaySettings
from sihub_shared.app import create_service_app
from sihub_shared.db import Database
from sihub_shared.migrations import upgrade
from sihub_shared.settings import ServiceSettings, async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.ledger import create_tables, write_notes
from sihub_shared.testing.servers import serving

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_gateway" / "migrations"


@dataclass
class Ledger:
    """An upstream service that publishes `org.sihub.ledger.note.written.v1` through its outbox."""

    url: str
    database: Database

    async def write(self, count: int) -> list[str]:
        return await write_notes(self.database, count)


@pytest.fixture
async def ledger(tmp_path: Path, fresh_nats_server) -> AsyncIterator[Ledger]:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    database = Database(async_database_url(url))
    await create_tables(database)
    settings = ServiceSettings(service_name="ledger", database_url=url, nats_url=fresh_nats_server.url,
                               identity_secret=TEST_IDENTITY_SECRET, log_json=False)
    app = create_service_app(settings, title="ledger", description="test upstream", routers=[])
    async with serving(app) as base:
        yield Ledger(base, database)
    await database.dispose()


@dataclass
class Gateway:
    client: httpx.AsyncClient
    database: Database
    admin: str

    async def key(self, *roles: str, name: str = "Acme Data") -> str:
        headers = {"Authorization": f"Bearer {self.admin}"}
        account = await self.client.post("/api/v1/gateway/accounts", json={"name": name, "roles": list(roles)},
                                         headers=headers)
        assert account.status_code == 201, account.text
        issued = await self.client.post(f"/api/v1/gateway/accounts/{account.json()['id']}/keys",
                                        json={"label": "test"}, headers=headers)
        assert issued.status_code == 201, issued.text
        return issued.json()["key"]

    async def call(self, method: str, path: str, key: str, **kwargs: object) -> httpx.Response:
        return await self.client.request(method, path, headers={"Authorization": f"Bearer {key}"}, **kwargs)


@pytest.fixture
def gateway_settings(tmp_path: Path, fresh_nats_server, ledger: Ledger) -> GatewaySettings:  # noqa: ANN001
    return GatewaySettings(
        database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        nats_url=fresh_nats_server.url,
        identity_secret=TEST_IDENTITY_SECRET,
        upstreams={"ledger": ledger.url},
        rate_limit_per_s=1000,
        rate_limit_burst=1000,
        log_json=False,
    )


@pytest.fixture
async def gateway(gateway_settings: GatewaySettings) -> AsyncIterator[Gateway]:
    await upgrade(MIGRATIONS, gateway_settings.database_url)
    app = create_app(gateway_settings)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        async with app.state.database.session() as session:
            service = AccountService(session)
            account = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
            await session.flush()
            issued = await service.issue_key(account.id, ApiKeyCreate(label="admin"))
            await session.commit()
        yield Gateway(client, app.state.database, issued.key)
