"""Prefix search on a PostgreSQL database whose default collation is a language's (ICU `en`, as
en_US is the postgres image's default): the tests' own databases compare bytes (C.UTF-8), which
hid that a word's prefix range ended at a character such a collation sorts before letters."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from sihub_shared.testing import drop_postgres_database, reachable_postgres_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database_url() -> str:
    """This module's database (the `registry` fixture runs on it): ICU `en` by default."""
    admin_url = await reachable_postgres_or_skip()
    name = f"sihub_test_icu_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                                 "ICU_LOCALE 'en' LOCALE 'C.UTF-8'")
    finally:
        await connection.close()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    yield url
    await drop_postgres_database(admin_url, url)


async def test_a_prefix_ending_in_z_or_9_is_found_under_a_language_collation(registry, new_actor):
    partner = registry.partner()
    await partner.create("/actors", new_actor("Suzuki Foundation", kind="foundation", country="JP", region="JP-13"))
    await partner.create("/actors", new_actor("Campus 1999 Network", region="KR-11"))
    for query, name in (("Suz", "Suzuki Foundation"), ("Suzu", "Suzuki Foundation"), ("199", "Campus 1999 Network")):
        found = (await partner.get("/actors", params={"q": query})).json()["items"]
        assert [a["names"][0]["value"] for a in found] == [name], query
