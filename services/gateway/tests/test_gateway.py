"""The gateway in front of a real upstream service over TCP, with a real nats-server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.applications import Starlette
from starlette.routing import Route

from sihub_gateway.main import create_app
from sihub_gateway.settings import GatewaySettings
from sihub_shared.app import create_service_app
from sihub_shared.identity import CurrentIdentity
from sihub_shared.migrations import upgrade
from sihub_shared.natsserver import free_port
from sihub_shared.settings import ServiceSettings
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.servers import app_client, serving

MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_gateway" / "migrations"

echo = APIRouter(prefix="/echo")


@echo.get("/whoami")
@echo.post("/whoami")  # a route each: one route of two methods gives both one operation id
async def whoami(identity: CurrentIdentity, request: Request) -> dict:
    return {
        "account_id": identity.account_id,
        "roles": sorted(identity.roles),
        "headers": dict(request.headers),
        "body_bytes": len(await request.body()),
        "query": str(request.url.query),
    }


@echo.get("/bytes")
async def some_bytes(identity: CurrentIdentity, size: int, chunked: bool = False) -> Response:
    body = bytes(i % 251 for i in range(size))
    if chunked:  # no Content-Length: the gateway cannot know the size before it streams
        return StreamingResponse(iter([body[i : i + 65536] for i in range(0, size, 65536)]))
    response = Response(body, media_type="application/octet-stream")
    response.raw_headers += [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
    return response


@echo.get("/export")
async def export(identity: CurrentIdentity) -> StreamingResponse:
    # As a large export streams: made as it is read, so a caller that stops reading stops it here.
    return StreamingResponse(b"x" * 65536 for _ in range(4000))  # 256 MB if read to the end


@echo.get("/unchanged")
async def unchanged(identity: CurrentIdentity) -> Response:
    # As a service answering If-None-Match would: the length of what the client already holds.
    return Response(status_code=304, headers={"content-length": "1234", "etag": '"v1"'})


@echo.get("/slow")
async def slow(identity: CurrentIdentity) -> dict:
    await asyncio.sleep(3)
    return {}


@echo.get("/slow-job")
async def slow_job(identity: CurrentIdentity) -> StreamingResponse:
    # Slow to answer, then slow between the parts of its body: 2 s each time.
    await asyncio.sleep(2)

    async def parts() -> AsyncIterator[bytes]:
        yield b"begun;"
        await asyncio.sleep(2)
        yield b"done"

    return StreamingResponse(parts(), media_type="text/plain")


@pytest.fixture
async def upstream(tmp_path, nats_server):
    settings = ServiceSettings(
        service_name="echo",
        database_url=f"sqlite:///{tmp_path / 'echo.db'}",
        nats_url=nats_server.url,
        identity_secret=TEST_IDENTITY_SECRET,
        run_workers=False,
        max_body_bytes=12_000,
    )
    app = create_service_app(settings, title="echo", description="test upstream", routers=[echo])
    async with serving(app) as url:
        yield url


@pytest.fixture
async def gateway(request, tmp_path, nats_server, upstream):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    await upgrade(MIGRATIONS, url)
    settings = GatewaySettings(
        database_url=url,
        nats_url=nats_server.url,
        identity_secret=TEST_IDENTITY_SECRET,
        upstreams={"echo": upstream, "down": f"http://127.0.0.1:{free_port()}"},
        upstream_timeout_s=1.0,
        max_body_bytes=10_000,
        forwarded_max_body_bytes=20_000,
        rate_limit_per_s=1,
        rate_limit_burst=5,
        run_workers=False,
    ).model_copy(update=getattr(request, "param", {}))
    app = create_app(settings)
    async with app_client(app) as client:
        yield client


async def make_key(client, admin_key: str, *roles: str, name: str = "Keio University") -> str:
    headers = {"Authorization": f"Bearer {admin_key}"}
    account = await client.post("/api/v1/gateway/accounts", json={"name": name, "roles": list(roles)}, headers=headers)
    assert account.status_code == 201, account.text
    issued = await client.post(f"/api/v1/gateway/accounts/{account.json()['id']}/keys", json={"label": "t"}, headers=headers)
    assert issued.status_code == 201, issued.text
    return issued.json()["key"]


async def _admin_key(app) -> str:
    from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
    from sihub_gateway.accounts.service import AccountService

    async with app.state.database.session() as session:
        service = AccountService(session)
        account = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
        await session.flush()
        issued = await service.issue_key(account.id, ApiKeyCreate(label="admin"))
    return issued.key


@pytest.fixture
async def admin_key(gateway) -> str:
    return await _admin_key(gateway._transport.app)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(response, status: int, header: str | None = None) -> dict:
    """A problem document; with `header`, one whose errors name that request header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if header is not None:
        assert [(e["field"], e["in"]) for e in body["errors"]] == [(header, "header")], body
    return body


async def test_forwards_with_a_signed_identity_and_strips_spoofed_headers(gateway, admin_key):
    key = await make_key(gateway, admin_key, "partner")
    response = await gateway.get(
        "/api/v1/echo/whoami?x=1",
        headers={**bearer(key), "X-Sihub-Identity": "forged", "X-Sihub-Role": "admin", "X-Request-ID": "req-42",
                 "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["roles"] == ["partner"]
    assert body["query"] == "x=1"
    assert body["headers"]["x-sihub-identity"] != "forged"
    assert "x-sihub-role" not in body["headers"]
    assert "authorization" not in body["headers"]
    assert body["headers"]["x-request-id"] == "req-42"
    assert response.headers["x-request-id"] == "req-42"
    # the service builds public links from the gateway's own host, never the caller's claim
    assert body["headers"]["x-forwarded-host"] == "testserver"


@pytest.mark.parametrize(("size", "chunked"), [(2_000, False), (3_000_000, False), (3_000_000, True)])
async def test_answers_come_through_whole_small_or_large_sized_or_streamed(gateway, admin_key, size, chunked):
    response = await gateway.get(f"/api/v1/echo/bytes?size={size}&chunked={str(chunked).lower()}",
                                 headers=bearer(admin_key))
    assert response.status_code == 200, response.text
    assert response.content == bytes(i % 251 for i in range(size))
    # The gateway's own server dates and names its answers (in-process here: no server adds them).
    assert "date" not in response.headers and "server" not in response.headers
    if not chunked:
        assert response.headers["content-length"] == str(size)
        assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_a_304_is_passed_on_without_a_body_or_its_length(gateway, admin_key):
    response = await gateway.get("/api/v1/echo/unchanged", headers=bearer(admin_key))
    assert response.status_code == 304
    assert response.headers["etag"] == '"v1"'
    assert "content-length" not in response.headers and response.content == b""


async def test_head_answers_with_the_get_headers_and_no_body(gateway, admin_key):
    got = await gateway.get("/api/v1/echo/bytes?size=5000", headers=bearer(admin_key))
    head = await gateway.head("/api/v1/echo/bytes?size=5000", headers=bearer(admin_key))
    assert head.status_code == 200, head.text
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] == "5000"
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize("gateway", [{"public_url": "https://api.sihub.example"}], indirect=True)
async def test_services_learn_the_public_address_from_the_setting_not_the_caller(gateway, admin_key):
    response = await gateway.get("/api/v1/echo/whoami", headers={**bearer(admin_key), "Host": "evil.example"})
    assert response.status_code == 200, response.text
    headers = response.json()["headers"]
    assert (headers["x-forwarded-proto"], headers["x-forwarded-host"]) == ("https", "api.sihub.example")


async def test_a_host_header_that_is_no_host_is_refused_without_a_public_url(gateway, admin_key):
    """Links are made on the caller's Host when no public URL is set: only a host and port may be one."""
    for host in ("api.sihub.example:8443", "[::1]:8000"):
        answer = await gateway.get("/api/v1/echo/whoami", headers={**bearer(admin_key), "Host": host})
        assert answer.status_code == 200 and answer.json()["headers"]["x-forwarded-host"] == host
    for host in ("x](https://evil.example)", 'a"><script>'):
        assert_problem(await gateway.get("/api/v1/echo/whoami", headers={**bearer(admin_key), "Host": host}), 400, "Host")


async def test_service_refuses_a_request_without_a_valid_identity_token(upstream):
    import httpx

    async with httpx.AsyncClient() as client:
        missing = await client.get(upstream + "/api/v1/echo/whoami")
        forged = await client.get(upstream + "/api/v1/echo/whoami", headers={"X-Sihub-Identity": "a.b.c"})
    assert_problem(missing, 401, "X-Sihub-Identity")
    assert_problem(forged, 401, "X-Sihub-Identity")


async def test_unknown_missing_and_revoked_keys_are_401(gateway, admin_key):
    assert_problem(await gateway.get("/api/v1/echo/whoami"), 401, "Authorization")
    assert_problem(await gateway.get("/api/v1/echo/whoami", headers=bearer("sihub_nope_nope")), 401, "Authorization")
    key = await make_key(gateway, admin_key, "partner")
    prefix = key.split("_")[1]
    assert (await gateway.get("/api/v1/echo/whoami", headers=bearer(key))).status_code == 200
    revoked = await gateway.delete(f"/api/v1/gateway/keys/{prefix}", headers=bearer(admin_key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_problem(await gateway.get("/api/v1/echo/whoami", headers=bearer(key)), 401, "Authorization")
    again = await gateway.delete(f"/api/v1/gateway/keys/{prefix}", headers=bearer(admin_key))
    assert_problem(again, 409)
    assert again.json()["errors"] == [{"field": "prefix", "message": "already revoked"}]
    unknown = await gateway.get("/api/v1/nosuchservice/things", headers=bearer(admin_key))
    assert_problem(unknown, 404)
    assert unknown.json()["errors"][0]["field"] == "service"


async def test_a_key_read_while_its_revocation_commits_is_not_cached_past_it(gateway, admin_key):
    """A request that looks the key up after the cache was cleared but before the revocation is
    committed reads it as live and caches it; the cache is cleared again once the revocation commits."""
    from sihub_gateway.accounts.authentication import KeyAuthenticator
    from sihub_gateway.accounts.service import AccountService
    from sihub_shared.errors import Unauthorized

    key = await make_key(gateway, admin_key, "partner")
    prefix = key.split("_")[1]
    state = gateway._transport.app.state
    authenticator = KeyAuthenticator(state.database, 60, state.rate_limits)
    admin = await authenticator.identify(f"Bearer {admin_key}", "127.0.0.1")
    async with state.database.session() as session:
        await AccountService(session).revoke_key(prefix, admin)
        authenticator.forget_after_commit(session, prefix)
        await session.flush()
        assert (await authenticator.identify(f"Bearer {key}", "127.0.0.1")).key_prefix == prefix  # not yet committed
    with pytest.raises(Unauthorized):
        await authenticator.identify(f"Bearer {key}", "127.0.0.1")


async def test_an_admin_cannot_revoke_the_key_it_calls_with(gateway, admin_key):
    # Schemathesis, running as admin, revoked its own key and locked itself out.
    prefix = admin_key.split("_")[1]
    refused = await gateway.delete(f"/api/v1/gateway/keys/{prefix}", headers=bearer(admin_key))
    assert_problem(refused, 409)
    assert refused.json()["errors"] == [{"field": "prefix", "message": "the calling key"}]
    assert (await gateway.get("/api/v1/gateway/me", headers=bearer(admin_key))).status_code == 200


async def test_wrong_role_is_403(gateway, admin_key):
    partner = await make_key(gateway, admin_key, "partner")
    integrator = await make_key(gateway, admin_key, "integrator")
    assert_problem(await gateway.post("/api/v1/gateway/accounts", json={"name": "x", "roles": ["partner"]},
                                      headers=bearer(partner)), 403, "Authorization")
    assert_problem(await gateway.post("/api/v1/echo/whoami", json={}, headers=bearer(integrator)), 403, "Authorization")
    assert_problem(await gateway.get("/api/v1/events", headers=bearer(partner)), 403, "Authorization")
    assert (await gateway.get("/api/v1/echo/whoami", headers=bearer(integrator))).status_code == 200


async def test_body_over_the_limit_is_413(gateway, admin_key):
    key = await make_key(gateway, admin_key, "partner")
    # The gateway's own endpoints: its max_body_bytes.
    own = await gateway.post("/api/v1/gateway/accounts", content=b"x" * 10_001,
                             headers={**bearer(admin_key), "Content-Type": "application/json"})
    assert assert_problem(own, 413)["max_bytes"] == 10_000
    # A forwarded body may be larger (an indicators ingest): the service's own limit decides...
    ok = await gateway.post("/api/v1/echo/whoami", content=b"x" * 11_000, headers=bearer(key))
    assert ok.status_code == 200 and ok.json()["body_bytes"] == 11_000
    service = assert_problem(await gateway.post("/api/v1/echo/whoami", content=b"x" * 12_001, headers=bearer(key)), 413)
    assert service["max_bytes"] == 12_000
    # ...up to the gateway's bound for every forwarded body, refused before anything is forwarded.
    bound = assert_problem(await gateway.post("/api/v1/echo/whoami", content=b"x" * 20_001, headers=bearer(key)), 413)
    assert bound["max_bytes"] == 20_000


async def test_upstream_down_is_503_and_slow_is_504(gateway, admin_key):
    key = await make_key(gateway, admin_key, "partner")
    assert_problem(await gateway.get("/api/v1/down/anything", headers=bearer(key)), 503)
    assert_problem(await gateway.get("/api/v1/echo/slow", headers=bearer(key)), 504)
    assert_problem(await gateway.get("/api/v1/nosuch/x", headers=bearer(key)), 404)


@pytest.mark.parametrize("gateway", [{"upstream_timeout_s_under": {"/api/v1/echo/": 1.5, "/api/v1/echo/slow-job": 10.0}}],
                         indirect=True)
async def test_a_path_given_a_longer_time_out_is_waited_for_and_the_others_keep_theirs(gateway, admin_key):
    # The time-out is 1 s; a path given 10 s (the longest prefix it starts with) is waited for, for
    # its headers and for its body's parts...
    key = await make_key(gateway, admin_key, "partner")
    job = await gateway.get("/api/v1/echo/slow-job", headers=bearer(key))
    assert job.status_code == 200, job.text
    assert job.text == "begun;done"
    # ...and every other path keeps its own (1.5 s under /api/v1/echo/).
    assert_problem(await gateway.get("/api/v1/echo/slow", headers=bearer(key)), 504)


async def test_rate_limit_is_429_with_retry_after(gateway, admin_key):
    key = await make_key(gateway, admin_key, "partner")
    statuses = [(await gateway.get("/api/v1/echo/whoami", headers=bearer(key))).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5
    assert 429 in statuses[5:]
    limited = await gateway.get("/api/v1/echo/whoami", headers=bearer(key))
    assert_problem(limited, 429, "Authorization")
    assert int(limited.headers["retry-after"]) >= 1
    other = await make_key(gateway, admin_key, "partner", name="Toyota Foundation")
    assert (await gateway.get("/api/v1/echo/whoami", headers=bearer(other))).status_code == 200


def from_address(gateway, address: str) -> httpx.AsyncClient:
    """Another client of the same gateway, calling from another address."""
    transport = httpx.ASGITransport(app=gateway._transport.app, client=(address, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_the_gateways_own_endpoints_are_rate_limited_per_key(gateway, admin_key):
    key = await make_key(gateway, admin_key, "partner")
    statuses = [(await gateway.get("/api/v1/gateway/me", headers=bearer(key))).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:], statuses
    limited = assert_problem(await gateway.get("/api/v1/gateway/me", headers=bearer(key)), 429, "Authorization")
    assert "API key" in limited["detail"]
    admin_calls = [(await gateway.get("/api/v1/gateway/accounts", headers=bearer(admin_key))).status_code
                   for _ in range(8)]
    assert 429 in admin_calls, admin_calls


@pytest.mark.parametrize("gateway", [{"address_rate_limit_per_s": 0.01, "address_rate_limit_burst": 4,
                                      "key_cache_ttl_s": 0}], indirect=True)
async def test_requests_without_a_valid_key_are_rate_limited_per_client_address(gateway, admin_key):
    known = await make_key(gateway, admin_key, "partner")
    assert (await gateway.get("/api/v1/echo/whoami", headers=bearer(known))).status_code == 200
    unchecked = await make_key(gateway, admin_key, "partner", name="Toyota Foundation")
    attempts = [
        await gateway.get("/api/v1/echo/whoami", headers=bearer("sihub_nope_guess1")),
        await gateway.get("/api/v1/gateway/me", headers=bearer("sihub_nope_guess2")),
        await gateway.get("/api/v1/gateway/me"),
        await gateway.post("/api/v1/echo/whoami", json={}),
    ]
    assert [a.status_code for a in attempts] == [401] * 4
    for limited in (await gateway.get("/api/v1/echo/whoami", headers=bearer("sihub_nope_guess3")),
                    await gateway.get("/api/v1/gateway/me"),
                    await gateway.get("/openapi.json"),
                    # a key never used is not even looked up for an address over its limit
                    await gateway.get("/api/v1/gateway/me", headers=bearer(unchecked))):
        assert_problem(limited, 429, "Authorization")
        assert int(limited.headers["retry-after"]) >= 1
    # A key that has worked keeps working from there (looked up again: no cache here), and so does the
    # admin's; other addresses are not affected; probes never are.
    assert (await gateway.get("/api/v1/echo/whoami", headers=bearer(known))).status_code == 200
    assert (await gateway.get("/api/v1/gateway/accounts", headers=bearer(admin_key))).status_code == 200
    async with from_address(gateway, "192.0.2.7") as elsewhere:
        assert_problem(await elsewhere.get("/api/v1/gateway/me", headers=bearer("sihub_nope_guess4")), 401)
        assert (await elsewhere.get("/api/v1/gateway/me", headers=bearer(unchecked))).status_code == 200
    assert (await gateway.get("/readyz")).status_code != 429


@pytest.mark.parametrize("gateway", [{"address_rate_limit_per_s": 0.01, "address_rate_limit_burst": 3}], indirect=True)
async def test_the_public_documents_are_rate_limited_per_client_address(gateway):
    statuses = [(await gateway.get(path)).status_code for path in ("/openapi.json", "/asyncapi.json", "/openapi.json")]
    assert statuses == [200] * 3
    assert_problem(await gateway.get("/openapi.json"), 429, "Authorization")
    assert [(await gateway.get("/readyz")).status_code for _ in range(5)] == [503] * 5  # `down` is down: not 429
    async with from_address(gateway, "192.0.2.7") as elsewhere:
        assert (await elsewhere.get("/openapi.json")).status_code == 200


async def test_keys_are_stored_hashed_and_listed_by_prefix(gateway, admin_key):
    key = await make_key(gateway, admin_key, "hub_operator")
    prefix = key.split("_")[1]
    me = (await gateway.get("/api/v1/gateway/me", headers=bearer(key))).json()
    keys = await gateway.get(f"/api/v1/gateway/accounts/{me['account_id']}/keys", headers=bearer(admin_key))
    assert [k["prefix"] for k in keys.json()] == [prefix]
    assert "key" not in keys.json()[0] and "secret_hash" not in keys.json()[0]
    database = gateway._transport.app.state.database
    async with database.engine.connect() as connection:
        from sqlalchemy import text

        stored = (await connection.execute(text("SELECT secret_hash FROM api_key WHERE prefix = :p"), {"p": prefix})).scalar_one()
    assert key not in stored and len(stored) == 64


async def test_account_validation_names_the_field(gateway, admin_key):
    body = assert_problem(await gateway.post("/api/v1/gateway/accounts", json={"name": "x", "roles": ["wizard"]}, headers=bearer(admin_key)), 422)
    assert body["errors"][0]["field"] == "roles[0]"
    assert_problem(await gateway.post("/api/v1/gateway/accounts/nope/keys", json={}, headers=bearer(admin_key)), 404)


async def test_merged_openapi_and_asyncapi(gateway, admin_key):
    openapi = (await gateway.get("/openapi.json")).json()
    assert "/api/v1/echo/whoami" in openapi["paths"]
    assert "/api/v1/gateway/accounts" in openapi["paths"]
    # What the gateway answers itself is declared on every operation it forwards, and its own.
    forwarded = openapi["paths"]["/api/v1/echo/whoami"]
    assert {"401", "429", "502", "503", "504"} <= set(forwarded["get"]["responses"])
    assert "403" in forwarded["post"]["responses"]
    assert forwarded["get"]["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    assert forwarded["get"]["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert forwarded["get"]["responses"]["503"]["headers"]["Retry-After"]["required"] is False  # when waiting helps
    # The integrator-or-admin operations say 403 (a partner key), as the admin-only ones do.
    for path, method in (("/api/v1/gateway/webhooks", "post"), ("/api/v1/gateway/webhooks/{webhook_id}/pause", "post"),
                         ("/api/v1/events", "get")):
        assert "403" in openapi["paths"][path][method]["responses"], (path, method)
    own = openapi["paths"]["/api/v1/gateway/accounts"]["post"]["responses"]
    assert {"401", "403", "422", "429"} <= set(own) and "502" not in own
    assert own["403"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    asyncapi = (await gateway.get("/asyncapi.json")).json()
    assert asyncapi["asyncapi"] == "3.0.0"
    assert "sihub_gateway_account_created" in asyncapi["channels"]


async def test_a_gateway_path_with_another_method_is_405_not_a_missing_service(gateway, admin_key):
    answer = await gateway.put("/api/v1/gateway/me", headers=bearer(admin_key))
    assert_problem(answer, 405)
    assert answer.headers["allow"] == "GET, HEAD"


async def test_docs_load_only_the_gateways_own_files_and_show_the_merged_document(gateway):
    from sihub_shared.testing.docs import docs_references

    assert "/openapi.json" in await docs_references(gateway)


async def test_readyz_reports_the_service_that_is_down(gateway):
    body = assert_problem(await gateway.get("/readyz"), 503)
    assert body["checks"]["service:down"]["ok"] is False
    assert body["checks"]["service:echo"]["ok"] is True
    assert body["checks"]["database"]["ok"] is True


async def test_account_and_key_timestamps_carry_their_offset_in_answers_and_events(database_url, nats_server):
    """Issue 11: `"created_at": "2026-12-02T03:17:53.000338"`: SQLite gave the timestamps back naive."""
    from sihub_shared.testing.calls import outbox_events
    from sihub_shared.testing.timestamps import timestamps_found, timestamps_without_offset

    await upgrade(MIGRATIONS, database_url)
    app = create_app(GatewaySettings(database_url=database_url, nats_url=nats_server.url,
                                     identity_secret=TEST_IDENTITY_SECRET, run_workers=False))
    async with app_client(app) as client:
        admin = await _admin_key(app)
        key = await make_key(client, admin, "partner")
        account_id = (await client.get("/api/v1/gateway/me", headers=bearer(key))).json()["account_id"]
        revoked = await client.delete(f"/api/v1/gateway/keys/{key.split('_')[1]}", headers=bearer(admin))
        answers = [revoked.json()] + [(await client.get(path, headers=bearer(admin))).json() for path in (
            "/api/v1/gateway/accounts", f"/api/v1/gateway/accounts/{account_id}",
            f"/api/v1/gateway/accounts/{account_id}/keys")]
        async with app.state.database.session() as session:
            events = await outbox_events(session, "sihub.gateway.")
    assert timestamps_found(answers) >= 5 and timestamps_found(events) >= 4
    assert timestamps_without_offset(answers) == []
    assert timestamps_without_offset(events) == []


async def test_account_and_key_events_go_out_through_the_outbox_without_secrets(tmp_path, nats_server):
    from sihub_shared.events.contracts import stream_name
    from sihub_shared.testing import read_stream
    from sihub_shared.testing.ledger import wait_until

    url = f"sqlite:///{tmp_path / 'events.db'}"
    await upgrade(MIGRATIONS, url)
    settings = GatewaySettings(database_url=url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET)
    app = create_app(settings)
    async with app_client(app) as client:
        from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
        from sihub_gateway.accounts.service import AccountService

        async with app.state.database.session() as session:
            service = AccountService(session)
            admin = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
            await session.flush()
            admin_key = (await service.issue_key(admin.id, ApiKeyCreate(label="admin"))).key
        key = await make_key(client, admin_key, "partner", name="Toyota Foundation")
        js = app.state.bus.jetstream

        async def all_published() -> bool:
            try:
                return len(await read_stream(js, stream_name("gateway"), "sihub.gateway.>")) >= 4
            except Exception:  # noqa: BLE001 - the stream may not exist yet
                return False

        await wait_until(all_published, timeout_s=20)
        events = await read_stream(js, stream_name("gateway"), "sihub.gateway.>")
    types = [e.type for e in events if e.subject in (admin.id,) or e.data.get("account", {}).get("name") == "Toyota Foundation" or e.type.endswith("issued.v1")]
    assert "org.sihub.gateway.account.created.v1" in types
    assert "org.sihub.gateway.api_key.issued.v1" in types
    created = [e for e in events if e.type == "org.sihub.gateway.account.created.v1"]
    assert {e.data["account"]["name"] for e in created} >= {"admins", "Toyota Foundation"}
    for event in events:
        assert key not in event.model_dump_json() and admin_key not in event.model_dump_json()
        assert "secret_hash" not in event.model_dump_json()



def _flaky_service() -> Starlette:
    """A service with a bug on one route: it answers 500 there, and uvicorn then closes the
    connection (as every sihub service does after an unhandled error)."""

    async def ok(request: Request) -> Response:
        return JSONResponse({"method": request.method, "body_bytes": len(await request.body())})

    async def crash(request: Request) -> Response:
        raise RuntimeError("a bug in the service")

    return Starlette(routes=[Route("/api/v1/flaky/ok", ok, methods=["GET", "POST", "PUT", "DELETE"]),
                             Route("/api/v1/flaky/crash", crash, methods=["GET", "POST"])])


@contextmanager
def serving_in_a_thread(app: Starlette) -> Iterator[str]:
    """uvicorn on its own thread and event loop, as a service runs in its own process: its close of a
    connection races the gateway's next request, as it does in production."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.02)
            assert thread.is_alive(), "the flaky service did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


@asynccontextmanager
async def gateway_in_front_of(tmp_path: Path, nats_server, upstreams: dict[str, str]) -> AsyncIterator[tuple]:
    """A gateway (in-process) in front of the given services; yields its client and an admin key."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    await upgrade(MIGRATIONS, url)
    settings = GatewaySettings(database_url=url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET,
                               upstreams=upstreams, run_workers=False)
    app = create_app(settings)
    async with app_client(app) as client:
        yield client, await _admin_key(app)


async def test_a_service_closing_connections_after_its_500s_does_not_fail_other_callers(tmp_path, nats_server):
    """Issue 11: right after a service's 500 (uvicorn then closes the connection), the next request
    through the gateway, from any key, was sometimes handed that dead connection and answered 503."""
    with serving_in_a_thread(_flaky_service()) as flaky:
        async with gateway_in_front_of(tmp_path, nats_server, {"flaky": flaky}) as (client, key):
            other = await make_key(client, key, "partner", name="Toyota Foundation")
            statuses: dict[str, list[int]] = {"crash": [], "GET": [], "POST": [], "DELETE": []}

            async def call(method: str, path: str, caller: str, into: str) -> None:
                statuses[into].append((await client.request(method, path, headers=bearer(caller))).status_code)

            async def after_each_crash(method: str) -> None:
                for _ in range(30):
                    await call("GET", "/api/v1/flaky/crash", key, "crash")
                    await call(method, "/api/v1/flaky/ok", other, method)

            await asyncio.gather(after_each_crash("GET"), after_each_crash("POST"), after_each_crash("DELETE"))
    assert statuses == {"crash": [500] * 90, "GET": [200] * 30, "POST": [200] * 30, "DELETE": [200] * 30}, {
        name: {status: got.count(status) for status in set(got)} for name, got in statuses.items()}


@asynccontextmanager
async def dropping_first_requests() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A service that closes the connection, without answering, the first time it receives each
    path (as if it had closed a kept-alive connection just as the request came); it answers the
    second. Yields its URL and every request line it received."""
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        await reader.readexactly(int(line.split(b":")[1]))
                request_line = head.split(b"\r\n")[0]
                received.append(request_line)
                if received.count(request_line) == 1:
                    break
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", received
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(("method", "sent", "status"),
                         [("GET", 2, 200), ("OPTIONS", 2, 200), ("PUT", 2, 200), ("DELETE", 2, 200),
                          ("POST", 1, 503), ("PATCH", 1, 503)])
async def test_a_request_the_service_closed_the_connection_on_is_sent_again_only_if_idempotent(
        tmp_path, nats_server, method, sent, status):
    async with dropping_first_requests() as (url, received), \
            gateway_in_front_of(tmp_path, nats_server, {"dropping": url}) as (client, key):
        headers = bearer(key) | {"Idempotency-Key": "k-1"}  # not enough: POST and PATCH are never re-sent
        response = await client.request(method, "/api/v1/dropping/thing", headers=headers, content=b"{}")
    assert response.status_code == status, response.text
    assert received == [f"{method} /api/v1/dropping/thing HTTP/1.1".encode()] * sent



@asynccontextmanager
async def gateway_over_tcp(tmp_path: Path, nats_server, upstream: str, **settings: object) -> AsyncIterator[tuple]:
    """The gateway served by uvicorn (a caller's unread socket fills as it would in production) in
    front of `upstream` as `echo`. Yields its app, a client, a function making partner keys and
    one opening callers that ask for a path and then read nothing (closed when the block ends)."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    await upgrade(MIGRATIONS, url)
    app = create_app(GatewaySettings(database_url=url, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET,
                                     upstreams={"echo": upstream}, run_workers=False, upstream_timeout_s=30,
                                     rate_limit_per_s=1000, rate_limit_burst=1000, **settings))
    opened: list[asyncio.StreamWriter] = []

    async def never_reading(key: str, path: str = "/api/v1/echo/export") -> asyncio.StreamReader:
        reader, writer = await asyncio.open_connection(client.base_url.host, client.base_url.port)
        opened.append(writer)
        writer.write(f"GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {key}\r\n\r\n".encode())
        await writer.drain()
        return reader

    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        admin = await _admin_key(app)

        async def key(name: str) -> str:
            return await make_key(client, admin, "partner", name=name)

        try:
            yield app, client, key, never_reading
        finally:
            for writer in opened:
                writer.close()


async def _in_use(app, count: int) -> None:
    from sihub_shared.testing.ledger import wait_until

    async def reached() -> bool:
        return app.state.forwarder.pool.in_use >= count

    await wait_until(reached, timeout_s=30)


async def test_one_keys_unread_exports_leave_slots_for_other_keys_and_a_full_gateway_says_503(
        tmp_path, nats_server, upstream):
    """Review 1: four callers of one key that never read a large export held every upstream slot, and
    every other request, from any key, waited out the time-out and got a 504 blaming the service."""
    async with gateway_over_tcp(tmp_path, nats_server, upstream, upstream_connections=4,
                                upstream_connections_per_key=2, upstream_slot_wait_s=0.5,
                                stream_send_timeout_s=600) as (app, client, key, never_reading):
        greedy, other, third = await key("Greedy"), await key("Other"), await key("Third")
        for _ in range(4):
            await never_reading(greedy)
        await _in_use(app, 2)
        answer = await client.get("/api/v1/echo/whoami", headers=bearer(other))
        assert answer.status_code == 200, answer.text
        assert app.state.forwarder.pool.held_by(greedy.split("_")[1]) == 2  # its share, no more
        # The greedy key itself is told to come back, as for its rate limit.
        greedy_again = await client.get("/api/v1/echo/whoami", headers=bearer(greedy))
        refused = assert_problem(greedy_again, 429, "Authorization")
        assert int(greedy_again.headers["retry-after"]) >= 1
        assert "key" in refused["detail"]
        # Once every slot is held (two keys at their share), the gateway says it is busy: 503 with
        # Retry-After, naming no service (the service is not what is slow).
        for _ in range(2):
            await never_reading(other)
        await _in_use(app, 4)
        busy = await client.get("/api/v1/echo/whoami", headers=bearer(third))
        body = assert_problem(busy, 503)
        assert int(busy.headers["retry-after"]) >= 1 and "echo" not in body["detail"] and "service" not in body


async def test_a_streamed_answer_the_caller_stops_reading_is_cut_and_its_slot_freed(
        tmp_path, nats_server, upstream):
    """Review 1: a caller that never reads a streamed answer held its slot as long as it kept the
    connection open. Now the stream is cut once a send has waited `stream_send_timeout_s`."""
    async with gateway_over_tcp(tmp_path, nats_server, upstream, upstream_connections=1,
                                upstream_slot_wait_s=60, stream_send_timeout_s=0.5) as (app, client, key, never_reading):
        caller = await key("Slow Reader")
        reader = await never_reading(caller)
        await _in_use(app, 1)
        # Waits (well within the slot wait) for the cut stream's slot.
        answer = await client.get("/api/v1/echo/whoami", headers=bearer(caller))
        assert answer.status_code == 200, answer.text
        received = 0
        async with asyncio.timeout(60):
            while chunk := await reader.read(1 << 20):  # the connection was closed: the read ends
                received += len(chunk)
        assert 0 < received < 4000 * 65536


async def test_a_bare_service_path_is_routed_as_its_longer_paths_not_redirected(gateway, admin_key):
    """Probe 11: `/api/v1/nope` and `/api/v1/registry` answered a 307 to the same path with a slash
    (Starlette's redirect_slashes), with or without a key, instead of a problem."""
    for headers in ({}, bearer(admin_key)):
        body = assert_problem(await gateway.get("/api/v1/nope", headers=headers), 404)
        assert body["errors"][0]["field"] == "service" and "'nope'" in body["detail"]
    # A service's own: as for its longer paths, the key first, then the service answers.
    assert_problem(await gateway.get("/api/v1/echo"), 401, "Authorization")
    assert_problem(await gateway.get("/api/v1/echo", headers=bearer(admin_key)), 404)
    # The gateway's own paths keep their methods.
    assert_problem(await gateway.post("/api/v1/events", headers=bearer(admin_key)), 405)
