"""The command line: `load-demo` through a real gateway in front of a real registry, twice, and
`import` of a file in-process, all or nothing."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
from sihub_gateway.accounts.service import AccountService
from sihub_gateway.main import create_app as create_gateway
from sihub_gateway.settings import GatewaySettings
from sihub_registry.cli import app
from sihub_registry.demo.dataset import demo_dataset
from sihub_registry.main import create_app
from sihub_registry.settings import RegistrySettings
from sihub_shared.db import Database
from sihub_shared.migrations import upgrade
from sihub_shared.settings import async_database_url
from sihub_shared.testing import TEST_IDENTITY_SECRET
from sihub_shared.testing.servers import serving

REGISTRY_MIGRATIONS = Path(__file__).parents[1] / "src" / "sihub_registry" / "migrations"
GATEWAY_MIGRATIONS = Path(__file__).parents[3] / "services" / "gateway" / "src" / "sihub_gateway" / "migrations"
RESOURCES = ("actors", "programmes", "memberships", "projects", "case-studies", "partnerships")

runner = CliRunner()


async def invoke(*args: str, env: dict[str, str] | None = None):
    """Run the command in a thread: its asyncio.run must not block the servers in this loop."""
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


@pytest.fixture
async def stack(database_url, tmp_path, nats_server):
    """(gateway URL, admin key file): the registry on `database_url`, the gateway on SQLite."""
    await upgrade(REGISTRY_MIGRATIONS, database_url)
    registry = create_app(RegistrySettings(database_url=database_url, nats_url=nats_server.url,
                                           identity_secret=TEST_IDENTITY_SECRET, run_workers=False,
                                           max_body_bytes=4_000_000))  # fmt: skip
    gateway_db = f"sqlite:///{tmp_path / 'gateway.db'}"
    await upgrade(GATEWAY_MIGRATIONS, gateway_db)
    async with serving(registry) as registry_url:
        settings = GatewaySettings(
            database_url=gateway_db, nats_url=nats_server.url, identity_secret=TEST_IDENTITY_SECRET,
            upstreams={"registry": registry_url}, max_body_bytes=4_000_000, rate_limit_per_s=10_000,
            rate_limit_burst=10_000, run_workers=False,
        )  # fmt: skip
        gateway = create_gateway(settings)
        database = Database(settings.database_url)
        async with database.session() as session:
            service = AccountService(session)
            account = await service.create_account(AccountCreate(name="admins", roles=["admin"]))
            await session.flush()
            issued = await service.issue_key(account.id, ApiKeyCreate(label="demo"))
        await database.dispose()
        key_file = tmp_path / "admin.key"
        key_file.write_text(issued.key + "\n")
        async with serving(gateway) as gateway_url:
            yield gateway_url, key_file


async def listed(gateway_url: str, key_file: Path) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    headers = {"Authorization": f"Bearer {key_file.read_text().strip()}"}
    async with httpx.AsyncClient(base_url=gateway_url + "/api/v1/registry", headers=headers) as client:
        for resource in RESOURCES:
            items, cursor = [], None
            while True:
                params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
                page = (await client.get(f"/{resource}", params=params)).raise_for_status().json()
                items += page["items"]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            found[resource] = items
    return found


async def outbox_subjects(database_url: str) -> Counter:
    database = Database(async_database_url(database_url))
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT subject FROM outbox_message"))).all()
    finally:
        await database.dispose()
    return Counter(subject for (subject,) in rows)


async def test_load_demo_twice_creates_everything_once(stack, database_url):
    gateway_url, key_file = stack
    dataset = demo_dataset()

    first = await invoke("load-demo", "--gateway", gateway_url, "--key-file", str(key_file))
    assert first.exit_code == 0, first.output
    after_first = await listed(gateway_url, key_file)
    events_after_first = await outbox_subjects(database_url)

    second = await invoke("load-demo", "--gateway", gateway_url, "--key-file", str(key_file))
    assert second.exit_code == 0, second.output
    assert "registry demo data: 0 records created" in second.output
    after_second = await listed(gateway_url, key_file)

    expected = {
        "actors": len(dataset["actors"]), "programmes": len(dataset["hub_programmes"]),
        "memberships": len(dataset["memberships"]), "projects": len(dataset["projects"]),
        "case-studies": len(dataset["case_studies"]), "partnerships": len(dataset["partnerships"]),
    }  # fmt: skip
    assert {r: len(items) for r, items in after_first.items()} == expected
    assert after_second == after_first
    assert await outbox_subjects(database_url) == events_after_first
    assert events_after_first["sihub.registry.actor.created"] == len(dataset["actors"])
    assert events_after_first["sihub.registry.membership.created"] == len(dataset["memberships"])

    actors = {a["ref"]: a for a in after_first["actors"]}
    toyota = actors["demo:toyota-foundation"]
    assert (toyota["country"], toyota["region"], toyota["illustrative"]) == ("JP", "JP-13", False)
    assert all(a["illustrative"] for ref, a in actors.items() if ref.startswith(("demo:kr-", "demo:jp-", "demo:th-")))
    # References in the dataset became the ids of the records they name.
    by_id = {a["id"]: a["ref"] for a in after_first["actors"]}
    real_tie = next(t for t in after_first["partnerships"] if not t["illustrative"] and t["type"] == "funding")
    assert {by_id[i] for i in real_tie["actor_ids"]} == {"demo:toyota-foundation", "demo:keio-university"}
    members = Counter(by_id[m["actor_id"]] for m in after_first["memberships"])
    assert members == Counter("demo:" + m["actor_ref"] for m in dataset["memberships"])


def actor_row(ref: str, name: str, region: str = "KR-26") -> dict:
    return {"ref": ref, "names": [{"value": name, "lang": "en"}], "kind": "social_enterprise",
            "country": "KR", "region": region}  # fmt: skip


async def count_actors(database_url: str) -> tuple[int, int]:
    database = Database(async_database_url(database_url))
    try:
        async with database.engine.connect() as connection:
            actors = (await connection.execute(sa.text("SELECT count(*) FROM actor"))).scalar_one()
            events = (await connection.execute(sa.text("SELECT count(*) FROM outbox_message"))).scalar_one()
    finally:
        await database.dispose()
    return actors, events


async def test_import_writes_every_row_and_its_event(database_url, tmp_path):
    await upgrade(REGISTRY_MIGRATIONS, database_url)
    # As the README gives it: the database alone (an offline import needs no identity secret).
    env = {"SIHUB_DATABASE_URL": database_url, "SIHUB_IDENTITY_SECRET": None}
    file = tmp_path / "actors.json"
    file.write_text(json.dumps([actor_row(f"cli-{n}", f"Busan Works {n}") for n in range(30)]))

    result = await invoke("import", str(file), env=env)

    assert result.exit_code == 0, result.output
    assert "30 rows: 30 created" in result.output
    assert await count_actors(database_url) == (30, 30)


async def test_import_of_a_bad_file_writes_nothing_and_exits_1(database_url, tmp_path):
    await upgrade(REGISTRY_MIGRATIONS, database_url)
    env = {"SIHUB_DATABASE_URL": database_url, "SIHUB_IDENTITY_SECRET": TEST_IDENTITY_SECRET}
    file = tmp_path / "actors.csv"
    file.write_text(
        "ref,name_en,kind,country,region\n"
        "ok-1,Good Company,social_enterprise,KR,KR-26\n"
        "bad-1,Busan Code In Japan,social_enterprise,JP,KR-26\n"
        "ok-2,Other Company,cooperative,KR,KR-11\n"
        "bad-2,Wizards,wizard,KR,KR-11\n",
        encoding="utf-8",
    )

    result = await invoke("import", str(file), env=env)

    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.output
    assert "region" in result.output and "kind" in result.output  # the bad fields, in the table
    assert await count_actors(database_url) == (0, 0)

    partial = await invoke("import", str(file), "--partial", env=env)
    assert partial.exit_code == 0, partial.output
    assert "4 rows: 2 created, 0 existing, 2 skipped" in partial.output
    assert await count_actors(database_url) == (2, 2)


async def test_reindex_rebuilds_every_actors_search_terms_from_its_names(database_url, tmp_path):
    """Terms written by an earlier way of indexing (here: all but one removed, one stale added) are
    rebuilt as a write would make them, in batches."""
    await upgrade(REGISTRY_MIGRATIONS, database_url)
    env = {"SIHUB_DATABASE_URL": database_url, "SIHUB_IDENTITY_SECRET": TEST_IDENTITY_SECRET}
    file = tmp_path / "actors.json"
    file.write_text(json.dumps([actor_row(f"cli-{n}", f"소셜캠퍼스 온 {n}") for n in range(5)]))
    assert (await invoke("import", str(file), env=env)).exit_code == 0

    async def terms() -> set[tuple[str, str]]:
        database = Database(async_database_url(database_url))
        try:
            async with database.engine.connect() as connection:
                return set((await connection.execute(sa.text("SELECT term, actor_id FROM actor_search_term"))).all())
        finally:
            await database.dispose()

    written = await terms()
    database = Database(async_database_url(database_url))
    try:
        async with database.engine.begin() as connection:
            await connection.execute(sa.text("DELETE FROM actor_search_term WHERE term <> '소셜'"))
            actor_id = next(iter(written))[1]
            await connection.execute(sa.text("INSERT INTO actor_search_term (term, actor_id) VALUES ('stale', :a)"),
                                     {"a": actor_id})
    finally:
        await database.dispose()
    assert await terms() != written

    result = await invoke("reindex", "--batch", "2", env=env)
    assert result.exit_code == 0, result.output
    assert "5 actors reindexed" in result.output
    assert await terms() == written
