from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sihub_gateway.accounts.models import Account, ApiKey


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Account | ApiKey) -> None:
        self.session.add(row)

    async def get_account(self, account_id: str) -> Account | None:
        return await self.session.get(Account, account_id)

    async def list_accounts(self) -> list[Account]:
        return list((await self.session.exec(select(Account).order_by(Account.created_at))).all())

    async def get_key(self, prefix: str) -> ApiKey | None:
        return await self.session.get(ApiKey, prefix)

    async def get_key_with_account(self, prefix: str) -> tuple[ApiKey, Account] | None:
        query = select(ApiKey, Account).join(Account).where(ApiKey.prefix == prefix)
        return (await self.session.exec(query)).first()

    async def list_keys(self, account_id: str) -> list[ApiKey]:
        query = select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.created_at)
        return list((await self.session.exec(query)).all())
