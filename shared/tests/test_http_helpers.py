from __future__ import annotations

import pytest

from sihub_shared.concurrency import check_if_match, etag
from sihub_shared.errors import PreconditionFailed, PreconditionRequired, ProblemError
from sihub_shared.pagination import decode_cursor, encode_cursor
from sihub_shared.settings import async_database_url


def test_if_match_required_stale_and_current():
    with pytest.raises(PreconditionRequired):
        check_if_match(None, 3)
    with pytest.raises(PreconditionFailed) as stale:
        check_if_match(etag(2), 3)
    assert stale.value.extensions["current_etag"] == '"3"'
    check_if_match(etag(3), 3)
    check_if_match('W/"3"', 3)
    check_if_match("*", 3)


def test_cursor_round_trip_and_garbage():
    position = {"name": "소셜캠퍼스 온", "id": "a-1"}
    assert decode_cursor(encode_cursor(position)) == position
    with pytest.raises(ProblemError) as bad:
        decode_cursor("not-a-cursor!")
    assert bad.value.errors[0]["field"] == "cursor"
    # A number no column holds (once a 500 where it reached the database) is no cursor of ours.
    for position in (2**63, -(2**63) - 1, 10**30):
        with pytest.raises(ProblemError) as too_large:
            decode_cursor(encode_cursor({"position": position}))
        assert too_large.value.errors[0]["field"] == "cursor"
    assert decode_cursor(encode_cursor({"position": 2**63 - 1})) == {"position": 2**63 - 1}
    for forged in ({"k": ["KR\x0011"]}, {"id": "a\x00"}):  # PostgreSQL's text holds no NUL: once a 500
        with pytest.raises(ProblemError):
            decode_cursor(encode_cursor(forged))


def test_database_urls_get_async_drivers():
    assert async_database_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert async_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValueError):
        async_database_url("mysql://u@h/db")


async def test_concurrent_migrations_on_postgres_take_turns(tmp_path):
    """Two replicas migrating one PostgreSQL database at once: both succeed, schema applied once."""
    import asyncio
    from pathlib import Path

    import asyncpg

    from alembic.script import ScriptDirectory

    from sihub_shared.migrations import alembic_config, upgrade
    from sihub_shared.testing import create_postgres_database, drop_postgres_database, reachable_postgres_or_skip

    admin = await reachable_postgres_or_skip()
    url = await create_postgres_database(admin)
    migrations = Path(__file__).parents[2] / "services" / "gateway" / "src" / "sihub_gateway" / "migrations"
    try:
        # Without the lock the two collide (and hang): the timeout turns that into a failure.
        await asyncio.wait_for(asyncio.gather(upgrade(migrations, url), upgrade(migrations, url)), 30)
        connection = await asyncpg.connect(url)
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
        await connection.close()
        # One row: the gateway's newest revision, applied once.
        head = ScriptDirectory.from_config(alembic_config(migrations, url)).get_current_head()
        assert [row["version_num"] for row in versions] == [head]
    finally:
        await drop_postgres_database(admin, url)


@pytest.mark.parametrize("sent", ["0.5", "1700000000", 1700000000, "2026-12-02", "yesterday"])
def test_a_utc_datetime_is_written_as_a_date_time_not_seconds(sent):
    from pydantic import TypeAdapter, ValidationError

    from sihub_shared.timestamps import UtcDatetime

    with pytest.raises(ValidationError):
        TypeAdapter(UtcDatetime).validate_python(sent)
    read = TypeAdapter(UtcDatetime).validate_python("2026-12-02T09:30:00+09:00")
    assert read.isoformat() == "2026-12-02T00:30:00+00:00"
