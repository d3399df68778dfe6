"""NATS in the production shape: deploy/k8s/nats-accounts.conf on a real nats-server.

The passwords are generated here and handed to the server through its environment, as the
`sihub-secrets` Secret or compose's .env would. What is shown: an integrator or another service
cannot put a forged `sihub.registry.actor.created` on the registry's stream; the registry can,
through its outbox relay; an integrator can still replay the stream with its own durable consumer.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.errors import Error as NatsError

from sihub_shared.db import Database
from sihub_shared.events.bus import EventBus
from sihub_shared.events.envelope import CloudEvent
from sihub_shared.events.outbox import OutboxMessage
from sihub_shared.events.relay import OutboxRelay
from sihub_shared.events.streams import ensure_stream
from sihub_shared.natsserver import NatsServer
from sihub_shared.settings import async_database_url
from sihub_shared.testing.ledger import create_tables

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = ROOT / "deploy" / "k8s" / "nats-accounts.conf"
SERVICES = sorted(
    p.name for p in (ROOT / "services").iterdir() if p.is_dir() and (p / "pyproject.toml").is_file()
)
FORGED_SUBJECT = "sihub.registry.actor.created"


def configured_users() -> dict[str, str]:
    """user → the text of its block in the accounts file."""
    text = ACCOUNTS.read_text()
    starts = [(m.group(1), m.start()) for m in re.finditer(r"^\s*user:\s*(\w+)", text, re.M)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {user: text[start:end] for (user, start), end in zip(starts, ends, strict=True)}


def test_every_service_has_a_user_that_publishes_only_its_own_events() -> None:
    users = configured_users()
    assert set(SERVICES) <= users.keys(), f"no NATS user for {set(SERVICES) - users.keys()}"
    for user, block in users.items():
        published = set(re.findall(r'"(sihub\.[^"]*)"', block.split("deny")[0]))
        if user in SERVICES:
            assert published == {f"sihub.{user}.>"}, (user, published)
        else:
            assert published == set(), f"{user} may publish events: {published}"
        # No password in the file: each one comes from the server's environment.
        assert re.search(rf"password:\s*\$SIHUB_NATS_{user.upper()}_PASSWORD\s*$", block, re.M), user


@pytest.fixture
def passwords() -> dict[str, str]:
    # Hex, as .env.example says: nats-server cannot read a variable starting with '-' (urlsafe tokens may).
    return {user: secrets.token_hex(24) for user in configured_users()}


@pytest.fixture
def secured_nats(tmp_path: Path, passwords: dict[str, str]) -> Iterator[NatsServer]:
    env = {f"SIHUB_NATS_{user.upper()}_PASSWORD": password for user, password in passwords.items()}
    server = NatsServer(tmp_path / "nats", config=ACCOUNTS, env=env, log_file=tmp_path / "nats.log")
    server.start()
    yield server
    server.stop(kill=True)


@pytest.fixture
async def registry_bus(secured_nats: NatsServer, passwords: dict[str, str]) -> AsyncIterator[EventBus]:
    bus = EventBus(secured_nats.url, name="registry", user="registry", password=passwords["registry"])
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    await ensure_stream(bus.jetstream, "registry", duplicate_window_s=60)
    yield bus
    await bus.close()


class Connection:
    """A plain nats-py client as an outside party would open it, keeping the errors it is sent."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.client: nats.NATS | None = None

    async def open(self, server: NatsServer, user: str, password: str) -> nats.NATS:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc))

        self.client = await nats.connect(
            server.url, user=user, password=password, inbox_prefix=f"_INBOX.{user}",
            error_cb=on_error, allow_reconnect=False, connect_timeout=5,
        )
        return self.client


def forged_event() -> bytes:
    return CloudEvent(
        source="/sihub/registry", type="org.sihub.registry.actor.created.v1",
        data={"actor": {"id": str(uuid.uuid4()), "name": "Forged Foundation"}},
    ).to_bytes()


async def registry_messages(bus: EventBus) -> int:
    return (await bus.jetstream.stream_info("SIHUB_REGISTRY")).state.messages


async def test_a_wrong_password_is_refused(secured_nats: NatsServer) -> None:
    with pytest.raises((NatsError, OSError)):
        await Connection().open(secured_nats, "registry", "not-the-password")


@pytest.mark.parametrize("user", ["integrator", "indicators", "gateway"])
async def test_a_forged_registry_event_is_refused(
    user: str, secured_nats: NatsServer, passwords: dict[str, str], registry_bus: EventBus
) -> None:
    connection = Connection()
    client = await connection.open(secured_nats, user, passwords[user])
    try:
        with pytest.raises((TimeoutError, NatsError)):
            await client.jetstream().publish(FORGED_SUBJECT, forged_event(), timeout=1)
        await client.publish(FORGED_SUBJECT, forged_event())
        await client.flush()
        await asyncio.sleep(0.2)  # the server's -ERR arrives after the flush's PONG
    finally:
        await client.close()
    assert await registry_messages(registry_bus) == 0
    assert any("permissions violation for publish" in e.lower() for e in connection.errors), connection.errors


async def test_the_owner_publishes_through_the_outbox_and_an_integrator_replays(
    database_url: str, secured_nats: NatsServer, passwords: dict[str, str], registry_bus: EventBus
) -> None:
    database = Database(async_database_url(database_url))
    await create_tables(database)
    try:
        events = [forged_event() for _ in range(3)]
        async with database.session() as session:
            for body in events:
                session.add(OutboxMessage(
                    event_id=CloudEvent.model_validate_json(body).id, subject=FORGED_SUBJECT,
                    body=body, created_at=datetime.now(UTC),
                ))
            await session.commit()
        assert await OutboxRelay(database, registry_bus, service="registry").publish_batch() == 3
    finally:
        await database.dispose()
    assert await registry_messages(registry_bus) == 3

    # The gateway reads any stream message by message (replay over HTTP) without writing to it.
    gateway = await Connection().open(secured_nats, "gateway", passwords["gateway"])
    try:
        assert (await gateway.jetstream().get_msg("SIHUB_REGISTRY", seq=2)).data == events[1]
    finally:
        await gateway.close()

    connection = Connection()
    client = await connection.open(secured_nats, "integrator", passwords["integrator"])
    try:
        js = client.jetstream()
        # Its own durable (named after the user) replays the stream from the start.
        subscription = await js.pull_subscribe(FORGED_SUBJECT, durable="integrator", stream="SIHUB_REGISTRY")
        messages = await subscription.fetch(10, timeout=5)
        for message in messages:
            await message.ack()
        assert [m.data for m in messages] == events
        # Anyone else's consumer name, or the stream itself, is out of reach.
        with pytest.raises((TimeoutError, NatsError)):
            await js.pull_subscribe(FORGED_SUBJECT, durable="registry-view", stream="SIHUB_REGISTRY")
        with pytest.raises((TimeoutError, NatsError)):
            await js.delete_stream("SIHUB_REGISTRY")
    finally:
        await client.close()
    assert await registry_messages(registry_bus) == 3
