"""The demo loaders' client of the public API: it waits out the gateway's rate limit, takes a 409
naming the existing record as an answer only when asked to, and names the refused call."""

from __future__ import annotations

import httpx
import pytest

from sihub_shared.demo import DemoLoadError, PublicApi


def api_answering(*answers: httpx.Response) -> tuple[PublicApi, list[httpx.Request]]:
    sent: list[httpx.Request] = []
    remaining = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return remaining.pop(0)

    client = httpx.AsyncClient(base_url="http://gateway.test", transport=httpx.MockTransport(answer))
    return PublicApi(client, "/api/v1/registry"), sent


async def test_a_rate_limited_call_is_sent_again_after_retry_after():
    api, sent = api_answering(
        httpx.Response(429, headers={"Retry-After": "0"}, json={"status": 429}),
        httpx.Response(201, json={"id": "a1"}),
    )
    assert await api.send("POST", "/actors", json={"name": "x"}) == {"id": "a1"}
    assert [r.url.path for r in sent] == ["/api/v1/registry/actors"] * 2


async def test_a_conflict_naming_the_existing_record_is_an_answer_only_when_asked():
    conflict = {"status": 409, "existing_id": "a1"}
    api, _ = api_answering(httpx.Response(409, json=conflict), httpx.Response(409, json=conflict))
    assert await api.send("POST", "/actors", conflict_ok=True) == {"existing_id": "a1"}
    with pytest.raises(DemoLoadError, match="POST /actors: 409"):
        await api.send("POST", "/actors")


async def test_a_refusal_names_the_call_and_the_answer():
    api, _ = api_answering(httpx.Response(422, json={"errors": [{"field": "region"}]}))
    with pytest.raises(DemoLoadError, match=r'PATCH /actors/a1: 422 .*"field":"region"'):
        await api.send("PATCH", "/actors/a1", json={})


async def test_an_answer_that_is_not_json_is_a_refusal_not_a_crash():
    api, _ = api_answering(httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(DemoLoadError, match="GET /actors: 502 <html>"):
        await api.send("GET", "/actors")
