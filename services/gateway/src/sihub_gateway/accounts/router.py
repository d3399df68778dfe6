from __future__ import annotations

from fastapi import APIRouter, Request, status

from sihub_gateway.accounts.authentication import Admin, Caller
from sihub_gateway.accounts.schemas import AccountCreate, AccountPublic, ApiKeyCreate, ApiKeyIssued, ApiKeyPublic
from sihub_gateway.accounts.service import AccountService
from sihub_shared.db import Session
from sihub_shared.identity import Identity
from sihub_shared.openapi import problems
from sihub_shared.strict import Line

router = APIRouter(prefix="/gateway", tags=["accounts"])


@router.get("/me", summary="The account behind the calling key")
async def me(caller: Caller) -> Identity:
    return caller


@router.post("/accounts", status_code=status.HTTP_201_CREATED, response_model=AccountPublic)
async def create_account(data: AccountCreate, session: Session, _: Admin):
    return await AccountService(session).create_account(data)


@router.get("/accounts", response_model=list[AccountPublic])
async def list_accounts(session: Session, _: Admin):
    return await AccountService(session).list_accounts()


@router.get("/accounts/{account_id}", response_model=AccountPublic)
async def get_account(account_id: Line, session: Session, _: Admin):
    return await AccountService(session).get_account(account_id)


@router.post(
    "/accounts/{account_id}/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key: the whole key is in this answer only",
)
async def issue_key(account_id: Line, data: ApiKeyCreate, session: Session, _: Admin) -> ApiKeyIssued:
    return await AccountService(session).issue_key(account_id, data)


@router.get("/accounts/{account_id}/keys", response_model=list[ApiKeyPublic])
async def list_keys(account_id: Line, session: Session, _: Admin):
    return await AccountService(session).list_keys(account_id)


@router.delete("/keys/{prefix}", responses=problems(409), response_model=ApiKeyPublic)
async def revoke_key(prefix: Line, request: Request, session: Session, caller: Admin):
    revoked = await AccountService(session).revoke_key(prefix, caller)
    request.app.state.authenticator.forget_after_commit(session, prefix)
    return revoked
