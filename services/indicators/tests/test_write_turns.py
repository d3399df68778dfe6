"""Ingests, recomputes and catalogue changes take one turn, before they read: one that waited for an
ingest computes from what that ingest committed, on SQLite (the write turn) and PostgreSQL (the
advisory lock) alike. An ingest is held open in the app's own database while the other request runs."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable
from typing import Any

import httpx
from sqlalchemy import text

from sihub_indicators.observations.formats import IngestFormat
from sihub_indicators.observations.service import IngestFile, IngestService
from sihub_shared.identity import Identity, Role

INGESTER = Identity(account_id="ingester", organisation="a hub", roles=frozenset({Role.hub_operator}))


async def _waiting_for_the_turn(indicators: Any, session: Any) -> bool:
    """Whether a request waits for the ingest's turn (SQLite's write gate, PostgreSQL's lock)."""
    gate = indicators.app.state.database.write_gate
    if gate is not None:
        return bool(gate._lock._waiters)  # asyncio.Lock's queue: no public way to see it
    waiting = await session.exec(text("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
    return waiting.scalar_one() > 0


async def beside_an_open_ingest(indicators: Any, csv: str, request: Awaitable[httpx.Response]) -> httpx.Response:
    """Ingest `csv` without committing, send `request`, commit once it waits, and return its answer."""
    async with indicators.app.state.database.session() as session:
        await IngestService(session, chunk_rows=1000, max_errors=10).ingest(
            INGESTER, IngestFile(file=io.BytesIO(csv.encode()), format=IngestFormat.CSV, sha256=str(hash(csv))))
        sent = asyncio.ensure_future(request)
        async with indicators.app.state.database.session() as observer:
            for _ in range(500):
                if sent.done() or await _waiting_for_the_turn(indicators, observer):
                    break
                await asyncio.sleep(0.01)
        assert not sent.done(), sent.result().text  # it waited for the ingest
        await session.commit()
    return await sent


async def severities(indicators: Any, country: str) -> list[tuple[str, float]]:
    items = (await indicators.get("/severities", params={"country": country})).json()["items"]
    return [(s["geography"], s["severity"]) for s in items]


async def test_a_recompute_waits_for_a_running_ingest_and_reads_what_it_wrote(indicators):
    await indicators.add_indicators(indicators.indicator_body("p1"))
    await indicators.ingest("indicator,geography,period,value\np1,KR-11,2023,10\np1,KR-26,2023,20\n", expect=201)
    assert await severities(indicators, "KR") == [("KR-11", 0.0), ("KR-26", 1.0)]
    seen = len(await indicators.outbox("sihub.indicators.severity.changed"))

    swapped = "indicator,geography,period,value\np1,KR-11,2023,30\np1,KR-26,2023,5\n"
    recompute = await beside_an_open_ingest(indicators, swapped, indicators.post("/indices/recompute", json={}))
    assert recompute.status_code == 200, recompute.text
    # The ingest recomputed the set; the admin's recompute found nothing more to change.
    assert [s["severity_changes"] for s in recompute.json()] == [0]
    assert await severities(indicators, "KR") == [("KR-11", 1.0), ("KR-26", 0.0)]
    changed = (await indicators.outbox("sihub.indicators.severity.changed"))[seen:]
    assert [(e["data"]["geography"], e["data"]["severity"]) for e in changed] == [("KR-11", 1.0), ("KR-26", 0.0)]


async def test_a_new_direction_recomputes_a_set_a_running_ingest_adds(indicators):
    await indicators.add_indicators(indicators.indicator_body("p1"))  # lower is better
    await indicators.ingest("indicator,geography,period,value\np1,KR-11,2023,10\np1,KR-26,2023,20\n", expect=201)
    etag = (await indicators.get("/indicators/p1")).headers["ETag"]

    japan = "indicator,geography,period,value\np1,JP-13,2023,10\np1,JP-27,2023,20\n"
    flipped = await beside_an_open_ingest(indicators, japan, indicators.patch(
        "/indicators/p1", json={"direction": "higher_is_better"}, headers={"If-Match": etag}))
    assert flipped.status_code == 200, flipped.text
    # Japan's regions, added by the ingest with the old direction, are computed with the new one.
    assert await severities(indicators, "JP") == [("JP-13", 1.0), ("JP-27", 0.0)]
    assert await severities(indicators, "KR") == [("KR-11", 1.0), ("KR-26", 0.0)]
    recompute = (await indicators.post("/indices/recompute", json={})).json()
    assert {s["comparison_set"]: s["severity_changes"] for s in recompute} == {"regions:JP": 0, "regions:KR": 0}
