"""The server-side request forgery guard of webhook targets, with the production settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sihub_gateway.settings import GatewaySettings
from sihub_gateway.webhooks.sender import WebhookSender
from sihub_gateway.webhooks.targets import is_public
from sihub_shared.testing.servers import serving

LEDGER_TYPES = ["org.sihub.ledger.*"]


@pytest.fixture
def gateway_settings(gateway_settings: GatewaySettings, database_url: str) -> GatewaySettings:
    return GatewaySettings.model_validate(gateway_settings.model_dump() | {"database_url": database_url})


@pytest.fixture
async def local_receiver() -> AsyncIterator[list[bytes]]:
    """[its https URL on 127.0.0.1, then every body that reached it]."""
    seen: list[bytes] = []

    async def endpoint(request: Request) -> Response:
        seen.append(await request.body())
        return Response(status_code=204)

    async with serving(Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])) as base:
        seen.append((base.replace("http://", "https://") + "/hook").encode())
        yield seen


@pytest.mark.parametrize(("url", "types", "field"), [
    ("http://example.org/hook", LEDGER_TYPES, "url"),          # not https
    ("https://127.0.0.1/hook", LEDGER_TYPES, "url"),           # loopback
    ("https://localhost/hook", LEDGER_TYPES, "url"),           # resolves to loopback
    ("https://10.1.2.3/hook", LEDGER_TYPES, "url"),            # private
    ("https://169.254.169.254/latest/meta-data", LEDGER_TYPES, "url"),  # cloud metadata (link-local)
    ("https://[::1]/hook", LEDGER_TYPES, "url"),
    ("https://[::ffff:10.0.0.1]/hook", LEDGER_TYPES, "url"),  # private, IPv4-mapped
    ("https://user:pw@93.184.215.14/hook", LEDGER_TYPES, "url"),
    ("https://[not-an-address/hook", LEDGER_TYPES, "url"),  # does not parse: a problem, not a 500
    ("https://93.184.215.14/hook", ["org.sihub.ledger.note.erased.v1"], "types"),  # no such type
])
async def test_production_refuses_targets_that_are_not_public_https(gateway_settings, gateway, url, types, field):
    assert not gateway_settings.webhook_allow_local_targets  # the production default
    key = await gateway.key("integrator")
    response = await gateway.call("POST", "/api/v1/gateway/webhooks", key, json={"url": url, "types": types})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


async def test_the_address_is_checked_again_at_delivery_time(local_receiver: list[bytes]):
    # A target accepted earlier (say, its DNS answer changed since) is refused when it is sent to.
    sender = WebhookSender(timeout_s=2, max_response_bytes=1024, allow_local=False)
    try:
        outcome = await sender.send(local_receiver[0].decode(), ["whsec_" + "A" * 44], "e1", b"{}")
    finally:
        await sender.close()
    assert not outcome.ok and outcome.error.startswith("refused:") and outcome.status_code is None
    assert local_receiver[1:] == []  # nothing reached it


async def test_redirects_are_not_followed():
    hits: list[str] = []

    async def endpoint(request: Request) -> Response:
        hits.append(request.url.path)
        if request.url.path == "/hook":
            return Response(status_code=307, headers={"location": "/elsewhere"})
        return Response(status_code=204)

    routes = [Route(path, endpoint, methods=["POST"]) for path in ("/hook", "/elsewhere")]
    async with serving(Starlette(routes=routes)) as base:
        sender = WebhookSender(timeout_s=2, max_response_bytes=1024, allow_local=True)
        try:
            outcome = await sender.send(base + "/hook", ["whsec_" + "A" * 44], "e1", b"{}")
        finally:
            await sender.close()
    assert (outcome.status_code, outcome.error) == (307, "redirect not followed")
    assert hits == ["/hook"]


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.215.14", True), ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("::ffff:93.184.215.14", True),
    # IPv6 forms a network may route to the IPv4 address they embed: a private one is refused.
    ("64:ff9b::a00:1", False), ("64:ff9b::7f00:1", False), ("2002:a00:1::1", False), ("2002:7f00:1::", False),
    ("::127.0.0.1", False), ("::10.0.0.1", False), ("::1", False), ("::", False),
    ("2606:4700:4700::1111", True), ("fe80::1", False), ("fd00::1", False),
])
def test_a_target_address_is_public_only_if_what_it_reaches_is(address, public):
    assert is_public(address) is public
