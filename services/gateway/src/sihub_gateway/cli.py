"""`sihub-gateway`: migrate, serve, and the admin's account and key commands."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sihub_gateway.settings import GatewaySettings
from sihub_shared.cli import offline_settings, service_cli

if TYPE_CHECKING:  # the accounts' modules load when a command needs them (sihub_shared.cli says why)
    from sihub_gateway.accounts.schemas import ApiKeyIssued

app = service_cli(
    "gateway",
    settings_class=GatewaySettings,
    app_factory="sihub_gateway.main:create_app",
    migrations=Path(__file__).parent / "migrations",
)


async def _create_account_with_key(name: str, roles: list[str], label: str) -> ApiKeyIssued:
    from sihub_gateway.accounts.schemas import AccountCreate, ApiKeyCreate
    from sihub_gateway.accounts.service import AccountService
    from sihub_shared.db import Database

    database = Database(offline_settings(GatewaySettings).database_url)
    try:
        async with database.session() as session:
            service = AccountService(session)
            account = await service.create_account(AccountCreate(name=name, roles=roles))
            await session.flush()
            return await service.issue_key(account.id, ApiKeyCreate(label=label))
    finally:
        await database.dispose()


@app.command("create-account")
def create_account(
    name: str = typer.Option(..., help="the organisation's name"),
    role: list[str] = typer.Option(..., help="partner, hub_operator, integrator or admin; repeatable"),
    label: str = typer.Option("first key"),
) -> None:
    """Create an account and its first API key; the key is printed once."""
    issued = asyncio.run(_create_account_with_key(name, role, label))
    typer.echo(f"account {issued.account_id}\nkey     {issued.key}\n(shown once; store it now)")


@app.command("bootstrap-admin")
def bootstrap_admin(key_file: Path = typer.Option(..., help="where the admin key is written, mode 0600")) -> None:
    """Create the first admin account and write its key to a file, unless the file exists."""
    if key_file.exists():
        typer.echo(f"admin key already in {key_file}")
        return
    issued = asyncio.run(_create_account_with_key("sihub administrators", ["admin"], "bootstrap"))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(issued.key + "\n")
    typer.echo(f"admin key written to {key_file} (mode 0600)")
