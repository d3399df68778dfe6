"""The one settings base class: every service extends it, one process runs one service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


_Value = TypeVar("_Value")


def for_path(by_prefix: Mapping[str, _Value], path: str, default: _Value) -> _Value:
    """A setting given per path prefix: the value of the longest prefix `path` starts with (as
    nginx picks a location), else `default`."""
    prefix = max((prefix for prefix in by_prefix if path.startswith(prefix)), key=len, default=None)
    return default if prefix is None else by_prefix[prefix]


def async_database_url(url: str) -> str:
    """Accept the URLs people write (`sqlite:///x.db`, `postgresql://…`) and name the async driver."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        return url
    raise ValueError("must be a sqlite:/// or postgresql:// URL")


class ServiceSettings(BaseSettings):
    """Read from `SIHUB_*` environment variables; a bad value stops the process at start."""

    model_config = SettingsConfigDict(env_prefix="SIHUB_", extra="ignore", frozen=True)

    service_name: str
    database_url: str
    nats_url: str = "nats://127.0.0.1:4222"
    # The service's NATS user (deploy/k8s/nats-accounts.conf): unset for the open embedded server.
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    identity_secret: SecretStr = Field(min_length=32)
    identity_ttl_s: int = Field(default=60, ge=5, le=3600)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    log_level: str = "INFO"
    log_json: bool = True
    run_workers: bool = True
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    # SQLite: how long a write waits for its turn before the answer is 503 with Retry-After.
    sqlite_write_wait_s: float = Field(default=10.0, gt=0, le=60)
    stream_duplicate_window_s: int = Field(default=600, ge=1)
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # A stop waits this long for requests in flight, then cancels them and shuts down cleanly
    # (the database disposed, the SQLite WAL emptied). Below the process manager's kill: the
    # devstack waits 15 s, Kubernetes 30 s. Without a bound one stuck connection held a stop forever.
    shutdown_grace_s: float = Field(default=10.0, gt=0, le=300)
    # Every this many seconds the C heap's free pages are given back to the operating system
    # (glibc's malloc_trim; 0: never). Measured in bench/README.md, bench-load, session 18.
    heap_trim_interval_s: float = Field(default=30.0, ge=0, le=3600)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("nats_url")
    @classmethod
    def _nats_scheme(cls, value: str) -> str:
        if not value.startswith(("nats://", "tls://")):
            raise ValueError("must be a nats:// or tls:// URL")
        return value
