"""The gateway's own bodies and paths on the strict base: unknown fields, unknown roles and
control characters are 422s naming the field, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
from sihub_gateway.accounts.service import AccountService
from sihub_gateway.main import create_app
from sihub_gateway.settings import GatewaySettings
from sihub_shared.migrations import upgrade
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.servers import app_client

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_gateway" / "migrations"


@pytest.fixture
async def admin(database_url, nats_server):
    """A client of the gateway alone, and the headers of an admin key."""
    await upgrade(MIGRATIONS, database_url)
    settings = GatewaySettings(database_url=database_url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET,
                               upstreams={}, run_workers=False)
    app = create_app(settings)
    async with app_client(app) as client:
        async with app.state.database.session() as session:
            service = AccountService(session)
            account = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
            await session.flush()
            issued = await service.issue_key(account.id, ApiKeyCreate(label="admin"))
        client.headers["Authorization"] = f"Bearer {issued.key}"
        yield client


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_account_and_key_bodies_refuse_unknown_fields_and_control_characters(admin):
    accounts = "/api/v1/gateway/accounts"
    assert fields(await admin.post(accounts, json={"name": "Keio", "roles": ["partner"], "email": "x@keio.jp"})) == ["email"]
    assert fields(await admin.post(accounts, json={"name": "Keio\x00", "roles": ["partner"]})) == ["name"]
    assert fields(await admin.post(accounts, json={"name": "Keio", "roles": []})) == ["roles"]
    assert fields(await admin.post(accounts, json={"name": "Keio", "roles": ["partner", "wizard"]})) == ["roles[1]"]
    created = await admin.post(accounts, json={"name": "Keio", "roles": ["partner", "partner"]})
    assert created.status_code == 201 and created.json()["roles"] == ["partner"]
    keys = f"{accounts}/{created.json()['id']}/keys"
    assert fields(await admin.post(keys, json={"label": "team", "expires": "never"})) == ["expires"]
    assert fields(await admin.post(keys, json={"label": "team\n"})) == ["label"]
    assert (await admin.get(keys)).json() == []


async def test_control_characters_in_a_path_are_a_422_not_a_database_error(admin):
    for response in (await admin.get("/api/v1/gateway/accounts/a%00b"), await admin.delete("/api/v1/gateway/keys/%00")):
        assert response.status_code == 422, response.text


async def test_unparseable_json_names_the_body_with_line_and_column(admin):
    response = await admin.post("/api/v1/gateway/accounts", content=b'{"name": "Keio", "roles": [partner]}',
                                headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "in": "body", "line": 1, "column": 28,
                                          "message": "not valid JSON: line 1, column 28"}]


async def test_the_schema_says_which_roles_exist(admin):
    schemas = (await admin.get("/openapi.json")).json()["components"]["schemas"]
    roles = schemas["AccountCreate"]["properties"]["roles"]
    assert roles["minItems"] == 1 and schemas[roles["items"]["$ref"].rsplit("/", 1)[1]]["enum"] == [
        "partner", "hub_operator", "integrator", "admin"]
    assert schemas["AccountCreate"]["additionalProperties"] is False
