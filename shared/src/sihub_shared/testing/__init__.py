"""A pytest plugin (enabled in the root pyproject): real nats-server and real databases for tests.

- `nats_server`: a nats-server with JetStream on a free port, for the whole session; tests that
  kill it use `fresh_nats_server` instead.
- `database_url`: parametrised over SQLite and PostgreSQL. PostgreSQL comes from
  TEST_DATABASE_URL or 127.0.0.1:5432; each test gets its own new database. Where none is
  reachable the PostgreSQL cases are skipped — except when CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from sihub_shared.identity import IDENTITY_HEADER, Identity, Role, sign_identity
from sihub_shared.natsserver import NatsServer

TEST_IDENTITY_SECRET = "test-identity-secret-that-is-long-enough-0123456789"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)


async def _postgres_reachable(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await connection.close()
    return True


_container_url: str | None = None


def _postgres_in_a_container() -> str | None:
    """A PostgreSQL 15 container for the session, where a Docker engine answers; else None."""
    global _container_url
    if _container_url is not None:
        return _container_url
    try:
        import atexit

        import docker
        from testcontainers.postgres import PostgresContainer

        docker.from_env().ping()
    except Exception:  # noqa: BLE001 - no engine (the usual case here): nothing to start
        return None
    container = PostgresContainer("postgres:15", driver=None)
    container.start()
    atexit.register(container.stop)
    _container_url = container.get_connection_url()
    return _container_url


async def reachable_postgres_or_skip() -> str:
    """The admin URL of a reachable PostgreSQL (TEST_DATABASE_URL, 127.0.0.1:5432, or a container
    where Docker runs); skips the test where there is none, and fails instead when CI=true."""
    url = postgres_admin_url()
    if await _postgres_reachable(url):
        return url
    container_url = _postgres_in_a_container()
    if container_url is not None and await _postgres_reachable(container_url):
        return container_url
    message = f"PostgreSQL not reachable at {url}, and no Docker engine for a container"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
    pytest.skip(message)


async def create_postgres_database(admin_url: str) -> str:
    name = f"sihub_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def drop_postgres_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin_url = await reachable_postgres_or_skip()
    url = await create_postgres_database(admin_url)
    try:
        yield url
    finally:
        await drop_postgres_database(admin_url, url)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of this test's own, which the test may kill and restart."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop(kill=True)


def identity_headers(
    *roles: Role, account_id: str | None = None, organisation: str = "Test Org"
) -> dict[str, str]:
    """Headers as the gateway would send them, for calling a service directly in tests."""
    identity = Identity(
        account_id=account_id or str(uuid.uuid4()),
        organisation=organisation,
        roles=frozenset(roles or (Role.partner,)),
    )
    return {IDENTITY_HEADER: sign_identity(identity, TEST_IDENTITY_SECRET)}


async def consumer_caught_up(js, stream: str, durable: str) -> bool:  # noqa: ANN001 - nats-py JetStreamContext
    """The durable has acked every message on `stream`: its ack floor at the stream's last sequence
    (every message there must match its filter). Not "nothing pending and nothing unacked": a
    durable made a moment ago may report 0 pending before it has counted the stream (seen 1 run in
    76 of a replay test: 0 pending, 0 delivered, ack floor 0, with 40 messages on the stream)."""
    from nats.js.errors import NotFoundError

    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return False  # not made yet
    last = (await js.stream_info(stream)).state.last_seq
    return info.num_ack_pending == 0 and info.ack_floor is not None and info.ack_floor.stream_seq >= last


async def read_stream(js, stream: str, subjects: str) -> list:  # noqa: ANN001 - nats-py JetStreamContext
    """Every message now on `stream` (matching `subjects`) as CloudEvents, via an ephemeral ordered consumer."""
    from nats.js.api import DeliverPolicy

    from sihub_shared.events.envelope import CloudEvent

    total = (await js.stream_info(stream)).state.messages
    events: list[CloudEvent] = []
    if total == 0:
        return events
    subscription = await js.subscribe(subjects, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        while len(events) < total:
            message = await subscription.next_msg(timeout=5)
            events.append(CloudEvent.model_validate_json(message.data))
    except TimeoutError:
        pass  # fewer matched `subjects` than the stream holds
    finally:
        await subscription.unsubscribe()
    return events
